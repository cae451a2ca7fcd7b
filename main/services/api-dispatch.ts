/**
 * One place where every renderer request enters main, whichever transport
 * carried it (Electron IPC or the browser host's loopback HTTP): the payload is
 * validated against the operation's schema, the handler runs, and anything
 * unexpected becomes a typed INTERNAL error (logged here, never a stack trace
 * to the renderer).
 */
import type { z } from 'zod';
import { operations, type ApiErrorCode, type OperationName, type Operations, type ResponseOf } from '../../preload/contract/api';
import { err, type Err } from '../../preload/contract/result';
import { isStoreUnreachable } from '../ledger/pg/pg-errors';
import type { Logger } from '../logging/logger';

export const STORE_LOST_DURING_REQUEST =
  "The store's database cannot be reached, so this action may not have been completed. Look again once the store is back before doing it again.";

export type ValidRequestOf<N extends OperationName> = z.output<Operations[N]['request']>;

export type ApiHandlers = {
  readonly [N in OperationName]: (request: ValidRequestOf<N>) => Promise<ResponseOf<N>>;
};

/** Looks an operation up by its channel string; undefined for anything else. */
export function operationForChannel(channel: string): OperationName | undefined {
  return CHANNEL_TO_OPERATION.get(channel);
}

const CHANNEL_TO_OPERATION = new Map<string, OperationName>((Object.keys(operations) as OperationName[]).map((name) => [operations[name].channel, name]));

/** The early gate: a refusal for the signed-in role, or null. See OPERATION_ACCESS in main/features/access.ts. */
export type Authorize = (name: OperationName) => Err<ApiErrorCode> | null;

/**
 * `authorize` runs first, before the payload is validated (or, in the browser
 * host, even read): a role that may not call the operation gets FORBIDDEN and
 * learns nothing about the request format from validation errors.
 */
export async function dispatch<N extends OperationName>(
  handlers: ApiHandlers,
  name: N,
  payload: unknown,
  log: Logger,
  authorize?: Authorize,
): Promise<ResponseOf<N>> {
  const refused = authorize?.(name);
  if (refused) return refused as ResponseOf<N>;
  const parsed = operations[name].request.safeParse(payload ?? {});
  if (!parsed.success) {
    // Bounded: a hostile payload (a 1 MB key name) must not become a 1 MB reply or log line.
    const clip = (text: string, max: number) => (text.length > max ? `${text.slice(0, max)}…` : text);
    const issues = parsed.error.issues.slice(0, 5).map((i) => clip(`${clip(i.path.join('.'), 80) || '(request)'}: ${i.message}`, 200));
    log.warn({ operation: name, issues }, 'rejected invalid request');
    return err<ApiErrorCode>('INVALID_REQUEST', `The request was not valid: ${issues.join('; ')}`) as ResponseOf<N>;
  }
  try {
    const handler = handlers[name] as (request: unknown) => Promise<ResponseOf<N>>;
    return await handler(parsed.data);
  } catch (e) {
    if (isStoreUnreachable(e)) {
      // Store mode: a write may have reached the database before the connection went; "nothing was changed" could be untrue.
      log.warn({ operation: name, err: String(e) }, 'store ledger unreachable during a request');
      return err<ApiErrorCode>('STORE_UNAVAILABLE', STORE_LOST_DURING_REQUEST) as ResponseOf<N>;
    }
    log.error({ operation: name, err: e instanceof Error ? { name: e.name, message: e.message, stack: e.stack } : String(e) }, 'handler failed');
    return err<ApiErrorCode>(
      'INTERNAL',
      'Something went wrong inside the app. Nothing was changed by this action; try again, and call support if it repeats.',
    ) as ResponseOf<N>;
  }
}

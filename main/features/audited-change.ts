/**
 * Configuration changes (Antom settings and keys, terminal pairing) are
 * written into the ledger's audit chain BEFORE they are made. In store mode
 * the chain is the store's PostgreSQL: with the database down, appending after
 * the change left a change that nobody could see in the audit trail, and a
 * screen saying "nothing was changed" while it had been. Now the entry that
 * cannot be written refuses the change, and nothing is changed.
 *
 * An outcome known only after the act (the terminal's serial, a failure) is
 * appended afterwards, best-effort: if that write fails, the entry written
 * first already says the change was asked for, by whom, and what it was.
 */
import type { ApiErrorCode } from '../../preload/contract/api';
import { err, type Result } from '../../preload/contract/result';
import { isStoreUnreachable } from '../ledger/pg/pg-errors';
import type { AuditPort } from '../ledger/store-port';
import type { Logger } from '../logging/logger';

export const CHANGE_NOT_MADE =
  "The store's database cannot be reached, so this change was not made: every change is written into the store's audit trail first. Try again when the store is back.";

export interface AuditedChange<T> {
  readonly actor: string;
  readonly kind: string;
  /** The entry written before the act: what is about to change. */
  readonly detail: Record<string, unknown>;
  readonly act: () => Promise<Result<T, ApiErrorCode>>;
  /** The entry appended after the act, or null when the first entry says all there is. */
  readonly outcome?: (r: Result<T, ApiErrorCode>) => Record<string, unknown> | null;
}

export interface AuditedChangeDeps {
  readonly audit: Pick<AuditPort, 'append'>;
  readonly log: Logger;
}

export async function auditedChange<T>(deps: AuditedChangeDeps, c: AuditedChange<T>): Promise<Result<T, ApiErrorCode>> {
  try {
    await deps.audit.append(c.actor, c.kind, c.detail);
  } catch (e) {
    if (!isStoreUnreachable(e)) throw e; // nothing was done yet: the dispatcher's INTERNAL sentence is true
    deps.log.warn({ kind: c.kind, err: String(e) }, 'change refused: its audit entry cannot be written');
    return err('STORE_UNAVAILABLE', CHANGE_NOT_MADE);
  }
  let result: Result<T, ApiErrorCode>;
  try {
    result = await c.act();
  } catch (e) {
    await appendAfter(deps, c.actor, c.kind, { ...c.detail, failed: true, error: String(e).slice(0, 300) });
    throw e;
  }
  const after = c.outcome?.(result) ?? null;
  if (after !== null) await appendAfter(deps, c.actor, c.kind, after);
  return result;
}

async function appendAfter(deps: AuditedChangeDeps, actor: string, kind: string, detail: Record<string, unknown>): Promise<void> {
  try {
    await deps.audit.append(actor, kind, detail);
  } catch (e) {
    // The change is made (or failed) whatever this write does; the entry written first records that it was asked for.
    deps.log.warn({ kind, err: String(e) }, 'the outcome of an audited change could not be appended');
  }
}

/**
 * `RefundTerminalApi` over HTTP for the browser host: one POST per operation
 * to /api/<channel>, pushes over Server-Sent Events from /api/events.
 * Nothing here throws: every failure comes back as a Result.
 */
import { operations, type ApiErrorCode, type ApiEventName, type ApiEvents, type OperationName, type RefundTerminalApi } from '../../../preload/contract/api';
import type { Result } from '../../../preload/contract/result';

export interface ResponseLike {
  readonly ok: boolean;
  readonly status: number;
  json(): Promise<unknown>;
}
export type FetchLike = (
  url: string,
  init: { method: string; credentials: 'same-origin'; headers: Record<string, string>; body: string },
) => Promise<ResponseLike>;

export interface MessageEventLike {
  readonly data: unknown;
}
export interface EventSourceLike {
  addEventListener(type: string, listener: (event: MessageEventLike) => void): void;
  removeEventListener(type: string, listener: (event: MessageEventLike) => void): void;
  close(): void;
}

export interface BrowserHostDeps {
  readonly fetch: FetchLike;
  readonly createEventSource: (url: string) => EventSourceLike;
}

type AnyResult = Result<unknown, ApiErrorCode>;

function unavailable(message: string): AnyResult {
  return { ok: false, error: { code: 'UNAVAILABLE', message } };
}

function isResult(body: unknown): body is AnyResult {
  if (typeof body !== 'object' || body === null) return false;
  const r = body as { ok?: unknown; value?: unknown; error?: unknown };
  if (r.ok === true) return 'value' in r;
  if (r.ok !== false || typeof r.error !== 'object' || r.error === null) return false;
  const e = r.error as { code?: unknown; message?: unknown };
  return typeof e.code === 'string' && typeof e.message === 'string';
}

function defaultDeps(): BrowserHostDeps {
  return {
    fetch: (url, init) => globalThis.fetch(url, init),
    createEventSource: (url) => new EventSource(url) as unknown as EventSourceLike,
  };
}

export async function postOperation(doFetch: FetchLike, channel: string, request: unknown): Promise<AnyResult> {
  let response: ResponseLike;
  try {
    response = await doFetch('/api/' + channel, {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'Content-Type': 'application/json', 'X-Refund-Terminal': '1' },
      body: JSON.stringify(request ?? {}),
    });
  } catch (e) {
    return unavailable(`The refund service could not be reached (${e instanceof Error ? e.message : 'network error'}).`);
  }
  let body: unknown;
  try {
    body = await response.json();
  } catch {
    if (response.status === 401) return unavailable('This window lost its link to the refund service. Open the address printed by the refund terminal again.');
    return unavailable(`The refund service answered with HTTP ${response.status}.`);
  }
  if (isResult(body)) return body;
  return unavailable(`The refund service gave an answer this screen does not understand (HTTP ${response.status}).`);
}

export function createBrowserHostApi(deps: Partial<BrowserHostDeps> = {}): RefundTerminalApi {
  const base = defaultDeps();
  const doFetch = deps.fetch ?? base.fetch;
  const createEventSource = deps.createEventSource ?? base.createEventSource;

  const api: Record<string, unknown> = {};
  for (const name of Object.keys(operations) as OperationName[]) {
    const channel = operations[name].channel;
    api[name] = (request: unknown) => postOperation(doFetch, channel, request);
  }

  let source: EventSourceLike | null = null;
  let subscribers = 0;
  function on<E extends ApiEventName>(event: E, listener: (payload: ApiEvents[E]) => void): () => void {
    if (source === null) source = createEventSource('/api/events');
    subscribers += 1;
    const handler = (message: MessageEventLike): void => {
      if (typeof message.data !== 'string') return;
      let payload: ApiEvents[E];
      try {
        payload = JSON.parse(message.data) as ApiEvents[E];
      } catch {
        return;
      }
      listener(payload);
    };
    const current = source;
    current.addEventListener(event, handler);
    let active = true;
    return () => {
      if (!active) return;
      active = false;
      current.removeEventListener(event, handler);
      subscribers -= 1;
      if (subscribers === 0 && source === current) {
        current.close();
        source = null;
      }
    };
  }
  api.on = on;
  return api as unknown as RefundTerminalApi;
}

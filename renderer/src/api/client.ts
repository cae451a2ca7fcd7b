/** The one API object the UI talks to: Electron's preload bridge, else the browser host. */
import type { ApiErrorCode, RefundTerminalApi } from '../../../preload/contract/api';
import { createBrowserHostApi } from './browser-host-api';

declare global {
  interface Window {
    refundTerminal?: RefundTerminalApi;
  }
}

export interface ApiFailure {
  readonly code: ApiErrorCode;
  readonly message: string;
  /** Operation-specific facts (e.g. terminalCode, reason) that pick a more precise sentence. */
  readonly details?: Readonly<Record<string, unknown>>;
}

let instance: RefundTerminalApi | null = null;
const expiredListeners = new Set<() => void>();

function withSessionWatch(inner: RefundTerminalApi): RefundTerminalApi {
  const wrapped: Record<string, unknown> = {};
  for (const [name, fn] of Object.entries(inner)) {
    if (typeof fn !== 'function') continue;
    if (name === 'on') {
      wrapped.on = fn.bind(inner);
      continue;
    }
    wrapped[name] = async (request: unknown) => {
      const result = (await (fn as (r: unknown) => Promise<{ ok: boolean; error?: ApiFailure }>).call(inner, request)) as {
        ok: boolean;
        error?: ApiFailure;
      };
      if (!result.ok && result.error?.code === 'NOT_SIGNED_IN' && name !== 'signIn' && name !== 'getSession') {
        for (const l of expiredListeners) l();
      }
      return result;
    };
  }
  return wrapped as unknown as RefundTerminalApi;
}

export function api(): RefundTerminalApi {
  if (instance === null) {
    const raw = typeof window !== 'undefined' && window.refundTerminal ? window.refundTerminal : createBrowserHostApi();
    instance = withSessionWatch(raw);
  }
  return instance;
}

/** Replaces the API (tests, or a host that injects its own implementation). */
export function installApi(raw: RefundTerminalApi): void {
  instance = withSessionWatch(raw);
}

/** Called when any operation says the session is gone (idle lock in main, restart, ...). */
export function onSessionExpired(listener: () => void): () => void {
  expiredListeners.add(listener);
  return () => expiredListeners.delete(listener);
}

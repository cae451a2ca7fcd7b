/**
 * The sandbox's notifyRefund: when an asynchronous refund (answered
 * PROCESSING) settles, the sandbox pushes its result, signed with the gateway
 * key like every Antom message, to the configured URL, and sends it again
 * until the merchant acknowledges it with the guide's body (or the retries
 * run out), as Antom does.
 *
 * Antom's documented cadence is 0 s, 2 min, 10 min, 10 min, 1 h, 2 h, 6 h,
 * 15 h (8 sends); that is the default. Tests and the demo pass shorter delays.
 */
import type { KeyObject } from 'node:crypto';
import { signatureHeaderFor } from '../antom/signing';
import type { SandboxRefund } from './ledger';

export const ANTOM_NOTIFY_RETRY_DELAYS_MS: readonly number[] = [120_000, 600_000, 600_000, 3_600_000, 7_200_000, 21_600_000, 54_000_000];

export interface NotifyAttempt {
  readonly refundRequestId: string;
  readonly attempt: number;
  readonly httpStatus: number | null;
  readonly acknowledged: boolean;
  readonly at: string;
}

export interface SandboxNotifierOptions {
  readonly url: string;
  readonly clientId: string;
  readonly signingKey: () => { key: KeyObject; keyVersion: number | null };
  /** Delays before each re-send after the first send; the list's length caps the re-sends. */
  readonly retryDelaysMs?: readonly number[];
  readonly clock: () => number;
  readonly timeoutMs?: number;
}

/** The body Antom pushes (integration guide sample), plus paymentId, which merchants match on. */
export function notifyBodyFor(r: SandboxRefund): Record<string, unknown> {
  const success = r.status === 'SUCCESS';
  return {
    notifyType: 'REFUND_RESULT',
    refundAmount: { currency: r.amount.currency, value: String(r.amount.value) },
    refundId: r.refundId,
    refundRequestId: r.refundRequestId,
    paymentId: r.paymentId,
    refundStatus: success ? 'SUCCESS' : 'FAIL',
    ...(r.settledAt ? { refundTime: r.settledAt } : {}),
    result: success
      ? { resultCode: 'SUCCESS', resultMessage: 'success.', resultStatus: 'S' }
      : { resultCode: 'REFUND_FAILED', resultMessage: 'The refund failed.', resultStatus: 'F' },
  };
}

/** The guide: "{ result: { resultCode: SUCCESS, resultStatus: S, ... } }" is the acknowledgement. */
function isAck(text: string): boolean {
  try {
    const j = JSON.parse(text) as { result?: { resultCode?: unknown; resultStatus?: unknown } };
    return j.result?.resultCode === 'SUCCESS' && j.result?.resultStatus === 'S';
  } catch {
    return false;
  }
}

export class SandboxNotifier {
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly attempts: NotifyAttempt[] = [];
  private stopped = false;
  private readonly inFlight = new Set<Promise<void>>();

  constructor(private readonly opts: SandboxNotifierOptions) {}

  /** Sends now and re-sends on the schedule until acknowledged. `body` is a function: each send signs anew (fresh request-time). */
  notify(refundRequestId: string, body: () => Record<string, unknown>): void {
    this.send(refundRequestId, body, 0);
  }

  log(): NotifyAttempt[] {
    return this.attempts.map((a) => ({ ...a }));
  }

  private later(ms: number, fn: () => void): void {
    if (this.stopped) return;
    const t = setTimeout(() => {
      this.timers.delete(t);
      fn();
    }, ms);
    t.unref();
    this.timers.add(t);
  }

  private send(refundRequestId: string, body: () => Record<string, unknown>, attempt: number): void {
    if (this.stopped) return;
    const p = this.post(body())
      .then((r) => {
        this.attempts.push({ refundRequestId, attempt: attempt + 1, ...r, at: new Date(this.opts.clock()).toISOString() });
        if (r.acknowledged) return;
        const delays = this.opts.retryDelaysMs ?? ANTOM_NOTIFY_RETRY_DELAYS_MS;
        const next = delays[attempt];
        if (next !== undefined) this.later(next, () => this.send(refundRequestId, body, attempt + 1));
      })
      .finally(() => this.inFlight.delete(p));
    this.inFlight.add(p);
  }

  private async post(payload: Record<string, unknown>): Promise<{ httpStatus: number | null; acknowledged: boolean }> {
    const text = JSON.stringify(payload);
    const target = new URL(this.opts.url);
    const uriPath = `${target.pathname}${target.search}`;
    const time = String(this.opts.clock());
    const { key, keyVersion } = this.opts.signingKey();
    const signed = signatureHeaderFor({ method: 'POST', uriPath, clientId: this.opts.clientId, time, body: text, keyVersion: keyVersion ?? 1 }, key);
    const ctl = new AbortController();
    const timer = setTimeout(() => ctl.abort(), this.opts.timeoutMs ?? 5_000);
    try {
      const res = await fetch(target, {
        method: 'POST',
        headers: {
          'content-type': 'application/json; charset=UTF-8',
          'client-id': this.opts.clientId,
          'request-time': time,
          signature: keyVersion === null ? signed.replace(/keyVersion=\d+,/, '') : signed,
        },
        body: text,
        signal: ctl.signal,
      });
      const answer = await res.text();
      return { httpStatus: res.status, acknowledged: res.status === 200 && isAck(answer) };
    } catch {
      return { httpStatus: null, acknowledged: false };
    } finally {
      clearTimeout(timer);
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    await Promise.allSettled([...this.inFlight]);
  }
}

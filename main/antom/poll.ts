/**
 * Polls inquiryRefund until the refund is final or a time budget is spent.
 * The budget is counted in requested sleep time (not wall clock) so tests with
 * a fake sleep are deterministic; the caller resumes later if still PENDING.
 */
import type { AntomGatewayPort, AntomOutcome } from '../refunds/ports';

export interface PollOptions {
  /** Total time to spend waiting between inquiries. */
  deadlineMs: number;
  baseDelayMs: number;
  maxDelayMs: number;
  sleep?: (ms: number) => Promise<void>;
}

export async function pollUntilSettled(gateway: Pick<AntomGatewayPort, 'inquireRefund'>, refundRequestId: string, opts: PollOptions): Promise<AntomOutcome> {
  const sleep = opts.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  let waited = 0;
  let delay = Math.max(1, opts.baseDelayMs);
  for (;;) {
    const outcome = await gateway.inquireRefund(refundRequestId);
    if (outcome.status !== 'PENDING') return outcome;
    // Antom has no record: more inquiries will not change that; the caller
    // must resend the same refund (safe, idempotent) instead.
    if (outcome.resultCode === 'REFUND_NOT_FOUND') return outcome;
    const next = Math.min(delay, opts.maxDelayMs);
    if (waited + next > opts.deadlineMs) return outcome;
    await sleep(next);
    waited += next;
    delay = Math.min(delay * 2, opts.maxDelayMs);
  }
}

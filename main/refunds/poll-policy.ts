/** Backoff for checking pending refunds again; the next time is persisted in the journal. */
export interface PollPolicy {
  /** First re-check after this long. */
  readonly initialDelayMs: number;
  readonly factor: number;
  readonly maxDelayMs: number;
  /** How often the background loop looks for due refunds. */
  readonly tickMs: number;
}

export const DEFAULT_POLL_POLICY: PollPolicy = { initialDelayMs: 5_000, factor: 2, maxDelayMs: 5 * 60_000, tickMs: 1_000 };

export function nextDelayMs(policy: PollPolicy, attempts: number): number {
  const d = policy.initialDelayMs * Math.pow(policy.factor, Math.max(0, attempts));
  return Math.min(policy.maxDelayMs, Math.round(d));
}

/**
 * Token buckets per source: `burst` attempts at once, then one per
 * `refillMs`. In front of every operation that checks a PIN, so one client
 * cannot keep the hash pool (and the lockout's lane) busy for everyone else.
 */
export class RateLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  constructor(
    private readonly burst: number,
    private readonly refillMs: number,
    private readonly now: () => number = Date.now,
    private readonly maxSources = 1024,
  ) {}

  /** Takes one token for `source`; false when it has none left. */
  take(source: string): boolean {
    const t = this.now();
    let b = this.buckets.get(source);
    if (b === undefined) {
      // Bounded memory: forget the oldest source when full (a fresh source starts with a full bucket anyway).
      if (this.buckets.size >= this.maxSources) {
        const oldest = this.buckets.keys().next().value;
        if (oldest !== undefined) this.buckets.delete(oldest);
      }
      b = { tokens: this.burst, at: t };
      this.buckets.set(source, b);
    }
    const refilled = Math.floor((t - b.at) / this.refillMs);
    if (refilled > 0) {
      b.tokens = Math.min(this.burst, b.tokens + refilled);
      b.at += refilled * this.refillMs;
      if (b.tokens >= this.burst) b.at = t;
    }
    if (b.tokens <= 0) return false;
    b.tokens -= 1;
    return true;
  }
}

/** Operations that check a PIN: rate limited per client (browser session, Electron window) in front of the lockout. */
export const PIN_OPERATIONS: ReadonlySet<string> = new Set(['signIn', 'approveRefund', 'declineRefund']);
// A person mistyping never meets it; a script gets one guess a second (the lockout bounds each person anyway).
export const PIN_BURST = 20;
export const PIN_REFILL_MS = 1_000;
export const RATE_LIMITED_MESSAGE = 'Too many PIN attempts from this screen. Wait a few seconds and try again.';

export function createPinRateLimiter(): RateLimiter {
  return new RateLimiter(PIN_BURST, PIN_REFILL_MS);
}

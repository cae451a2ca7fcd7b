/**
 * PIN hashing, off the main event loop and bounded. argon2's Node binding
 * already runs each hash on libuv's threadpool (async, never on the JS
 * thread), but that pool has only four threads and is shared with file I/O,
 * DNS and the serial port's writes: a flood of sign-ins queued there starves
 * everything else. So at most `concurrency` hashes run at once (leaving the
 * rest of the pool free) and at most `maxQueue` wait; beyond that an attempt is
 * refused as busy before any work is done.
 *
 * Hashes are keyed: the pepper (a secret from the secret store, never in the
 * journal) is argon2's `secret` input, so a copied ledger file alone cannot be
 * brute-forced offline, however small the PIN space.
 */
import argon2 from 'argon2';

// OWASP's argon2id baseline (19 MiB, 2 passes, ~30 ms).
const ARGON2_OPTIONS = { type: argon2.argon2id, memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;

export const HASH_CONCURRENCY = 2;
export const HASH_MAX_QUEUE = 32;

export class Busy extends Error {
  constructor() {
    super('too many PIN checks waiting');
  }
}

/** Counting semaphore with a bounded wait queue. */
export class BoundedPool {
  private running = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(
    readonly concurrency: number,
    readonly maxQueue: number,
  ) {}

  get saturated(): boolean {
    return this.running >= this.concurrency && this.waiting.length >= this.maxQueue;
  }

  get inUse(): { running: number; waiting: number } {
    return { running: this.running, waiting: this.waiting.length };
  }

  async run<T>(fn: () => Promise<T>): Promise<T> {
    if (this.running >= this.concurrency) {
      if (this.waiting.length >= this.maxQueue) throw new Busy();
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    } else {
      this.running += 1;
    }
    try {
      return await fn();
    } finally {
      const next = this.waiting.shift();
      // The slot passes straight to the next waiter, so `running` stays put.
      if (next) next();
      else this.running -= 1;
    }
  }
}

/** One pool per process: the threadpool it protects is per process too. */
const pool = new BoundedPool(HASH_CONCURRENCY, HASH_MAX_QUEUE);

/** How many PIN verifications were actually evaluated (tests and diagnostics). */
export const pinHashStats = { verifications: 0, hashes: 0 };

export function pinPoolSaturated(): boolean {
  return pool.saturated;
}

export class PinHasher {
  constructor(private readonly pepper: Buffer) {}

  /** A keyed argon2id hash of the PIN. Throws Busy when the pool is full. */
  hash(pin: string): Promise<string> {
    return pool.run(async () => {
      pinHashStats.hashes += 1;
      return argon2.hash(pin, { ...ARGON2_OPTIONS, secret: this.pepper });
    });
  }

  /**
   * `keyed` false: a hash made before PINs were peppered (verified without the
   * secret; the caller re-hashes it keyed after a successful sign-in).
   */
  verify(hash: string, pin: string, keyed: boolean): Promise<boolean> {
    return pool.run(async () => {
      pinHashStats.verifications += 1;
      return argon2.verify(hash, pin, keyed ? { secret: this.pepper } : {}).catch(() => false);
    });
  }
}

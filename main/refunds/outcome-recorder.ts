/**
 * Antom's answers that the journal could not record.
 *
 * Once a refund request has left the machine, its answer is the only proof of
 * what happened to the money. If writing it fails (SQLITE_FULL, an I/O error,
 * a locked file), reporting "failed" would be a lie and forgetting it would
 * invite a second refund. So the answer is held here, in memory, and written
 * again with a capped backoff until it lands, while an alarm says so on every
 * screen and in `doctor`. The journal meanwhile still shows the state before
 * the answer (SUBMITTING or PENDING_*), which recovery resolves by inquiry if
 * this process dies first: nothing here is needed for correctness after a crash,
 * only for telling the truth while the process lives.
 *
 * Timers are unref'd: a held answer never keeps a process alive, and `flush`
 * is bounded so a CLI run or an app shutdown never hangs on a full disk.
 */
import type { RefundState } from '../../preload/contract/refunds';
import type { AntomOutcome } from './ports';

export interface HeldOutcome {
  readonly refundRequestId: string;
  /** Journal state when the answer arrived; a retry writes only while the journal still shows it. */
  readonly state: RefundState;
  readonly outcome: AntomOutcome;
  /** When the first write failed (ISO time). */
  readonly since: string;
  readonly attempts: number;
  readonly lastError: string;
}

/** What a retry found: written now, or someone else already moved the refund on (nothing to write). */
export type RecordResult = 'RECORDED' | 'SUPERSEDED';

export interface OutcomeRecorderOptions {
  /** Delays between retries; the last one repeats (the cap). Default 200 ms, 500 ms, 1 s, 2 s, 5 s, 5 s... */
  readonly delaysMs?: readonly number[];
  readonly clock?: () => Date;
  readonly log?: { warn(obj: object, msg?: string): void; info(obj: object, msg?: string): void };
  /** Called with the full list whenever it changes (the alarm file, the renderer's banner). */
  readonly onChange?: (held: readonly HeldOutcome[]) => void;
}

interface Entry {
  held: HeldOutcome;
  write: () => Promise<RecordResult>;
  timer: NodeJS.Timeout | null;
  running: Promise<void> | null;
}

export const DEFAULT_RETRY_DELAYS_MS: readonly number[] = [200, 500, 1_000, 2_000, 5_000];

export class OutcomeRecorder {
  private readonly entries = new Map<string, Entry>();
  private readonly delays: readonly number[];
  private readonly clock: () => Date;
  private stopped = false;

  constructor(private readonly opts: OutcomeRecorderOptions = {}) {
    this.delays = opts.delaysMs && opts.delaysMs.length > 0 ? opts.delaysMs : DEFAULT_RETRY_DELAYS_MS;
    this.clock = opts.clock ?? (() => new Date());
  }

  /** Keeps an answer whose write failed and starts retrying it. A newer answer for the same refund replaces the older one. */
  hold(h: { refundRequestId: string; state: RefundState; outcome: AntomOutcome; error: string }, write: () => Promise<RecordResult>): HeldOutcome {
    const prev = this.entries.get(h.refundRequestId);
    if (prev?.timer) clearTimeout(prev.timer);
    const held: HeldOutcome = {
      refundRequestId: h.refundRequestId,
      state: h.state,
      outcome: h.outcome,
      since: prev?.held.since ?? this.clock().toISOString(),
      attempts: (prev?.held.attempts ?? 0) + 1,
      lastError: h.error,
    };
    // A hold after stop() (a drive that ended during shutdown) still retries: the timers are unref'd.
    this.stopped = false;
    const entry: Entry = { held, write, timer: null, running: null };
    this.entries.set(h.refundRequestId, entry);
    this.opts.log?.warn(
      { refundRequestId: h.refundRequestId, resultCode: h.outcome.resultCode, err: h.error },
      "Antom's answer could not be journaled; holding it and retrying",
    );
    this.changed();
    this.schedule(entry);
    return held;
  }

  /** The answer for this refund was written by another path (a later drive): stop retrying it. */
  recorded(refundRequestId: string): void {
    const e = this.entries.get(refundRequestId);
    if (e === undefined) return;
    if (e.timer) clearTimeout(e.timer);
    this.entries.delete(refundRequestId);
    this.changed();
  }

  get(refundRequestId: string): HeldOutcome | undefined {
    return this.entries.get(refundRequestId)?.held;
  }

  list(): HeldOutcome[] {
    return [...this.entries.values()].map((e) => e.held);
  }

  /**
   * Tries every held answer now and keeps trying (same backoff) until all are
   * written or `budgetMs` is spent. Returns how many are still held.
   */
  async flush(budgetMs: number): Promise<number> {
    const deadline = Date.now() + Math.max(0, budgetMs);
    let round = 0;
    while (this.entries.size > 0) {
      await Promise.all([...this.entries.values()].map((e) => this.attempt(e)));
      if (this.entries.size === 0) break;
      const wait = Math.min(this.delayFor(round++), deadline - Date.now());
      if (wait <= 0) break;
      await new Promise((r) => setTimeout(r, wait));
    }
    return this.entries.size;
  }

  /** Cancels the pending retries (the held answers stay listed; the journal's own state is what recovery resolves). */
  stop(): void {
    this.stopped = true;
    for (const e of this.entries.values()) {
      if (e.timer) clearTimeout(e.timer);
      e.timer = null;
    }
  }

  private delayFor(attempt: number): number {
    return this.delays[Math.min(attempt, this.delays.length - 1)] as number;
  }

  private schedule(e: Entry): void {
    if (this.stopped) return;
    e.timer = setTimeout(
      () => {
        e.timer = null;
        void this.attempt(e).then(() => {
          if (this.entries.get(e.held.refundRequestId) === e) this.schedule(e);
        });
      },
      this.delayFor(e.held.attempts - 1),
    );
    e.timer.unref();
  }

  private attempt(e: Entry): Promise<void> {
    if (e.running) return e.running;
    e.running = (async () => {
      try {
        const r = await e.write();
        if (this.entries.get(e.held.refundRequestId) !== e) return;
        this.entries.delete(e.held.refundRequestId);
        this.opts.log?.info({ refundRequestId: e.held.refundRequestId, result: r, attempts: e.held.attempts + 1 }, 'held Antom answer resolved in the journal');
        this.changed();
      } catch (err) {
        if (this.entries.get(e.held.refundRequestId) !== e) return;
        e.held = { ...e.held, attempts: e.held.attempts + 1, lastError: String(err) };
      } finally {
        e.running = null;
      }
    })();
    return e.running;
  }

  private changed(): void {
    try {
      this.opts.onChange?.(this.list());
    } catch {
      // The alarm's own sinks (a file on the same full disk) may fail; the in-memory list stays the truth.
    }
  }
}

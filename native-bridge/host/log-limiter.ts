/**
 * Bounds what the terminal link writes to the log. Every bad frame header from
 * the terminal side logged a warning (and a NAK): 100 KiB of 0x02 grew the log
 * by 9.5 MB (attack report F6), and the log sits on the journal's disk. Here
 * the same message (level + text) is written at most `perKey` times per
 * interval and all messages together at most `total`; what was held back is
 * reported as ONE summary line when the next interval starts (or at flush),
 * with the counts, so nothing is silently lost.
 */
import type { Logger } from './terminal-link';

export interface LogLimiterOptions {
  readonly intervalMs?: number;
  readonly perKey?: number;
  readonly total?: number;
  readonly now?: () => number;
}

export interface LimitedLogger extends Logger {
  /** Writes the pending summary line now (tests; on close). */
  flush(): void;
}

/** Distinct suppressed messages remembered per interval; beyond that they are counted as "others". */
const MAX_KEYS = 32;

export function limitLog(inner: Logger, opts: LogLimiterOptions = {}): LimitedLogger {
  const intervalMs = opts.intervalMs ?? 10_000;
  const perKey = opts.perKey ?? 3;
  const total = opts.total ?? 30;
  const now = opts.now ?? Date.now;
  let windowStart = now();
  let written = 0;
  const counts = new Map<string, number>();
  const suppressed = new Map<string, number>();
  let others = 0;

  const flush = (): void => {
    if (suppressed.size > 0 || others > 0) {
      const byMessage = Object.fromEntries(suppressed);
      const count = [...suppressed.values()].reduce((a, b) => a + b, others);
      inner('warn', `terminal link: ${count} repeated log lines suppressed in the last ${Math.round(intervalMs / 1000)} s`, {
        suppressed: byMessage,
        ...(others > 0 ? { others } : {}),
      });
    }
    suppressed.clear();
    others = 0;
  };
  const roll = (): void => {
    const t = now();
    if (t - windowStart < intervalMs) return;
    flush();
    windowStart = t;
    written = 0;
    counts.clear();
  };

  const log = ((level, msg, fields) => {
    roll();
    const key = `${level}: ${msg}`;
    const n = (counts.get(key) ?? 0) + 1;
    if (counts.size < MAX_KEYS || counts.has(key)) counts.set(key, n);
    if (n <= perKey && written < total) {
      written++;
      inner(level, msg, fields);
      return;
    }
    if (suppressed.has(key) || suppressed.size < MAX_KEYS) suppressed.set(key, (suppressed.get(key) ?? 0) + 1);
    else others++;
  }) as LimitedLogger;
  log.flush = flush;
  return log;
}

/**
 * Pure statistics helpers for the benchmarks: percentiles, summaries, ratios
 * and serial line-rate math. No I/O, so test/unit/bench can check them.
 */

/** Bits on the wire per byte at 8N1 (start + 8 data + stop). */
export const BITS_PER_BYTE = 10;
export const BAUD = 115_200;
/** 115200 baud / 10 bits = 11,520 bytes per second, each direction. */
export const LINE_BYTES_PER_S = BAUD / BITS_PER_BYTE;

/** Nearest-rank percentile (p in 0..100) of unsorted samples; NaN when empty. */
export function percentile(samples: readonly number[], p: number): number {
  if (samples.length === 0) return Number.NaN;
  if (!(p >= 0 && p <= 100)) throw new RangeError(`percentile must be in 0..100, got ${p}`);
  const sorted = [...samples].sort((a, b) => a - b);
  if (p === 0) return sorted[0] as number;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1] as number;
}

export interface Summary {
  readonly n: number;
  readonly min: number;
  readonly p50: number;
  readonly p90: number;
  readonly p99: number;
  readonly max: number;
  readonly mean: number;
}

export function summarize(samples: readonly number[]): Summary {
  const n = samples.length;
  const mean = n === 0 ? Number.NaN : samples.reduce((a, b) => a + b, 0) / n;
  return {
    n,
    min: n === 0 ? Number.NaN : Math.min(...samples),
    p50: percentile(samples, 50),
    p90: percentile(samples, 90),
    p99: percentile(samples, 99),
    max: n === 0 ? Number.NaN : Math.max(...samples),
    mean,
  };
}

/** a / b, or null when b is not a positive finite number. */
export function ratio(a: number, b: number): number | null {
  if (!Number.isFinite(a) || !Number.isFinite(b) || b <= 0) return null;
  return a / b;
}

/** Time in ms to clock `bytes` through a UART at `baud` with `bitsPerByte` (default 8N1 = 10). */
export function lineTimeMs(bytes: number, baud: number = BAUD, bitsPerByte: number = BITS_PER_BYTE): number {
  if (bytes < 0 || baud <= 0 || bitsPerByte <= 0) throw new RangeError('bytes must be >= 0, baud and bitsPerByte > 0');
  return (bytes * bitsPerByte * 1000) / baud;
}

/**
 * Element-wise sum of equally long sample series (index-paired), plus a
 * constant. Used to build the floor's distribution from its measured parts.
 */
export function pairedSum(series: readonly (readonly number[])[], constant = 0): number[] {
  if (series.length === 0) return [];
  const n = Math.min(...series.map((s) => s.length));
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    let v = constant;
    for (const s of series) v += s[i] as number;
    out.push(v);
  }
  return out;
}

/** Rounds to `digits` decimals for reporting (keeps null / NaN as null). */
export function round(v: number | null, digits = 3): number | null {
  if (v === null || !Number.isFinite(v)) return null;
  const f = 10 ** digits;
  return Math.round(v * f) / f;
}

/** Summary with every number rounded, for the JSON output. */
export function roundedSummary(s: Summary, digits = 3): Record<keyof Summary, number | null> {
  return {
    n: s.n,
    min: round(s.min, digits),
    p50: round(s.p50, digits),
    p90: round(s.p90, digits),
    p99: round(s.p99, digits),
    max: round(s.max, digits),
    mean: round(s.mean, digits),
  };
}

/**
 * The bench's statistics helpers (percentiles, ratios, line-rate math). The
 * benchmarks themselves are never timed tests. bench/ sits outside the test
 * tsconfig's project, so the module is loaded by path and typed here.
 */
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';

interface Summary {
  readonly n: number;
  readonly min: number;
  readonly p50: number;
  readonly p90: number;
  readonly p99: number;
  readonly max: number;
  readonly mean: number;
}
interface StatsModule {
  readonly BAUD: number;
  readonly LINE_BYTES_PER_S: number;
  percentile(samples: readonly number[], p: number): number;
  summarize(samples: readonly number[]): Summary;
  ratio(a: number, b: number): number | null;
  lineTimeMs(bytes: number, baud?: number, bitsPerByte?: number): number;
  pairedSum(series: readonly (readonly number[])[], constant?: number): number[];
  round(v: number | null, digits?: number): number | null;
}

let stats: StatsModule;
beforeAll(async () => {
  const file = path.resolve(__dirname, '..', '..', '..', 'bench', 'stats.ts');
  stats = (await import(/* @vite-ignore */ file)) as StatsModule;
});

describe('bench stats', () => {
  it('percentile uses nearest rank on unsorted input', () => {
    const xs = [5, 1, 4, 2, 3, 10, 9, 8, 7, 6];
    expect(stats.percentile(xs, 50)).toBe(5);
    expect(stats.percentile(xs, 90)).toBe(9);
    expect(stats.percentile(xs, 99)).toBe(10);
    expect(stats.percentile(xs, 100)).toBe(10);
    expect(stats.percentile(xs, 0)).toBe(1);
    expect(stats.percentile([7], 99)).toBe(7);
    expect(Number.isNaN(stats.percentile([], 50))).toBe(true);
    expect(() => stats.percentile(xs, 101)).toThrow(RangeError);
    // does not reorder the caller's array
    expect(xs[0]).toBe(5);
  });

  it('p99 of 200 samples is the 198th smallest', () => {
    const xs = Array.from({ length: 200 }, (_, i) => 200 - i);
    expect(stats.percentile(xs, 99)).toBe(198);
    expect(stats.percentile(xs, 50)).toBe(100);
  });

  it('summarize gives n, min, max, mean and percentiles', () => {
    const s = stats.summarize([1, 2, 3, 4]);
    expect(s).toMatchObject({ n: 4, min: 1, max: 4, mean: 2.5, p50: 2, p99: 4 });
  });

  it('ratio guards against zero and non-finite denominators', () => {
    expect(stats.ratio(3, 2)).toBe(1.5);
    expect(stats.ratio(1, 0)).toBeNull();
    expect(stats.ratio(1, -1)).toBeNull();
    expect(stats.ratio(Number.NaN, 1)).toBeNull();
  });

  it('line time at 115200 baud, 10 bits per byte', () => {
    expect(stats.LINE_BYTES_PER_S).toBe(11_520);
    expect(stats.lineTimeMs(11_520)).toBeCloseTo(1000, 9);
    expect(stats.lineTimeMs(237)).toBeCloseTo(20.5729, 3);
    expect(stats.lineTimeMs(100, 9600)).toBeCloseTo(104.1667, 3);
    expect(() => stats.lineTimeMs(-1)).toThrow(RangeError);
  });

  it('pairedSum adds index-paired samples and truncates to the shortest series', () => {
    expect(
      stats.pairedSum(
        [
          [1, 2, 3],
          [10, 20, 30, 40],
        ],
        0.5,
      ),
    ).toEqual([11.5, 22.5, 33.5]);
    expect(stats.pairedSum([])).toEqual([]);
  });

  it('round keeps null for non-finite values', () => {
    expect(stats.round(1.23456, 2)).toBe(1.23);
    expect(stats.round(Number.NaN)).toBeNull();
    expect(stats.round(null)).toBeNull();
  });
});

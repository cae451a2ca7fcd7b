/**
 * The ledger's connection compiles each SQL text once (main/ledger/db.ts): the
 * same statement comes back, with no result mode left over from an earlier
 * caller, and a statement still being iterated is never handed to a second one.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { tempLedger } from './helpers';

const cleanups: (() => void)[] = [];
afterEach(() => cleanups.splice(0).forEach((c) => c()));

function ledger() {
  const t = tempLedger();
  cleanups.push(t.cleanup);
  return t.ledger;
}

describe('statement cache', () => {
  it('hands out one compiled statement per SQL text', () => {
    const { db } = ledger();
    expect(db.prepare('SELECT 1 AS x')).toBe(db.prepare('SELECT 1 AS x'));
    expect(db.prepare('SELECT 2 AS x')).not.toBe(db.prepare('SELECT 1 AS x'));
  });

  it("resets a caller's pluck/raw/expand mode before the next caller gets it", () => {
    const { db } = ledger();
    expect(db.prepare('SELECT 1 AS x').pluck().get()).toBe(1);
    expect(db.prepare('SELECT 1 AS x').get()).toEqual({ x: 1 });
    expect(db.prepare('SELECT 1 AS x').raw().get()).toEqual([1]);
    expect(db.prepare('SELECT 1 AS x').get()).toEqual({ x: 1 });
  });

  it('gives a fresh statement while the cached one is being iterated', () => {
    const { db } = ledger();
    const sql = 'SELECT value FROM json_each(?)';
    const outer = db.prepare(sql);
    const seen: unknown[] = [];
    for (const row of outer.iterate('[1,2]') as Iterable<{ value: number }>) {
      const inner = db.prepare(sql);
      expect(inner).not.toBe(outer);
      seen.push(
        row.value,
        (inner.all('[9]') as { value: number }[]).map((r) => r.value),
      );
    }
    expect(seen).toEqual([1, [9], 2, [9]]);
  });
});

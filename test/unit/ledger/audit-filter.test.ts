/** Issue #17, manager views: the audit list filters by event, person and store-zone day, and pages without gaps or repeats. */
import { afterEach, describe, expect, it } from 'vitest';
import { TestClock } from '../refunds/fakes';
import { tempLedger } from './helpers';

const cleanups: (() => void)[] = [];
afterEach(() => cleanups.splice(0).forEach((c) => c()));

describe('audit list filters and paging', () => {
  it('filters by kinds, actor and local day, and pages newest first', () => {
    const clock = new TestClock(Date.parse('2026-11-25T20:00:00.000Z'));
    const t = tempLedger(clock.now);
    cleanups.push(t.cleanup);
    const a = t.ledger.audit;
    for (let i = 0; i < 30; i++) {
      a.append(i % 2 === 0 ? 'alice' : 'maria', i % 3 === 0 ? 'auth.sign_in' : 'refund.intent', { i });
      clock.advance(20 * 60_000); // 20 minutes: the entries cross midnight UTC (and in Singapore, +8)
    }
    const all = a.list({ limit: 1000 });
    expect(all).toHaveLength(30);

    const pages: number[][] = [];
    let before: number | undefined;
    for (;;) {
      const page = a.list({ limit: 7, ...(before !== undefined ? { beforeSeq: before } : {}) });
      if (page.length === 0) break;
      pages.push(page.map((e) => e.seq));
      before = page.at(-1)?.seq;
    }
    expect(pages.flat()).toEqual(all.map((e) => e.seq));

    expect(a.list({ limit: 1000, kinds: ['auth.sign_in'] }).every((e) => e.kind === 'auth.sign_in')).toBe(true);
    expect(a.list({ limit: 1000, kinds: ['auth.sign_in'] })).toHaveLength(10);
    expect(a.list({ limit: 1000, actor: 'maria' }).every((e) => e.actor === 'maria')).toBe(true);

    const utc26 = all.filter((e) => e.at.startsWith('2026-11-26')).length;
    expect(a.list({ limit: 1000, date: '2026-11-26' })).toHaveLength(utc26);
    // 20:00Z on the 25th is already the 26th in Singapore.
    const sg = a.list({ limit: 1000, date: '2026-11-26', timeZone: 'Asia/Singapore' });
    expect(sg).toHaveLength(30);
    // A small page of a filtered day is still full (the exact-day check pages through the wide SQL bounds).
    expect(a.list({ limit: 3, date: '2026-11-26' }).map((e) => e.seq)).toEqual(
      all
        .filter((e) => e.at.startsWith('2026-11-26'))
        .slice(0, 3)
        .map((e) => e.seq),
    );
  });
});

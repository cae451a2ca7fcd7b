import { afterEach, describe, expect, it } from 'vitest';
import { evaluatePolicy, type Policy } from '../../../main/ledger/policy';
import { TestClock } from '../refunds/fakes';
import { newRefund, seedPayment, tempLedger } from './helpers';

const cleanups: (() => void)[] = [];
afterEach(() => cleanups.splice(0).forEach((c) => c()));

const base: Policy = {
  amountThresholds: { SGD: 10_000 },
  approveAnyPartial: false,
  paymentOlderThanDays: 30,
  cashierDailyTotals: { SGD: 50_000 },
  paymentTotals: {},
  allowSelfApproval: false,
};
const now = new Date('2026-11-25T12:00:00Z');
const input = { amount: { value: 1_000, currency: 'SGD' }, mode: 'FULL' as 'FULL' | 'PARTIAL', paidAt: '2026-11-20T00:00:00Z', now, cashierTotalToday: 0 };
const codes = (p: Policy, over: Partial<typeof input> = {}) => evaluatePolicy(p, { ...input, ...over }).map((r) => r.code);

describe('approval policy', () => {
  it('needs nothing for a small, recent full refund', () => {
    expect(codes(base)).toEqual([]);
  });
  it('amount at or over the threshold, per currency', () => {
    expect(codes(base, { amount: { value: 9_999, currency: 'SGD' } })).toEqual([]);
    expect(codes(base, { amount: { value: 10_000, currency: 'SGD' } })).toEqual(['AMOUNT_AT_OR_OVER_THRESHOLD']);
    expect(codes(base, { amount: { value: 10_000_000, currency: 'JPY' } })).toEqual([]);
    expect(evaluatePolicy(base, { ...input, amount: { value: 12_345, currency: 'SGD' } })[0]?.text).toContain('123.45 SGD');
  });
  it('any partial refund when configured', () => {
    expect(codes(base, { mode: 'PARTIAL' })).toEqual([]);
    expect(codes({ ...base, approveAnyPartial: true }, { mode: 'PARTIAL' })).toEqual(['PARTIAL_REFUND']);
  });
  it('payment older than N days (and unparseable dates)', () => {
    expect(codes(base, { paidAt: '2026-10-26T12:00:00Z' })).toEqual([]);
    expect(codes(base, { paidAt: '2026-10-25T11:00:00Z' })).toEqual(['PAYMENT_TOO_OLD']);
    expect(codes(base, { paidAt: 'garbage' })).toEqual(['PAYMENT_TOO_OLD']);
    expect(codes({ ...base, paymentOlderThanDays: null }, { paidAt: '2000-01-01T00:00:00Z' })).toEqual([]);
  });
  it("a cashier's total today above the daily total", () => {
    expect(codes(base, { cashierTotalToday: 49_000 })).toEqual([]);
    expect(codes(base, { cashierTotalToday: 49_001 })).toEqual(['CASHIER_DAILY_TOTAL_EXCEEDED']);
  });
  it('is stored validated and audited', () => {
    const t = tempLedger();
    cleanups.push(t.cleanup);
    expect(t.ledger.setPolicy({ ...base, extra: 1 }, 'maria').ok).toBe(false);
    expect(t.ledger.setPolicy({ ...base, amountThresholds: { SGD: -1 } }, 'maria').ok).toBe(false);
    expect(t.ledger.setPolicy(base, 'maria').ok).toBe(true);
    expect(t.ledger.getPolicy()).toEqual(base);
    expect(t.ledger.audit.list({ limit: 1 })[0]).toMatchObject({ kind: 'config.policy', actor: 'maria' });
  });
});

describe('daily report', () => {
  it('totals per currency and state, succeeded per cashier, pending listed, CSV', () => {
    const clock = new TestClock(Date.parse('2026-11-25T09:00:00Z'));
    const t = tempLedger(clock.now);
    cleanups.push(t.cleanup);
    const { ledger } = t;
    seedPayment(ledger, 'P1', 100_000, 'SGD');
    seedPayment(ledger, 'P2', 100_000, 'SGD');
    seedPayment(ledger, 'P3', 50_000, 'JPY');
    const add = (id: string, payment: string, value: number, currency: string, cashier: string, state: string) => {
      const r = ledger.refunds.insert(newRefund({ refundRequestId: id, paymentId: payment, amount: { value, currency }, cashier }), cashier);
      expect(r.ok).toBe(true);
      ledger.db.prepare('UPDATE refunds SET state = ? WHERE refund_request_id = ?').run(state, id);
    };
    add('R1', 'P1', 1_000, 'SGD', 'alice', 'SUCCEEDED');
    add('R2', 'P1', 2_050, 'SGD', 'alice', 'SUCCEEDED');
    add('R3', 'P1', 500, 'SGD', 'bob', 'FAILED');
    add('R4', 'P2', 700, 'SGD', 'bob', 'PENDING_UNKNOWN');
    add('R5', 'P3', 3_000, 'JPY', 'bob', 'SUCCEEDED');
    clock.advance(20 * 3_600_000); // 05:00Z on the 26th: not in the UTC report
    add('R6', 'P3', 1, 'JPY', 'bob', 'SUCCEEDED');

    const rep = ledger.dailyReport('2026-11-25');
    expect(rep.totals).toEqual([
      { currency: 'JPY', status: 'SUCCEEDED', count: 1, amount: { value: 3_000, currency: 'JPY' } },
      { currency: 'SGD', status: 'FAILED', count: 1, amount: { value: 500, currency: 'SGD' } },
      { currency: 'SGD', status: 'PENDING_UNKNOWN', count: 1, amount: { value: 700, currency: 'SGD' } },
      { currency: 'SGD', status: 'SUCCEEDED', count: 2, amount: { value: 3_050, currency: 'SGD' } },
    ]);
    expect(rep.byCashier).toEqual([
      { cashier: 'alice', currency: 'SGD', count: 2, amount: { value: 3_050, currency: 'SGD' } },
      { cashier: 'bob', currency: 'JPY', count: 1, amount: { value: 3_000, currency: 'JPY' } },
    ]);
    expect(rep.pending.map((p) => p.refundRequestId)).toEqual(['R4']);
    // the shop zone decides the day: 05:00Z on the 26th is still the 25th in Los Angeles
    expect(ledger.dailyReport('2026-11-25', 'America/Los_Angeles').totals.find((x) => x.currency === 'JPY')?.count).toBe(2);

    const csv = ledger.dailyReportCsv('2026-11-25').trim().split('\r\n');
    expect(csv).toHaveLength(7);
    expect(csv[6]).toBe(`audit_head,${ledger.audit.head().seq}:${ledger.audit.head().hash}`);
    expect(csv[0]).toBe(
      'created_at,local_date,local_time,time_zone,refund_request_id,payment_id,cashier,mode,state,amount,currency,result_code,refund_id,memo,reason_code,reason,approved_by,approval_reason,payment_method,category',
    );
    expect(csv[2]).toContain(',R2,P1,alice,PARTIAL,SUCCEEDED,20.50,SGD,');
    // CSV dates in the shop's zone (issue #13 item 6): 09:00Z is 17:00 in Singapore.
    const sg = ledger.dailyReportCsv('2026-11-25', 'Asia/Singapore').trim().split('\r\n');
    expect(sg.some((l) => /^2026-11-25T09:00:00\.000Z,2026-11-25,17:00:00,Asia\/Singapore,/.test(l))).toBe(true);
  });
});

describe('per-payment cumulative limit (issue #13 item 5)', () => {
  it('defaults to the single-refund threshold, so 99.99 + 99.99 + 0.02 cannot escape a 100.00 limit', () => {
    const p = { ...base, cashierDailyTotals: {} };
    const c = (value: number, before: number) => codes(p, { amount: { value, currency: 'SGD' }, paymentRefundedBefore: before } as Partial<typeof input>);
    expect(c(9_999, 0)).toEqual([]);
    expect(c(9_999, 9_999)).toEqual(['PAYMENT_TOTAL_AT_OR_OVER_LIMIT']);
    expect(c(2, 19_998)).toEqual(['PAYMENT_TOTAL_AT_OR_OVER_LIMIT']);
    expect(c(1, 9_998)).toEqual([]);
    expect(c(1, 9_999)).toEqual(['PAYMENT_TOTAL_AT_OR_OVER_LIMIT']);
  });
  it('uses its own per-currency limit when set', () => {
    const p = { ...base, cashierDailyTotals: {}, paymentTotals: { SGD: 30_000 } };
    const c = (value: number, before: number) => codes(p, { amount: { value, currency: 'SGD' }, paymentRefundedBefore: before } as Partial<typeof input>);
    expect(c(9_999, 19_000)).toEqual([]);
    expect(c(9_999, 20_001)).toEqual(['PAYMENT_TOTAL_AT_OR_OVER_LIMIT']);
    expect(evaluatePolicy(p, { ...input, amount: { value: 9_999, currency: 'SGD' }, paymentRefundedBefore: 20_001 })[0]?.params).toEqual({
      before: '200.01 SGD',
      total: '300.00 SGD',
      limit: '300.00 SGD',
    });
  });
  it('a stored policy without the new fields still reads (defaults: cumulative = threshold, no self-approval)', () => {
    const t = tempLedger();
    cleanups.push(t.cleanup);
    const { paymentTotals: _p, allowSelfApproval: _a, ...old } = base;
    expect(t.ledger.setPolicy(old, 'maria').ok).toBe(true);
    expect(t.ledger.getPolicy()).toMatchObject({ paymentTotals: {}, allowSelfApproval: false });
  });
});

describe('store time zone (issue #13 item 6)', () => {
  it("a refund made at 00:10 Singapore time is in Singapore's today, and the zone can change at run time (audited)", () => {
    // 2026-11-25T16:10Z = 2026-11-26 00:10 in Asia/Singapore: a UTC day would put it on the 25th.
    const clock = new TestClock(Date.parse('2026-11-25T16:10:00Z'));
    const t = tempLedger(clock.now);
    cleanups.push(t.cleanup);
    const { ledger } = t;
    seedPayment(ledger, 'P1', 100_000, 'SGD');
    expect(
      ledger.refunds.insert(newRefund({ refundRequestId: 'R1', paymentId: 'P1', amount: { value: 1_000, currency: 'SGD' }, cashier: 'alice' }), 'alice').ok,
    ).toBe(true);
    expect(ledger.refunds.list({ date: '2026-11-26' })).toHaveLength(0); // UTC
    expect(ledger.setTimeZone('Asia/Singapore', 'maria').ok).toBe(true);
    expect(ledger.timeZone).toBe('Asia/Singapore');
    expect(ledger.refunds.list({ date: '2026-11-26' }).map((r) => r.refund_request_id)).toEqual(['R1']);
    expect(ledger.dailyReport('2026-11-26').totals[0]?.count).toBe(1);
    expect(ledger.refunds.cashierTotalOn('alice', 'SGD', '2026-11-26')).toBe(1_000);
    expect(ledger.setTimeZone('Mars/Olympus', 'maria').ok).toBe(false);
    expect(ledger.audit.list({ limit: 5 }).some((e) => e.kind === 'config.time_zone' && e.actor === 'maria')).toBe(true);
  });
});

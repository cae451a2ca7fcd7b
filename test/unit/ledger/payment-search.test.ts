/**
 * Issue #17, find a payment: search over the payments this install has seen,
 * by amount (exact minor units and currency), time range (instants, whatever
 * the offset), method and the last characters of the ID; newest first.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { tempLedger } from './helpers';

const cleanups: (() => void)[] = [];
afterEach(() => cleanups.splice(0).forEach((c) => c()));

function make() {
  const t = tempLedger();
  cleanups.push(t.cleanup);
  const add = (paymentId: string, value: number, currency: string, paymentMethod: string, paidAt: string) =>
    t.ledger.payments.upsert({ paymentId, amount: { value, currency }, paymentMethod, paidAt, status: 'SUCCESS', supportsPartialRefund: true });
  add('PAY_A_0001', 1_250, 'SGD', 'ALIPAY_CN', '2026-11-25T09:00:00.000Z');
  add('PAYXA10001', 1_250, 'SGD', 'GCASH', '2026-11-25T11:00:00+08:00'); // 03:00Z, earlier than the first
  add('pay-b-7781', 4_800, 'JPY', 'ALIPAY_HK', '2026-11-26T10:00:00.000Z');
  add('PAY-C-9921', 12_550, 'SGD', 'ALIPAY_CN', '2026-11-24T10:00:00.000Z');
  return t.ledger;
}
const ids = (r: { paymentId: string }[]) => r.map((p) => p.paymentId);

describe('payment search', () => {
  it('lists newest payment first, by instant, whatever the offset', () => {
    expect(ids(make().payments.search({}))).toEqual(['pay-b-7781', 'PAY_A_0001', 'PAYXA10001', 'PAY-C-9921']);
  });

  it('by amount: exact minor units in that currency', () => {
    const l = make();
    expect(ids(l.payments.search({ amount: { value: 1_250, currency: 'SGD' } }))).toEqual(['PAY_A_0001', 'PAYXA10001']);
    expect(l.payments.search({ amount: { value: 1_250, currency: 'JPY' } })).toEqual([]);
  });

  it('by the last characters of the ID, case-insensitive, "_" taken literally', () => {
    const l = make();
    expect(ids(l.payments.search({ idSuffix: '7781' }))).toEqual(['pay-b-7781']);
    expect(ids(l.payments.search({ idSuffix: 'B-7781' }))).toEqual(['pay-b-7781']);
    expect(ids(l.payments.search({ idSuffix: '_0001' }))).toEqual(['PAY_A_0001']);
    expect(l.payments.search({ idSuffix: '0002' })).toEqual([]);
  });

  it('by time range (inclusive) and method, combined', () => {
    const l = make();
    expect(ids(l.payments.search({ from: '2026-11-25T00:00:00Z', to: '2026-11-25T23:59:59Z' }))).toEqual(['PAY_A_0001', 'PAYXA10001']);
    expect(ids(l.payments.search({ from: '2026-11-25T09:00:00+00:00' }))).toEqual(['pay-b-7781', 'PAY_A_0001']);
    expect(ids(l.payments.search({ method: 'ALIPAY_CN' }))).toEqual(['PAY_A_0001', 'PAY-C-9921']);
    expect(ids(l.payments.search({ method: 'ALIPAY_CN', amount: { value: 12_550, currency: 'SGD' }, to: '2026-11-24T10:00:00Z' }))).toEqual(['PAY-C-9921']);
  });

  it('offers the seen methods and currencies and says how many payments it knows', () => {
    expect(make().payments.facets()).toEqual({ methods: ['ALIPAY_CN', 'ALIPAY_HK', 'GCASH'], currencies: ['JPY', 'SGD'], seen: 4 });
  });
});

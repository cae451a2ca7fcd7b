import { describe, expect, it } from 'vitest';
import { checkRefundAmount, parseThreshold, memoTooLong } from '../../../renderer/src/lib/amount';

const jpy = (value: number) => ({ value, currency: 'JPY' });
const sgd = (value: number) => ({ value, currency: 'SGD' });
const kwd = (value: number) => ({ value, currency: 'KWD' });

describe('checkRefundAmount', () => {
  it('converts major to minor exactly per currency exponent', () => {
    expect(checkRefundAmount('1000', jpy(5000))).toEqual({ ok: true, amount: jpy(1000) });
    expect(checkRefundAmount('10.50', sgd(2500))).toEqual({ ok: true, amount: sgd(1050) });
    expect(checkRefundAmount('10.5', sgd(2500))).toEqual({ ok: true, amount: sgd(1050) });
    expect(checkRefundAmount('0.29', sgd(2500))).toEqual({ ok: true, amount: sgd(29) });
    expect(checkRefundAmount('1.255', kwd(5000))).toEqual({ ok: true, amount: kwd(1255) });
    expect(checkRefundAmount('1,000', jpy(5000))).toEqual({ ok: true, amount: jpy(1000) });
  });
  it('refuses too many decimals instead of rounding', () => {
    expect(checkRefundAmount('10.505', sgd(2500))).toMatchObject({ ok: false, code: 'TOO_MANY_DECIMALS' });
    expect(checkRefundAmount('100.5', jpy(5000))).toMatchObject({ ok: false, code: 'TOO_MANY_DECIMALS' });
    expect(checkRefundAmount('1.2555', kwd(5000))).toMatchObject({ ok: false, code: 'TOO_MANY_DECIMALS' });
  });
  it('allows trailing zeros beyond the exponent', () => {
    expect(checkRefundAmount('100.00', jpy(5000))).toEqual({ ok: true, amount: jpy(100) });
  });
  it('refuses amounts above the refundable balance, accepts exactly the balance', () => {
    expect(checkRefundAmount('25.01', sgd(2500))).toMatchObject({ ok: false, code: 'OVER_REFUNDABLE' });
    expect(checkRefundAmount('25', sgd(2500))).toEqual({ ok: true, amount: sgd(2500) });
    expect(checkRefundAmount('5.001', kwd(5000))).toMatchObject({ ok: false, code: 'OVER_REFUNDABLE' });
  });
  it('refuses zero, empty and non-numbers', () => {
    expect(checkRefundAmount('0', sgd(2500))).toMatchObject({ ok: false, code: 'NOT_POSITIVE' });
    expect(checkRefundAmount('0.00', sgd(2500))).toMatchObject({ ok: false, code: 'NOT_POSITIVE' });
    expect(checkRefundAmount('', sgd(2500))).toMatchObject({ ok: false, code: 'EMPTY' });
    expect(checkRefundAmount('-5', sgd(2500))).toMatchObject({ ok: false, code: 'NOT_A_NUMBER' });
    expect(checkRefundAmount('1e3', sgd(2500))).toMatchObject({ ok: false, code: 'NOT_A_NUMBER' });
    expect(checkRefundAmount('abc', sgd(2500))).toMatchObject({ ok: false, code: 'NOT_A_NUMBER' });
  });
});

describe('parseThreshold', () => {
  it('converts major to minor and allows zero', () => {
    expect(parseThreshold('100', 'SGD')).toEqual({ ok: true, minor: 10000 });
    expect(parseThreshold('10000', 'JPY')).toEqual({ ok: true, minor: 10000 });
    expect(parseThreshold('20.125', 'KWD')).toEqual({ ok: true, minor: 20125 });
    expect(parseThreshold('0', 'SGD')).toEqual({ ok: true, minor: 0 });
    expect(parseThreshold('1.5', 'JPY')).toMatchObject({ ok: false, code: 'TOO_MANY_DECIMALS' });
    expect(parseThreshold('', 'SGD')).toMatchObject({ ok: false, code: 'EMPTY' });
  });
});

describe('memo', () => {
  it('allows up to 256 characters', () => {
    expect(memoTooLong('x'.repeat(256))).toBe(false);
    expect(memoTooLong('x'.repeat(257))).toBe(true);
  });
});

describe('decimal comma (issue #13 item 3)', () => {
  it('cashier amount and policy threshold read "1,50" / "5,00" as decimals, in both display languages', () => {
    for (const lang of ['en', 'zh'] as const) {
      expect(checkRefundAmount('1,50', sgd(10_000), lang)).toEqual({ ok: true, amount: sgd(150) });
      expect(checkRefundAmount('0,50', sgd(10_000), lang)).toEqual({ ok: true, amount: sgd(50) });
      expect(parseThreshold('5,00', 'SGD', lang)).toEqual({ ok: true, minor: 500 });
      expect(parseThreshold('1,234', 'SGD', lang)).toMatchObject({ ok: false, code: 'AMBIGUOUS_SEPARATOR' });
    }
  });
});

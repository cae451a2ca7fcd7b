import { describe, expect, it } from 'vitest';
import { validateRefundRequest } from '../../../main/antom/validate';

const good = { refundRequestId: 'R-1', paymentId: 'PAY_1', originalMerchantRefundId: 'POS-REF-1' };

function problem(req: unknown): string {
  const r = validateRefundRequest(req);
  if (r.ok) throw new Error('expected a validation error');
  expect(r.error.code).toBe('INVALID_REQUEST');
  return r.error.message;
}

describe('validateRefundRequest', () => {
  it('accepts a full refund and a partial refund with memo', () => {
    expect(validateRefundRequest(good).ok).toBe(true);
    expect(validateRefundRequest({ ...good, refundAmount: { value: 1, currency: 'KWD' }, memo: 'x'.repeat(256) }).ok).toBe(true);
    expect(validateRefundRequest({ ...good, refundRequestId: 'a'.repeat(64), refundAmount: { value: 2_147_483_647, currency: 'JPY' } }).ok).toBe(true);
  });
  it('refundRequestId: required, <= 64, safe characters', () => {
    expect(problem({ ...good, refundRequestId: '' })).toMatch(/refund number is missing/);
    expect(problem({ ...good, refundRequestId: undefined })).toMatch(/refund number is missing/);
    expect(problem({ ...good, refundRequestId: 'a'.repeat(65) })).toMatch(/longer than 64/);
    expect(problem({ ...good, refundRequestId: 'a b' })).toMatch(/letters, digits/);
  });
  it('paymentId: required, <= 64, no odd characters', () => {
    expect(problem({ ...good, paymentId: '   ' })).toMatch(/payment ID is missing/);
    expect(problem({ ...good, paymentId: 'p'.repeat(65) })).toMatch(/longer than 64/);
    expect(problem({ ...good, paymentId: 'PAY<1>' })).toMatch(/do not belong/);
  });
  it('originalMerchantRefundId is required (USB cable mode)', () => {
    expect(problem({ ...good, originalMerchantRefundId: undefined })).toMatch(/terminal did not provide its refund reference/);
    expect(problem({ ...good, originalMerchantRefundId: '' })).toMatch(/terminal did not provide/);
    expect(problem({ ...good, originalMerchantRefundId: 'x'.repeat(65) })).toMatch(/longer than 64/);
  });
  it('refundAmount: integer minor units 1..2147483647, ISO-4217 code we know', () => {
    expect(problem({ ...good, refundAmount: { value: 10.5, currency: 'SGD' } })).toMatch(/whole number/);
    expect(problem({ ...good, refundAmount: { value: 0, currency: 'SGD' } })).toMatch(/more than zero/);
    expect(problem({ ...good, refundAmount: { value: -1, currency: 'SGD' } })).toMatch(/more than zero/);
    expect(problem({ ...good, refundAmount: { value: 2_147_483_648, currency: 'SGD' } })).toMatch(/too large/);
    expect(problem({ ...good, refundAmount: { value: 100, currency: 'sgd' } })).toMatch(/3-letter code/);
    expect(problem({ ...good, refundAmount: { value: 100, currency: 'XYZ' } })).toMatch(/not supported/);
    expect(problem({ ...good, refundAmount: { value: 100 } })).toMatch(/currency is missing/);
    expect(problem({ ...good, refundAmount: 'ten' })).toMatch(/amount is not valid/);
  });
  it('memo <= 256 characters (counted as characters, not UTF-16 units)', () => {
    expect(validateRefundRequest({ ...good, memo: '😀'.repeat(256) }).ok).toBe(true);
    expect(problem({ ...good, memo: 'x'.repeat(257) })).toMatch(/longer than 256/);
  });
  it('lists several problems at once', () => {
    const msg = problem({ refundRequestId: '', paymentId: '', originalMerchantRefundId: '' });
    expect(msg).toMatch(/refund number/);
    expect(msg).toMatch(/payment ID/);
    expect(msg).toMatch(/terminal/);
  });
});

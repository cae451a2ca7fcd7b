import { describe, expect, it } from 'vitest';
import { parseScan } from '../../../renderer/src/lib/scan';

describe('parseScan', () => {
  it('accepts antom:payment:<id>', () => {
    expect(parseScan('antom:payment:20251125114010800100188820293912345')).toEqual({ ok: true, paymentId: '20251125114010800100188820293912345' });
  });
  it('is case-insensitive on the prefix and trims scanner line endings', () => {
    expect(parseScan('ANTOM:PAYMENT:pay_123\r\n')).toEqual({ ok: true, paymentId: 'pay_123' });
    expect(parseScan('\tpay-9*X  ')).toEqual({ ok: true, paymentId: 'pay-9*X' });
  });
  it('accepts a bare payment id', () => {
    expect(parseScan('2025112511401080010018882029')).toEqual({ ok: true, paymentId: '2025112511401080010018882029' });
  });
  it('refuses empty input', () => {
    expect(parseScan('')).toEqual({ ok: false, reason: 'EMPTY' });
    expect(parseScan('  \r\n')).toEqual({ ok: false, reason: 'EMPTY' });
  });
  it('refuses garbage', () => {
    for (const raw of ['https://evil.example/x', 'antom:payment:', 'antom:payment:abc def', 'pay 123', '<script>', 'x'.repeat(65), 'antom:refund:123', '{"paymentId":"1"}']) {
      expect(parseScan(raw), raw).toEqual({ ok: false, reason: 'INVALID' });
    }
  });
  it('accepts exactly 64 characters', () => {
    expect(parseScan('a'.repeat(64)).ok).toBe(true);
  });
});

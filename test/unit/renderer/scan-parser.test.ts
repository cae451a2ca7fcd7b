import { describe, expect, it } from 'vitest';
import { parseScan } from '../../../renderer/src/lib/scan';

describe('parseScan', () => {
  it('accepts antom:payment:<id>', () => {
    expect(parseScan('antom:payment:20251125114010800100188820293912345')).toEqual({ ok: true, paymentId: '20251125114010800100188820293912345' });
  });
  it('is case-insensitive on the prefix and trims scanner line endings', () => {
    expect(parseScan('ANTOM:PAYMENT:pay_123\r\n')).toEqual({ ok: true, paymentId: 'PAY_123' });
    expect(parseScan('\tpay-9*X  ')).toEqual({ ok: true, paymentId: 'PAY-9*X' });
  });
  it('accepts a bare payment id', () => {
    expect(parseScan('2025112511401080010018882029')).toEqual({ ok: true, paymentId: '2025112511401080010018882029' });
  });
  it('refuses empty input', () => {
    expect(parseScan('')).toEqual({ ok: false, reason: 'EMPTY' });
    expect(parseScan('  \r\n')).toEqual({ ok: false, reason: 'EMPTY' });
  });
  it('refuses garbage', () => {
    for (const raw of [
      'https://evil.example/x',
      'antom:payment:',
      'antom:payment:abc def',
      'pay 123',
      '<script>',
      'x'.repeat(65),
      'antom:refund:123',
      '{"paymentId":"1"}',
    ]) {
      expect(parseScan(raw), raw).toEqual({ ok: false, reason: 'INVALID' });
    }
  });
  it('accepts exactly 64 characters', () => {
    expect(parseScan('a'.repeat(64)).ok).toBe(true);
  });

  it('forgives what it safely can (issue #13 item 8): case, scanner AIM prefixes, labels, digit groups', () => {
    expect(parseScan('demo-sgd-alipay-0001')).toEqual({ ok: true, paymentId: 'DEMO-SGD-ALIPAY-0001' });
    expect(parseScan(']Q1antom:payment:2025112511401080010018882029')).toEqual({ ok: true, paymentId: '2025112511401080010018882029' });
    expect(parseScan(']C12025112511401080010018882029\r')).toEqual({ ok: true, paymentId: '2025112511401080010018882029' });
    expect(parseScan('Payment ID: 2025112511401080010018882029')).toEqual({ ok: true, paymentId: '2025112511401080010018882029' });
    expect(parseScan('2025 1125 1140 1080')).toEqual({ ok: true, paymentId: '2025112511401080' });
    expect(parseScan('\u00a0 DEMO-SGD-ALIPAY-0001 \u3000')).toEqual({ ok: true, paymentId: 'DEMO-SGD-ALIPAY-0001' });
    // ...and nothing that could be something else.
    expect(parseScan('pay 123')).toEqual({ ok: false, reason: 'INVALID' });
  });
});

/** Property tests: signing round-trips, validation never throws, ledger invariants. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  buildContentToSign,
  importPrivateKey,
  importPublicKey,
  signContent,
  verifyContent,
  formatSignatureHeader,
  parseSignatureHeader,
} from '../../../main/antom/signing';
import { validateRefundRequest } from '../../../main/antom/validate';
import { SandboxLedger } from '../../../main/sandbox/ledger';
import { demoPayments, DEMO_PAYMENTS } from '../../../main/sandbox/seed';
import { testKeys } from './helpers';

describe('properties', () => {
  const keys = testKeys();
  const priv = importPrivateKey(keys.merchant.privateKeyPem);
  const pub = importPublicKey(keys.merchant.publicKeyPem);
  if (!priv.ok || !pub.ok) throw new Error('keys');

  it('any body signs and verifies; any change to it fails', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 200 }), fc.string({ minLength: 1, maxLength: 5 }), (body, extra) => {
        const content = buildContentToSign('POST', '/ams/api/v2/payments/refund', 'C', '1764086400000', body);
        const sig = signContent(content, priv.value);
        expect(parseSignatureHeader(formatSignatureHeader(1, sig))?.signature).toBe(sig);
        expect(verifyContent(content, sig, pub.value)).toBe(true);
        expect(verifyContent(`${content}${extra}`, sig, pub.value)).toBe(false);
      }),
      { numRuns: 40 },
    );
  });

  it('validateRefundRequest never throws and only accepts what Antom allows', () => {
    fc.assert(
      fc.property(fc.anything(), (input) => {
        const r = validateRefundRequest(input);
        if (r.ok) {
          expect(r.value.refundRequestId.length).toBeLessThanOrEqual(64);
          expect(r.value.originalMerchantRefundId.length).toBeGreaterThan(0);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('ledger: any sequence of refunds (with repeats) never over-refunds nor duplicates an id', () => {
    const paymentIds = [
      DEMO_PAYMENTS.SGD_ALIPAY.paymentId,
      DEMO_PAYMENTS.SGD_PARTLY_REFUNDED.paymentId,
      DEMO_PAYMENTS.SGD_FULL_ONLY.paymentId,
      DEMO_PAYMENTS.SGD_ASYNC_BANKTRANSFER.paymentId,
    ];
    const op = fc.record({
      id: fc.integer({ min: 1, max: 8 }),
      payment: fc.constantFrom(...paymentIds),
      amount: fc.option(fc.integer({ min: 0, max: 15_000 }), { nil: undefined }),
      advance: fc.integer({ min: 0, max: 2_000 }),
    });
    fc.assert(
      fc.property(fc.array(op, { maxLength: 40 }), (ops) => {
        let now = 1_764_000_000_000;
        const ledger = new SandboxLedger(demoPayments(now), () => now, 1_000);
        for (const o of ops) {
          now += o.advance;
          ledger.refund({
            refundRequestId: `R${o.id}`,
            paymentId: o.payment,
            originalMerchantRefundId: 'POS',
            ...(o.amount !== undefined ? { refundAmount: { value: o.amount, currency: 'SGD' } } : {}),
          });
        }
        const refunds = ledger.refundList();
        expect(new Set(refunds.map((r) => r.refundRequestId)).size).toBe(refunds.length);
        for (const p of ledger.paymentList()) {
          const sum = refunds.filter((r) => r.paymentId === p.paymentId).reduce((a, r) => a + r.amount.value, 0);
          expect(sum).toBe(p.refunded);
          expect(sum).toBeLessThanOrEqual(p.amount.value);
          if (!p.supportsPartialRefund) expect(refunds.filter((r) => r.paymentId === p.paymentId && r.amount.value !== p.amount.value)).toHaveLength(0);
          expect(refunds.filter((r) => r.paymentId === p.paymentId && r.status === 'PROCESSING').length).toBeLessThanOrEqual(1);
        }
      }),
      { numRuns: 200 },
    );
  });
});

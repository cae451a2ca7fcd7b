/**
 * Issue 12 item 5, engine side: inquiries carry what the refund asked for (so
 * the gateway can refuse an answer about another payment or amount), and for a
 * FULL refund Antom's own refundAmount is kept in the journal.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { rig, type Rig } from './engine-helpers';
import { outcome } from './fakes';

const rigs: Rig[] = [];
afterEach(() => rigs.splice(0).forEach((r) => r.cleanup()));

describe('engine: answers matched to the journaled request', () => {
  it("records Antom's refundAmount of a FULL refund in the SUCCEEDED transition", async () => {
    const r = rig();
    rigs.push(r);
    r.antom.refundScript.push(outcome('SUCCESS', { refundId: 'AR-X', refundAmount: { value: 5_000, currency: 'SGD' } }));
    const res = await r.engine.submit({ intentId: 'i-full-1', paymentId: 'PAY1', mode: 'FULL', cashier: 'alice' });
    expect(res.ok && res.value.state).toBe('SUCCEEDED');
    if (!res.ok) return;
    const last = r.ledger.refunds.transitions(res.value.refundRequestId).at(-1);
    expect(last?.to_state).toBe('SUCCEEDED');
    expect(JSON.parse(String(last?.detail))).toMatchObject({ antomRefundAmount: { value: 5_000, currency: 'SGD' } });
  });

  it('an inquiry names the paymentId and, for a partial refund, the amount that was asked', async () => {
    const r = rig();
    rigs.push(r);
    const asked: unknown[] = [];
    const inner = r.antom.inquireRefund.bind(r.antom);
    r.antom.inquireRefund = async (id: string, a?: unknown) => {
      asked.push(a);
      return inner(id);
    };
    r.antom.refundScript.push(outcome('PENDING'));
    const res = await r.engine.submit({
      intentId: 'i-part-1',
      paymentId: 'PAY1',
      mode: 'PARTIAL',
      amount: { value: 1_250, currency: 'SGD' },
      cashier: 'alice',
    });
    expect(res.ok && res.value.state).toBe('PENDING_UNKNOWN');
    if (!res.ok) return;
    await r.engine.recover();
    expect(asked[0]).toEqual({ paymentId: 'PAY1', refundAmount: { value: 1_250, currency: 'SGD' } });
  });
});

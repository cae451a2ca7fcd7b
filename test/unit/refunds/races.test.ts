/** Issue #13 item 7: the losing side of a race is told the truth, with the payment as it is now. */
import { afterEach, describe, expect, it } from 'vitest';
import { PaymentView } from '../../../preload/contract/refunds';
import { outcome } from './fakes';
import { rig, type Rig } from './engine-helpers';

const rigs: Rig[] = [];
afterEach(() => rigs.splice(0).forEach((r) => r.cleanup()));
function make(): Rig {
  const r = rig();
  rigs.push(r);
  expect(r.ledger.setPolicy({ ...r.ledger.getPolicy(), amountThresholds: {}, paymentOlderThanDays: null }, 'test').ok).toBe(true);
  return r;
}

describe('races end with the truth', () => {
  it('REFUND_IN_FLIGHT says who is refunding it and where, and carries the payment as it is now', async () => {
    const r = make();
    await r.engine.lookupPayment('PAY1');
    r.antom.refundScript = [outcome('PENDING', { pendingKind: 'IN_PROCESS', resultCode: 'REFUND_IN_PROCESS' })];
    const first = await r.engine.submit({ intentId: 'tab-a', paymentId: 'PAY1', mode: 'PARTIAL', amount: { value: 1_000, currency: 'SGD' }, cashier: 'alice' });
    expect(first.ok && first.value.state).toBe('PENDING_IN_PROCESS');
    const second = await r.engine.submit({
      intentId: 'tab-b',
      paymentId: 'PAY1',
      mode: 'FULL',
      expectedAmount: { value: 5_000, currency: 'SGD' },
      cashier: 'bob',
    });
    expect(second.ok).toBe(false);
    if (second.ok) return;
    expect(second.error.code).toBe('REFUND_IN_FLIGHT');
    expect(second.error.message).toMatch(/^alice is refunding 10\.00 SGD of this payment right now/);
    const payment = PaymentView.parse(second.error.details?.['payment']);
    expect(payment.refundable.value).toBe(4_000);
    expect(payment.inFlight).toMatchObject({ cashier: 'alice', amount: { value: 1_000, currency: 'SGD' } });
    expect(payment.inFlight?.where.length).toBeGreaterThan(0);
    expect(r.antom.refundCalls).toHaveLength(1);
  });

  it('a full refund confirmed on a stale balance is refused as BALANCE_CHANGED, never sent for a different amount', async () => {
    const r = make();
    await r.engine.lookupPayment('PAY1'); // both tabs saw "Full refund (50.00)"
    const a = await r.engine.submit({ intentId: 'tab-a', paymentId: 'PAY1', mode: 'PARTIAL', amount: { value: 2_000, currency: 'SGD' }, cashier: 'alice' });
    expect(a.ok && a.value.state).toBe('SUCCEEDED');
    const b = await r.engine.submit({ intentId: 'tab-b', paymentId: 'PAY1', mode: 'FULL', expectedAmount: { value: 5_000, currency: 'SGD' }, cashier: 'bob' });
    expect(b.ok ? null : b.error.code).toBe('BALANCE_CHANGED');
    if (!b.ok) expect(PaymentView.parse(b.error.details?.['payment']).refundable.value).toBe(3_000);
    expect(r.antom.refundCalls).toHaveLength(1);
    // Confirming the figure now shown works.
    const again = await r.engine.submit({
      intentId: 'tab-b2',
      paymentId: 'PAY1',
      mode: 'FULL',
      expectedAmount: { value: 3_000, currency: 'SGD' },
      cashier: 'bob',
    });
    expect(again.ok && again.value).toMatchObject({ state: 'SUCCEEDED', amount: { value: 3_000, currency: 'SGD' } });
  });
});

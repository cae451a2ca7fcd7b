/**
 * What Antom's final answer teaches about a payment and its method (the
 * amount Antom actually refunded, a balance known to be lower, a method that
 * refuses partial refunds, a window that is over), so the next admission
 * judges with it.
 */
import { toMajorString } from '../../preload/contract/money';
import type { RefundPatch } from '../ledger/refund-store';
import type { RefundRow } from '../ledger/rows';
import { SYSTEM, type EngineCore } from './engine-core';
import type { PaymentLookup } from './payment-lookup';
import type { AntomOutcome } from './ports';

export class OutcomeLearning {
  constructor(
    private readonly c: EngineCore,
    private readonly lookup: PaymentLookup,
  ) {}

  /**
   * What Antom's final answer teaches about the payment (admission side of the
   * engine): the amount Antom actually refunded, a balance known to be lower,
   * a method that refuses partial refunds, a window that is over.
   */
  async learnFromOutcome(row: RefundRow, o: AntomOutcome): Promise<RefundRow> {
    const code = o.resultCode;
    if (row.state === 'SUCCEEDED') {
      let current = row;
      const reported = o.refundAmount;
      if (reported !== undefined && reported !== null && reported.currency === row.currency && reported.value > 0 && reported.value !== row.amount_value) {
        const u = await this.c.journal.recordAntomAmount(row.refund_request_id, reported.value, SYSTEM);
        if (u.ok) current = u.value;
      }
      await this.c.store.payments.lowerRefusedBound(row.payment_id, current.amount_value);
      return current;
    }
    if (row.state !== 'FAILED') return row;
    const payment = await this.c.store.payments.get(row.payment_id);
    if (code === 'DPOS_REFUND_REFUND_AMOUNT_EXCEED') {
      // Antom has less left than we asked for: mark it, ask Antom again, say so.
      await this.c.store.payments.markRefusedAt(row.payment_id, row.amount_value);
      const fresh = await this.lookup.fetchPayment(row.payment_id);
      const left = await this.c.journal.refundableBalance(row.payment_id);
      const asked = `${toMajorString({ value: row.amount_value, currency: row.currency })} ${row.currency}`;
      const now = left === null ? '' : ` Looked up again: ${toMajorString(left)} ${left.currency} can still be refunded.`;
      const message = `Antom has less left on this payment than ${asked}: part of it was refunded elsewhere (another counter or the Antom Dashboard). No money was refunded.${fresh.ok ? now : ' Antom could not be asked again just now; look the payment up again.'}`;
      return this.patchFinal(row, { message });
    }
    if (code === 'DPOS_REFUND_PARTIAL_REFUND_NOT_SUPPORTED' && payment !== null) {
      await this.c.store.payments.markPartialRefused(row.payment_id);
      await this.c.store.payments.learnPartialRefused(payment.paymentMethod, code);
      return row;
    }
    if (code === 'DPOS_REFUND_REFUND_WINDOW_EXCEED' && payment !== null) {
      await this.c.store.payments.markClosed(row.payment_id, code);
      const age = (this.c.clock().getTime() - Date.parse(payment.paidAt)) / 86_400_000;
      if (Number.isFinite(age)) await this.c.store.payments.learnWindowExceeded(payment.paymentMethod, age, code);
      return row;
    }
    return row;
  }

  private async patchFinal(row: RefundRow, patch: RefundPatch): Promise<RefundRow> {
    const u = await this.c.journal.update(row.refund_request_id, row.state, patch);
    if (!u.ok) return row;
    this.c.journaled(u.value);
    return u.value;
  }
}

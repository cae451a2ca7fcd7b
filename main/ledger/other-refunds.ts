/**
 * Refunds made another way: when Antom cannot refund, the store gives cash or
 * store credit and a manager records it here, against the payment. Nothing is
 * sent to Antom or the terminal. What is recorded counts against the payment's
 * refundable balance (SQL in RefundStore.committedAmount), so the customer
 * cannot later be refunded twice, once in cash and once through Antom.
 */
import type { Database } from 'better-sqlite3';
import { computeBalance } from './balance';
import type { Money } from '../../preload/contract/money';
import { err, ok, type Result } from '../../preload/contract/result';
import type { OtherRefundMethod, OtherRefundView } from '../../preload/contract/views';
import type { AuditLog } from './audit';
import { localDate, widenedUtcBounds } from './local-date';
import type { RefundStore } from './refund-store';
import { OtherRefundRowSchema, parseRow, parseRows, PaymentRowSchema, type OtherRefundRow } from './rows';

export interface NewOtherRefund {
  /** Made by the screen once per entry: recording again with the same id returns the first. */
  readonly id: string;
  readonly paymentId: string;
  readonly method: OtherRefundMethod;
  readonly amount: Money;
  readonly note: string;
  readonly relatedRefundRequestId?: string;
}

export type RecordOtherError = 'PAYMENT_NOT_FOUND' | 'INVALID_INPUT' | 'REFUND_IN_FLIGHT' | 'AMOUNT_EXCEEDS_REFUNDABLE' | 'NOT_FOUND';

export function toOtherRefundView(r: OtherRefundRow): OtherRefundView {
  return {
    id: r.id,
    paymentId: r.payment_id,
    method: r.method,
    amount: { value: r.amount_value, currency: r.currency },
    note: r.note,
    relatedRefundRequestId: r.related_refund_request_id,
    recordedBy: r.recorded_by,
    createdAt: r.created_at,
  };
}

export class OtherRefundStore {
  constructor(
    private readonly db: Database,
    private readonly audit: AuditLog,
    private readonly refunds: RefundStore,
    private readonly clock: () => Date,
    /** The store zone now (a manager can change it while the app runs). */
    private readonly timeZone: () => string,
  ) {}

  get(id: string): OtherRefundRow | null {
    const raw = this.db.prepare('SELECT * FROM other_refunds WHERE id = ?').get(id);
    return raw === undefined ? null : parseRow(OtherRefundRowSchema, raw, 'other refund');
  }

  /** Checks and insert under one write lock, so the balance cannot be spent twice by two processes. */
  record(n: NewOtherRefund, actor: string): Result<OtherRefundRow, RecordOtherError> {
    const run = this.db.transaction((): Result<OtherRefundRow, RecordOtherError> => {
      const existing = this.get(n.id);
      if (existing !== null) {
        const same = existing.payment_id === n.paymentId && existing.amount_value === n.amount.value && existing.method === n.method;
        return same ? ok(existing) : err('INVALID_INPUT', 'This entry was already recorded with other details.');
      }
      const payRaw = this.db.prepare('SELECT * FROM payments WHERE payment_id = ?').get(n.paymentId);
      if (payRaw === undefined) return err('PAYMENT_NOT_FOUND', 'This payment has not been looked up on this terminal.');
      const payment = parseRow(PaymentRowSchema, payRaw, 'payment');
      if (payment.currency !== n.amount.currency) return err('INVALID_INPUT', `The payment is in ${payment.currency}.`);
      if (n.relatedRefundRequestId !== undefined) {
        const related = this.refunds.get(n.relatedRefundRequestId);
        if (related === null || related.payment_id !== n.paymentId) return err('NOT_FOUND', 'That refund does not belong to this payment.');
      }
      // While an Antom refund may still move money, recording cash as well could pay the customer twice.
      const inFlight = this.refunds.inFlightFor(n.paymentId);
      if (inFlight !== null) {
        return err('REFUND_IN_FLIGHT', 'An Antom refund for this payment is still open. Wait for its outcome first.', {
          refundRequestId: inFlight.refund_request_id,
        });
      }
      // The same balance the counter shows (this journal, Antom's report, earlier cash/credit).
      const refundable = computeBalance(payment, this.refunds.list({ paymentId: n.paymentId }), this.refunds.otherRefundedAmount(n.paymentId)).refundable.value;
      if (n.amount.value > refundable) {
        return err('AMOUNT_EXCEEDS_REFUNDABLE', 'The amount is more than what is left to refund on this payment.', { refundable });
      }
      const now = this.clock().toISOString();
      this.db
        .prepare(
          `INSERT INTO other_refunds (id, payment_id, method, amount_value, currency, note, related_refund_request_id, recorded_by, created_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        )
        .run(n.id, n.paymentId, n.method, n.amount.value, n.amount.currency, n.note, n.relatedRefundRequestId ?? null, actor, now);
      this.audit.append(actor, 'refund.other_recorded', {
        id: n.id,
        paymentId: n.paymentId,
        method: n.method,
        amount: n.amount,
        note: n.note,
        relatedRefundRequestId: n.relatedRefundRequestId ?? null,
      });
      const row = this.get(n.id);
      if (row === null) throw new Error('other refund vanished after insert');
      return ok(row);
    });
    return run.immediate();
  }

  /** Newest first; `date` is a calendar day of the store (or of `tz`). */
  list(filter: { date?: string; paymentId?: string; tz?: string } = {}): OtherRefundRow[] {
    const where: string[] = [];
    const params: Record<string, string> = {};
    if (filter.paymentId !== undefined) {
      where.push('payment_id = @paymentId');
      params['paymentId'] = filter.paymentId;
    }
    if (filter.date !== undefined) {
      const b = widenedUtcBounds(filter.date);
      where.push('created_at >= @from AND created_at < @to');
      params['from'] = b.from;
      params['to'] = b.to;
    }
    const sql = `SELECT * FROM other_refunds ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY created_at DESC, rowid DESC`;
    const rows = parseRows(OtherRefundRowSchema, this.db.prepare(sql).all(params), 'other refund');
    const date = filter.date;
    const tz = filter.tz ?? this.timeZone();
    return date === undefined ? rows : rows.filter((r) => localDate(r.created_at, tz) === date);
  }
}

/** Payments as last seen from Antom, cached so balance checks and reports work offline. */
import type { Database } from 'better-sqlite3';
import type { AntomPaymentInfo } from '../refunds/ports';
import { parseRow, parseRows, PaymentRowSchema, type PaymentRow } from './rows';

/** A payment as Antom described it, plus when this terminal last asked. */
export interface PaymentRecord extends AntomPaymentInfo {
  readonly fetchedAt: string;
}

export class PaymentCache {
  constructor(
    private readonly db: Database,
    private readonly clock: () => Date,
  ) {}

  upsert(p: Omit<PaymentRecord, 'fetchedAt'>): PaymentRecord {
    const fetchedAt = this.clock().toISOString();
    this.db
      .prepare(
        `INSERT INTO payments (payment_id, amount_value, currency, payment_method, paid_at, status, supports_partial, fetched_at)
         VALUES (@id, @value, @currency, @method, @paidAt, @status, @partial, @fetchedAt)
         ON CONFLICT(payment_id) DO UPDATE SET amount_value = excluded.amount_value, currency = excluded.currency,
           payment_method = excluded.payment_method, paid_at = excluded.paid_at, status = excluded.status,
           supports_partial = excluded.supports_partial, fetched_at = excluded.fetched_at`,
      )
      .run({
        id: p.paymentId,
        value: p.amount.value,
        currency: p.amount.currency,
        method: p.paymentMethod,
        paidAt: p.paidAt,
        status: p.status,
        partial: p.supportsPartialRefund === null ? null : p.supportsPartialRefund ? 1 : 0,
        fetchedAt,
      });
    return { ...p, fetchedAt };
  }

  get(paymentId: string): PaymentRecord | null {
    const raw = this.db.prepare('SELECT * FROM payments WHERE payment_id = ?').get(paymentId);
    return raw === undefined ? null : toRecord(parseRow(PaymentRowSchema, raw, 'payment'));
  }

  /** Most recently looked-up payments first (the cashier's "recent" list). */
  recent(limit = 20): PaymentRecord[] {
    const n = Math.min(Math.max(Math.trunc(limit), 1), 200);
    return parseRows(PaymentRowSchema, this.db.prepare('SELECT * FROM payments ORDER BY fetched_at DESC LIMIT ?').all(n), 'payment').map(toRecord);
  }
}

function toRecord(r: PaymentRow): PaymentRecord {
  return {
    paymentId: r.payment_id,
    amount: { value: r.amount_value, currency: r.currency },
    paymentMethod: r.payment_method,
    paidAt: r.paid_at,
    status: r.status,
    supportsPartialRefund: r.supports_partial === null ? null : r.supports_partial !== 0,
    fetchedAt: r.fetched_at,
  };
}

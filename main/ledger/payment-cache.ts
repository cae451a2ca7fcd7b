/** Payments as last seen from Antom, cached so balance checks and reports work offline. */
import type { Database } from 'better-sqlite3';
import type { Money } from '../../preload/contract/money';
import { parseRow, PaymentRowSchema } from './rows';

export interface PaymentRecord {
  readonly paymentId: string;
  readonly amount: Money;
  readonly paymentMethod: string;
  readonly paidAt: string;
  readonly status: string;
  readonly supportsPartialRefund: boolean | null;
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
    if (raw === undefined) return null;
    const r = parseRow(PaymentRowSchema, raw, 'payment');
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
}

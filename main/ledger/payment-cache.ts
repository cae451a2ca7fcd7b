/** Payments as last seen from Antom, cached so balance checks and reports work offline. */
import type { Database } from 'better-sqlite3';
import type { AntomPaymentInfo } from '../refunds/ports';
import { parseAntomRefunds } from './balance';
import { parseRow, parseRows, PaymentRowSchema, type PaymentRow } from './rows';

/** A payment as Antom described it, plus when this terminal last asked and what Antom refused. */
export interface PaymentRecord extends AntomPaymentInfo {
  readonly fetchedAt: string;
  /** Antom refused this many minor units as more than is left (AMOUNT_EXCEED); null = never. */
  readonly refundableBelow: number | null;
  /** An Antom refusal that closes the payment for refunds (e.g. DPOS_REFUND_REFUND_WINDOW_EXCEED). */
  readonly refundClosedCode: string | null;
}

export class PaymentCache {
  constructor(
    private readonly db: Database,
    private readonly clock: () => Date,
  ) {}

  upsert(p: AntomPaymentInfo): PaymentRecord {
    const fetchedAt = this.clock().toISOString();
    const reported = p.antomRefunds ?? null;
    const refunded = reported === null ? null : reported.filter((r) => r.status !== 'FAIL').reduce((s, r) => s + r.value, 0);
    // A lookup that says nothing about refunds keeps what an earlier one said;
    // one that does replaces it and supersedes an earlier "less than X" refusal.
    // A partial refusal learnt from Antom is never overwritten by "unknown".
    this.db
      .prepare(
        `INSERT INTO payments (payment_id, amount_value, currency, payment_method, paid_at, status, supports_partial, fetched_at, antom_refunded, antom_refunds)
         VALUES (@id, @value, @currency, @method, @paidAt, @status, @partial, @fetchedAt, @refunded, @refunds)
         ON CONFLICT(payment_id) DO UPDATE SET amount_value = excluded.amount_value, currency = excluded.currency,
           payment_method = excluded.payment_method, paid_at = excluded.paid_at, status = excluded.status,
           supports_partial = COALESCE(excluded.supports_partial, payments.supports_partial), fetched_at = excluded.fetched_at,
           antom_refunded = COALESCE(excluded.antom_refunded, payments.antom_refunded),
           antom_refunds = CASE WHEN excluded.antom_refunded IS NULL THEN payments.antom_refunds ELSE excluded.antom_refunds END,
           refundable_below = CASE WHEN excluded.antom_refunded IS NULL THEN payments.refundable_below ELSE NULL END`,
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
        refunded,
        refunds: JSON.stringify(reported ?? []),
      });
    const row = this.get(p.paymentId);
    if (row === null) throw new Error('payment vanished after upsert');
    return row;
  }

  /** The journal row (balance computation needs the raw columns). */
  row(paymentId: string): PaymentRow | null {
    const raw = this.db.prepare('SELECT * FROM payments WHERE payment_id = ?').get(paymentId);
    return raw === undefined ? null : parseRow(PaymentRowSchema, raw, 'payment');
  }

  /** Antom answered AMOUNT_EXCEED for `value`: what is left there is less than that. */
  markRefusedAt(paymentId: string, value: number): void {
    this.db.prepare('UPDATE payments SET refundable_below = MIN(COALESCE(refundable_below, ?), ?) WHERE payment_id = ?').run(value, value, paymentId);
  }

  /** A refund of ours succeeded: an earlier "less than X" bound moves down with it. */
  lowerRefusedBound(paymentId: string, by: number): void {
    this.db
      .prepare('UPDATE payments SET refundable_below = MAX(0, refundable_below - ?) WHERE payment_id = ? AND refundable_below IS NOT NULL')
      .run(by, paymentId);
  }

  markPartialRefused(paymentId: string): void {
    this.db.prepare('UPDATE payments SET supports_partial = 0 WHERE payment_id = ?').run(paymentId);
  }

  markClosed(paymentId: string, resultCode: string): void {
    this.db.prepare('UPDATE payments SET refund_closed_code = ? WHERE payment_id = ?').run(resultCode, paymentId);
  }

  get(paymentId: string): PaymentRecord | null {
    const raw = this.db.prepare('SELECT * FROM payments WHERE payment_id = ?').get(paymentId);
    return raw === undefined ? null : toRecord(parseRow(PaymentRowSchema, raw, 'payment'));
  }

  /** Search over the payments this install has seen (looked up, listed or refunded), newest payment first. */
  search(q: PaymentQuery): PaymentRecord[] {
    return searchPayments(this.db, q);
  }

  facets(): PaymentSearchFacets {
    return paymentFacets(this.db);
  }

  /** Most recently looked-up payments first (the cashier's "recent" list). */
  recent(limit = 20): PaymentRecord[] {
    const n = Math.min(Math.max(Math.trunc(limit), 1), 200);
    return parseRows(PaymentRowSchema, this.db.prepare('SELECT * FROM payments ORDER BY fetched_at DESC LIMIT ?').all(n), 'payment').map(toRecord);
  }
}

/** What the cashier can search the payments this install has seen by. */
export interface PaymentQuery {
  readonly amount?: { readonly value: number; readonly currency: string };
  /** ISO instants, inclusive bounds on the payment time. */
  readonly from?: string;
  readonly to?: string;
  readonly method?: string;
  /** The last characters of the payment ID, as printed on a receipt (case-insensitive). */
  readonly idSuffix?: string;
  readonly limit?: number;
}

export interface PaymentSearchFacets {
  readonly methods: string[];
  readonly currencies: string[];
  readonly seen: number;
}

export function searchPayments(db: Database, q: PaymentQuery): PaymentRecord[] {
  const where: string[] = [];
  const params: Record<string, string | number> = {};
  if (q.amount !== undefined) {
    where.push('amount_value = @value AND currency = @currency');
    params['value'] = q.amount.value;
    params['currency'] = q.amount.currency;
  }
  // Times are compared as instants (julianday), not as text: Antom's times may carry any offset.
  if (q.from !== undefined) {
    where.push('julianday(paid_at) >= julianday(@from)');
    params['from'] = q.from;
  }
  if (q.to !== undefined) {
    where.push('julianday(paid_at) <= julianday(@to)');
    params['to'] = q.to;
  }
  if (q.method !== undefined) {
    where.push('payment_method = @method');
    params['method'] = q.method;
  }
  if (q.idSuffix !== undefined && q.idSuffix !== '') {
    // substr, not LIKE: '_' is a wildcard in LIKE and common in payment IDs.
    where.push('upper(substr(payment_id, -length(@suffix))) = upper(@suffix)');
    params['suffix'] = q.idSuffix;
  }
  const limit = Math.min(Math.max(Math.trunc(q.limit ?? 50), 1), 200);
  const sql = `SELECT * FROM payments ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY julianday(paid_at) DESC, payment_id LIMIT ${limit}`;
  return parseRows(PaymentRowSchema, db.prepare(sql).all(params), 'payment').map(toRecord);
}

export function paymentFacets(db: Database): PaymentSearchFacets {
  const col = (sql: string): string[] => (db.prepare(sql).pluck().all() as unknown[]).filter((v): v is string => typeof v === 'string');
  const seen = db.prepare('SELECT COUNT(*) FROM payments').pluck().get();
  return {
    methods: col('SELECT DISTINCT payment_method FROM payments ORDER BY payment_method'),
    currencies: col('SELECT DISTINCT currency FROM payments ORDER BY currency'),
    seen: typeof seen === 'number' ? seen : 0,
  };
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
    antomRefunds: r.antom_refunded === null ? null : parseAntomRefunds(r.antom_refunds),
    refundableBelow: r.refundable_below,
    refundClosedCode: r.refund_closed_code,
  };
}

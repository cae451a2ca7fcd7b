/**
 * Row mapping and SQL helpers of the PostgreSQL journal: database rows into the
 * shapes the SQLite journal returns, the payment upsert with the cache's rules,
 * the store balance (one computation with SQLite: balance.ts) and patch SQL.
 */
import type pg from 'pg';
import { computeBalance } from '../balance';
import type { PaymentRecord } from '../payment-cache';
import type { AntomPaymentInfo } from '../../refunds/ports';
import { PATCH_COLUMNS, type RefundPatch } from '../refund-store';
import { parseRow, RefundRowSchema, type RefundRow } from '../rows';
import { isFinal } from '../state-machine';
import { toPaymentRow } from './pg-rows';

export interface PgJournalOptions {
  /** postgres://… of the store ledger. */
  readonly url: string;
  /** This counter's register name (recorded on every refund it journals). */
  readonly register: string;
  readonly maxConnections?: number;
  /** The ledger's audit key (secret store): every entry is MAC-keyed like the SQLite chain. Default: the public test key. */
  readonly auditKey?: Buffer;
  /** Tests: the monotonic clock the database time is carried on (pg-clock.ts). */
  readonly monotonic?: () => number;
}

export function iso(v: unknown): string | null {
  if (v === null || v === undefined) return null;
  return v instanceof Date ? v.toISOString() : String(v);
}

/** BIGINT arrives as text: converted only when it is a safe integer. */
export function int(v: unknown): number {
  const n = typeof v === 'number' ? v : Number(v);
  if (!Number.isSafeInteger(n)) throw new Error(`store ledger: ${String(v)} is not a safe integer`);
  return n;
}

export function toRefundRow(raw: Record<string, unknown>): RefundRow {
  return parseRow(
    RefundRowSchema,
    {
      ...raw,
      amount_value: int(raw['amount_value']),
      attempts: int(raw['attempts']),
      send_amount: int(raw['send_amount']),
      next_check_at: iso(raw['next_check_at']),
      lease_until: iso(raw['lease_until']),
      created_at: iso(raw['created_at']),
      updated_at: iso(raw['updated_at']),
    },
    'refund',
  );
}

export function toPayment(raw: Record<string, unknown>): PaymentRecord {
  const p = toPaymentRow(raw);
  return {
    paymentId: p.payment_id,
    amount: { value: p.amount_value, currency: p.currency },
    paymentMethod: p.payment_method,
    paidAt: p.paid_at,
    status: p.status,
    supportsPartialRefund: p.supports_partial === null ? null : p.supports_partial !== 0,
    fetchedAt: p.fetched_at,
    refundableBelow: p.refundable_below,
    refundClosedCode: p.refund_closed_code,
  };
}

export function isUniqueViolation(e: unknown, constraint: string): boolean {
  const x = e as { code?: string; constraint?: string };
  return x.code === '23505' && x.constraint === constraint;
}

/**
 * Records a lookup with the same rules as the SQLite cache (payment-cache.ts):
 * a lookup that says nothing about refunds keeps what an earlier one said; one
 * that does replaces it and supersedes an earlier "less than X" refusal.
 */
export async function upsertPgPayment(c: pg.PoolClient | pg.Pool, p: AntomPaymentInfo): Promise<void> {
  const reported = p.antomRefunds ?? null;
  const refunded = reported === null ? null : reported.filter((r) => r.status !== 'FAIL').reduce((s, r) => s + r.value, 0);
  await c.query(
    `INSERT INTO payments (payment_id, amount_value, currency, payment_method, paid_at, status, supports_partial, fetched_at, antom_refunded, antom_refunds)
     VALUES ($1, $2, $3, $4, $5, $6, $7, now(), $8, $9)
     ON CONFLICT (payment_id) DO UPDATE SET amount_value = excluded.amount_value, currency = excluded.currency,
       payment_method = excluded.payment_method, paid_at = excluded.paid_at, status = excluded.status,
       supports_partial = COALESCE(excluded.supports_partial, payments.supports_partial), fetched_at = excluded.fetched_at,
       antom_refunded = COALESCE(excluded.antom_refunded, payments.antom_refunded),
       antom_refunds = CASE WHEN excluded.antom_refunded IS NULL THEN payments.antom_refunds ELSE excluded.antom_refunds END,
       refundable_below = CASE WHEN excluded.antom_refunded IS NULL THEN payments.refundable_below ELSE NULL END`,
    [p.paymentId, p.amount.value, p.amount.currency, p.paymentMethod, p.paidAt, p.status, p.supportsPartialRefund, refunded, JSON.stringify(reported ?? [])],
  );
}

/**
 * The store balance of a payment: computeBalance (balance.ts, the same as
 * SQLite) over every counter's refunds of it, Antom's last report and what was
 * refunded another way. Inside a transaction that holds the payment's row
 * FOR UPDATE, the figure cannot move before the caller's insert commits.
 */
export async function storeBalance(c: pg.PoolClient | pg.Pool, paymentId: string): Promise<ReturnType<typeof computeBalance> | null> {
  const pay = await c.query('SELECT * FROM payments WHERE payment_id = $1', [paymentId]);
  if (!pay.rows[0]) return null;
  const rows = await c.query('SELECT * FROM refunds WHERE payment_id = $1', [paymentId]);
  const other = await c.query<{ s: string }>('SELECT COALESCE(SUM(amount_value), 0) AS s FROM other_refunds WHERE payment_id = $1', [paymentId]);
  return computeBalance(
    toPaymentRow(pay.rows[0] as Record<string, unknown>),
    rows.rows.map((x: Record<string, unknown>) => toRefundRow(x)),
    int(other.rows[0]?.s ?? 0),
  );
}

/**
 * What an insert checks, read under the payment's row lock in three round trips: the payment, the
 * refunds of this payment together with any refund of this intent (the duplicate check), and the
 * other refunds' sum. The in-flight check and the balance come from the same refund rows.
 */
export async function admissionRead(
  c: pg.PoolClient,
  paymentId: string,
  intentId: string,
): Promise<{ payment: PaymentRecord | null; duplicate: RefundRow | null; inFlight: RefundRow | null; balance: ReturnType<typeof computeBalance> | null }> {
  const pay = await c.query('SELECT * FROM payments WHERE payment_id = $1 FOR UPDATE', [paymentId]);
  const rows = (await c.query('SELECT * FROM refunds WHERE payment_id = $1 OR intent_id = $2', [paymentId, intentId])).rows.map((x: Record<string, unknown>) =>
    toRefundRow(x),
  );
  const payRow = pay.rows[0] as Record<string, unknown> | undefined;
  const duplicate = rows.find((r) => r.intent_id === intentId) ?? null;
  const own = rows.filter((r) => r.payment_id === paymentId);
  const inFlight = own.find((r) => !isFinal(r.state)) ?? null;
  if (payRow === undefined || duplicate !== null) return { payment: payRow ? toPayment(payRow) : null, duplicate, inFlight, balance: null };
  const other = await c.query<{ s: string }>('SELECT COALESCE(SUM(amount_value), 0) AS s FROM other_refunds WHERE payment_id = $1', [paymentId]);
  return { payment: toPayment(payRow), duplicate, inFlight, balance: computeBalance(toPaymentRow(payRow), own, int(other.rows[0]?.s ?? 0)) };
}

export function patchSql(patch: RefundPatch, firstParam: number): { sets: string; params: unknown[] } {
  let sets = '';
  const params: unknown[] = [];
  for (const key of Object.keys(PATCH_COLUMNS) as (keyof RefundPatch)[]) {
    const value = patch[key];
    if (value === undefined) continue;
    params.push(value);
    sets += `, ${PATCH_COLUMNS[key]} = $${firstParam + params.length - 1}`;
  }
  return { sets, params };
}

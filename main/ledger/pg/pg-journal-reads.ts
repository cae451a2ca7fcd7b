/**
 * The PostgreSQL journal's read-only queries over many refunds (lineage, a
 * cashier's day, filtered lists, who holds a terminal reference): plain
 * functions over the pool, kept apart from the journal's writes and their
 * store-wide guarantees (pg-journal.ts).
 */
import type pg from 'pg';
import { localDate, localDayIntervals, widenedUtcBounds } from '../local-date';
import { err, type Result } from '../../../preload/contract/result';
import type { RefundFilter, RefundPatch } from '../refund-store';
import { parseRows, TransitionRowSchema, type RefundRow, type TransitionRow } from '../rows';
import { NON_FINAL_STATES } from '../state-machine';
import { int, isUniqueViolation, iso, toRefundRow } from './pg-journal-rows';

export async function pgLineageSize(pool: pg.Pool, rootIntentId: string): Promise<number> {
  const r = await pool.query<{ n: string }>('SELECT COUNT(*) AS n FROM refunds WHERE root_intent_id = $1', [rootIntentId]);
  return int(r.rows[0]?.n ?? 0);
}

export async function pgCashierTotalOn(pool: pg.Pool | pg.PoolClient, cashier: string, currency: string, date: string, timeZone: string): Promise<number> {
  // One indexed range per span of the local day (local-date.ts), summed by PostgreSQL: read twice per refund.
  const spans = localDayIntervals(date, timeZone);
  if (spans.length === 0) return 0;
  const range = spans.map((_, i) => `(created_at >= $${3 + 2 * i} AND created_at < $${4 + 2 * i})`).join(' OR ');
  const r = await pool.query<{ total: string }>(
    `SELECT COALESCE(SUM(amount_value), 0)::text AS total FROM refunds
        WHERE cashier = $1 AND currency = $2 AND state NOT IN ('DECLINED', 'FAILED') AND (${range})`,
    [cashier, currency, ...spans.flatMap((s) => [s.from, s.to])],
  );
  return int(r.rows[0]?.total ?? '0');
}

export async function pgListRefunds(pool: pg.Pool, filter: RefundFilter & { readonly timeZone?: string } = {}): Promise<RefundRow[]> {
  const where: string[] = [];
  const params: unknown[] = [];
  const add = (sql: (n: string) => string, v: unknown): void => {
    params.push(v);
    where.push(sql(`$${params.length}`));
  };
  if (filter.paymentId !== undefined) add((n) => `payment_id = ${n}`, filter.paymentId);
  if (filter.cashier !== undefined) add((n) => `cashier = ${n}`, filter.cashier);
  if (filter.states !== undefined && filter.states.length > 0) add((n) => `state = ANY(${n})`, [...filter.states]);
  if (filter.date !== undefined) {
    const b = widenedUtcBounds(filter.date);
    add((n) => `created_at >= ${n}`, b.from);
    add((n) => `created_at < ${n}`, b.to);
  }
  const r = await pool.query(
    `SELECT * FROM refunds ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY created_at DESC, refund_request_id DESC`,
    params,
  );
  const rows = r.rows.map((x: Record<string, unknown>) => toRefundRow(x));
  const date = filter.date;
  const tz = filter.timeZone ?? 'UTC';
  return date === undefined ? rows : rows.filter((x) => localDate(x.created_at, tz) === date);
}

export async function pgTransitions(pool: pg.Pool, id: string): Promise<TransitionRow[]> {
  const r = await pool.query('SELECT * FROM refund_transitions WHERE refund_request_id = $1 ORDER BY id', [id]);
  return parseRows(
    TransitionRowSchema,
    r.rows.map((x: Record<string, unknown>) => ({ ...x, id: int(x['id']), at: iso(x['at']) })),
    'transition',
  );
}

export async function pgNonFinal(pool: pg.Pool): Promise<RefundRow[]> {
  const r = await pool.query('SELECT * FROM refunds WHERE state = ANY($1) ORDER BY created_at', [NON_FINAL_STATES]);
  return r.rows.map((x: Record<string, unknown>) => toRefundRow(x));
}

export async function pgDue(pool: pg.Pool): Promise<RefundRow[]> {
  const r = await pool.query('SELECT * FROM refunds WHERE next_check_at IS NOT NULL AND next_check_at <= now() AND state = ANY($1) ORDER BY next_check_at', [
    NON_FINAL_STATES,
  ]);
  return r.rows.map((x: Record<string, unknown>) => toRefundRow(x));
}

/**
 * A transition refused by refunds_reference_once (per register): the typed REFERENCE_REUSED naming the other
 * refund of the same register that holds the reference, as RefundStore.transition answers; any other error is rethrown.
 */
export async function pgReferenceReused(
  pool: pg.Pool,
  e: unknown,
  refundRequestId: string,
  patch: RefundPatch | undefined,
): Promise<Result<never, 'REFERENCE_REUSED'>> {
  const reference = patch?.originalMerchantRefundId;
  if (!isUniqueViolation(e, 'refunds_reference_once') || typeof reference !== 'string') throw e;
  const r = await pool.query<{ refund_request_id: string }>(
    `SELECT o.refund_request_id FROM refunds o JOIN refunds me ON me.refund_request_id = $1 AND o.register = me.register
      WHERE o.original_merchant_refund_id = $2 AND o.refund_request_id <> $1 LIMIT 1`,
    [refundRequestId, reference],
  );
  return err('REFERENCE_REUSED', 'The terminal reference already belongs to another refund.', { refundRequestId: r.rows[0]?.refund_request_id ?? null });
}

/**
 * The payments port of the store ledger: payments looked up at any counter,
 * their balances, what Antom refused, and what each payment method is known
 * to allow (learned from Antom's answers, shared by the store).
 */
import { mergeCapability } from '../method-capabilities';
import type { PaymentRecord } from '../payment-cache';
import type { PaymentsPort } from '../store-port';
import { storeBalance, toPayment, upsertPgPayment } from './pg-journal';
import { toPaymentRow } from './pg-rows';
import type { PgStoreContext } from './pg-store-context';

export function pgPayments(ctx: PgStoreContext): PaymentsPort {
  const learned = async (m: string) => {
    const r = await ctx.pool.query<{ partial_supported: boolean | null; window_days: number | null; learned_from: string }>(
      'SELECT * FROM method_capabilities WHERE payment_method = $1',
      [m.toUpperCase()],
    );
    const x = r.rows[0];
    return mergeCapability(m, x && { partialSupported: x.partial_supported, windowDays: x.window_days, learnedFrom: x.learned_from });
  };
  const port: PaymentsPort = {
    upsert: async (p) => {
      // A lookup's copy of Antom's payment: a relaxed commit like every write before the refund's own
      // durable one, which flushes it (durability.ts); read back in the same transaction.
      const c = await ctx.pool.connect();
      let raw: Record<string, unknown> | undefined;
      try {
        await c.query('BEGIN; SET LOCAL synchronous_commit = off');
        await upsertPgPayment(c, p);
        raw = (await c.query('SELECT * FROM payments WHERE payment_id = $1', [p.paymentId])).rows[0] as Record<string, unknown> | undefined;
        await c.query('COMMIT');
      } catch (e) {
        await c.query('ROLLBACK').catch(() => undefined);
        throw e;
      } finally {
        c.release();
      }
      if (raw === undefined) throw new Error('payment vanished after upsert');
      return toPayment(raw);
    },
    get: async (id) => {
      const r = await ctx.pool.query('SELECT * FROM payments WHERE payment_id = $1', [id]);
      return r.rows[0] ? toPayment(r.rows[0] as Record<string, unknown>) : null;
    },
    row: async (id) => {
      const r = await ctx.pool.query('SELECT * FROM payments WHERE payment_id = $1', [id]);
      return r.rows[0] ? toPaymentRow(r.rows[0] as Record<string, unknown>) : null;
    },
    balance: (id) => storeBalance(ctx.pool, id),
    refundableBalance: async (id) => (await storeBalance(ctx.pool, id))?.refundable ?? null,
    markRefusedAt: async (id, v) =>
      void (await ctx.pool.query('UPDATE payments SET refundable_below = LEAST(COALESCE(refundable_below, $2), $2) WHERE payment_id = $1', [id, v])),
    lowerRefusedBound: async (id, by) =>
      void (await ctx.pool.query(
        'UPDATE payments SET refundable_below = GREATEST(0, refundable_below - $2) WHERE payment_id = $1 AND refundable_below IS NOT NULL',
        [id, by],
      )),
    recent: async (limit = 20) => {
      const n = Math.min(Math.max(Math.trunc(limit), 1), 200);
      const r = await ctx.pool.query('SELECT * FROM payments ORDER BY fetched_at DESC LIMIT $1', [n]);
      return (r.rows as Record<string, unknown>[]).map(toPayment);
    },
    search: async (q) => {
      const where: string[] = [];
      const params: unknown[] = [];
      const add = (sql: (n: string) => string, v: unknown): void => {
        params.push(v);
        where.push(sql(`$${params.length}`));
      };
      if (q.amount !== undefined) {
        add((n) => `amount_value = ${n}`, q.amount.value);
        add((n) => `currency = ${n}`, q.amount.currency);
      }
      if (q.method !== undefined) add((n) => `payment_method = ${n}`, q.method);
      // right(), not LIKE: '_' is a wildcard in LIKE and common in payment IDs.
      if (q.idSuffix !== undefined && q.idSuffix !== '') add((n) => `upper(right(payment_id, length(${n}))) = upper(${n})`, q.idSuffix);
      const limit = Math.min(Math.max(Math.trunc(q.limit ?? 50), 1), 200);
      const r = await ctx.pool.query(`SELECT * FROM payments ${where.length ? `WHERE ${where.join(' AND ')}` : ''}`, params);
      // Times compared as instants, not text (Antom's may carry any offset); a time that does not parse never matches a bound.
      const at = (p: PaymentRecord): number => Date.parse(p.paidAt);
      const from = q.from === undefined ? null : Date.parse(q.from);
      const to = q.to === undefined ? null : Date.parse(q.to);
      return (r.rows as Record<string, unknown>[])
        .map(toPayment)
        .filter((p) => (from === null || at(p) >= from) && (to === null || at(p) <= to))
        .sort((x, y) => (at(y) || 0) - (at(x) || 0) || x.paymentId.localeCompare(y.paymentId))
        .slice(0, limit);
    },
    facets: async () => {
      const methods = await ctx.pool.query<{ v: string }>('SELECT DISTINCT payment_method AS v FROM payments ORDER BY 1');
      const currencies = await ctx.pool.query<{ v: string }>('SELECT DISTINCT currency AS v FROM payments ORDER BY 1');
      const seen = await ctx.pool.query<{ n: string }>('SELECT COUNT(*) AS n FROM payments');
      return { methods: methods.rows.map((x) => x.v), currencies: currencies.rows.map((x) => x.v), seen: Number(seen.rows[0]?.n ?? 0) };
    },
    markPartialRefused: async (id) => void (await ctx.pool.query('UPDATE payments SET supports_partial = false WHERE payment_id = $1', [id])),
    markClosed: async (id, code) => void (await ctx.pool.query('UPDATE payments SET refund_closed_code = $2 WHERE payment_id = $1', [id, code])),
    capability: learned,
    learnPartialRefused: async (m, code) =>
      void (await ctx.pool.query(
        `INSERT INTO method_capabilities (payment_method, partial_supported, window_days, learned_from) VALUES ($1, false, NULL, $2)
         ON CONFLICT (payment_method) DO UPDATE SET partial_supported = false, learned_from = excluded.learned_from, updated_at = now()`,
        [m.toUpperCase(), code],
      )),
    learnWindowExceeded: async (m, ageDays, code) => {
      const current = (await learned(m)).windowDays;
      const days = Math.max(0, Math.floor(ageDays));
      if (current !== null && current <= days) return; // consistent with what we knew
      await ctx.pool.query(
        `INSERT INTO method_capabilities (payment_method, partial_supported, window_days, learned_from) VALUES ($1, NULL, $2, $3)
         ON CONFLICT (payment_method) DO UPDATE SET window_days = LEAST(COALESCE(method_capabilities.window_days, excluded.window_days), excluded.window_days),
           learned_from = excluded.learned_from, updated_at = now()`,
        [m.toUpperCase(), days, code],
      );
    },
  };
  return port;
}

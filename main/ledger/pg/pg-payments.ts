/**
 * The payments port of the store ledger: payments looked up at any counter,
 * their balances, what Antom refused, and what each payment method is known
 * to allow (learned from Antom's answers, shared by the store).
 */
import { mergeCapability } from '../method-capabilities';
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
      await upsertPgPayment(ctx.pool, p);
      const got = await port.get(p.paymentId);
      if (got === null) throw new Error('payment vanished after upsert');
      return got;
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

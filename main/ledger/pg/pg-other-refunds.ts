/**
 * The other-refunds port of the store ledger: money given back outside Antom
 * (cash, card), recorded under the payment's row lock (FOR UPDATE), the same
 * lock a refund admission takes at any counter, after the one balance
 * computation, so the two together never exceed what the payment allows.
 */
import { err, ok, type Result } from '../../../preload/contract/result';
import { localDate, widenedUtcBounds } from '../local-date';
import type { NewOtherRefund, RecordOtherError } from '../other-refunds';
import type { OtherRefundRow } from '../rows';
import type { OtherRefundsPort, SettingsPort } from '../store-port';
import { storeBalance } from './pg-journal';
import { toPaymentRow } from './pg-rows';
import { toOther, type PgStoreContext } from './pg-store-context';

export class PgOtherRefunds {
  constructor(
    private readonly ctx: PgStoreContext,
    private readonly settings: SettingsPort,
  ) {}

  port(): OtherRefundsPort {
    return {
      record: (n, actor) => this.recordOther(n, actor),
      list: async (f = {}) => {
        const where: string[] = [];
        const params: unknown[] = [];
        if (f.paymentId !== undefined) {
          params.push(f.paymentId);
          where.push(`payment_id = $${params.length}`);
        }
        if (f.date !== undefined) {
          const b = widenedUtcBounds(f.date);
          params.push(b.from, b.to);
          where.push(`created_at >= $${params.length - 1} AND created_at < $${params.length}`);
        }
        const r = await this.ctx.pool.query(
          `SELECT * FROM other_refunds ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY created_at DESC, id DESC`,
          params,
        );
        const rows = (r.rows as Record<string, unknown>[]).map(toOther);
        const date = f.date;
        if (date === undefined) return rows;
        const tz = f.tz ?? (await this.settings.timeZone()) ?? 'UTC';
        return rows.filter((o) => localDate(o.created_at, tz) === date);
      },
    };
  }

  private recordOther(n: NewOtherRefund, actor: string): Promise<Result<OtherRefundRow, RecordOtherError>> {
    return this.ctx.tx(async (c): Promise<Result<OtherRefundRow, RecordOtherError>> => {
      // The payment's row lock: the same one every refund admission of this payment takes, at any counter.
      const pay = await c.query('SELECT * FROM payments WHERE payment_id = $1 FOR UPDATE', [n.paymentId]);
      const existing = await c.query('SELECT * FROM other_refunds WHERE id = $1', [n.id]);
      if (existing.rows[0]) {
        const e = toOther(existing.rows[0] as Record<string, unknown>);
        const same = e.payment_id === n.paymentId && e.amount_value === n.amount.value && e.method === n.method;
        return same ? ok(e) : err('INVALID_INPUT', 'This entry was already recorded with other details.');
      }
      if (!pay.rows[0]) return err('PAYMENT_NOT_FOUND', 'This payment has not been looked up in this store.');
      const payment = toPaymentRow(pay.rows[0] as Record<string, unknown>);
      if (payment.currency !== n.amount.currency) return err('INVALID_INPUT', `The payment is in ${payment.currency}.`);
      if (n.relatedRefundRequestId !== undefined) {
        const rel = await c.query<{ payment_id: string }>('SELECT payment_id FROM refunds WHERE refund_request_id = $1', [n.relatedRefundRequestId]);
        if (rel.rows[0]?.payment_id !== n.paymentId) return err('NOT_FOUND', 'That refund does not belong to this payment.');
      }
      const open = await c.query<{ refund_request_id: string }>(
        "SELECT refund_request_id FROM refunds WHERE payment_id = $1 AND state NOT IN ('SUCCEEDED','FAILED','DECLINED')",
        [n.paymentId],
      );
      if (open.rows[0]) {
        return err('REFUND_IN_FLIGHT', 'An Antom refund for this payment is still open. Wait for its outcome first.', {
          refundRequestId: open.rows[0].refund_request_id,
        });
      }
      const refundable = (await storeBalance(c, n.paymentId))?.refundable.value ?? 0;
      if (n.amount.value > refundable)
        return err('AMOUNT_EXCEEDS_REFUNDABLE', 'The amount is more than what is left to refund on this payment.', { refundable });
      const ins = await c.query(
        `INSERT INTO other_refunds (id, payment_id, register, method, amount_value, currency, note, related_refund_request_id, recorded_by)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING *`,
        [n.id, n.paymentId, this.ctx.register, n.method, n.amount.value, n.amount.currency, n.note, n.relatedRefundRequestId ?? null, actor],
      );
      await this.ctx.audit(c, actor, 'refund.other_recorded', {
        id: n.id,
        paymentId: n.paymentId,
        register: this.ctx.register,
        method: n.method,
        amount: n.amount,
        note: n.note,
        relatedRefundRequestId: n.relatedRefundRequestId ?? null,
      });
      return ok(toOther(ins.rows[0] as Record<string, unknown>));
    });
  }
}

/** Rows read from the store ledger, turned into the same shapes the SQLite ledger parses (rows.ts). */
import { PaymentRowSchema, parseRow, type PaymentRow } from '../rows';

/** BIGINT arrives as text: converted only when it is a safe integer. */
export function pgInt(v: unknown): number {
  const n = typeof v === 'number' ? v : Number(v);
  if (!Number.isSafeInteger(n)) throw new Error(`store ledger: ${String(v)} is not a safe integer`);
  return n;
}

export function pgIso(v: unknown): string | null {
  if (v === null || v === undefined) return null;
  return v instanceof Date ? v.toISOString() : String(v);
}

const intOrNull = (v: unknown): number | null => (v === null || v === undefined ? null : pgInt(v));

/** The payment row as computeBalance (balance.ts) reads it, from either engine. */
export function toPaymentRow(raw: Record<string, unknown>): PaymentRow {
  const partial = raw['supports_partial'];
  return parseRow(
    PaymentRowSchema,
    {
      ...raw,
      amount_value: pgInt(raw['amount_value']),
      supports_partial: partial === null || partial === undefined ? null : partial === true || partial === 1 ? 1 : 0,
      fetched_at: pgIso(raw['fetched_at']),
      antom_refunded: intOrNull(raw['antom_refunded']),
      antom_refunds: raw['antom_refunds'] ?? '[]',
      refundable_below: intOrNull(raw['refundable_below']),
      refund_closed_code: raw['refund_closed_code'] ?? null,
    },
    'payment',
  );
}

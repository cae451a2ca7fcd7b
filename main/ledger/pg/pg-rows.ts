/** Rows read from the store ledger, turned into the same shapes the SQLite ledger parses (rows.ts). */
import { refundAuditContent } from '../audit-compare';
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

/**
 * A store refund row's audited content (audit-compare.ts), the same columns and
 * shapes as the SQLite journal's: BIGINT as a number (text kept when it is not
 * a safe integer, so an out-of-range edit still differs), timestamps as ISO text.
 */
export function pgAuditedRefund(raw: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const amount = Number(raw['amount_value']);
  return refundAuditContent({
    ...raw,
    amount_value: Number.isSafeInteger(amount) ? amount : String(raw['amount_value']),
    created_at: pgIso(raw['created_at']),
  });
}

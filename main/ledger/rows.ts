/**
 * Zod schemas for rows read back from SQLite. Nothing leaves the ledger
 * un-validated: a hand-edited or corrupted file fails loudly here rather than
 * flowing into the engine as a wrong type.
 */
import { z } from 'zod';
import { NextAction, RefundState } from '../../preload/contract/refunds';
import { Role } from '../../preload/contract/views';

export const RefundRowSchema = z.object({
  refund_request_id: z.string(),
  intent_id: z.string(),
  root_intent_id: z.string().nullable(),
  parent_refund_request_id: z.string().nullable(),
  payment_id: z.string(),
  mode: z.enum(['FULL', 'PARTIAL']),
  amount_value: z.number().int().positive(),
  currency: z.string(),
  memo: z.string().nullable(),
  reason_code: z.string().nullable(),
  reason_text: z.string().nullable(),
  state: RefundState,
  original_merchant_refund_id: z.string().nullable(),
  refund_id: z.string().nullable(),
  result_code: z.string().nullable(),
  message: z.string(),
  next_action: NextAction,
  cashier: z.string(),
  approval_reasons: z.string(),
  attempts: z.number().int().min(0),
  next_check_at: z.string().nullable(),
  lease_owner: z.string().nullable(),
  lease_until: z.string().nullable(),
  send_amount: z.number().int().min(0).max(1),
  /** 1 printed, 0 not printed (e.g. out of paper), NULL never confirmed. */
  terminal_printed: z.number().int().nullable(),
  created_at: z.string(),
  updated_at: z.string(),
  /** Store mode: the register that journaled it (only its terminal is asked for the reference). Absent in the embedded journal. */
  register: z.string().optional(),
});
export type RefundRow = z.infer<typeof RefundRowSchema>;

export const PaymentRowSchema = z.object({
  payment_id: z.string(),
  amount_value: z.number().int().min(0),
  currency: z.string(),
  payment_method: z.string(),
  paid_at: z.string(),
  status: z.string(),
  supports_partial: z.number().int().nullable(),
  fetched_at: z.string(),
  antom_refunded: z.number().int().min(0).nullable(),
  antom_refunds: z.string(),
  refundable_below: z.number().int().min(0).nullable(),
  refund_closed_code: z.string().nullable(),
});
export type PaymentRow = z.infer<typeof PaymentRowSchema>;

export const TransitionRowSchema = z.object({
  id: z.number().int(),
  refund_request_id: z.string(),
  at: z.string(),
  actor: z.string(),
  from_state: RefundState.nullable(),
  to_state: RefundState,
  detail: z.string(),
});
export type TransitionRow = z.infer<typeof TransitionRowSchema>;

export const UserRowSchema = z.object({
  name: z.string(),
  role: Role,
  pin_hash: z.string(),
  disabled: z.number().int(),
  failed_attempts: z.number().int().min(0),
  locked_until: z.string().nullable(),
  created_at: z.string(),
  pin_keyed: z.number().int(),
  must_change_pin: z.number().int(),
  /** #17: the person's screen language (null: none chosen yet). */
  language: z.enum(['en', 'zh']).nullable(),
});
export type UserRow = z.infer<typeof UserRowSchema>;

export const ApprovalRowSchema = z.object({
  id: z.number().int(),
  refund_request_id: z.string(),
  manager: z.string(),
  decision: z.enum(['APPROVED', 'DECLINED']),
  reason: z.string(),
  at: z.string(),
});
export type ApprovalRow = z.infer<typeof ApprovalRowSchema>;

export const AuditRowSchema = z.object({
  seq: z.number().int(),
  at: z.string(),
  actor: z.string(),
  kind: z.string(),
  detail: z.string(),
  prev_hash: z.string(),
  hash: z.string(),
  mac: z.string().nullable(),
});
export type AuditRow = z.infer<typeof AuditRowSchema>;

// params: the figures of the sentence, so screens can say it in the reader's language (#17).
export const ApprovalReasonSchema = z.object({ code: z.string(), text: z.string(), params: z.record(z.string(), z.string()).optional() });
export const ApprovalReasonsSchema = z.array(ApprovalReasonSchema);

export const OtherRefundRowSchema = z.object({
  id: z.string(),
  payment_id: z.string(),
  method: z.enum(['CASH', 'STORE_CREDIT']),
  amount_value: z.number().int().positive(),
  currency: z.string(),
  note: z.string(),
  related_refund_request_id: z.string().nullable(),
  recorded_by: z.string(),
  created_at: z.string(),
});
export type OtherRefundRow = z.infer<typeof OtherRefundRowSchema>;

export const SettingRowSchema = z.object({ body: z.string() });

export const CountSchema = z.object({ n: z.number().int().min(0) });
export const SumSchema = z.object({ s: z.number().int() });
export const PolicyBodySchema = z.object({ body: z.string() });
export const AuditHeadSchema = z.object({ seq: z.number().int(), hash: z.string() });

export function parseRow<T>(schema: z.ZodType<T>, row: unknown, what: string): T {
  const parsed = schema.safeParse(row);
  if (!parsed.success) throw new Error(`ledger: unexpected ${what} row: ${parsed.error.message}`);
  return parsed.data;
}

export function parseRows<T>(schema: z.ZodType<T>, rows: readonly unknown[], what: string): T[] {
  return rows.map((r) => parseRow(schema, r, what));
}

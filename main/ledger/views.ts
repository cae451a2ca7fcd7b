/** Maps journal rows to the RefundView the renderer and CLI show. */
import type { RefundView } from '../../preload/contract/refunds';
import type { RefundState } from '../../preload/contract/refunds';
import { ApprovalReasonsSchema, type ApprovalRow, type RefundRow } from './rows';

export function coarseStatus(state: RefundState): RefundView['status'] {
  switch (state) {
    case 'SUCCEEDED':
      return 'SUCCESS';
    case 'FAILED':
      return 'FAILED';
    case 'DECLINED':
      return 'DECLINED';
    case 'AWAITING_APPROVAL':
      return 'AWAITING_APPROVAL';
    case 'PENDING_IN_PROCESS':
    case 'PENDING_UNKNOWN':
      return 'PENDING';
    default:
      return 'IN_PROGRESS';
  }
}

export function approvalReasonTexts(row: RefundRow): string[] {
  return approvalReasonDetails(row).map((r) => r.text);
}

/** The journaled approval reasons with their codes and figures (screens translate by code). */
export function approvalReasonDetails(row: RefundRow): { code: string; text: string; params?: Record<string, string> }[] {
  try {
    const parsed = ApprovalReasonsSchema.safeParse(JSON.parse(row.approval_reasons));
    return parsed.success ? parsed.data : [];
  } catch {
    return [];
  }
}

export function toRefundView(row: RefundRow, approvals: readonly ApprovalRow[]): RefundView {
  return {
    refundRequestId: row.refund_request_id,
    intentId: row.intent_id,
    paymentId: row.payment_id,
    mode: row.mode,
    amount: { value: row.amount_value, currency: row.currency },
    memo: row.memo,
    reason: row.reason_code === null ? null : { code: row.reason_code, text: row.reason_text ?? row.reason_code },
    state: row.state,
    status: coarseStatus(row.state),
    originalMerchantRefundId: row.original_merchant_refund_id,
    refundId: row.refund_id,
    resultCode: row.result_code,
    message: row.message,
    nextAction: row.next_action,
    cashier: row.cashier,
    approvals: approvals.map((a) => ({ manager: a.manager, decision: a.decision, reason: a.reason, at: a.at })),
    approvalReasons: approvalReasonTexts(row),
    approvalReasonDetails: approvalReasonDetails(row),
    printed: row.terminal_printed === null ? null : row.terminal_printed !== 0,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

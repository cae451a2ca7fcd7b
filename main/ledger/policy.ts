/**
 * Approval policy: when a refund needs a manager's PIN before it runs.
 * Stored as one validated JSON document; `evaluatePolicy` is pure so every
 * rule can be tested without a database.
 */
import { toMajorString, type Money } from '../../preload/contract/money';
import { PolicySchema, type PolicyView } from '../../preload/contract/views';

export { PolicySchema };
export type Policy = PolicyView;

export type ApprovalReasonCode =
  'AMOUNT_AT_OR_OVER_THRESHOLD' | 'PARTIAL_REFUND' | 'PAYMENT_TOO_OLD' | 'CASHIER_DAILY_TOTAL_EXCEEDED' | 'PAYMENT_TOTAL_AT_OR_OVER_LIMIT';
export interface ApprovalReason {
  readonly code: ApprovalReasonCode;
  /** English sentence (audit, CLI); the renderer localises by code with `params`. */
  readonly text: string;
  /** Figures in the sentence, as major-unit strings with the currency ("123.45 SGD"), or day counts. */
  readonly params?: Readonly<Record<string, string>>;
}

/** Used when nothing has been stored yet: approve everything over a generous line. */
export const DEFAULT_POLICY: Policy = {
  amountThresholds: { SGD: 10_000, JPY: 10_000, KWD: 30_000 },
  approveAnyPartial: false,
  paymentOlderThanDays: 30,
  // A cashier's refunds in one (store) day beyond ten single-refund limits need a manager.
  cashierDailyTotals: { SGD: 100_000, JPY: 100_000, KWD: 300_000 },
  // Empty = each currency's single-refund threshold (see paymentTotalLimit).
  paymentTotals: {},
  allowSelfApproval: false,
};

/**
 * Applied when the stored policy was edited outside the app (its seal does not
 * match, attack F4): every refund needs a manager (any amount, any partial, any
 * payment older than today), and never the cashier's own approval.
 */
export const TAMPERED_POLICY: Policy = {
  amountThresholds: { SGD: 0, JPY: 0, KWD: 0 },
  approveAnyPartial: true,
  paymentOlderThanDays: 0,
  cashierDailyTotals: { SGD: 0, JPY: 0, KWD: 0 },
  paymentTotals: {},
  allowSelfApproval: false,
};

export interface PolicyInput {
  readonly amount: Money;
  readonly mode: 'FULL' | 'PARTIAL';
  /** ISO time of the original payment. */
  readonly paidAt: string;
  readonly now: Date;
  /** The cashier's refunds today in this currency, excluding this one (declined and failed not counted). */
  readonly cashierTotalToday: number;
  /** Everything already refunded or being refunded on this payment (here and elsewhere), excluding this one. */
  readonly paymentRefundedBefore?: number;
}

/** The per-payment cumulative limit for a currency: its own entry, else the single-refund threshold. */
export function paymentTotalLimit(policy: Policy, currency: string): number | undefined {
  return policy.paymentTotals[currency] ?? policy.amountThresholds[currency];
}

const DAY_MS = 86_400_000;

export function evaluatePolicy(policy: Policy, input: PolicyInput): ApprovalReason[] {
  const reasons: ApprovalReason[] = [];
  const cur = input.amount.currency;
  const fmt = (value: number): string => `${toMajorString({ value, currency: cur })} ${cur}`;

  const threshold = policy.amountThresholds[cur];
  if (threshold !== undefined && input.amount.value >= threshold) {
    reasons.push({
      code: 'AMOUNT_AT_OR_OVER_THRESHOLD',
      text: `Refund of ${fmt(input.amount.value)} is at or over the approval limit of ${fmt(threshold)}.`,
      params: { amount: fmt(input.amount.value), limit: fmt(threshold) },
    });
  }
  const totalLimit = paymentTotalLimit(policy, cur);
  const before = input.paymentRefundedBefore ?? 0;
  // Only when the refunds before this one exist: a single refund is the threshold's job.
  if (totalLimit !== undefined && before > 0 && before + input.amount.value >= totalLimit) {
    reasons.push({
      code: 'PAYMENT_TOTAL_AT_OR_OVER_LIMIT',
      text: `With the ${fmt(before)} already refunded, this payment's refunds would reach ${fmt(before + input.amount.value)}, at or over the per-payment limit of ${fmt(totalLimit)}.`,
      params: { before: fmt(before), total: fmt(before + input.amount.value), limit: fmt(totalLimit) },
    });
  }
  if (policy.approveAnyPartial && input.mode === 'PARTIAL') {
    reasons.push({ code: 'PARTIAL_REFUND', text: 'Partial refunds need a manager.', params: {} });
  }
  if (policy.paymentOlderThanDays !== null) {
    const paid = Date.parse(input.paidAt);
    // An unparseable payment time is treated as too old: ask rather than guess.
    const ageDays = Number.isNaN(paid) ? Number.POSITIVE_INFINITY : (input.now.getTime() - paid) / DAY_MS;
    if (ageDays > policy.paymentOlderThanDays) {
      reasons.push({
        code: 'PAYMENT_TOO_OLD',
        text: `The payment is older than ${policy.paymentOlderThanDays} days.`,
        params: { days: String(policy.paymentOlderThanDays) },
      });
    }
  }
  const dailyLimit = policy.cashierDailyTotals[cur];
  if (dailyLimit !== undefined && input.cashierTotalToday + input.amount.value > dailyLimit) {
    reasons.push({
      code: 'CASHIER_DAILY_TOTAL_EXCEEDED',
      text: `This cashier's refunds today would reach ${fmt(input.cashierTotalToday + input.amount.value)}, over the daily ${fmt(dailyLimit)}.`,
      params: { total: fmt(input.cashierTotalToday + input.amount.value), limit: fmt(dailyLimit) },
    });
  }
  return reasons;
}

/** Amount entry for partial refunds and policy thresholds: major units typed, exact minor units out. */
import { parseMajorAmount, type Money, type ParseAmountError } from '../../../preload/contract/money';

export type AmountError = ParseAmountError | 'OVER_REFUNDABLE';
export type AmountCheck = { readonly ok: true; readonly amount: Money } | { readonly ok: false; readonly code: AmountError };

/** A partial refund amount: positive, at most the currency's decimals, not above the refundable balance. */
export function checkRefundAmount(text: string, refundable: Money): AmountCheck {
  const parsed = parseMajorAmount(text, refundable.currency);
  if (!parsed.ok) return { ok: false, code: parsed.code };
  if (parsed.value > refundable.value) return { ok: false, code: 'OVER_REFUNDABLE' };
  return { ok: true, amount: { value: parsed.value, currency: refundable.currency } };
}

export type ThresholdCheck = { readonly ok: true; readonly minor: number } | { readonly ok: false; readonly code: ParseAmountError };

/** A policy threshold typed in major units; zero is allowed ("always ask a manager"). */
export function parseThreshold(text: string, currency: string): ThresholdCheck {
  const parsed = parseMajorAmount(text, currency);
  if (parsed.ok) return { ok: true, minor: parsed.value };
  if (parsed.code === 'NOT_POSITIVE') return { ok: true, minor: 0 };
  return { ok: false, code: parsed.code };
}

export const MEMO_MAX = 256;

export function memoTooLong(memo: string): boolean {
  return memo.length > MEMO_MAX;
}

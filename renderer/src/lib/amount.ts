/** Amount entry for partial refunds and policy thresholds: major units typed, exact minor units out. */
import { parseAmount, type AmountLocale, type Money, type ParseAmountDetails, type ParseAmountError } from '../../../preload/contract/money';

export type AmountError = ParseAmountError | 'OVER_REFUNDABLE';
export type AmountCheck =
  { readonly ok: true; readonly amount: Money } | { readonly ok: false; readonly code: AmountError; readonly details?: ParseAmountDetails };

/** A partial refund amount: positive, at most the currency's decimals, not above the refundable balance. */
export function checkRefundAmount(text: string, refundable: Money, locale: AmountLocale = 'en'): AmountCheck {
  const parsed = parseAmount(text, refundable.currency, { locale });
  if (!parsed.ok) return { ok: false, code: parsed.reason, details: parsed.details };
  if (parsed.value > refundable.value) return { ok: false, code: 'OVER_REFUNDABLE' };
  return { ok: true, amount: { value: parsed.value, currency: refundable.currency } };
}

export type ThresholdCheck =
  { readonly ok: true; readonly minor: number } | { readonly ok: false; readonly code: ParseAmountError; readonly details: ParseAmountDetails };

/** A policy threshold typed in major units; zero is allowed ("always ask a manager"). Same parser as the cashier's. */
export function parseThreshold(text: string, currency: string, locale: AmountLocale = 'en'): ThresholdCheck {
  const parsed = parseAmount(text, currency, { locale, allowZero: true });
  if (parsed.ok) return { ok: true, minor: parsed.value };
  return { ok: false, code: parsed.reason, details: parsed.details };
}

/** i18n parameters for an amount error sentence (`amount.error.<code>`). */
export function amountErrorParams(
  details: ParseAmountDetails | undefined,
  fallback: { currency: string; decimals: number; max?: string },
): Record<string, unknown> {
  return {
    currency: details?.currency ?? fallback.currency,
    decimals: details?.decimals ?? fallback.decimals,
    example: details?.example ?? '',
    typed: details?.typed ?? '',
    max: fallback.max ?? '',
  };
}

export const MEMO_MAX = 256;

export function memoTooLong(memo: string): boolean {
  return memo.length > MEMO_MAX;
}

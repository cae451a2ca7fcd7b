/**
 * People's words for the codes the services speak (issue #17): payment
 * methods by their brand names, statuses and demo labels as words, counter
 * names as sentences. A code nobody has a word for yet is shown humanised
 * ("SOME_NEW_WALLET" → "Some new wallet"), never raw.
 */
import { isKnownCurrency } from '../../../preload/contract/money';

type T = (key: string, options?: Record<string, unknown>) => string;

/**
 * Wallets keep their own brand name in every language (how customers know
 * them); Antom's paymentMethodType codes from its method list.
 */
export const METHOD_BRANDS: Readonly<Record<string, string>> = {
  ALIPAY_CN: 'Alipay',
  ALIPAY: 'Alipay',
  ALIPAY_HK: 'AlipayHK',
  ALIPAY_PLUS: 'Alipay+',
  CONNECT_WALLET: 'Alipay+',
  WECHATPAY: 'WeChat Pay',
  WECHAT_PAY: 'WeChat Pay',
  GCASH: 'GCash',
  KAKAOPAY: 'Kakao Pay',
  DANA: 'DANA',
  TRUEMONEY: 'TrueMoney',
  TNG: "Touch 'n Go",
  TOUCHNGO: "Touch 'n Go",
  NAVERPAY: 'Naver Pay',
  TOSSPAY: 'Toss Pay',
  RABBIT_LINE_PAY: 'Rabbit LINE Pay',
  BOOST: 'Boost',
  BPI: 'BPI',
  KPLUS: 'KPay',
};

/** Capital-and-underscore codes as a phrase: "SGD_WINDOW_EXPIRED" → "Sgd window expired" (currency codes kept in capitals). */
export function humanise(code: string): string {
  const words = code
    .split(/[_\s-]+/)
    .filter((w) => w !== '')
    .map((w) => (/^[A-Z]{3}$/.test(w) && isKnownCurrency(w) ? w : w.toLowerCase()));
  const text = words.join(' ');
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** A payment method as the customer knows it: the wallet's brand, a translated kind (bank transfer), or the code humanised. */
export function methodName(code: string, t: T): string {
  const brand = METHOD_BRANDS[code.toUpperCase()];
  if (brand !== undefined) return brand;
  return t(`methods.${code.toUpperCase()}`, { defaultValue: humanise(code) });
}

/** Antom's payment status (SUCCESS, PROCESSING, FAIL, CLOSED, CANCELLED) as a sentence. */
export function paymentStatusText(status: string, t: T): string {
  return t(`paymentStatus.${status.toUpperCase()}`, { defaultValue: humanise(status) });
}

/** A demo payment's label (SGD_WINDOW_EXPIRED) as what it shows. */
export function demoLabelText(label: string, t: T): string {
  return t(`demoPayments.${label}`, { defaultValue: humanise(label) });
}

/** A link counter of the payment terminal (crcErrors, linkDowns) in words. */
export function counterName(name: string, t: T): string {
  return t(`diagnostics.counterNames.${name}`, { defaultValue: humanise(name.replace(/([a-z])([A-Z])/g, '$1_$2')) });
}

/** One approval reason in the reader's language: by code with its figures, else the journaled English. */
export function approvalReasonText(reason: { code: string; text: string; params?: Readonly<Record<string, string>> }, t: T, lang: string): string {
  if (lang === 'en' || reason.code === '') return reason.text;
  return t(`approvalReason.${reason.code}`, { ...(reason.params ?? {}), defaultValue: reason.text });
}

/** What main journals when a manager approves without typing a reason (main/features/refunds/index.ts). */
export const DEFAULT_APPROVAL_REASON = 'Approved at the counter.';

/** A manager's approval reason: the default one in the reader's language, a typed one as typed. */
export function decisionReasonText(reason: string, t: T): string {
  return reason === DEFAULT_APPROVAL_REASON ? t('approval.defaultReason') : reason;
}

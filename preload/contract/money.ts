/**
 * Money is always an integer count of the currency's minor unit (JPY 0 decimals,
 * SGD 2, KWD 3). Amounts typed by a person in major units are parsed as decimal
 * strings, never through floating point.
 */

/** ISO-4217 minor-unit exponents for the currencies this product may meet. */
export const CURRENCY_EXPONENTS: Readonly<Record<string, number>> = Object.freeze({
  AUD: 2,
  BDT: 2,
  BHD: 3,
  BRL: 2,
  CAD: 2,
  CHF: 2,
  CLP: 0,
  CNY: 2,
  CZK: 2,
  DKK: 2,
  EUR: 2,
  GBP: 2,
  HKD: 2,
  HUF: 2,
  IDR: 2,
  ILS: 2,
  INR: 2,
  IQD: 3,
  ISK: 0,
  JOD: 3,
  JPY: 0,
  KHR: 2,
  KRW: 0,
  KWD: 3,
  LAK: 2,
  LKR: 2,
  LYD: 3,
  MMK: 2,
  MNT: 2,
  MOP: 2,
  MXN: 2,
  MYR: 2,
  NOK: 2,
  NPR: 2,
  NZD: 2,
  OMR: 3,
  PHP: 2,
  PKR: 2,
  PLN: 2,
  QAR: 2,
  SAR: 2,
  SEK: 2,
  SGD: 2,
  THB: 2,
  TND: 3,
  TRY: 2,
  TWD: 2,
  UAH: 2,
  USD: 2,
  VND: 0,
  XAF: 0,
  XOF: 0,
  ZAR: 2,
});

/** Antom's Amount.value range. */
export const MAX_MINOR_VALUE = 2_147_483_647;

export interface Money {
  /** Integer number of minor units, 0..2147483647. */
  readonly value: number;
  /** ISO-4217 code, upper case. */
  readonly currency: string;
}

export function isKnownCurrency(currency: string): boolean {
  return Object.prototype.hasOwnProperty.call(CURRENCY_EXPONENTS, currency);
}

export function currencyExponent(currency: string): number {
  const exponent = CURRENCY_EXPONENTS[currency];
  if (exponent === undefined) throw new RangeError(`Unknown currency ${currency}`);
  return exponent;
}

/** Display languages the amount parser knows the separators of. */
export type AmountLocale = 'en' | 'zh';

/**
 * How a locale writes numbers: its decimal mark and its grouping mark. English
 * and Chinese (zh-CN, zh-HK, zh-TW) both write 1,234.50.
 */
const LOCALE_SEPARATORS: Readonly<Record<AmountLocale, { decimal: string; group: string }>> = Object.freeze({
  en: { decimal: '.', group: ',' },
  zh: { decimal: '.', group: ',' },
});

/** The decimal mark `parseAmount` reads for this locale (the on-screen number pad types it, so the two cannot disagree). */
export function decimalMarkOf(locale: AmountLocale): string {
  return LOCALE_SEPARATORS[locale].decimal;
}

export type ParseAmountError =
  | 'EMPTY'
  | 'NOT_A_NUMBER'
  | 'TOO_MANY_DECIMALS'
  /** A separator that could be a decimal mark or a grouping mark ("1,234" in SGD). */
  | 'AMBIGUOUS_SEPARATOR'
  /** Grouping marks not in groups of three ("12,34.50"). */
  | 'BAD_GROUPING'
  | 'NOT_POSITIVE'
  | 'TOO_LARGE'
  | 'UNKNOWN_CURRENCY';

/** What a sentence about a refused amount needs (the renderer localises by `reason`). */
export interface ParseAmountDetails {
  readonly currency: string;
  readonly decimals: number;
  /** How to type an amount in this currency, e.g. "1234.50" (SGD), "1234" (JPY), "1234.500" (KWD). */
  readonly example: string;
  /** The text as typed (trimmed). */
  readonly typed: string;
}

export type ParseAmountResult =
  | { readonly ok: true; readonly value: number }
  | { readonly ok: false; readonly reason: ParseAmountError; readonly message: string; readonly details: ParseAmountDetails };

export interface ParseAmountOptions {
  /** Display language: decides which mark is the decimal one. Default 'en'. */
  readonly locale?: AmountLocale;
  /** Zero is allowed (policy thresholds: "0" = always ask a manager). Default false. */
  readonly allowZero?: boolean;
}

/** Full-width digits and marks a Chinese IME produces, folded to ASCII. */
function foldWidth(text: string): string {
  return text
    .replace(/[\uFF10-\uFF19]/g, (c) => String.fromCharCode(c.charCodeAt(0) - 0xff10 + 0x30))
    .replace(/[\uFF0E\u3002]/g, '.')
    .replace(/[\uFF0C\u3001]/g, ',');
}

function exampleFor(decimals: number): string {
  return decimals === 0 ? '1234' : `1234.${'50'.padEnd(decimals, '0')}`;
}

const EN_SENTENCES: Readonly<Record<ParseAmountError, (d: ParseAmountDetails) => string>> = {
  EMPTY: () => 'Type an amount.',
  NOT_A_NUMBER: (d) => `"${d.typed}" is not an amount. Type digits only, for example ${d.example}.`,
  TOO_MANY_DECIMALS: (d) =>
    d.decimals === 0
      ? `${d.currency} has no decimals. Type a whole number, for example ${d.example}.`
      : `${d.currency} has at most ${d.decimals} decimals. Type it like ${d.example}.`,
  AMBIGUOUS_SEPARATOR: (d) =>
    `"${d.typed}" is unclear: the comma could separate thousands or mark the decimals. Type it without commas and with a point before the decimals, for example ${d.example}.`,
  BAD_GROUPING: (d) => `"${d.typed}" has commas in the wrong places. Type it without commas, for example ${d.example}.`,
  NOT_POSITIVE: () => 'The amount must be more than zero.',
  TOO_LARGE: () => 'That amount is too large.',
  UNKNOWN_CURRENCY: (d) => `${d.currency} is not a currency this terminal knows.`,
};

/**
 * THE parser for every amount a person types: the cashier's partial refund,
 * the manager's policy limits and the CLI's `--amount`. Major units in, exact
 * minor units out, never through floating point, never guessing:
 *  - the locale's decimal mark ("1.50") always works;
 *  - a lone comma followed by 1..decimals digits (but not 3) is a decimal comma
 *    ("1,50" = one and a half), because it cannot be a thousands separator;
 *  - grouping marks are accepted only where they cannot be a decimal mark:
 *    before a decimal point ("1,234.50"), two or more of them ("1,234,567"),
 *    or in a currency without decimals ("1,000" JPY);
 *  - "1,234" in a currency with decimals could be either, so it is refused
 *    with a sentence saying how to type it, as are too many decimals;
 *    nothing is ever silently multiplied by 10^n.
 */
export function parseAmount(text: string, currency: string, opts: ParseAmountOptions = {}): ParseAmountResult {
  const typed = text.trim();
  const known = isKnownCurrency(currency);
  const decimals = known ? currencyExponent(currency) : 0;
  const details: ParseAmountDetails = { currency, decimals, example: exampleFor(decimals), typed };
  const fail = (reason: ParseAmountError): ParseAmountResult => ({ ok: false, reason, message: EN_SENTENCES[reason](details), details });
  if (!known) return fail('UNKNOWN_CURRENCY');
  const { decimal: D, group: G } = LOCALE_SEPARATORS[opts.locale ?? 'en'];
  // Spaces (incl. no-break and thin) are grouping too: "1 234.50".
  const s = foldWidth(typed).replace(/[\s\u00A0\u202F\u2009]+/g, ' ');
  if (s === '') return fail('EMPTY');
  if (!/^[0-9., ]+$/.test(s) || !/[0-9]/.test(s)) return fail('NOT_A_NUMBER');

  let intPart: string;
  let fraction: string;
  const dCount = s.split(D).length - 1;
  if (dCount > 1) return fail('AMBIGUOUS_SEPARATOR'); // "1.234.567": dots as grouping in an en/zh field
  if (dCount === 1) {
    const at = s.indexOf(D);
    intPart = s.slice(0, at);
    fraction = s.slice(at + 1);
    // "1.234,50": a grouping mark after the decimal mark is another convention.
    if (fraction.includes(G)) return fail('AMBIGUOUS_SEPARATOR');
  } else {
    const groups = s.split(G).length - 1;
    const lastTail = s.slice(s.lastIndexOf(G) + 1);
    if (groups === 1 && lastTail.trim().length !== 3) {
      // A lone comma not followed by exactly three digits cannot group thousands: a decimal comma.
      const at = s.indexOf(G);
      intPart = s.slice(0, at);
      fraction = s.slice(at + 1);
    } else if (groups === 1 && decimals > 0) {
      return fail('AMBIGUOUS_SEPARATOR');
    } else {
      intPart = s;
      fraction = '';
    }
  }
  if (fraction.includes(' ')) return fail('NOT_A_NUMBER');
  if (dCount === 0 && fraction === '' && s.endsWith(G)) return fail('NOT_A_NUMBER');
  // Grouping in the whole part: first group 1..3 digits, every other exactly 3.
  const parts = intPart.split(/[ ,]/);
  if (intPart.includes(' ') && intPart.includes(G)) return fail('BAD_GROUPING');
  if (parts.length > 1 && (!/^[1-9]\d{0,2}$/.test(parts[0] ?? '') || parts.slice(1).some((g) => !/^\d{3}$/.test(g)))) return fail('BAD_GROUPING');
  const whole = parts.join('');
  if (!/^\d*$/.test(whole) || !/^\d*$/.test(fraction)) return fail('NOT_A_NUMBER');
  if (whole === '' && fraction === '') return fail('NOT_A_NUMBER');
  // "10.50" or "1.00" JPY: trailing zeros add no precision. "10.505" is refused, never rounded.
  const significant = fraction.replace(/0+$/, '');
  if (significant.length > decimals) return fail('TOO_MANY_DECIMALS');
  // Three digits after the mark where the currency allows fewer is also the shape of a
  // thousands group ("1.000" JPY, "10.500" SGD): 1 or 1000? Refused, never guessed.
  if (fraction.length === 3 && decimals < 3) return fail('AMBIGUOUS_SEPARATOR');
  const digits = (whole + significant.padEnd(decimals, '0')).replace(/^0+(?=\d)/, '');
  if (digits.length > 10) return fail('TOO_LARGE');
  const value = Number(digits === '' ? '0' : digits);
  if (value > MAX_MINOR_VALUE) return fail('TOO_LARGE');
  if (value < 0 || (value === 0 && opts.allowZero !== true)) return fail('NOT_POSITIVE');
  return { ok: true, value };
}

/** Minor units to a plain major-unit decimal string ("1050" SGD -> "10.50"), exact. */
export function toMajorString(money: Money): string {
  const exponent = currencyExponent(money.currency);
  const negative = money.value < 0;
  const digits = Math.abs(money.value)
    .toString()
    .padStart(exponent + 1, '0');
  const whole = exponent === 0 ? digits : digits.slice(0, digits.length - exponent);
  const fraction = exponent === 0 ? '' : `.${digits.slice(digits.length - exponent)}`;
  return `${negative ? '-' : ''}${whole}${fraction}`;
}

/**
 * Locale-aware display ("S$10.50", "¥1,000", "KWD 1.250"). Intl receives the
 * exact decimal string, so no float rounding can creep in for real amounts.
 */
export function formatMoney(money: Money, locale = 'en'): string {
  const exponent = currencyExponent(money.currency);
  const formatter = new Intl.NumberFormat(locale, {
    style: 'currency',
    currency: money.currency,
    minimumFractionDigits: exponent,
    maximumFractionDigits: exponent,
  });
  // format() accepts a decimal string as a StringNumericLiteral; it stays exact.
  return formatter.format(toMajorString(money) as unknown as number);
}

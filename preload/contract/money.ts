/**
 * Money is always an integer count of the currency's minor unit (JPY 0 decimals,
 * SGD 2, KWD 3). Amounts typed by a person in major units are parsed as decimal
 * strings, never through floating point.
 */

/** ISO-4217 minor-unit exponents for the currencies this product may meet. */
export const CURRENCY_EXPONENTS: Readonly<Record<string, number>> = Object.freeze({
  AUD: 2, BDT: 2, BHD: 3, BRL: 2, CAD: 2, CHF: 2, CLP: 0, CNY: 2, CZK: 2, DKK: 2,
  EUR: 2, GBP: 2, HKD: 2, HUF: 2, IDR: 2, ILS: 2, INR: 2, IQD: 3, ISK: 0, JOD: 3,
  JPY: 0, KHR: 2, KRW: 0, KWD: 3, LAK: 2, LKR: 2, LYD: 3, MMK: 2, MNT: 2, MOP: 2,
  MXN: 2, MYR: 2, NOK: 2, NPR: 2, NZD: 2, OMR: 3, PHP: 2, PKR: 2, PLN: 2, QAR: 2,
  SAR: 2, SEK: 2, SGD: 2, THB: 2, TND: 3, TRY: 2, TWD: 2, UAH: 2, USD: 2, VND: 0,
  XAF: 0, XOF: 0, ZAR: 2,
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

export type ParseAmountError = 'EMPTY' | 'NOT_A_NUMBER' | 'TOO_MANY_DECIMALS' | 'NOT_POSITIVE' | 'TOO_LARGE' | 'UNKNOWN_CURRENCY';

/**
 * Parses an amount typed in major units ("10.5", "1,050.25", "1000") into minor
 * units for `currency`. Returns an error code rather than guessing: "10.505 SGD"
 * has too many decimals and is refused, not rounded.
 */
export function parseMajorAmount(
  text: string,
  currency: string,
): { ok: true; value: number } | { ok: false; code: ParseAmountError } {
  if (!isKnownCurrency(currency)) return { ok: false, code: 'UNKNOWN_CURRENCY' };
  const exponent = currencyExponent(currency);
  const cleaned = text.trim().replace(/[\s,_]/g, '');
  if (cleaned === '') return { ok: false, code: 'EMPTY' };
  const match = /^(\d+)(?:\.(\d*))?$/.exec(cleaned);
  if (!match) return { ok: false, code: 'NOT_A_NUMBER' };
  const whole = match[1] ?? '0';
  const fraction = (match[2] ?? '').replace(/0+$/, '');
  if (fraction.length > exponent) return { ok: false, code: 'TOO_MANY_DECIMALS' };
  const digits = (whole + fraction.padEnd(exponent, '0')).replace(/^0+(?=\d)/, '');
  if (digits.length > 10) return { ok: false, code: 'TOO_LARGE' };
  const value = Number(digits);
  if (value > MAX_MINOR_VALUE) return { ok: false, code: 'TOO_LARGE' };
  if (value <= 0) return { ok: false, code: 'NOT_POSITIVE' };
  return { ok: true, value };
}

/** Minor units to a plain major-unit decimal string ("1050" SGD -> "10.50"), exact. */
export function toMajorString(money: Money): string {
  const exponent = currencyExponent(money.currency);
  const negative = money.value < 0;
  const digits = Math.abs(money.value).toString().padStart(exponent + 1, '0');
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

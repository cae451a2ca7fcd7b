import { formatMoney, isKnownCurrency, type Money } from '../../../preload/contract/money';

export type Language = 'en' | 'zh';

/**
 * The shop's time zone (AppInfo.timeZone, set on the manager screen). Every
 * date, time and "today" on screen uses it, not the browser's zone, so Today
 * on a till matches the daily report and the CSV.
 */
let displayTimeZone: string | undefined;
export function setDisplayTimeZone(tz: string | undefined): void {
  displayTimeZone = tz;
}
const zoned = (): { timeZone?: string } => (displayTimeZone ? { timeZone: displayTimeZone } : {});

export function localeFor(language: Language): string {
  return language === 'zh' ? 'zh-CN' : 'en';
}

export function fmtMoney(money: Money | null | undefined, language: Language): string {
  if (!money) return '—';
  if (!isKnownCurrency(money.currency)) return `${money.value} ${money.currency}`;
  return formatMoney(money, localeFor(language));
}

export function fmtDateTime(iso: string | null | undefined, language: Language): string {
  if (!iso) return '—';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return new Intl.DateTimeFormat(localeFor(language), { dateStyle: 'medium', timeStyle: 'short', ...zoned() }).format(d);
}

export function fmtTime(iso: string | null | undefined, language: Language): string {
  if (!iso) return '—';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return new Intl.DateTimeFormat(localeFor(language), { timeStyle: 'medium', ...zoned() }).format(d);
}

/** Time alone for today, date and time otherwise (a list of payments may reach back days). */
export function fmtWhen(iso: string | null | undefined, language: Language, now: Date = new Date()): string {
  if (!iso) return '—';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return todayIso(d) === todayIso(now) ? fmtTime(iso, language) : fmtDateTime(iso, language);
}

export function fmtNumber(n: number, language: Language, fractionDigits = 0): string {
  return new Intl.NumberFormat(localeFor(language), { maximumFractionDigits: fractionDigits }).format(n);
}

/** Today's date (or `now`'s) in the shop's time zone, YYYY-MM-DD. */
export function todayIso(now: Date = new Date()): string {
  // en-CA formats as YYYY-MM-DD.
  return new Intl.DateTimeFormat('en-CA', { year: 'numeric', month: '2-digit', day: '2-digit', ...zoned() }).format(now);
}

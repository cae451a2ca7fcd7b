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

/** Date and time as the clock reads in `timeZone` (receipts: the store's zone, not the PC's). */
export function fmtDateTimeIn(iso: string | null | undefined, language: Language, timeZone: string): string {
  if (!iso) return '—';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  try {
    return new Intl.DateTimeFormat(localeFor(language), {
      year: 'numeric',
      month: 'short',
      day: 'numeric',
      hour: '2-digit',
      minute: '2-digit',
      timeZone,
      // dateStyle/timeStyle cannot be combined with a zone name, hence the parts.
      timeZoneName: 'short',
    }).format(d);
  } catch {
    return fmtDateTime(iso, language);
  }
}

/** A calendar day (YYYY-MM-DD) as people say it: "3 Dec" / "12月3日"; the year only when not this year. */
export function fmtDay(isoDate: string, language: Language, now: Date = new Date()): string {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(isoDate);
  if (!m) return isoDate;
  const d = new Date(Number(m[1]), Number(m[2]) - 1, Number(m[3]), 12);
  const sameYear = d.getFullYear() === now.getFullYear();
  return new Intl.DateTimeFormat(localeFor(language), { day: 'numeric', month: 'short', ...(sameYear ? {} : { year: 'numeric' }) }).format(d);
}

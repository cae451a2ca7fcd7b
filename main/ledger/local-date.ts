/** Calendar-day helpers: reports and "today" limits are per local day of the shop. */
const formatters = new Map<string, Intl.DateTimeFormat>();

export function isValidTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en-CA', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

/** 'YYYY-MM-DD' of an instant in a time zone. */
export function localDate(at: Date | string, tz: string): string {
  let f = formatters.get(tz);
  if (f === undefined) {
    f = new Intl.DateTimeFormat('en-CA', { timeZone: tz, year: 'numeric', month: '2-digit', day: '2-digit' });
    formatters.set(tz, f);
  }
  return f.format(typeof at === 'string' ? new Date(at) : at);
}

/** ISO bounds wide enough to contain every instant of `date` in any zone (±14 h), for a coarse SQL pre-filter. */
export function widenedUtcBounds(date: string): { from: string; to: string } {
  const start = Date.parse(`${date}T00:00:00.000Z`);
  if (Number.isNaN(start)) throw new RangeError(`bad date ${date}`);
  return { from: new Date(start - 15 * 3_600_000).toISOString(), to: new Date(start + 39 * 3_600_000).toISOString() };
}

export const IsoDateRegex = /^\d{4}-\d{2}-\d{2}$/;

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

const DAY_INTERVALS = new Map<string, readonly DayInterval[]>();
const SCAN_STEP_MS = 15 * 60_000;

/** A half-open span of instants [from, to), as ISO strings (the journal's created_at format). */
export interface DayInterval {
  readonly from: string;
  readonly to: string;
}

/**
 * Every instant whose local date in `tz` is `date`, as half-open UTC spans: one span on an
 * ordinary day (23 or 25 hours long across a DST change), none on a day a zone skipped, more
 * only if a zone's clocks ever went back into the day before (kept general, not assumed). Lets a per-day query be an indexed range
 * instead of formatting every candidate row's time (the cashier's daily total is read twice per
 * refund). Found by scanning the widened window in 15-minute steps (no zone changes its offset
 * twice within 15 minutes) and bisecting each edge to the millisecond; cached per zone and day.
 */
export function localDayIntervals(date: string, tz: string): readonly DayInterval[] {
  const key = `${tz}|${date}`;
  const cached = DAY_INTERVALS.get(key);
  if (cached !== undefined) return cached;
  const w = widenedUtcBounds(date);
  const start = Date.parse(w.from);
  const end = Date.parse(w.to);
  const inDay = (t: number): boolean => localDate(new Date(t), tz) === date;
  // First instant in (lo, hi] where inDay(t) !== was, given inDay(lo) === was and inDay(hi) !== was.
  const edge = (lo: number, hi: number, was: boolean): number => {
    while (hi - lo > 1) {
      const mid = Math.floor((lo + hi) / 2);
      if (inDay(mid) === was) lo = mid;
      else hi = mid;
    }
    return hi;
  };
  const spans: DayInterval[] = [];
  let prev = start;
  let prevIn = inDay(start);
  let openedAt: number | null = prevIn ? start : null;
  for (let t = Math.min(start + SCAN_STEP_MS, end); ; t = Math.min(t + SCAN_STEP_MS, end)) {
    const now = inDay(t);
    if (now !== prevIn) {
      const e = edge(prev, t, prevIn);
      if (now) openedAt = e;
      else if (openedAt !== null) {
        spans.push({ from: new Date(openedAt).toISOString(), to: new Date(e).toISOString() });
        openedAt = null;
      }
    }
    prev = t;
    prevIn = now;
    if (t >= end) break;
  }
  if (openedAt !== null) spans.push({ from: new Date(openedAt).toISOString(), to: new Date(end).toISOString() });
  if (DAY_INTERVALS.size >= 512) DAY_INTERVALS.clear();
  DAY_INTERVALS.set(key, spans);
  return spans;
}

export const IsoDateRegex = /^\d{4}-\d{2}-\d{2}$/;

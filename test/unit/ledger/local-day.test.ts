import { describe, expect, it } from 'vitest';
import { localDate, localDayIntervals } from '../../../main/ledger/local-date';

/** Brute force: every minute of the widened window whose local date is `date`, as minute counts per span. */
function minutesIn(date: string, tz: string): number {
  const start = Date.parse(`${date}T00:00:00.000Z`) - 15 * 3_600_000;
  let n = 0;
  for (let t = start; t < start + 54 * 3_600_000; t += 60_000) if (localDate(new Date(t), tz) === date) n += 1;
  return n;
}

const covered = (date: string, tz: string): number => localDayIntervals(date, tz).reduce((m, s) => m + (Date.parse(s.to) - Date.parse(s.from)) / 60_000, 0);

describe('localDayIntervals: the instants of a local day as UTC spans', () => {
  it('an ordinary day is one 24-hour span starting at local midnight', () => {
    expect(localDayIntervals('2026-03-10', 'Asia/Singapore')).toEqual([{ from: '2026-03-09T16:00:00.000Z', to: '2026-03-10T16:00:00.000Z' }]);
    expect(localDayIntervals('2026-03-10', 'UTC')).toEqual([{ from: '2026-03-10T00:00:00.000Z', to: '2026-03-11T00:00:00.000Z' }]);
    expect(localDayIntervals('2026-06-01', 'Asia/Kolkata')).toEqual([{ from: '2026-05-31T18:30:00.000Z', to: '2026-06-01T18:30:00.000Z' }]);
  });

  it('DST days are 23 and 25 hours long', () => {
    expect(covered('2026-03-08', 'America/New_York')).toBe(23 * 60);
    expect(covered('2026-11-01', 'America/New_York')).toBe(25 * 60);
    expect(covered('2026-03-29', 'Europe/Berlin')).toBe(23 * 60);
  });

  it('extreme offsets at both ends of the window (UTC+14, UTC-11)', () => {
    expect(localDayIntervals('2026-12-02', 'Pacific/Kiritimati')).toEqual([{ from: '2026-12-01T10:00:00.000Z', to: '2026-12-02T10:00:00.000Z' }]);
    expect(localDayIntervals('2026-12-02', 'Pacific/Pago_Pago')).toEqual([{ from: '2026-12-02T11:00:00.000Z', to: '2026-12-03T11:00:00.000Z' }]);
  });

  it('a skipped day has no span; a day whose clocks went back at midnight is one 25-hour span', () => {
    // Samoa skipped 30 Dec 2011.
    expect(localDayIntervals('2011-12-30', 'Pacific/Apia')).toEqual([]);
    // Sao Paulo ended DST at midnight on 2019-02-17 (00:00 -> 23:00 of the 16th): the 16th has 25 hours.
    expect(localDayIntervals('2019-02-16', 'America/Sao_Paulo')).toEqual([{ from: '2019-02-16T02:00:00.000Z', to: '2019-02-17T03:00:00.000Z' }]);
    expect(covered('2019-02-16', 'America/Sao_Paulo')).toBe(minutesIn('2019-02-16', 'America/Sao_Paulo'));
  });

  it('agrees with localDate at every edge, to the millisecond', () => {
    for (const [date, tz] of [
      ['2026-03-08', 'America/New_York'],
      ['2026-11-01', 'America/New_York'],
      ['2019-02-16', 'America/Sao_Paulo'],
      ['2026-10-04', 'Australia/Lord_Howe'],
      ['2026-07-15', 'Asia/Kathmandu'],
    ] as const) {
      for (const s of localDayIntervals(date, tz)) {
        const from = Date.parse(s.from);
        const to = Date.parse(s.to);
        expect(localDate(new Date(from), tz)).toBe(date);
        expect(localDate(new Date(from - 1), tz)).not.toBe(date);
        expect(localDate(new Date(to - 1), tz)).toBe(date);
        expect(localDate(new Date(to), tz)).not.toBe(date);
      }
      expect(covered(date, tz)).toBe(minutesIn(date, tz));
    }
  });
});

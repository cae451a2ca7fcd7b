/**
 * The store's clock at this counter: the database's time, read once and then
 * carried forward on this process's monotonic clock (attack3 finding 3).
 *
 * Every counter of a store writes schedules into the one ledger: when a
 * pending refund is next checked (next_check_at), when a terminal retry is due.
 * Judged on each counter's own wall clock, one PC whose clock runs an hour
 * fast writes next checks an hour ahead and every other counter skips them for
 * an hour (and a slow one makes them due everywhere at once). Leases already
 * use the database's now(); this gives the engine the same time for the rest.
 *
 * Why a monotonic anchor rather than "local clock + offset": the local wall
 * clock is exactly what cannot be trusted (it jumps when NTP corrects it or a
 * person sets it); performance.now() never jumps. The anchor is re-read every
 * REFRESH_MS (the monotonic clock drifts by parts per million) and the time of
 * the round trip is split evenly (error at most half a round trip on the store
 * network: well under a millisecond to a few ms).
 */
import type pg from 'pg';

export const REFRESH_MS = 10 * 60_000;

export interface DbClock {
  /** The database's time now, as well as this counter knows it. */
  now(): Date;
  /** Re-reads the database's time (best effort: a failed read keeps the last anchor). */
  refresh(): Promise<void>;
  stop(): void;
}

/** `monotonic`: milliseconds on a clock that never jumps (tests pass their own). */
export async function dbClock(pool: pg.Pool, monotonic: () => number = () => performance.now()): Promise<DbClock> {
  let anchorDb = 0;
  let anchorMono = 0;
  const read = async (): Promise<void> => {
    const t0 = monotonic();
    const r = await pool.query<{ ms: string }>('SELECT (extract(epoch FROM clock_timestamp()) * 1000)::bigint::text AS ms');
    const t1 = monotonic();
    const db = Number(r.rows[0]?.ms ?? Number.NaN);
    if (!Number.isFinite(db)) throw new Error('the store database did not tell its time');
    anchorDb = db;
    anchorMono = (t0 + t1) / 2;
  };
  await read();
  const timer = setInterval(() => void read().catch(() => undefined), REFRESH_MS);
  timer.unref();
  return {
    now: () => new Date(anchorDb + (monotonic() - anchorMono)),
    refresh: () => read().catch(() => undefined),
    stop: () => clearInterval(timer),
  };
}

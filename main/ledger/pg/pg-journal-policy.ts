/**
 * Store mode: the approval policy's store-wide figures re-read inside the
 * insert's transaction (journal-port.ts, PolicyRecheck). Without it one
 * cashier confirming at several counters at once (or app + CLI) passes the
 * daily total once per counter: each admission read the total before any of
 * the others was journaled (attack 3, finding 17).
 *
 * The lock: a transaction-level advisory lock on the cashier's name, taken
 * after the payment's row (FOR UPDATE, pg-journal.ts) and before the audit
 * lock, always in that order, so it cannot deadlock with them. The two-key
 * form keeps it apart from the one-key audit and migration locks.
 */
import type pg from 'pg';
import type { JournalRefund, PolicyRecheck } from '../journal-port';
import { applyPolicyRecheck } from '../policy-recheck';
import { pgCashierTotalOn } from './pg-journal-reads';

/** "RTCA": the class of the per-cashier admission lock. */
const CASHIER_LOCK_CLASS = 0x52544341;

/**
 * `n` as it may be journaled, given the figures under the cashier's lock
 * (held until the caller's transaction ends). `refundedBefore`: what the
 * caller computed under the payment's lock (payment amount minus refundable).
 */
export async function pgRecheckPolicy(c: pg.PoolClient, n: JournalRefund, recheck: PolicyRecheck | undefined, refundedBefore: number): Promise<JournalRefund> {
  if (recheck === undefined) return n;
  await c.query('SELECT pg_advisory_xact_lock($1, hashtext($2))', [CASHIER_LOCK_CLASS, n.cashier]);
  const cashierTotalToday = await pgCashierTotalOn(c, n.cashier, n.amount.currency, recheck.date, recheck.timeZone);
  return applyPolicyRecheck(n, recheck, { cashierTotalToday, paymentRefundedBefore: Math.max(0, refundedBefore) });
}

/**
 * Which journal writes must be on disk before the call returns (a durable
 * commit, fsync) and which may be lost by a power cut without harm (a relaxed
 * commit: SQLite WAL with synchronous=NORMAL for that commit, PostgreSQL
 * `SET LOCAL synchronous_commit = off`). Shared by both journals so the two
 * engines lose exactly the same things. The reasoning is in docs/ledger.md
 * ("Two durable commits per refund").
 *
 * Both engines write one log in commit order, and a durable commit flushes the
 * log up to itself, so a crash can only lose a suffix of relaxed commits made
 * after the last durable one: never a durable write, never a gap in between.
 * What a lost suffix leaves in the journal is an earlier pre-send state
 * (APPROVED, REFERENCE_REQUESTED, REFERENCE_OBTAINED) or an earlier pending
 * state, and recovery treats each of those as "may already be at Antom":
 * ask the terminal again (idempotent per refundRequestId), then inquire before
 * sending (driver.ts).
 */
import type { RefundState } from '../../preload/contract/refunds';

/** The steps between the journaled refund and Antom's answer: lost, recovery redoes them identically. */
const RELAXED_TARGETS: ReadonlySet<RefundState> = new Set<RefundState>(['REFERENCE_REQUESTED', 'REFERENCE_OBTAINED', 'SUBMITTING']);

/** A transition into `to` needs its own fsync (the refund's birth, a manager's decision, an outcome). */
export function transitionIsDurable(to: RefundState): boolean {
  return !RELAXED_TARGETS.has(to);
}

/**
 * An update of a refund that stays unfinished in `state` changes only what the
 * next step learns again: a terminal retry schedule before anything was sent,
 * or an inquiry's "still pending" (attempts, next check, a refundId Antom
 * repeats). Lost, the refund is simply asked about sooner. Updates of final
 * refunds (their wording, Antom's amount) keep their fsync.
 */
export function updateIsDurable(state: RefundState): boolean {
  return !RELAXED_UPDATES.has(state);
}

const RELAXED_UPDATES: ReadonlySet<RefundState> = new Set<RefundState>([
  'APPROVED',
  'REFERENCE_REQUESTED',
  'SUBMITTING',
  'PENDING_IN_PROCESS',
  'PENDING_UNKNOWN',
]);

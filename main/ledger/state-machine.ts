/**
 * The refund state machine: which journaled state may follow which. The
 * ledger refuses any other move, so a bug in the engine (or a second process)
 * can never, say, take a SUCCEEDED refund back to SUBMITTING.
 */
import { FINAL_STATES, type RefundState } from '../../preload/contract/refunds';

const ALLOWED: Readonly<Record<RefundState, readonly RefundState[]>> = {
  AWAITING_APPROVAL: ['APPROVED', 'DECLINED'],
  APPROVED: ['REFERENCE_REQUESTED'],
  DECLINED: [],
  // FAILED only when the terminal definitively refused: nothing reached Antom.
  REFERENCE_REQUESTED: ['REFERENCE_OBTAINED', 'FAILED'],
  REFERENCE_OBTAINED: ['SUBMITTING'],
  SUBMITTING: ['SUCCEEDED', 'FAILED', 'PENDING_IN_PROCESS', 'PENDING_UNKNOWN'],
  SUCCEEDED: [],
  FAILED: [],
  PENDING_IN_PROCESS: ['SUCCEEDED', 'FAILED', 'PENDING_UNKNOWN'],
  // back to SUBMITTING only when an inquiry proved Antom never saw the request;
  // the resubmission reuses the same refundRequestId and body.
  PENDING_UNKNOWN: ['SUCCEEDED', 'FAILED', 'PENDING_IN_PROCESS', 'SUBMITTING'],
};

/**
 * The one move out of a final state: Antom's verified notification says a
 * refund journaled FAILED succeeded after all (money moved). Never said
 * "failed" when money moved: the journal follows Antom, and only a caller
 * that passes `lateSuccess` (notify-apply.ts) may take it; the engine and
 * recovery never do. docs/ledger.md "A success after a failure".
 */
const LATE: Readonly<Partial<Record<RefundState, readonly RefundState[]>>> = { FAILED: ['SUCCEEDED'] };

export function canTransition(from: RefundState, to: RefundState, lateSuccess = false): boolean {
  return ALLOWED[from].includes(to) || (lateSuccess && (LATE[from] ?? []).includes(to));
}

export function allowedNext(from: RefundState): readonly RefundState[] {
  return ALLOWED[from];
}

export function isFinal(state: RefundState): boolean {
  return FINAL_STATES.includes(state);
}

export function isPending(state: RefundState): boolean {
  return state === 'PENDING_IN_PROCESS' || state === 'PENDING_UNKNOWN';
}

/** States the partial unique index treats as "in flight" (everything not final). */
export const NON_FINAL_STATES: readonly RefundState[] = [
  'AWAITING_APPROVAL',
  'APPROVED',
  'REFERENCE_REQUESTED',
  'REFERENCE_OBTAINED',
  'SUBMITTING',
  'PENDING_IN_PROCESS',
  'PENDING_UNKNOWN',
];

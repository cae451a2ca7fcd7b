/**
 * Every per-state decision the engine makes outside the driver's own switch,
 * in one place and each an exhaustive switch: a state added to the state
 * machine (preload/contract/refunds.ts) does not type-check until it is placed
 * in the driver (driver.ts, `advance`) and in every function here
 * (test/unit/refunds/state-exhaustive.test.ts proves it).
 */
import type { RefundState } from '../../preload/contract/refunds';
import type { RefundRow } from '../ledger/rows';
import { assertNever } from './engine-core';

/**
 * Who moves a refund on from `state`: the engine (recover and the background
 * resolver drive it), a manager, or nobody (final).
 */
export function recoveryRole(state: RefundState): 'drive' | 'manager' | 'final' {
  switch (state) {
    case 'APPROVED':
    case 'REFERENCE_REQUESTED':
    case 'REFERENCE_OBTAINED':
    case 'SUBMITTING':
    case 'PENDING_IN_PROCESS':
    case 'PENDING_UNKNOWN':
      return 'drive';
    case 'AWAITING_APPROVAL':
      return 'manager';
    case 'SUCCEEDED':
    case 'FAILED':
    case 'DECLINED':
      return 'final';
    default:
      return assertNever(state);
  }
}

/** States in which a refund is waiting for the terminal (its reference). */
export function waitsOnTerminal(state: RefundState): boolean {
  switch (state) {
    case 'APPROVED':
    case 'REFERENCE_REQUESTED':
      return true;
    case 'AWAITING_APPROVAL':
    case 'REFERENCE_OBTAINED':
    case 'SUBMITTING':
    case 'PENDING_IN_PROCESS':
    case 'PENDING_UNKNOWN':
    case 'SUCCEEDED':
    case 'FAILED':
    case 'DECLINED':
      return false;
    default:
      return assertNever(state);
  }
}

/**
 * Whether a caller waiting on another process's driver may stop waiting: the
 * refund is final, pending (resolved later by inquiry), with a manager, or
 * parked on the terminal with a persisted next try.
 */
export function settledForWaiter(row: RefundRow): boolean {
  const state = row.state;
  switch (state) {
    case 'SUCCEEDED':
    case 'FAILED':
    case 'DECLINED':
    case 'PENDING_IN_PROCESS':
    case 'PENDING_UNKNOWN':
    case 'AWAITING_APPROVAL':
      return true;
    case 'REFERENCE_REQUESTED':
      return row.next_check_at !== null;
    case 'APPROVED':
    case 'REFERENCE_OBTAINED':
    case 'SUBMITTING':
      return false;
    default:
      return assertNever(state);
  }
}

/**
 * Whether the background resolver takes a refund nobody here is driving:
 * one whose persisted check is due, or one a driver left without one once its
 * lease looks free (claimLease decides again inside the write lock).
 */
export function backgroundShouldTake(row: RefundRow, due: boolean, leaseLooksFree: () => boolean): boolean {
  const state = row.state;
  switch (state) {
    case 'AWAITING_APPROVAL':
    case 'SUCCEEDED':
    case 'FAILED':
    case 'DECLINED':
      return false;
    case 'APPROVED':
    case 'REFERENCE_REQUESTED':
    case 'REFERENCE_OBTAINED':
    case 'SUBMITTING':
    case 'PENDING_IN_PROCESS':
    case 'PENDING_UNKNOWN':
      // A live driver never leaves these states without a next check, so one
      // with no check scheduled is driven once its lease is free.
      return due || (row.next_check_at === null && leaseLooksFree());
    default:
      return assertNever(state);
  }
}

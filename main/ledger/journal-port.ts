/**
 * The refund journal as an asynchronous port: what every ledger engine must
 * guarantee, whatever it runs on. SQLite (one counter, embedded) and
 * PostgreSQL (store mode, every counter of a store on one database) both
 * implement it and both pass one contract suite (test/unit/ledger/journal-contract.ts).
 *
 * The guarantees, each enforced by the database itself rather than by code
 * that could race:
 *  - one refund per intent (unique), one unfinished refund per payment
 *    (partial unique index), across every process and counter;
 *  - the refundable balance is checked and the new refund inserted in one
 *    transaction that holds the payment's row, so two counters can never both
 *    pass it;
 *  - every state change is a compare-and-set allowed by the state machine,
 *    journaled with its transition row and audit entry in the same commit;
 *  - drive leases are judged by the journal's clock (the database's, in store
 *    mode), so counters with skewed clocks agree on who may drive;
 *  - a method resolves only once its write is durable (synchronous commit).
 */
import type { Money } from '../../preload/contract/money';
import type { RefundState } from '../../preload/contract/refunds';
import type { Result } from '../../preload/contract/result';
import type { AntomPaymentInfo } from '../refunds/ports';
import type { PaymentRecord } from './payment-cache';
import type { ApprovalReason } from './policy';
import type { InsertRefundError, NewRefund, RefundFilter, RefundPatch, TransitionError } from './refund-store';
import type { RefundRow, TransitionRow } from './rows';

export interface JournalRefund extends NewRefund {
  /** The counter (register) that journaled it; only that register asks its own terminal for the reference. */
  readonly register?: string;
}

/** An extra audit entry journaled in the same commit as the write it goes with (e.g. `refund.retry_as_new`). */
export interface AuditNote {
  readonly kind: string;
  readonly detail: Record<string, unknown>;
}

/**
 * A second move journaled in the same commit as the write before it: a refund's steps that
 * follow each other with nothing sent in between (the insert and REFERENCE_REQUESTED, the
 * reference and SUBMITTING) need one commit, not one each (docs/ledger.md, "Commits per
 * refund"). Its transition row and audit entry are written as if it were its own call.
 */
export interface FollowingMove {
  readonly to: RefundState;
  readonly actor: string;
  readonly patch?: RefundPatch;
}

/**
 * A following move made under the same lock as the step before it cannot lose its compare-and-set;
 * if it is refused anyway, throwing rolls the whole commit back.
 */
export function followingMoveApplied<T>(moved: Result<T, TransitionError>): T {
  if (!moved.ok) throw new Error(`the following move was refused: ${moved.error.code} ${moved.error.message}`);
  return moved.value;
}

/** The insert's following move, taken only when the refund is admitted (APPROVED), with its drive lease held by `lease.owner`. */
export interface AdmittedMove extends FollowingMove {
  readonly lease: { readonly owner: string; readonly ttlMs: number };
}

/**
 * The store-wide figures the approval policy depends on, as they are at the
 * insert: read inside its transaction, under a lock that serializes the
 * cashier's admissions (any counter, app or CLI), each excluding the new refund.
 */
export interface PolicyFigures {
  /** The cashier's refunds on the day (what cashierTotalOn counts). */
  readonly cashierTotalToday: number;
  /** Refunded or being refunded on the payment, here and elsewhere (payment amount minus the refundable balance). */
  readonly paymentRefundedBefore: number;
}

/** Admission's policy, re-applied by `insert` to the figures at the insert, so racing confirmations cannot all pass it. */
export interface PolicyRecheck {
  /** The cashier's local day and the store's zone, as for cashierTotalOn. */
  readonly date: string;
  readonly timeZone: string;
  /** The approval reasons for these figures (pure; the same rule admission applied before the insert). */
  readonly reasons: (f: PolicyFigures) => readonly ApprovalReason[];
  /** The row's message when the figures now need a manager. */
  readonly awaitingMessage: string;
}

/** One inquiry's "still pending" answer for a refund that stays in `expected`. */
export interface PendingCheck {
  readonly refundRequestId: string;
  readonly expected: RefundState;
  readonly patch: RefundPatch;
}

/** A manager's decision on a refund waiting for one (see RefundJournal.decide). */
export interface ManagerDecision {
  readonly decision: 'APPROVED' | 'DECLINED';
  readonly manager: string;
  readonly reason: string;
  readonly patch?: RefundPatch;
  /** The manager decided their own refund (the policy allowed it): worth an audit line of its own. */
  readonly selfApproved?: boolean;
}

export interface RefundJournal {
  readonly engine: 'sqlite' | 'postgres';
  /**
   * Store mode: this counter's register. A refund journaled by another register
   * that still waits on a terminal (APPROVED, REFERENCE_REQUESTED) is that
   * register's alone (docs/ledger.md, terminal ownership). Absent: one counter.
   */
  readonly register?: string;
  /**
   * The time every schedule in this journal is written and judged by (next
   * checks, retry times). Store mode: the database's (pg-clock.ts), so one
   * counter's wrong clock cannot stall or rush the others. Absent: the engine's.
   */
  readonly clock?: () => Date;
  /** Records (or refreshes) a looked-up payment; the balance check reads it. */
  upsertPayment(p: AntomPaymentInfo): Promise<void>;
  getPayment(paymentId: string): Promise<PaymentRecord | null>;
  get(refundRequestId: string): Promise<RefundRow | null>;
  getByIntent(intentId: string): Promise<RefundRow | null>;
  inFlightFor(paymentId: string): Promise<RefundRow | null>;
  /** SUCCEEDED plus every unfinished refund of the payment, in minor units. */
  committedAmount(paymentId: string): Promise<number>;
  /** What is left to refund, or null when the payment was never looked up. */
  refundableBalance(paymentId: string): Promise<Money | null>;
  /**
   * `opts.audit`: appended by `actor` in the same commit, only when the insert succeeds.
   * `opts.recheck`: the policy re-applied inside the insert's transaction, under the cashier's lock; when it
   * now names reasons, the refund is journaled AWAITING_APPROVAL with them (never admitted past the policy).
   * `opts.advance`: when the refund is journaled APPROVED, its drive lease is taken and it moves on, in the
   * same commit (a refund sent to a manager takes neither). The row returned is the last one.
   */
  insert(
    n: JournalRefund,
    actor: string,
    opts?: { audit?: AuditNote; recheck?: PolicyRecheck; advance?: AdmittedMove },
  ): Promise<Result<RefundRow, InsertRefundError>>;
  transition(
    refundRequestId: string,
    from: RefundState,
    to: RefundState,
    /** `audit`: appended by `actor` in the same commit, only when the move applies. */
    /** `lateSuccess`: allows FAILED -> SUCCEEDED (Antom's verified notification only; state-machine.ts). */
    /** `then`: `to` -> `then.to` in the same commit (durable if either step is); the row returned is the last. */
    opts: { actor: string; detail?: Record<string, unknown>; patch?: RefundPatch; audit?: AuditNote; lateSuccess?: boolean; then?: FollowingMove },
  ): Promise<Result<RefundRow, TransitionError>>;
  /**
   * AWAITING_APPROVAL -> APPROVED | DECLINED as one commit: the compare-and-set,
   * its transition row and audit entry, the approval record with its
   * refund.approved / refund.declined entry and, for a self-approval, a
   * refund.self_approved entry. Of racing decisions (from any counter) exactly
   * one applies; the others get STALE_STATE and leave nothing behind.
   */
  decide(refundRequestId: string, d: ManagerDecision): Promise<Result<RefundRow, TransitionError>>;
  /** Antom refunded another amount than journaled (SUCCEEDED only): the row takes Antom's figure, audited in the same commit. */
  recordAntomAmount(refundRequestId: string, value: number, actor: string): Promise<Result<RefundRow, 'NOT_FOUND' | 'STALE_STATE'>>;
  /** The newest refund of a retry lineage (root intent), or null. */
  latestInLineage(rootIntentId: string): Promise<RefundRow | null>;
  /** How many refunds a lineage has (names the next retry's intent). */
  lineageSize(rootIntentId: string): Promise<number>;
  /** A cashier's refunds on local `date` in `timeZone` and `currency` that count against a daily limit (not declined, not failed), store-wide. */
  cashierTotalOn(cashier: string, currency: string, date: string, timeZone: string): Promise<number>;
  /** Newest first; `date` is a local date in `timeZone`. */
  list(filter?: RefundFilter & { readonly timeZone?: string }): Promise<RefundRow[]>;
  update(refundRequestId: string, expected: RefundState, patch: RefundPatch): Promise<Result<RefundRow, 'NOT_FOUND' | 'STALE_STATE'>>;
  /** The terminal's answer to the result notice (slip printed or not), audited; not a state change. null = no such refund. */
  recordSlip(refundRequestId: string, printed: boolean): Promise<RefundRow | null>;
  /** Free, ours, expired by the journal's clock, or held by an owner `ownerAlive` says is gone. */
  claimLease(refundRequestId: string, owner: string, ttlMs: number, ownerAlive: (owner: string) => boolean): Promise<boolean>;
  renewLease(refundRequestId: string, owner: string, ttlMs: number): Promise<void>;
  releaseLease(refundRequestId: string, owner: string): Promise<void>;
  /**
   * Recovery's batch: claimLease for many refunds in one relaxed commit
   * (ledger/durability.ts). Returns the ids now held by `owner`.
   */
  claimLeases(refundRequestIds: readonly string[], owner: string, ttlMs: number, ownerAlive: (owner: string) => boolean): Promise<Set<string>>;
  /**
   * Recovery's batch: for each refund still in `expected` (CAS), applies the
   * patch (an inquiry's "still pending") and releases `owner`'s lease, all in
   * one relaxed commit. Returns the rows it changed.
   */
  recordChecks(checks: readonly PendingCheck[], owner: string): Promise<RefundRow[]>;
  transitions(refundRequestId: string): Promise<TransitionRow[]>;
  nonFinal(): Promise<RefundRow[]>;
  /** Unfinished refunds whose persisted next check is due by the journal's clock. */
  due(): Promise<RefundRow[]>;
  /**
   * Calls `listener` with a refund's id whenever any process commits a change
   * to it (PostgreSQL: LISTEN/NOTIFY; SQLite: this process's own writes).
   * Returns an unsubscribe function.
   */
  onChange(listener: (refundRequestId: string) => void): () => void;
  /**
   * PostgreSQL: called after every (re)connect of the change feed, since the
   * notices sent while it was down are lost; a subscriber re-reads what it
   * follows. Absent where no notice can be missed (SQLite: in-process).
   */
  onCatchUp?(listener: () => void): () => void;
  /**
   * Appends one audit entry on its own (events that change no refund: a
   * refused Antom notification, an import). Durable when it resolves.
   */
  appendAudit(actor: string, kind: string, detail: Record<string, unknown>): Promise<void>;
  /** The audit chain's head (seq, hash) and whether the whole chain verifies. */
  auditHead(): Promise<{ seq: number; hash: string }>;
  verifyAudit(): Promise<{ intact: boolean; entries: number; brokenAt?: number }>;
  close(): Promise<void>;
}

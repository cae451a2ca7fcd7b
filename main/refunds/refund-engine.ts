/**
 * The refund engine: drives refunds through the journaled state machine. Rules it never breaks:
 *  - the intent is journaled (fsynced) before any byte leaves the machine;
 *  - each outbound step is preceded by a journaled state (REFERENCE_REQUESTED,
 *    SUBMITTING), so after a crash we know what may have been sent;
 *  - a refundRequestId is reused for every retry, inquiry and resubmission;
 *    a new one is only ever made by a person (retryAsNew) after a final failure;
 *  - every state change is a compare-and-set in the ledger, so two engines
 *    (the app and the CLI) cannot both move the same refund.
 *
 * This class is a façade over one module per job: payment-lookup.ts,
 * admission.ts, manager-decisions.ts, driver.ts (+ outcome-learning.ts) and
 * recovery.ts; per-state decisions are exhaustive switches in state-roles.ts.
 */
import { EventEmitter } from 'node:events';
import type { Money } from '../../preload/contract/money';
import type { PaymentView, RefundState, RefundView } from '../../preload/contract/refunds';
import { err, ok, type Result } from '../../preload/contract/result';
import type { PaymentQuery } from '../ledger/payment-cache';
import type { ApprovalReason, Policy } from '../ledger/policy';
import type { RefundRow } from '../ledger/rows';
import { sqliteStoreLedger } from '../ledger/sqlite-store';
import { toRefundView } from '../ledger/views';
import { Admission } from './admission';
import { Driver } from './driver';
import {
  defaultRefundRequestId,
  NOOP_LOG,
  type DriveResult,
  type EngineCore,
  type EngineStore,
  type ManagerDecisionInput,
  type RecoverySummary,
  type RefundEngineDeps,
  type RefundErrorCode,
  type SubmitInput,
} from './engine-core';
import { leaseOwnerAlive, newLeaseOwner, sharedLeaseOwnerAlive } from './lease-owner';
import { ManagerDecisions } from './manager-decisions';
import { OutcomeLearning } from './outcome-learning';
import { OutcomeRecorder } from './outcome-recorder';
import { PaymentLookup } from './payment-lookup';
import { DEFAULT_POLL_POLICY } from './poll-policy';
import { DecisionFollower } from './decision-follower';
import { Recovery } from './recovery';

export {
  defaultRefundRequestId,
  isNotFoundOutcome,
  PAYMENT_FRESH_MS,
  REFERENCE_REUSED_CODE,
  REFUND_NOT_FOUND_CODES,
  type EngineLogger,
  type ManagerDecisionInput,
  type RecoverySummary,
  type RefundEngineDeps,
  type RefundErrorCode,
  type SubmitInput,
} from './engine-core';
export { recoveryRole, waitsOnTerminal } from './state-roles';

interface EngineEvents {
  updated: [RefundView];
}

export class RefundEngine extends EventEmitter<EngineEvents> {
  /** Antom answers the journal could not record yet (an alarm while non-empty). */
  readonly outcomes: OutcomeRecorder;
  private readonly core: EngineCore;
  private readonly lookup: PaymentLookup;
  private readonly admission: Admission;
  private readonly decisions: ManagerDecisions;
  private readonly recovery: Recovery;
  private readonly follower: DecisionFollower;

  constructor(deps: RefundEngineDeps) {
    super();
    const store: EngineStore | undefined = deps.store ?? (deps.ledger === undefined ? undefined : sqliteStoreLedger(deps.ledger, 'counter-1'));
    if (store === undefined) throw new Error('RefundEngine needs a ledger or the store ports');
    // Store mode: the database's time (journal.clock), so every counter schedules on one clock.
    const journalClock = (deps.journal ?? store.journal).clock;
    const clock = deps.clock ?? journalClock ?? deps.ledger?.clock ?? (() => new Date());
    const log = deps.log ?? NOOP_LOG;
    this.outcomes = deps.outcomeRecorder ?? new OutcomeRecorder({ log });
    const localZone = Intl.DateTimeFormat().resolvedOptions().timeZone;
    // Listeners hear of writes in the order they were journaled, though a view is read asynchronously.
    let emitting: Promise<void> = Promise.resolve();
    const core: EngineCore = {
      store,
      journal: deps.journal ?? store.journal,
      timeZone: async () => (await store.settings.timeZone()) ?? localZone,
      terminal: deps.terminal,
      antom: deps.antom,
      clock,
      newId: deps.newRefundRequestId ?? defaultRefundRequestId(clock),
      log,
      poll: { ...DEFAULT_POLL_POLICY, ...(deps.pollPolicy ?? {}) },
      deps,
      driving: new Map<string, Promise<DriveResult>>(),
      leaseOwner: newLeaseOwner(),
      ownerAlive: (deps.journal ?? store.journal).engine === 'postgres' ? (o) => sharedLeaseOwnerAlive(o) : (o) => leaseOwnerAlive(o),
      outcomes: this.outcomes,
      journaled: (row, passed = []) => {
        for (const state of passed) deps.afterJournal?.(state, row);
        deps.afterJournal?.(row.state, row);
        core.emitUpdated(row);
      },
      emitUpdated: (row) => {
        // Nobody listening (the CLI, a bench): no view to read (a query per change, 10,000 at a big recovery).
        if (this.listenerCount('updated') === 0) return;
        const view = core.view(row);
        emitting = emitting.then(async () => {
          try {
            this.emit('updated', await view);
          } catch (e) {
            log.error({ err: String(e) }, 'updated listener threw (or the view could not be read)');
          }
        });
      },
      // Decisions exist only for a refund the policy sent to a manager (it names its reasons): the others,
      // nearly every refund, need no read for their view (one round trip per change in store mode).
      view: async (row: RefundRow) => toRefundView(row, mayHaveDecisions(row) ? await store.approvals.decisions(row.refund_request_id) : []),
    };
    this.core = core;
    this.lookup = new PaymentLookup(core);
    const driver = new Driver(core, new OutcomeLearning(core, this.lookup));
    this.admission = new Admission(core, this.lookup, driver);
    this.decisions = new ManagerDecisions(core, driver);
    this.recovery = new Recovery(core, driver);
    this.follower = new DecisionFollower(core, driver);
  }

  // payments
  lookupPayment(paymentId: string): Promise<Result<PaymentView, 'INVALID_INPUT' | 'PAYMENT_NOT_FOUND' | 'UNAVAILABLE' | 'LOOKUP_MISCONFIGURED'>> {
    return this.lookup.lookupPayment(paymentId);
  }

  /** Payments looked up recently (store-wide in store mode), with their refundable balance (no Antom call). */
  listRecentPayments(limit = 20): Promise<PaymentView[]> {
    return this.lookup.listRecentPayments(limit);
  }

  /** Finds payments among those this install has seen (Antom offers no search by amount or time). */
  searchPayments(q: PaymentQuery): Promise<{ payments: PaymentView[]; methods: string[]; currencies: string[]; seen: number }> {
    return this.lookup.searchPayments(q);
  }

  /** The payment as the cashier should now see it (cache + journal, no Antom call). */
  currentPaymentView(paymentId: string): Promise<PaymentView | null> {
    return this.lookup.currentPaymentView(paymentId);
  }

  // admission
  /** Would this refund need a manager, and why? (refunds:evaluate, before the button). */
  evaluate(input: {
    paymentId: string;
    mode: 'FULL' | 'PARTIAL';
    amount?: Money;
    cashier: string;
  }): Promise<
    Result<
      { needsApproval: boolean; reasons: ApprovalReason[]; amount: Money; refundable: Money; selfApprovalAllowed: boolean },
      'INVALID_INPUT' | 'PAYMENT_NOT_FOUND' | 'UNAVAILABLE' | 'LOOKUP_MISCONFIGURED' | 'AMOUNT_EXCEEDS_REFUNDABLE'
    >
  > {
    return this.admission.evaluate(input);
  }

  /** Idempotent per intentId: a repeat (even concurrent, even from another process) returns the same refund. */
  submit(input: SubmitInput): Promise<Result<RefundView, RefundErrorCode>> {
    return this.admission.submit(input);
  }

  /** A person's decision to try again, under a new refundRequestId, after a final failure that needs one. */
  retryAsNew(input: { refundRequestId: string; actor: string }): Promise<Result<RefundView, RefundErrorCode>> {
    return this.admission.retryAsNew(input);
  }

  // manager decisions
  approve(input: ManagerDecisionInput): Promise<Result<RefundView, RefundErrorCode>> {
    return this.decisions.decide(input, 'APPROVED');
  }

  decline(input: ManagerDecisionInput): Promise<Result<RefundView, RefundErrorCode>> {
    return this.decisions.decide(input, 'DECLINED');
  }

  /** The approval policy, and editing it (a manager, with their PIN). */
  getPolicy(): Promise<Policy> {
    return this.decisions.getPolicy();
  }

  setPolicy(input: {
    manager: string;
    pin: string;
    policy: unknown;
  }): Promise<Result<Policy, 'INVALID_INPUT' | 'PIN_INVALID' | 'USER_LOCKED' | 'NOT_A_MANAGER'>> {
    return this.decisions.setPolicy(input);
  }

  // queries
  async get(refundRequestId: string): Promise<Result<RefundView, 'NOT_FOUND'>> {
    const row = await this.core.journal.get(refundRequestId);
    return row === null ? err('NOT_FOUND', 'No such refund.') : ok(await this.core.view(row));
  }

  /** Newest first; `date` is a local date in the store's zone. */
  async list(filter: { date?: string; states?: RefundState[]; paymentId?: string } = {}): Promise<RefundView[]> {
    const rows = await this.core.journal.list({ ...filter, timeZone: await this.core.timeZone() });
    return Promise.all(rows.map((r) => this.core.view(r)));
  }

  // recovery and the scheduler
  /** Resumes every non-final refund from its journaled state. Safe to run at every start. */
  recover(): Promise<RecoverySummary> {
    return this.recovery.recover();
  }

  /** Re-checks pending refunds (and terminal-blocked ones) when their persisted next_check_at is due. */
  startBackgroundResolution(): void {
    this.recovery.startBackgroundResolution();
    this.followDecisions();
  }

  /**
   * Store mode: this counter's refunds approved at another counter continue at
   * once, on the journal's change feed (decision-follower.ts). Started with
   * background resolution; on its own for a counter that runs without it.
   */
  followDecisions(): void {
    this.follower.start();
  }

  /** One pass of background resolution (exposed for tests and the CLI). */
  tick(): Promise<void> {
    return this.recovery.tick();
  }

  /** The paired terminal is authenticated again: every refund waiting on it continues now. */
  resumeWaitingOnTerminal(): Promise<void> {
    return this.recovery.resumeWaitingOnTerminal();
  }

  stop(): Promise<void> {
    this.follower.stop();
    return this.recovery.stop();
  }
}

/** A manager decides only a refund journaled AWAITING_APPROVAL, which the policy gives its reasons. */
function mayHaveDecisions(row: RefundRow): boolean {
  return row.state === 'AWAITING_APPROVAL' || row.state === 'DECLINED' || row.approval_reasons.trim() !== '[]';
}

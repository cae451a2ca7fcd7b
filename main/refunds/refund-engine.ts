/**
 * The refund engine: drives one refund at a time through the journaled state
 * machine. Rules it never breaks:
 *  - the intent is journaled (fsynced) before any byte leaves the machine;
 *  - each outbound step is preceded by a journaled state (REFERENCE_REQUESTED,
 *    SUBMITTING), so after a crash we know what may have been sent;
 *  - a refundRequestId is reused for every retry, inquiry and resubmission;
 *    a new one is only ever made by a person (retryAsNew) after a final failure;
 *  - every state change is a compare-and-set in the ledger, so two engines
 *    (the app and the CLI) cannot both move the same refund.
 */
import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { z } from 'zod';
import type { Money } from '../../preload/contract/money';
import { MoneySchema, PaymentId, RefundRequestId, type NextAction, type PaymentView, type RefundState, type RefundView } from '../../preload/contract/refunds';
import { err, ok, type Result } from '../../preload/contract/result';
import type { Ledger } from '../ledger/ledger';
import { localDate } from '../ledger/local-date';
import type { PaymentQuery, PaymentRecord } from '../ledger/payment-cache';
import { evaluatePolicy, type Policy } from '../ledger/policy';
import type { RefundPatch } from '../ledger/refund-store';
import type { RefundRow } from '../ledger/rows';
import { isFinal, isPending } from '../ledger/state-machine';
import { leaseOwnerAlive, newLeaseOwner } from './lease-owner';
import { MSG, terminalErrorIsDefinitive, terminalErrorMessage } from './messages';
import { DEFAULT_POLL_POLICY, nextDelayMs, type PollPolicy } from './poll-policy';
import type { AntomGatewayPort, AntomOutcome, AntomRefundRequest, TerminalErrorCode, TerminalPort } from './ports';

/** How long a looked-up payment is trusted on confirm without asking Antom again. */
export const PAYMENT_FRESH_MS = 60_000;

export type RefundErrorCode =
  | 'INVALID_INPUT'
  | 'PAYMENT_NOT_FOUND'
  | 'REFUND_IN_FLIGHT'
  | 'AMOUNT_EXCEEDS_REFUNDABLE'
  | 'NOT_FOUND'
  | 'NOT_AWAITING_APPROVAL'
  | 'PIN_INVALID'
  | 'USER_LOCKED'
  | 'NOT_A_MANAGER'
  | 'NOT_RETRYABLE'
  | 'UNAVAILABLE';

export interface SubmitInput {
  readonly intentId: string;
  readonly paymentId: string;
  readonly mode: 'FULL' | 'PARTIAL';
  readonly amount?: Money;
  readonly memo?: string;
  /** One of the store's active refund reasons. */
  readonly reasonCode?: string;
  readonly cashier: string;
}

export interface ManagerDecisionInput {
  readonly refundRequestId: string;
  readonly manager: string;
  readonly pin: string;
  readonly reason: string;
}

export interface RecoverySummary {
  /** Non-final refunds found (AWAITING_APPROVAL ones are listed but left for a manager). */
  readonly examined: number;
  readonly resumed: number;
  readonly awaitingApproval: number;
  readonly final: number;
  readonly pending: number;
  /** Still not final or pending (e.g. terminal unreachable, REFERENCE_REQUESTED). */
  readonly stuck: number;
  /** Being driven right now by another live process (the app, or another CLI): left alone. */
  readonly busyElsewhere: number;
  readonly errors: number;
  readonly durationMs: number;
  readonly refunds: readonly { refundRequestId: string; from: RefundState; to: RefundState; busyElsewhere?: boolean; error?: string }[];
}

/** pino-compatible subset. Never given PINs. */
export interface EngineLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

export interface RefundEngineDeps {
  readonly ledger: Ledger;
  readonly terminal: TerminalPort;
  readonly antom: AntomGatewayPort;
  readonly clock?: () => Date;
  readonly newRefundRequestId?: () => string;
  readonly log?: EngineLogger;
  readonly pollPolicy?: Partial<PollPolicy>;
  /**
   * Called synchronously right after a state is journaled (the write is on
   * disk). Used by the crash harness to kill the process at every boundary.
   */
  readonly afterJournal?: (state: RefundState, row: RefundRow) => void;
  /** Called right after Antom answered, before the answer is journaled (crash harness). */
  readonly afterGatewayReply?: (row: RefundRow, outcome: AntomOutcome) => void;
  /** How long a submit waits for another process that is driving the same refund. */
  readonly settleWaitMs?: number;
  /** Upper bound for the best-effort slip notice to the terminal. */
  readonly resultNoticeTimeoutMs?: number;
  /** How long a drive lease lasts without renewal (renewed at every step). Default 5 min. */
  readonly leaseTtlMs?: number;
}

interface DriveResult {
  readonly row: RefundRow;
  /** Another live engine holds the lease: we did not touch it. */
  readonly busyElsewhere: boolean;
}

/**
 * Antom result codes of an inquiry meaning "no refund with this refundRequestId
 * exists". Only then may a SUBMITTING / PENDING_UNKNOWN refund be resubmitted
 * (same id, same body). Gateway adapters should use one of these codes.
 */
export const REFUND_NOT_FOUND_CODES: ReadonlySet<string> = new Set(['REFUND_NOT_FOUND', 'REFUND_NOT_EXIST', 'ORDER_NOT_EXIST', 'DPOS_PAYMENT_ORDER_NOT_EXIST', 'NOT_FOUND']);

export function isNotFoundOutcome(o: AntomOutcome): boolean {
  return o.status !== 'SUCCESS' && REFUND_NOT_FOUND_CODES.has(o.resultCode);
}

const SubmitSchema = z
  .object({
    intentId: z.string().min(1).max(128).regex(/^[A-Za-z0-9._:-]+$/),
    paymentId: PaymentId,
    mode: z.enum(['FULL', 'PARTIAL']),
    amount: MoneySchema.optional(),
    memo: z.string().max(256).optional(),
    reasonCode: z.string().regex(/^[A-Z0-9_]{1,32}$/).optional(),
    cashier: z.string().trim().min(1).max(40),
  })
  .refine((r) => (r.mode === 'PARTIAL') === (r.amount !== undefined), { message: 'a partial refund needs an amount; a full refund takes none' })
  .refine((r) => r.amount === undefined || r.amount.value > 0, { message: 'the amount must be more than zero' });

const DecisionSchema = z.object({
  refundRequestId: RefundRequestId,
  manager: z.string().trim().min(1).max(40),
  pin: z.string().max(64),
  reason: z.string().trim().min(1).max(256),
});

/** Payment states from which money can go back. Unknown values are allowed through; Antom has the last word. */
const NOT_REFUNDABLE_PAYMENT_STATUSES = new Set(['FAIL', 'FAILED', 'CANCELLED', 'CLOSED', 'PROCESSING', 'INIT']);

const NOOP_LOG: EngineLogger = { info: () => undefined, warn: () => undefined, error: () => undefined };
const SYSTEM = 'system';

interface EngineEvents {
  updated: [RefundView];
}

export class RefundEngine extends EventEmitter<EngineEvents> {
  private readonly ledger: Ledger;
  private readonly terminal: TerminalPort;
  private readonly antom: AntomGatewayPort;
  private readonly clock: () => Date;
  private readonly newId: () => string;
  private readonly log: EngineLogger;
  private readonly poll: PollPolicy;
  private readonly deps: RefundEngineDeps;
  /** In-process dedupe: one driver per refund, one submit per intent. */
  private readonly driving = new Map<string, Promise<DriveResult>>();
  private readonly leaseOwner = newLeaseOwner();
  private readonly submitting = new Map<string, Promise<Result<RefundView, RefundErrorCode>>>();
  private timer: NodeJS.Timeout | null = null;
  private tickRunning: Promise<void> | null = null;
  private stopped = false;

  constructor(deps: RefundEngineDeps) {
    super();
    this.deps = deps;
    this.ledger = deps.ledger;
    this.terminal = deps.terminal;
    this.antom = deps.antom;
    this.clock = deps.clock ?? deps.ledger.clock;
    this.newId = deps.newRefundRequestId ?? defaultRefundRequestId(this.clock);
    this.log = deps.log ?? NOOP_LOG;
    this.poll = { ...DEFAULT_POLL_POLICY, ...(deps.pollPolicy ?? {}) };
  }

  // ------------------------------------------------------------ payments

  async lookupPayment(paymentId: string): Promise<Result<PaymentView, 'INVALID_INPUT' | 'PAYMENT_NOT_FOUND' | 'UNAVAILABLE'>> {
    const id = PaymentId.safeParse(paymentId);
    if (!id.success) return err('INVALID_INPUT', 'That does not look like a payment ID.');
    const fetched = await this.fetchPayment(id.data);
    if (!fetched.ok) return fetched;
    return ok(this.paymentView(fetched.value));
  }

  /** A payment looked up within PAYMENT_FRESH_MS, or null. */
  private freshCachedPayment(paymentId: string): Result<PaymentRecord, never> | null {
    const cached = this.ledger.payments.get(paymentId);
    if (cached === null) return null;
    const age = this.clock().getTime() - Date.parse(cached.fetchedAt);
    return age >= 0 && age < PAYMENT_FRESH_MS ? ok(cached) : null;
  }

  private async fetchPayment(paymentId: string): Promise<Result<PaymentRecord, 'PAYMENT_NOT_FOUND' | 'UNAVAILABLE'>> {
    let res: Awaited<ReturnType<AntomGatewayPort['inquirePayment']>>;
    try {
      res = await this.antom.inquirePayment(paymentId);
    } catch (e) {
      this.log.warn({ paymentId, err: String(e) }, 'inquirePayment threw');
      res = err('UNAVAILABLE', 'Antom could not be reached.');
    }
    if (res.ok) {
      const p = res.value;
      const amount = MoneySchema.safeParse(p.amount);
      if (!amount.success || p.paymentId !== paymentId) return err('UNAVAILABLE', 'Antom answered with an unexpected payment.');
      return ok(
        this.ledger.payments.upsert({
          paymentId,
          amount: amount.data,
          paymentMethod: p.paymentMethod,
          paidAt: p.paidAt,
          status: p.status,
          supportsPartialRefund: p.supportsPartialRefund,
        }),
      );
    }
    // Offline: the cached payment is still good for the balance check (the amount never changes).
    const cached = this.ledger.payments.get(paymentId);
    if (res.error.code === 'UNAVAILABLE' && cached !== null) return ok(cached);
    return res.error.code === 'PAYMENT_NOT_FOUND'
      ? err('PAYMENT_NOT_FOUND', 'No payment with this ID was found.')
      : err('UNAVAILABLE', 'Antom could not be reached. Check the network and try again.');
  }

  /** Payments looked up recently on this terminal, with their refundable balance (no Antom call). */
  listRecentPayments(limit = 20): PaymentView[] {
    return this.ledger.payments.recent(limit).map((p) => this.paymentView(p));
  }

  /**
   * Finds payments among those this install has seen (Antom offers no search by
   * amount or time): by amount, time range, method and the last digits of the ID.
   */
  searchPayments(q: PaymentQuery): { payments: PaymentView[]; methods: string[]; currencies: string[]; seen: number } {
    const facets = this.ledger.payments.facets();
    return { payments: this.ledger.payments.search(q).map((p) => this.paymentView(p)), ...facets };
  }

  private paymentView(p: PaymentRecord): PaymentView {
    const refundable = this.ledger.refundableBalance(p.paymentId) ?? p.amount;
    return {
      paymentId: p.paymentId,
      amount: p.amount,
      paymentMethod: p.paymentMethod,
      paidAt: p.paidAt,
      status: p.status,
      refundable,
      supportsPartialRefund: p.supportsPartialRefund,
    };
  }

  // ------------------------------------------------------------ submit

  /** Idempotent per intentId: a repeat (even concurrent, even from another process) returns the same refund. */
  submit(input: SubmitInput): Promise<Result<RefundView, RefundErrorCode>> {
    const parsed = SubmitSchema.safeParse(input);
    if (!parsed.success) return Promise.resolve(err('INVALID_INPUT', parsed.error.issues[0]?.message ?? 'invalid refund request'));
    const key = parsed.data.intentId;
    const running = this.submitting.get(key);
    if (running !== undefined) return running;
    const p = this.doSubmit(parsed.data).finally(() => this.submitting.delete(key));
    this.submitting.set(key, p);
    return p;
  }

  private async doSubmit(input: z.infer<typeof SubmitSchema>): Promise<Result<RefundView, RefundErrorCode>> {
    const existing = this.ledger.refunds.getByIntent(input.intentId);
    if (existing !== null) return ok(this.view(await this.settleExisting(existing)));

    // The cashier's screen looked the payment up moments ago; asking Antom again
    // on confirm costs a signed round trip for nothing (Antom still judges the refund).
    // Resolved before anything is journaled: a retired or unknown reason is refused, not dropped.
    const reason = input.reasonCode === undefined ? null : this.ledger.settings.activeReason(input.reasonCode);
    if (input.reasonCode !== undefined && reason === null) return err('INVALID_INPUT', 'That refund reason is no longer offered. Choose another one.');
    const payment = this.freshCachedPayment(input.paymentId) ?? (await this.fetchPayment(input.paymentId));
    if (!payment.ok) return payment;
    const p = payment.value;
    // Another process may have journaled this very intent while we were asking Antom.
    const raced = this.ledger.refunds.getByIntent(input.intentId);
    if (raced !== null) return ok(this.view(await this.settleExisting(raced)));
    if (NOT_REFUNDABLE_PAYMENT_STATUSES.has(p.status.toUpperCase())) {
      return err('INVALID_INPUT', `This payment is ${p.status}; only completed payments can be refunded.`);
    }
    if (input.mode === 'PARTIAL' && p.supportsPartialRefund === false) {
      return err('INVALID_INPUT', 'This payment method does not allow partial refunds. Refund the full amount instead.');
    }
    if (input.amount !== undefined && input.amount.currency !== p.amount.currency) {
      return err('INVALID_INPUT', `The payment is in ${p.amount.currency}, not ${input.amount.currency}.`);
    }
    const inFlight = this.ledger.refunds.inFlightFor(p.paymentId);
    if (inFlight !== null) {
      return err('REFUND_IN_FLIGHT', 'Another refund for this payment is still in progress. Finish or resolve it first.', {
        refundRequestId: inFlight.refund_request_id,
      });
    }
    const refundable = this.ledger.refundableBalance(p.paymentId) ?? p.amount;
    let amount: Money;
    if (input.mode === 'FULL') {
      // A FULL refund (no amount sent to Antom) only makes sense while nothing was refunded yet.
      if (refundable.value !== p.amount.value) {
        return err('AMOUNT_EXCEEDS_REFUNDABLE', 'Part of this payment was already refunded. Refund the rest as a partial refund.', {
          refundable,
        });
      }
      amount = p.amount;
    } else {
      amount = input.amount ?? p.amount;
    }
    if (amount.value <= 0 || amount.value > refundable.value) {
      return err('AMOUNT_EXCEEDS_REFUNDABLE', 'The amount is more than what is left to refund on this payment.', { refundable });
    }

    const now = this.clock();
    const reasons = evaluatePolicy(this.ledger.getPolicy(), {
      amount,
      mode: input.mode,
      paidAt: p.paidAt,
      now,
      cashierTotalToday: this.ledger.refunds.cashierTotalOn(input.cashier, amount.currency, localDate(now, this.ledger.timeZone)),
    });
    const needsApproval = reasons.length > 0;
    const inserted = this.ledger.refunds.insert(
      {
        refundRequestId: this.newId(),
        intentId: input.intentId,
        paymentId: p.paymentId,
        mode: input.mode,
        amount,
        memo: input.memo ?? null,
        reason,
        state: needsApproval ? 'AWAITING_APPROVAL' : 'APPROVED',
        cashier: input.cashier,
        message: needsApproval ? MSG.awaitingApproval : MSG.approved,
        nextAction: 'WAIT',
        approvalReasons: reasons,
      },
      input.cashier,
    );
    if (!inserted.ok) {
      switch (inserted.error.code) {
        case 'DUPLICATE_INTENT': {
          // Another process journaled this intent between our check and our insert.
          const dup = this.ledger.refunds.getByIntent(input.intentId);
          if (dup === null) return err('UNAVAILABLE', 'The refund journal changed unexpectedly. Try again.');
          return ok(this.view(await this.settleExisting(dup)));
        }
        case 'REFUND_IN_FLIGHT':
          return err('REFUND_IN_FLIGHT', inserted.error.message, inserted.error.details);
        case 'AMOUNT_EXCEEDS_REFUNDABLE':
          return err('AMOUNT_EXCEEDS_REFUNDABLE', inserted.error.message, inserted.error.details);
        case 'PAYMENT_NOT_FOUND':
          return err('PAYMENT_NOT_FOUND', inserted.error.message);
        default:
          return err('INVALID_INPUT', inserted.error.message);
      }
    }
    const row = inserted.value;
    this.journaled(row);
    this.log.info({ refundRequestId: row.refund_request_id, intentId: row.intent_id, state: row.state }, 'refund intent journaled');
    if (needsApproval) return ok(this.view(row));
    return ok(this.view(await this.drive(row.refund_request_id, false)));
  }

  /** A repeated submit: drive it if nobody is (APPROVED), otherwise wait for whoever is. */
  private async settleExisting(row: RefundRow): Promise<RefundRow> {
    const inProcess = this.driving.get(row.refund_request_id);
    if (inProcess !== undefined) return (await inProcess).row;
    if (row.state === 'APPROVED') return this.drive(row.refund_request_id, false);
    return this.waitUntilSettled(row.refund_request_id);
  }

  // ------------------------------------------------------------ approvals

  approve(input: ManagerDecisionInput): Promise<Result<RefundView, RefundErrorCode>> {
    return this.decide(input, 'APPROVED');
  }

  decline(input: ManagerDecisionInput): Promise<Result<RefundView, RefundErrorCode>> {
    return this.decide(input, 'DECLINED');
  }

  private async decide(input: ManagerDecisionInput, decision: 'APPROVED' | 'DECLINED'): Promise<Result<RefundView, RefundErrorCode>> {
    const parsed = DecisionSchema.safeParse(input);
    if (!parsed.success) return err('INVALID_INPUT', 'A refund, a manager, a PIN and a reason are needed.');
    const { refundRequestId, manager, pin, reason } = parsed.data;
    const row = this.ledger.refunds.get(refundRequestId);
    if (row === null) return err('NOT_FOUND', 'No such refund.');
    if (row.state !== 'AWAITING_APPROVAL') return err('NOT_AWAITING_APPROVAL', 'This refund is not waiting for approval.');
    const who = await this.ledger.verifyPin(manager, pin);
    if (!who.ok) {
      if (who.error.code === 'USER_LOCKED') return err('USER_LOCKED', who.error.message);
      return err('PIN_INVALID', who.error.message);
    }
    if (who.value.role !== 'manager') return err('NOT_A_MANAGER', 'Only a manager can approve or decline refunds.');

    const moved = this.ledger.transaction(() => {
      const t = this.ledger.refunds.transition(refundRequestId, 'AWAITING_APPROVAL', decision, {
        actor: who.value.name,
        detail: { reason },
        patch: decision === 'APPROVED' ? { message: MSG.approved, nextAction: 'WAIT' } : { message: MSG.declined(reason), nextAction: 'NONE' },
      });
      if (t.ok) this.ledger.refunds.recordApproval({ refundRequestId, manager: who.value.name, decision, reason });
      return t;
    });
    if (!moved.ok) return err('NOT_AWAITING_APPROVAL', 'This refund is no longer waiting for approval.');
    this.journaled(moved.value);
    if (decision === 'DECLINED') return ok(this.view(moved.value));
    return ok(this.view(await this.drive(refundRequestId, false)));
  }

  // ------------------------------------------------------------ queries

  get(refundRequestId: string): Result<RefundView, 'NOT_FOUND'> {
    const row = this.ledger.refunds.get(refundRequestId);
    return row === null ? err('NOT_FOUND', 'No such refund.') : ok(this.view(row));
  }

  list(filter: { date?: string; states?: RefundState[]; paymentId?: string } = {}): RefundView[] {
    return this.ledger.refunds.list(filter).map((r) => this.view(r));
  }

  /** The approval policy, and editing it (a manager, with their PIN). */
  getPolicy(): Policy {
    return this.ledger.getPolicy();
  }

  async setPolicy(input: { manager: string; pin: string; policy: unknown }): Promise<Result<Policy, 'INVALID_INPUT' | 'PIN_INVALID' | 'USER_LOCKED' | 'NOT_A_MANAGER'>> {
    const who = await this.ledger.verifyPin(input.manager, input.pin);
    if (!who.ok) return who.error.code === 'USER_LOCKED' ? err('USER_LOCKED', who.error.message) : err('PIN_INVALID', who.error.message);
    if (who.value.role !== 'manager') return err('NOT_A_MANAGER', 'Only a manager can change the approval policy.');
    return this.ledger.setPolicy(input.policy, who.value.name);
  }

  // ------------------------------------------------------------ retry as new

  /**
   * A person's decision to try again after a FINAL failure that Antom says
   * needs a new refundRequestId. The old refund stays FAILED; a new one is
   * journaled in the same lineage and runs (or awaits approval).
   */
  async retryAsNew(input: { refundRequestId: string; actor: string }): Promise<Result<RefundView, RefundErrorCode>> {
    const actor = input.actor.trim();
    if (actor === '' || actor === SYSTEM) return err('INVALID_INPUT', 'A person must ask for a retry.');
    const old = this.ledger.refunds.get(input.refundRequestId);
    if (old === null) return err('NOT_FOUND', 'No such refund.');
    if (old.state !== 'FAILED' || old.next_action !== 'NEW_REQUEST_ID') {
      return err('NOT_RETRYABLE', 'This refund cannot be retried as a new request.');
    }
    const root = old.root_intent_id ?? old.intent_id;
    const latest = this.ledger.refunds.latestInLineage(root);
    if (latest !== null && latest.refund_request_id !== old.refund_request_id) {
      return err('NOT_RETRYABLE', 'This refund was already retried.', { refundRequestId: latest.refund_request_id });
    }
    const payment = this.ledger.payments.get(old.payment_id);
    if (payment === null) return err('PAYMENT_NOT_FOUND', 'The payment is no longer known to this terminal.');
    const amount: Money = { value: old.amount_value, currency: old.currency };
    const now = this.clock();
    const reasons = evaluatePolicy(this.ledger.getPolicy(), {
      amount,
      mode: old.mode,
      paidAt: payment.paidAt,
      now,
      cashierTotalToday: this.ledger.refunds.cashierTotalOn(actor, amount.currency, localDate(now, this.ledger.timeZone)),
    });
    const needsApproval = reasons.length > 0;
    const intentId = `${root}.r${this.ledger.refunds.lineageSize(root)}`;
    const inserted = this.ledger.transaction(() => {
      const r = this.ledger.refunds.insert(
        {
          refundRequestId: this.newId(),
          intentId,
          rootIntentId: root,
          parentRefundRequestId: old.refund_request_id,
          paymentId: old.payment_id,
          mode: old.mode,
          amount,
          memo: old.memo,
          reason: old.reason_code === null ? null : { code: old.reason_code, text: old.reason_text ?? old.reason_code },
          state: needsApproval ? 'AWAITING_APPROVAL' : 'APPROVED',
          cashier: actor,
          message: needsApproval ? MSG.awaitingApproval : MSG.approved,
          nextAction: 'WAIT',
          approvalReasons: reasons,
        },
        actor,
      );
      if (r.ok) this.ledger.audit.append(actor, 'refund.retry_as_new', { from: old.refund_request_id, to: r.value.refund_request_id });
      return r;
    });
    if (!inserted.ok) {
      if (inserted.error.code === 'REFUND_IN_FLIGHT') return err('REFUND_IN_FLIGHT', inserted.error.message, inserted.error.details);
      if (inserted.error.code === 'AMOUNT_EXCEEDS_REFUNDABLE') return err('AMOUNT_EXCEEDS_REFUNDABLE', inserted.error.message, inserted.error.details);
      return err('NOT_RETRYABLE', inserted.error.message);
    }
    this.journaled(inserted.value);
    if (needsApproval) return ok(this.view(inserted.value));
    return ok(this.view(await this.drive(inserted.value.refund_request_id, false)));
  }

  // ------------------------------------------------------------ recovery

  /** Resumes every non-final refund from its journaled state. Safe to run at every start. */
  async recover(): Promise<RecoverySummary> {
    const started = Date.now();
    const rows = this.ledger.refunds.nonFinal();
    const out: { refundRequestId: string; from: RefundState; to: RefundState; busyElsewhere?: boolean; error?: string }[] = [];
    let resumed = 0;
    let busy = 0;
    let errors = 0;
    let awaiting = 0;
    for (const row of rows) {
      if (row.state === 'AWAITING_APPROVAL') {
        awaiting += 1;
        out.push({ refundRequestId: row.refund_request_id, from: row.state, to: row.state });
        continue;
      }
      try {
        const after = await this.driveWithLease(row.refund_request_id, true);
        if (after.busyElsewhere) {
          busy += 1;
          out.push({ refundRequestId: row.refund_request_id, from: row.state, to: after.row.state, busyElsewhere: true });
          continue;
        }
        resumed += 1;
        out.push({ refundRequestId: row.refund_request_id, from: row.state, to: after.row.state });
      } catch (e) {
        resumed += 1;
        errors += 1;
        this.log.error({ refundRequestId: row.refund_request_id, err: String(e) }, 'recovery step failed');
        out.push({ refundRequestId: row.refund_request_id, from: row.state, to: row.state, error: String(e) });
      }
    }
    const final = out.filter((o) => isFinal(o.to)).length;
    const pending = out.filter((o) => isPending(o.to)).length;
    const summary: RecoverySummary = {
      examined: rows.length,
      resumed,
      awaitingApproval: awaiting,
      final,
      pending,
      stuck: out.length - final - pending - awaiting - busy,
      busyElsewhere: busy,
      errors,
      durationMs: Date.now() - started,
      refunds: out,
    };
    if (rows.length > 0) {
      this.ledger.audit.append(SYSTEM, 'recovery.run', {
        examined: summary.examined,
        final: summary.final,
        pending: summary.pending,
        busyElsewhere: summary.busyElsewhere,
        stuck: summary.stuck,
        errors: summary.errors,
      });
    }
    return summary;
  }

  /** Re-checks pending refunds (and terminal-blocked ones) when their persisted next_check_at is due. */
  startBackgroundResolution(): void {
    if (this.timer !== null) return;
    this.stopped = false;
    this.timer = setInterval(() => {
      if (this.tickRunning !== null || this.stopped) return;
      this.tickRunning = this.tick()
        .catch((e: unknown) => this.log.error({ err: String(e) }, 'background resolution failed'))
        .finally(() => {
          this.tickRunning = null;
        });
    }, this.poll.tickMs);
    this.timer.unref();
  }

  /** One pass of background resolution (exposed for tests and the CLI). */
  async tick(): Promise<void> {
    for (const row of this.ledger.refunds.due(this.clock())) {
      if (this.stopped) return;
      if (!isPending(row.state) && row.state !== 'REFERENCE_REQUESTED') continue;
      await this.drive(row.refund_request_id, true);
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
    await this.tickRunning;
    await Promise.allSettled([...this.driving.values()]);
  }

  // ------------------------------------------------------------ the driver

  /**
   * One driver per refund in this process. `resume` = we found the state in
   * the journal (after a crash / restart / in the background) rather than
   * having just written it ourselves, so an outbound step may already have happened.
   */
  private async drive(refundRequestId: string, resume: boolean): Promise<RefundRow> {
    return (await this.driveWithLease(refundRequestId, resume)).row;
  }

  /**
   * Across processes, a lease in the journal: the app and `refund-terminal
   * recover` never drive the same refund at the same time. If another live
   * engine holds it, a resume leaves it alone and a fresh caller waits for it.
   */
  private driveWithLease(refundRequestId: string, resume: boolean): Promise<DriveResult> {
    const running = this.driving.get(refundRequestId);
    if (running !== undefined) return running;
    const ttl = this.deps.leaseTtlMs ?? 5 * 60_000;
    const p = (async (): Promise<DriveResult> => {
      if (!this.ledger.refunds.claimLease(refundRequestId, this.leaseOwner, ttl, leaseOwnerAlive)) {
        return { row: resume ? this.mustGet(refundRequestId) : await this.waitUntilSettled(refundRequestId), busyElsewhere: true };
      }
      try {
        return { row: await this.advance(refundRequestId, resume), busyElsewhere: false };
      } finally {
        this.ledger.refunds.releaseLease(refundRequestId, this.leaseOwner);
      }
    })().finally(() => this.driving.delete(refundRequestId));
    this.driving.set(refundRequestId, p);
    return p;
  }

  private async advance(refundRequestId: string, resumeAtStart: boolean): Promise<RefundRow> {
    let resume = resumeAtStart;
    // Bounded: the longest path is APPROVED -> REF_REQ -> REF_OBT -> SUBMITTING -> PENDING_UNKNOWN -> SUBMITTING -> final.
    const ttl = this.deps.leaseTtlMs ?? 5 * 60_000;
    // The lease was just claimed for `ttl`; renewing it is a durable commit, so it
    // is only done once half of it is used up rather than at every step.
    let leaseRenewedAt = this.clock().getTime();
    for (let guard = 0; guard < 12; guard += 1) {
      if (this.clock().getTime() - leaseRenewedAt >= ttl / 2) {
        this.ledger.refunds.renewLease(refundRequestId, this.leaseOwner, ttl);
        leaseRenewedAt = this.clock().getTime();
      }
      const row = this.mustGet(refundRequestId);
      switch (row.state) {
        case 'APPROVED': {
          const m = this.move(row, 'REFERENCE_REQUESTED', { message: MSG.referenceRequested, nextAction: 'WAIT', nextCheckAt: null });
          // Lost the compare-and-set: another engine is running it.
          if (m === null) return this.waitUntilSettled(refundRequestId);
          resume = false;
          continue;
        }
        case 'REFERENCE_REQUESTED': {
          // Fresh or resumed, asking again is safe: the terminal gets the same refundRequestId.
          const next = await this.askTerminal(row);
          if (next === null) return this.mustGet(refundRequestId);
          if (next.state !== 'REFERENCE_OBTAINED') return next;
          resume = false;
          continue;
        }
        case 'REFERENCE_OBTAINED': {
          // Nothing has been sent to Antom in this state, so journaling SUBMITTING and sending is safe even on resume.
          const m = this.move(row, 'SUBMITTING', { message: MSG.submitting, nextAction: 'WAIT' });
          if (m === null) return this.waitUntilSettled(refundRequestId);
          resume = false;
          continue;
        }
        case 'SUBMITTING': {
          let outcome: AntomOutcome;
          if (resume) {
            // We may have sent it before the crash: ask first, resend (same id, same body) only if Antom has no record.
            outcome = await this.inquire(row);
            if (isNotFoundOutcome(outcome)) {
              this.log.warn({ refundRequestId }, 'inquiry: not found, resubmitting with the same refundRequestId');
              outcome = await this.sendToAntom(row);
            }
          } else {
            outcome = await this.sendToAntom(row);
          }
          this.deps.afterGatewayReply?.(row, outcome);
          return this.applyOutcome(row, outcome);
        }
        case 'PENDING_IN_PROCESS':
        case 'PENDING_UNKNOWN': {
          if (!resume) return row;
          const outcome = await this.inquire(row);
          if (isNotFoundOutcome(outcome)) {
            // Antom has no refund under this id. For IN_PROCESS that happens when
            // Antom answered "in process" about another refund of the same payment
            // (one at a time per paymentId) and never created ours: waiting would
            // wait for ever. Either way the same id and body are sent again, which
            // Antom treats as the same refund.
            let current: RefundRow | null = row;
            if (current.state === 'PENDING_IN_PROCESS') {
              current = this.move(current, 'PENDING_UNKNOWN', { message: MSG.resubmitting, nextAction: 'WAIT', nextCheckAt: null });
              if (current === null) return this.mustGet(refundRequestId);
            }
            const m = this.move(current, 'SUBMITTING', { message: MSG.resubmitting, nextAction: 'WAIT', nextCheckAt: null });
            if (m === null) return this.mustGet(refundRequestId);
            resume = false;
            continue;
          }
          return this.applyOutcome(row, outcome);
        }
        default:
          // Final, or waiting for a manager.
          return row;
      }
    }
    return this.mustGet(refundRequestId);
  }

  private async askTerminal(row: RefundRow): Promise<RefundRow | null> {
    let res: Awaited<ReturnType<TerminalPort['requestRefundReference']>>;
    try {
      res = await this.terminal.requestRefundReference({
        paymentId: row.payment_id,
        refundRequestId: row.refund_request_id,
        ...(row.mode === 'PARTIAL' ? { refundAmount: { value: row.amount_value, currency: row.currency } } : {}),
      });
    } catch (e) {
      this.log.error({ refundRequestId: row.refund_request_id, err: String(e) }, 'terminal port threw');
      res = err('INTERNAL' as TerminalErrorCode, String(e));
    }
    if (res.ok) {
      return this.move(row, 'REFERENCE_OBTAINED', {
        originalMerchantRefundId: res.value.originalMerchantRefundId,
        message: MSG.referenceObtained,
        nextAction: 'WAIT',
        nextCheckAt: null,
      });
    }
    const code = res.error.code;
    const text = terminalErrorMessage(code);
    if (terminalErrorIsDefinitive(code)) {
      return this.move(row, 'FAILED', { resultCode: `TERMINAL_${code}`, message: text.message, nextAction: text.nextAction, nextCheckAt: null });
    }
    // Stays REFERENCE_REQUESTED, visibly, with a persisted time to ask again.
    const u = this.ledger.refunds.update(row.refund_request_id, row.state, {
      resultCode: `TERMINAL_${code}`,
      message: text.message,
      nextAction: text.nextAction,
      attempts: row.attempts + 1,
      nextCheckAt: this.nextCheck(row.attempts),
    });
    if (!u.ok) return null;
    this.ledger.audit.append(SYSTEM, 'refund.note', { refundRequestId: row.refund_request_id, state: row.state, terminalError: code });
    this.journaled(u.value);
    return u.value;
  }

  private requestBody(row: RefundRow): AntomRefundRequest {
    if (row.original_merchant_refund_id === null) throw new Error(`refund ${row.refund_request_id} has no terminal reference`);
    // Built only from journaled columns, so every resend is byte-for-byte the same request.
    return {
      refundRequestId: row.refund_request_id,
      paymentId: row.payment_id,
      originalMerchantRefundId: row.original_merchant_refund_id,
      ...(row.mode === 'PARTIAL' ? { refundAmount: { value: row.amount_value, currency: row.currency } } : {}),
      ...(row.memo !== null ? { memo: row.memo } : {}),
    };
  }

  private async sendToAntom(row: RefundRow): Promise<AntomOutcome> {
    try {
      return await this.antom.refund(this.requestBody(row));
    } catch (e) {
      this.log.error({ refundRequestId: row.refund_request_id, err: String(e) }, 'gateway refund threw');
      return unknownOutcome('GATEWAY_EXCEPTION', MSG.gatewayThrew);
    }
  }

  private async inquire(row: RefundRow): Promise<AntomOutcome> {
    try {
      return await this.antom.inquireRefund(row.refund_request_id);
    } catch (e) {
      this.log.warn({ refundRequestId: row.refund_request_id, err: String(e) }, 'gateway inquiry threw');
      return unknownOutcome('INQUIRY_EXCEPTION', MSG.inquiryPending);
    }
  }

  private async applyOutcome(row: RefundRow, o: AntomOutcome): Promise<RefundRow> {
    const to: RefundState =
      o.status === 'SUCCESS' ? 'SUCCEEDED' : o.status === 'FAILED' ? 'FAILED' : o.pendingKind === 'IN_PROCESS' ? 'PENDING_IN_PROCESS' : 'PENDING_UNKNOWN';
    const pending = isPending(to);
    const patch: RefundPatch = {
      resultCode: o.resultCode,
      message: o.cashierMessage,
      nextAction: o.nextAction,
      ...(o.refundId !== undefined ? { refundId: o.refundId } : {}),
      ...(pending ? { attempts: row.attempts + 1, nextCheckAt: this.nextCheck(row.attempts) } : { nextCheckAt: null }),
    };
    if (to === row.state) {
      const u = this.ledger.refunds.update(row.refund_request_id, row.state, patch);
      if (!u.ok) return this.mustGet(row.refund_request_id);
      this.journaled(u.value);
      return u.value;
    }
    const moved = this.move(row, to, patch);
    if (moved === null) return this.mustGet(row.refund_request_id);
    if (isFinal(to) || row.state === 'SUBMITTING') return (await this.noticeTerminal(moved, o)) ?? moved;
    return moved;
  }

  /**
   * Best effort: a slip on the terminal. Failure here never changes the refund's
   * state; the terminal's `printed` answer is journaled so the outcome screen and
   * the receipt can say whether the customer already has a slip.
   */
  private async noticeTerminal(row: RefundRow, o: AntomOutcome): Promise<RefundRow | null> {
    const status = row.state === 'SUCCEEDED' ? 'SUCCESS' : row.state === 'FAILED' ? 'FAILED' : 'PROCESSING';
    const notice = this.terminal
      .sendRefundResult({
        refundRequestId: row.refund_request_id,
        ...(row.refund_id !== null ? { refundId: row.refund_id } : {}),
        status,
        resultCode: o.resultCode,
        ...(row.mode === 'PARTIAL' ? { refundAmount: { value: row.amount_value, currency: row.currency } } : {}),
      })
      .catch((e: unknown) => err('INTERNAL', String(e)));
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<null>((resolve) => {
      timer = setTimeout(() => resolve(null), this.deps.resultNoticeTimeoutMs ?? 3_000);
    });
    const res = await Promise.race([notice, timeout]);
    if (timer !== undefined) clearTimeout(timer);
    if (res === null || !res.ok) {
      this.log.warn({ refundRequestId: row.refund_request_id }, 'terminal did not confirm the result slip');
      return null;
    }
    const slipped = this.ledger.refunds.recordSlip(row.refund_request_id, res.value.printed);
    // Not a state boundary (the crash hook is not called): listeners just learn about the slip.
    if (slipped !== null) this.emitUpdated(slipped);
    return slipped;
  }

  /** Journals a transition (CAS). null = someone else moved it first. */
  private move(row: RefundRow, to: RefundState, patch: RefundPatch): RefundRow | null {
    const t = this.ledger.refunds.transition(row.refund_request_id, row.state, to, { actor: SYSTEM, patch });
    if (!t.ok) {
      this.log.warn({ refundRequestId: row.refund_request_id, from: row.state, to, code: t.error.code }, 'transition not applied');
      return null;
    }
    this.journaled(t.value);
    return t.value;
  }

  /** After every journal write: crash hook, then tell listeners. */
  private journaled(row: RefundRow): void {
    this.deps.afterJournal?.(row.state, row);
    this.emitUpdated(row);
  }

  private emitUpdated(row: RefundRow): void {
    try {
      this.emit('updated', this.view(row));
    } catch (e) {
      this.log.error({ err: String(e) }, 'updated listener threw');
    }
  }

  /** Waits (polling the shared file) while another process drives the refund. */
  private async waitUntilSettled(refundRequestId: string): Promise<RefundRow> {
    const deadline = Date.now() + (this.deps.settleWaitMs ?? 30_000);
    for (;;) {
      const row = this.mustGet(refundRequestId);
      const settled =
        isFinal(row.state) || isPending(row.state) || row.state === 'AWAITING_APPROVAL' || (row.state === 'REFERENCE_REQUESTED' && row.next_check_at !== null);
      if (settled || Date.now() >= deadline) return row;
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  private nextCheck(attempts: number): string {
    return new Date(this.clock().getTime() + nextDelayMs(this.poll, attempts)).toISOString();
  }

  private mustGet(refundRequestId: string): RefundRow {
    const row = this.ledger.refunds.get(refundRequestId);
    if (row === null) throw new Error(`refund ${refundRequestId} is missing from the journal`);
    return row;
  }

  private view(row: RefundRow): RefundView {
    return this.ledger.view(row);
  }
}

function unknownOutcome(resultCode: string, message: string): AntomOutcome {
  return {
    status: 'PENDING',
    pendingKind: 'UNKNOWN',
    resultCode,
    resultMessage: message,
    cashierMessage: message,
    nextAction: 'INQUIRE' satisfies NextAction,
    retrySameRequestId: true,
  };
}

/** Antom allows 64 characters; date prefix helps a person find it, the UUID makes it unique. */
export function defaultRefundRequestId(clock: () => Date): () => string {
  return () => `RR${clock().toISOString().slice(0, 10).replace(/-/g, '')}${randomUUID().replace(/-/g, '')}`;
}

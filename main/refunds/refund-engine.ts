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
import { hostname } from 'node:os';
import { toMajorString, type Money } from '../../preload/contract/money';
import { MoneySchema, PaymentId, RefundRequestId, type NextAction, type PaymentView, type RefundState, type RefundView } from '../../preload/contract/refunds';
import { normalizePaymentId } from '../../preload/contract/payment-id';
import { err, ok, type Result } from '../../preload/contract/result';
import type { Ledger } from '../ledger/ledger';
import { localDate } from '../ledger/local-date';
import type { PaymentQuery, PaymentRecord } from '../ledger/payment-cache';
import { evaluatePolicy, type ApprovalReason, type Policy } from '../ledger/policy';
import type { RefundPatch } from '../ledger/refund-store';
import type { RefundRow } from '../ledger/rows';
import { isFinal, isPending } from '../ledger/state-machine';
import { leaseOwnerAlive, newLeaseOwner } from './lease-owner';
import { MSG, terminalErrorIsDefinitive, terminalErrorMessage } from './messages';
import { lowDiskMessage } from '../ledger/disk-space';
import { OutcomeRecorder } from './outcome-recorder';
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
  | 'SELF_APPROVAL'
  | 'BALANCE_CHANGED'
  | 'UNAVAILABLE'
  | 'LOOKUP_MISCONFIGURED'
  | 'TERMINAL_DOWN'
  | 'JOURNAL_LOW_DISK';

export interface SubmitInput {
  readonly intentId: string;
  readonly paymentId: string;
  readonly mode: 'FULL' | 'PARTIAL';
  readonly amount?: Money;
  /** FULL only: the remainder the cashier saw on the button; a different balance now is BALANCE_CHANGED. */
  readonly expectedAmount?: Money;
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
  /**
   * Why the paired terminal is known to be down right now, or null when it is up
   * or not known yet (start-up). A new refund is then refused before anything is
   * journaled (TERMINAL_DOWN); refunds already journaled are not affected.
   */
  readonly terminalDownReason?: () => string | null;
  /** Holds Antom answers the journal could not record (outcome-recorder.ts). Default: one with no alarm sink. */
  readonly outcomeRecorder?: OutcomeRecorder;
  /** How long `stop()` keeps trying to write held answers before giving up (bounded; default 2 s). */
  readonly outcomeFlushMs?: number;
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
export const REFUND_NOT_FOUND_CODES: ReadonlySet<string> = new Set([
  'REFUND_NOT_FOUND',
  'REFUND_NOT_EXIST',
  'ORDER_NOT_EXIST',
  'DPOS_PAYMENT_ORDER_NOT_EXIST',
  'NOT_FOUND',
]);

/** resultCode of a refund stopped because the terminal replayed another refund's reference. */
export const REFERENCE_REUSED_CODE = 'TERMINAL_REFERENCE_REUSED';

export function isNotFoundOutcome(o: AntomOutcome): boolean {
  return o.status !== 'SUCCESS' && REFUND_NOT_FOUND_CODES.has(o.resultCode);
}

const SubmitSchema = z
  .object({
    intentId: z
      .string()
      .min(1)
      .max(128)
      .regex(/^[A-Za-z0-9._:-]+$/),
    paymentId: PaymentId,
    mode: z.enum(['FULL', 'PARTIAL']),
    amount: MoneySchema.optional(),
    expectedAmount: MoneySchema.optional(),
    memo: z.string().max(256).optional(),
    reasonCode: z
      .string()
      .regex(/^[A-Z0-9_]{1,32}$/)
      .optional(),
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
  /** Antom answers the journal could not record yet (an alarm while non-empty). */
  readonly outcomes: OutcomeRecorder;

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
    this.outcomes = deps.outcomeRecorder ?? new OutcomeRecorder({ log: this.log });
  }

  // ------------------------------------------------------------ payments

  async lookupPayment(paymentId: string): Promise<Result<PaymentView, 'INVALID_INPUT' | 'PAYMENT_NOT_FOUND' | 'UNAVAILABLE' | 'LOOKUP_MISCONFIGURED'>> {
    // Spaces, letter case, scanner prefixes: read the ID as the scan field does.
    const normalized = normalizePaymentId(paymentId);
    const id = PaymentId.safeParse(normalized.ok ? normalized.paymentId : paymentId);
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

  private async fetchPayment(paymentId: string): Promise<Result<PaymentRecord, 'PAYMENT_NOT_FOUND' | 'UNAVAILABLE' | 'LOOKUP_MISCONFIGURED'>> {
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
          antomRefunds: p.antomRefunds ?? null,
        }),
      );
    }
    // A lookup Antom refuses for its parameters is a set-up fault: say so, never "cannot be reached".
    if (res.error.code === 'LOOKUP_MISCONFIGURED') return err('LOOKUP_MISCONFIGURED', res.error.message);
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
    const balance = this.ledger.balance(p.paymentId);
    const currency = p.amount.currency;
    const money = (value: number): Money => ({ value, currency });
    const rows = this.ledger.refunds.list({ paymentId: p.paymentId });
    const here = rows.map((r) => ({
      refundRequestId: r.refund_request_id,
      at: r.created_at,
      who: r.cashier,
      where: 'THIS_TERMINAL' as const,
      amount: money(r.amount_value),
      status: this.ledger.view(r).status,
    }));
    const elsewhere = (balance?.elsewhere ?? []).map((a) => ({
      refundRequestId: a.refundRequestId,
      at: a.at,
      who: null,
      where: 'ELSEWHERE' as const,
      amount: money(a.value),
      status: a.status,
    }));
    const history = [...here, ...elsewhere].sort((a, b) => (b.at ?? '').localeCompare(a.at ?? ''));
    const cap = this.ledger.capabilities.get(p.paymentMethod);
    const paid = Date.parse(p.paidAt);
    const windowEnds = cap.windowDays !== null && !Number.isNaN(paid) ? new Date(paid + cap.windowDays * 86_400_000) : null;
    const expired = p.refundClosedCode !== null || (windowEnds !== null && windowEnds.getTime() < this.clock().getTime());
    const partialRefused = cap.partialSupported === false ? false : null;
    const flying = rows.find((r) => !isFinal(r.state));
    return {
      paymentId: p.paymentId,
      amount: p.amount,
      paymentMethod: p.paymentMethod,
      paidAt: p.paidAt,
      status: p.status,
      refundable: balance?.refundable ?? p.amount,
      // The payment's own answer first, then what Antom taught us about the method.
      supportsPartialRefund: p.supportsPartialRefund ?? partialRefused,
      balanceSource: balance?.source ?? 'THIS_TERMINAL',
      refundedHere: money(balance?.localCommitted ?? 0),
      refundedAtAntom: balance?.antomRefunded === null || balance === null ? null : money(balance.antomRefunded),
      refusedAt: balance?.refusedAt === null || balance === null ? null : money(balance.refusedAt),
      history,
      refundWindowDays: cap.windowDays,
      refundWindowEndsAt: windowEnds === null ? null : windowEnds.toISOString(),
      refundWindowExpired: expired,
      refundClosedCode: p.refundClosedCode,
      syncRefund: cap.sync,
      inFlight:
        flying === undefined
          ? null
          : {
              refundRequestId: flying.refund_request_id,
              cashier: flying.cashier,
              state: flying.state,
              startedAt: flying.created_at,
              amount: money(flying.amount_value),
              where: flying.lease_owner?.split(':')[0] ?? hostname(),
            },
      lookedUpAt: p.fetchedAt,
    };
  }

  private inFlightSentence(row: RefundRow): string {
    const where = row.lease_owner?.split(':')[0] ?? hostname();
    return `${row.cashier} is refunding ${toMajorString({ value: row.amount_value, currency: row.currency })} ${row.currency} of this payment right now (started ${row.created_at}, on ${where}). Wait for it to finish; nothing was refunded twice.`;
  }

  /** The payment as the cashier should now see it (cache + journal, no Antom call). */
  currentPaymentView(paymentId: string): PaymentView | null {
    const p = this.ledger.payments.get(paymentId);
    return p === null ? null : this.paymentView(p);
  }

  /**
   * What Antom's final answer teaches about the payment (admission side of the
   * engine): the amount Antom actually refunded, a balance known to be lower,
   * a method that refuses partial refunds, a window that is over.
   */
  private async learnFromOutcome(row: RefundRow, o: AntomOutcome): Promise<RefundRow> {
    const code = o.resultCode;
    if (row.state === 'SUCCEEDED') {
      let current = row;
      const reported = o.refundAmount;
      if (reported !== undefined && reported !== null && reported.currency === row.currency && reported.value > 0 && reported.value !== row.amount_value) {
        const u = this.ledger.refunds.recordAntomAmount(row.refund_request_id, reported.value, SYSTEM);
        if (u.ok) current = u.value;
      }
      this.ledger.payments.lowerRefusedBound(row.payment_id, current.amount_value);
      return current;
    }
    if (row.state !== 'FAILED') return row;
    const payment = this.ledger.payments.get(row.payment_id);
    if (code === 'DPOS_REFUND_REFUND_AMOUNT_EXCEED') {
      // Antom has less left than we asked for: mark it, ask Antom again, say so.
      this.ledger.payments.markRefusedAt(row.payment_id, row.amount_value);
      const fresh = await this.fetchPayment(row.payment_id);
      const left = this.ledger.refundableBalance(row.payment_id);
      const asked = `${toMajorString({ value: row.amount_value, currency: row.currency })} ${row.currency}`;
      const now = left === null ? '' : ` Looked up again: ${toMajorString(left)} ${left.currency} can still be refunded.`;
      const message = `Antom has less left on this payment than ${asked}: part of it was refunded elsewhere (another counter or the Antom Dashboard). No money was refunded.${fresh.ok ? now : ' Antom could not be asked again just now; look the payment up again.'}`;
      return this.patchFinal(row, { message });
    }
    if (code === 'DPOS_REFUND_PARTIAL_REFUND_NOT_SUPPORTED' && payment !== null) {
      this.ledger.payments.markPartialRefused(row.payment_id);
      this.ledger.capabilities.learnPartialRefused(payment.paymentMethod, code);
      return row;
    }
    if (code === 'DPOS_REFUND_REFUND_WINDOW_EXCEED' && payment !== null) {
      this.ledger.payments.markClosed(row.payment_id, code);
      const age = (this.clock().getTime() - Date.parse(payment.paidAt)) / 86_400_000;
      if (Number.isFinite(age)) this.ledger.capabilities.learnWindowExceeded(payment.paymentMethod, age, code);
      return row;
    }
    return row;
  }

  private patchFinal(row: RefundRow, patch: RefundPatch): RefundRow {
    const u = this.ledger.refunds.update(row.refund_request_id, row.state, patch);
    if (!u.ok) return row;
    this.journaled(u.value);
    return u.value;
  }

  /**
   * Would this refund need a manager, and why? The same rules submit applies,
   * asked before the button so the review screen can say so (refunds:evaluate).
   */
  async evaluate(input: {
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
    const id = PaymentId.safeParse(input.paymentId);
    if (!id.success) return err('INVALID_INPUT', 'That does not look like a payment ID.');
    const payment = this.freshCachedPayment(id.data) ?? (await this.fetchPayment(id.data));
    if (!payment.ok) return payment;
    const p = payment.value;
    const refundable = this.ledger.refundableBalance(p.paymentId) ?? p.amount;
    const amount = input.mode === 'FULL' ? refundable : input.amount;
    if (amount === undefined || amount.currency !== p.amount.currency) return err('INVALID_INPUT', 'A partial refund needs an amount in the payment currency.');
    if (amount.value <= 0 || amount.value > refundable.value)
      return err('AMOUNT_EXCEEDS_REFUNDABLE', 'The amount is more than what is left to refund on this payment.', { refundable });
    const reasons = this.approvalReasons(p, amount, input.mode, input.cashier);
    return ok({ needsApproval: reasons.length > 0, reasons, amount, refundable, selfApprovalAllowed: this.ledger.getPolicy().allowSelfApproval });
  }

  private approvalReasons(p: PaymentRecord, amount: Money, mode: 'FULL' | 'PARTIAL', cashier: string): ApprovalReason[] {
    const now = this.clock();
    const refundable = this.ledger.refundableBalance(p.paymentId) ?? p.amount;
    return evaluatePolicy(this.ledger.getPolicy(), {
      amount,
      mode,
      paidAt: p.paidAt,
      now,
      cashierTotalToday: this.ledger.refunds.cashierTotalOn(cashier, amount.currency, localDate(now, this.ledger.timeZone)),
      // Refunded here and elsewhere before this one: splitting a refund does not escape the limit.
      paymentRefundedBefore: Math.max(0, p.amount.value - refundable.value),
    });
  }

  // ------------------------------------------------------------ submit

  /** Idempotent per intentId: a repeat (even concurrent, even from another process) returns the same refund. */
  submit(input: SubmitInput): Promise<Result<RefundView, RefundErrorCode>> {
    const normalized = typeof input?.paymentId === 'string' ? normalizePaymentId(input.paymentId) : null;
    const parsed = SubmitSchema.safeParse(normalized?.ok ? { ...input, paymentId: normalized.paymentId } : input);
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
    const down = this.deps.terminalDownReason?.() ?? null;
    if (down !== null) return err('TERMINAL_DOWN', `${MSG.terminalDown} (${down})`);
    // A new refund only while the journal has room to record every step of it (disk-space.ts).
    const space = this.ledger.space();
    if (space.low) return err('JOURNAL_LOW_DISK', lowDiskMessage(space), { freeBytes: space.freeBytes, floorBytes: space.floorBytes });

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
    // The payment's own answer first, then what Antom taught us about the method (capabilities table).
    const cap = this.ledger.capabilities.get(p.paymentMethod);
    if (input.mode === 'PARTIAL' && (p.supportsPartialRefund ?? cap.partialSupported) === false) {
      return err('INVALID_INPUT', 'This payment method does not allow partial refunds. Refund the full amount instead.');
    }
    if (p.refundClosedCode !== null) {
      // Antom already said no for this payment (e.g. the refund window is over): asking again cannot change it.
      return err('INVALID_INPUT', 'Antom no longer accepts refunds for this payment: its refund period is over. Refund the customer another way.', {
        resultCode: p.refundClosedCode,
      });
    }
    if (input.amount !== undefined && input.amount.currency !== p.amount.currency) {
      return err('INVALID_INPUT', `The payment is in ${p.amount.currency}, not ${input.amount.currency}.`);
    }
    const inFlight = this.ledger.refunds.inFlightFor(p.paymentId);
    if (inFlight !== null) {
      // The losing side of a race gets the truth: who is refunding it, where, and the payment as it is now.
      return err('REFUND_IN_FLIGHT', this.inFlightSentence(inFlight), { refundRequestId: inFlight.refund_request_id, payment: this.paymentView(p) });
    }
    const refundable = this.ledger.refundableBalance(p.paymentId) ?? p.amount;
    let amount: Money;
    // FULL = "refund the rest". With nothing refunded anywhere the amount is
    // omitted on the wire (Antom's documented full refund, also accepted by
    // full-only methods); after any refund, here or elsewhere, the remainder is
    // sent explicitly (docs/antom-client.md says why).
    let sendAmount = input.mode === 'PARTIAL';
    if (input.mode === 'FULL') {
      amount = refundable;
      sendAmount = refundable.value !== p.amount.value;
      // The cashier confirmed a figure; if someone refunded part of it meanwhile, say so instead of refunding a different amount.
      if (input.expectedAmount !== undefined && (input.expectedAmount.value !== refundable.value || input.expectedAmount.currency !== refundable.currency)) {
        return err(
          'BALANCE_CHANGED',
          `What is left to refund changed while this screen was open: now ${toMajorString(refundable)} ${refundable.currency}. Nothing was refunded; check the amount and confirm again.`,
          { refundable, payment: this.paymentView(p) },
        );
      }
    } else {
      amount = input.amount ?? p.amount;
    }
    if (amount.value <= 0 || amount.value > refundable.value) {
      const left = `${toMajorString(refundable)} ${refundable.currency}`;
      return err(
        'AMOUNT_EXCEEDS_REFUNDABLE',
        refundable.value === 0 ? 'Nothing is left to refund on this payment.' : `The amount is more than what is left to refund on this payment (${left}).`,
        { refundable, payment: this.paymentView(p) },
      );
    }

    const reasons = this.approvalReasons(p, amount, input.mode, input.cashier);
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
        sendAmount,
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
        case 'REFUND_IN_FLIGHT': {
          // Lost the race inside the write lock: same answer as the check above.
          const other = this.ledger.refunds.inFlightFor(p.paymentId);
          const view = this.currentPaymentView(p.paymentId);
          return err('REFUND_IN_FLIGHT', other === null ? inserted.error.message : this.inFlightSentence(other), {
            ...inserted.error.details,
            ...(view ? { payment: view } : {}),
          });
        }
        case 'AMOUNT_EXCEEDS_REFUNDABLE': {
          const view = this.currentPaymentView(p.paymentId);
          return err(
            'BALANCE_CHANGED',
            'What is left to refund changed while this screen was open. Nothing was refunded; check the amount and confirm again.',
            {
              ...inserted.error.details,
              ...(view ? { payment: view } : {}),
            },
          );
        }
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
    // A re-run of the same intent (the CLI's --intent after an unclear exit) picks up
    // a refund nobody is driving and resolves it by inquiry, never by a new request.
    if (!isFinal(row.state) && row.state !== 'AWAITING_APPROVAL') {
      const r = await this.driveWithLease(row.refund_request_id, true);
      if (!r.busyElsewhere) return r.row;
    }
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
    // A CLI refund without --cashier is booked to `cli:<OS user>`: the same person as that user name.
    const asker = row.cashier.startsWith('cli:') ? row.cashier.slice(4) : row.cashier;
    const selfDecision = who.value.name === asker;
    if (selfDecision && decision === 'APPROVED' && !this.ledger.getPolicy().allowSelfApproval) {
      return err('SELF_APPROVAL', 'Another manager must approve this refund: the person who asked for it cannot approve it too.');
    }

    const moved = this.ledger.transaction(() => {
      const t = this.ledger.refunds.transition(refundRequestId, 'AWAITING_APPROVAL', decision, {
        actor: who.value.name,
        detail: { reason },
        patch: decision === 'APPROVED' ? { message: MSG.approved, nextAction: 'WAIT' } : { message: MSG.declined(reason), nextAction: 'NONE' },
      });
      if (t.ok) this.ledger.refunds.recordApproval({ refundRequestId, manager: who.value.name, decision, reason });
      // The policy allowed it; it is still worth a line of its own in the audit trail.
      if (t.ok && selfDecision && decision === 'APPROVED') this.ledger.audit.append(who.value.name, 'refund.self_approved', { refundRequestId, reason });
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

  async setPolicy(input: {
    manager: string;
    pin: string;
    policy: unknown;
  }): Promise<Result<Policy, 'INVALID_INPUT' | 'PIN_INVALID' | 'USER_LOCKED' | 'NOT_A_MANAGER'>> {
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
    const down = this.deps.terminalDownReason?.() ?? null;
    if (down !== null) return err('TERMINAL_DOWN', `${MSG.terminalDown} (${down})`);
    const space = this.ledger.space();
    if (space.low) return err('JOURNAL_LOW_DISK', lowDiskMessage(space), { freeBytes: space.freeBytes, floorBytes: space.floorBytes });
    const amount: Money = { value: old.amount_value, currency: old.currency };
    const reasons = this.approvalReasons(payment, amount, old.mode, actor);
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
          sendAmount: old.send_amount === 1,
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
      const role = recoveryRole(row.state);
      if (role !== 'drive') {
        if (role === 'manager') awaiting += 1;
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
      try {
        this.ledger.audit.append(SYSTEM, 'recovery.run', {
          examined: summary.examined,
          final: summary.final,
          pending: summary.pending,
          busyElsewhere: summary.busyElsewhere,
          stuck: summary.stuck,
          errors: summary.errors,
        });
      } catch (e) {
        // A full disk fails this note too; the summary (and any held answer) must still reach the caller.
        this.log.error({ err: String(e) }, 'could not audit the recovery run');
      }
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

  /**
   * One pass of background resolution (exposed for tests and the CLI). Takes
   * every unfinished refund nobody is driving: those whose persisted check is
   * due, and those a driver left without one (a crashed app's SUBMITTING,
   * APPROVED or REFERENCE_OBTAINED row, its lease expired or its owner dead).
   */
  async tick(): Promise<void> {
    const now = this.clock();
    for (const row of this.ledger.refunds.nonFinal()) {
      if (this.stopped) return;
      if (!this.backgroundShouldDrive(row, now)) continue;
      const after = await this.driveWithLease(row.refund_request_id, true);
      this.noteOrphanResult(after.row, now);
    }
  }

  /** Orphans that stayed unsettled after a drive (e.g. a step threw): not retried more often than the poll backoff. */
  private readonly orphanRetry = new Map<string, { at: number; attempts: number }>();

  private noteOrphanResult(row: RefundRow, now: Date): void {
    if (isFinal(row.state) || row.next_check_at !== null || row.state === 'AWAITING_APPROVAL') {
      this.orphanRetry.delete(row.refund_request_id);
      return;
    }
    const prev = this.orphanRetry.get(row.refund_request_id);
    const attempts = (prev?.attempts ?? -1) + 1;
    this.orphanRetry.set(row.refund_request_id, { at: now.getTime() + nextDelayMs(this.poll, attempts), attempts });
  }

  private backgroundShouldDrive(row: RefundRow, now: Date): boolean {
    if (this.driving.has(row.refund_request_id)) return false;
    const retry = this.orphanRetry.get(row.refund_request_id);
    if (retry !== undefined && retry.at > now.getTime()) return false;
    const due = row.next_check_at !== null && Date.parse(row.next_check_at) <= now.getTime();
    switch (recoveryRole(row.state)) {
      case 'manager':
      case 'final':
        return false;
      case 'drive':
        // A live driver never leaves these states without a next check, so one
        // with no check scheduled is driven once its lease is free (claimLease decides).
        return due || (row.next_check_at === null && this.leaseLooksFree(row, now));
    }
  }

  /** Cheap pre-check before claimLease (which decides again inside the write lock). */
  private leaseLooksFree(row: RefundRow, now: Date): boolean {
    if (row.lease_owner === null || row.lease_until === null) return true;
    if (Date.parse(row.lease_until) <= now.getTime()) return true;
    return !leaseOwnerAlive(row.lease_owner);
  }

  /**
   * The paired terminal is authenticated again (event from the link): every
   * refund waiting on it (APPROVED, REFERENCE_REQUESTED) continues now, not
   * when its backoff timer says. One still being wound down by its driver here
   * (its request just failed with the link) is picked up once that driver is done.
   */
  async resumeWaitingOnTerminal(): Promise<void> {
    if (this.stopped) return;
    const now = this.clock();
    const runs: Promise<unknown>[] = [];
    for (const row of this.ledger.refunds.nonFinal()) {
      if (!waitsOnTerminal(row.state)) continue;
      const id = row.refund_request_id;
      const running = this.driving.get(id);
      const again = (): Promise<unknown> => {
        const cur = this.ledger.refunds.get(id);
        if (this.stopped || cur === null || !waitsOnTerminal(cur.state) || this.driving.has(id)) return Promise.resolve();
        return this.driveWithLease(id, true);
      };
      if (running !== undefined) runs.push(running.then(again));
      else if (this.leaseLooksFree(row, now)) runs.push(again());
    }
    const results = await Promise.allSettled(runs);
    for (const r of results) if (r.status === 'rejected') this.log.error({ err: String(r.reason) }, 'resume after terminal reconnect failed');
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
    await this.tickRunning;
    await Promise.allSettled([...this.driving.values()]);
    // Bounded: a last try at answers the journal could not record, then no more timers.
    await this.outcomes.flush(this.deps.outcomeFlushMs ?? 2_000);
    this.outcomes.stop();
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
        try {
          this.ledger.refunds.releaseLease(refundRequestId, this.leaseOwner);
        } catch (e) {
          // A full disk fails this write too. The lease expires by itself (leaseTtlMs) and a
          // dead owner's lease is taken over; throwing here would hide the refund's real outcome.
          this.log.error({ refundRequestId, err: String(e) }, 'could not release the drive lease; it expires by itself');
        }
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
          return this.recordOutcome(row, outcome);
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
          return this.recordOutcome(row, outcome);
        }
        case 'AWAITING_APPROVAL':
        case 'DECLINED':
        case 'SUCCEEDED':
        case 'FAILED':
          // Final, or waiting for a manager.
          return row;
        default:
          return assertNever(row.state);
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
        ...(row.send_amount === 1 ? { refundAmount: { value: row.amount_value, currency: row.currency } } : {}),
      });
    } catch (e) {
      this.log.error({ refundRequestId: row.refund_request_id, err: String(e) }, 'terminal port threw');
      res = err('INTERNAL' as TerminalErrorCode, String(e));
    }
    if (res.ok) {
      const reference = res.value.originalMerchantRefundId;
      const t = this.ledger.refunds.transition(row.refund_request_id, row.state, 'REFERENCE_OBTAINED', {
        actor: SYSTEM,
        patch: { originalMerchantRefundId: reference, message: MSG.referenceObtained, nextAction: 'WAIT', nextCheckAt: null },
      });
      if (t.ok) {
        this.journaled(t.value);
        return t.value;
      }
      if (t.error.code === 'REFERENCE_REUSED') return this.refuseReplayedReference(row, reference, t.error.details?.['refundRequestId']);
      this.log.warn({ refundRequestId: row.refund_request_id, code: t.error.code }, 'transition not applied');
      return null;
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

  /**
   * The terminal handed out a reference another refund already holds (a replay:
   * faulty, cloned or reset terminal). Sending it would make Antom see two
   * refunds under one reference, so this one stops here, final, with nothing
   * sent, and the technician is told (audit entry; `doctor` lists these).
   */
  private refuseReplayedReference(row: RefundRow, reference: string, usedBy: unknown): RefundRow | null {
    const holder = typeof usedBy === 'string' ? usedBy : null;
    this.log.error(
      { refundRequestId: row.refund_request_id, originalMerchantRefundId: reference, usedBy: holder },
      'terminal replayed a refund reference; refund stopped, nothing sent',
    );
    const t = this.ledger.transaction(() => {
      const moved = this.ledger.refunds.transition(row.refund_request_id, row.state, 'FAILED', {
        actor: SYSTEM,
        detail: { replayedReference: reference, usedBy: holder },
        patch: { resultCode: REFERENCE_REUSED_CODE, message: MSG.referenceReused, nextAction: 'CALL_SUPPORT', nextCheckAt: null },
      });
      if (moved.ok) {
        this.ledger.audit.append(SYSTEM, 'terminal.reference_reused', {
          refundRequestId: row.refund_request_id,
          originalMerchantRefundId: reference,
          usedBy: holder,
        });
      }
      return moved;
    });
    if (!t.ok) return null;
    this.journaled(t.value);
    return t.value;
  }

  private requestBody(row: RefundRow): AntomRefundRequest {
    if (row.original_merchant_refund_id === null) throw new Error(`refund ${row.refund_request_id} has no terminal reference`);
    // Built only from journaled columns, so every resend is byte-for-byte the same request.
    return {
      refundRequestId: row.refund_request_id,
      paymentId: row.payment_id,
      originalMerchantRefundId: row.original_merchant_refund_id,
      ...(row.send_amount === 1 ? { refundAmount: { value: row.amount_value, currency: row.currency } } : {}),
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
      return await this.antom.inquireRefund(row.refund_request_id, {
        paymentId: row.payment_id,
        ...(row.send_amount === 1 ? { refundAmount: { value: row.amount_value, currency: row.currency } } : {}),
      });
    } catch (e) {
      this.log.warn({ refundRequestId: row.refund_request_id, err: String(e) }, 'gateway inquiry threw');
      return unknownOutcome('INQUIRY_EXCEPTION', MSG.inquiryPending);
    }
  }

  /**
   * Journals Antom's answer. If the write fails (disk full, I/O error), the answer
   * is held in memory and retried (outcome-recorder.ts) and the refund is reported
   * as it stands in the journal, pending, with a message saying why: never FAILED.
   */
  private async recordOutcome(row: RefundRow, o: AntomOutcome): Promise<RefundRow> {
    const id = row.refund_request_id;
    try {
      const written = await this.applyOutcome(row, o);
      this.outcomes.recorded(id);
      return written;
    } catch (e) {
      this.log.error({ refundRequestId: id, state: row.state, resultCode: o.resultCode, err: String(e) }, "Antom's answer could not be journaled");
      this.outcomes.hold({ refundRequestId: id, state: row.state, outcome: o, error: String(e) }, async () => {
        const current = this.ledger.refunds.get(id);
        if (current === null || current.state !== row.state) return 'SUPERSEDED';
        await this.applyOutcome(current, o);
        return 'RECORDED';
      });
      const held: RefundRow = { ...row, message: MSG.outcomeNotRecorded, next_action: 'CALL_SUPPORT' };
      try {
        this.emit('updated', this.view(held));
      } catch (err2) {
        this.log.error({ err: String(err2) }, 'updated listener threw');
      }
      return held;
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
    // A FULL refund asked for no amount: what Antom says it refunded is kept in the journal's transition record.
    const detail = o.refundAmount !== undefined ? { antomRefundAmount: { value: o.refundAmount.value, currency: o.refundAmount.currency } } : undefined;
    let moved = this.move(row, to, patch, detail);
    if (moved === null) return this.mustGet(row.refund_request_id);
    if (isFinal(to)) moved = await this.learnFromOutcome(moved, o);
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
        ...(row.send_amount === 1 ? { refundAmount: { value: row.amount_value, currency: row.currency } } : {}),
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
  private move(row: RefundRow, to: RefundState, patch: RefundPatch, detail?: Record<string, unknown>): RefundRow | null {
    const t = this.ledger.refunds.transition(row.refund_request_id, row.state, to, { actor: SYSTEM, patch, ...(detail ? { detail } : {}) });
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

/**
 * Who moves a refund on from `state`: the engine (recover and the background
 * resolver drive it), a manager, or nobody (final). Exhaustive, so a state
 * added later does not compile until it is placed here.
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

/** States in which a refund is waiting for the terminal (its reference). Exhaustive, like recoveryRole. */
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

function assertNever(x: never): never {
  throw new Error(`unhandled refund state ${String(x)}`);
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

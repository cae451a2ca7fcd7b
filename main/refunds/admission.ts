/**
 * Admission: whether a refund may start and what it needs (validation, the
 * store's policy, the refundable balance), then one journal insert for both a
 * cashier's submit and a person's retry-as-new, before any byte leaves.
 */
import { z } from 'zod';
import { toMajorString, type Money } from '../../preload/contract/money';
import { normalizePaymentId } from '../../preload/contract/payment-id';
import { MoneySchema, PaymentId, type RefundView } from '../../preload/contract/refunds';
import { err, ok, type Result } from '../../preload/contract/result';
import { lowDiskMessage } from '../ledger/disk-space';
import { localDate } from '../ledger/local-date';
import type { PaymentRecord } from '../ledger/payment-cache';
import { evaluatePolicy, type ApprovalReason } from '../ledger/policy';
import type { AuditNote, PolicyFigures, PolicyRecheck } from '../ledger/journal-port';
import type { InsertRefundError, NewRefund } from '../ledger/refund-store';
import { SYSTEM, type EngineCore, type RefundErrorCode, type SubmitInput } from './engine-core';
import { REQUESTING_REFERENCE, type Driver } from './driver';
import { MSG } from './messages';
import { isCommitOutcomeUnknown, isStoreUnreachable } from '../ledger/pg/pg-errors';
import type { PaymentLookup } from './payment-lookup';

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

/** The refund a submit journaled, once it got that far (what storeGuard tells the cashier depends on it). */
interface Journaled {
  /** The refund once its insert committed. */
  id: string | null;
  /** The refund whose insert is on its way: if the database is lost at its COMMIT, it may exist. */
  inserting: string | null;
}

/** Payment states from which money can go back. Unknown values are allowed through; Antom has the last word. */
const NOT_REFUNDABLE_PAYMENT_STATUSES = new Set(['FAIL', 'FAILED', 'CANCELLED', 'CLOSED', 'PROCESSING', 'INIT']);

export class Admission {
  /** In-process dedupe: one submit per intent. */
  private readonly submitting = new Map<string, Promise<Result<RefundView, RefundErrorCode>>>();

  constructor(
    private readonly c: EngineCore,
    private readonly lookup: PaymentLookup,
    private readonly driver: Driver,
  ) {}

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
    const payment = (await this.lookup.freshCachedPayment(id.data)) ?? (await this.lookup.fetchPayment(id.data));
    if (!payment.ok) return payment;
    const p = payment.value;
    const refundable = (await this.c.journal.refundableBalance(p.paymentId)) ?? p.amount;
    const amount = input.mode === 'FULL' ? refundable : input.amount;
    if (amount === undefined || amount.currency !== p.amount.currency) return err('INVALID_INPUT', 'A partial refund needs an amount in the payment currency.');
    if (amount.value <= 0 || amount.value > refundable.value)
      return err('AMOUNT_EXCEEDS_REFUNDABLE', 'The amount is more than what is left to refund on this payment.', { refundable });
    const reasons = await this.approvalReasons(p, amount, input.mode, input.cashier);
    const policy = await this.c.store.settings.getPolicy();
    return ok({ needsApproval: reasons.length > 0, reasons, amount, refundable, selfApprovalAllowed: policy.allowSelfApproval });
  }

  private async approvalReasons(p: PaymentRecord, amount: Money, mode: 'FULL' | 'PARTIAL', cashier: string, known?: Money): Promise<ApprovalReason[]> {
    return (await this.policyFor(p, amount, mode, cashier, known)).reasons;
  }

  /**
   * The policy's reasons for this refund now, and the same rule as a recheck the journal re-applies inside
   * the insert's transaction to the store-wide figures as they are then (racing confirmations of one cashier
   * at several counters cannot all pass the daily total). `known`: the refundable balance the caller read a
   * moment ago (submit), so it is not read again.
   */
  private async policyFor(
    p: PaymentRecord,
    amount: Money,
    mode: 'FULL' | 'PARTIAL',
    cashier: string,
    known?: Money,
  ): Promise<{ reasons: ApprovalReason[]; recheck: PolicyRecheck }> {
    const now = this.c.clock();
    // Independent reads side by side: in store mode each is a round trip to the database.
    const [balance, tz, policy] = await Promise.all([
      known ?? this.c.journal.refundableBalance(p.paymentId),
      this.c.timeZone(),
      this.c.store.settings.getPolicy(),
    ]);
    const refundable = balance ?? p.amount;
    const date = localDate(now, tz);
    const rule = (f: PolicyFigures): ApprovalReason[] => evaluatePolicy(policy, { amount, mode, paidAt: p.paidAt, now, ...f });
    const reasons = rule({
      cashierTotalToday: await this.c.journal.cashierTotalOn(cashier, amount.currency, date, tz),
      // Refunded here and elsewhere before this one: splitting a refund does not escape the limit.
      paymentRefundedBefore: Math.max(0, p.amount.value - refundable.value),
    });
    return { reasons, recheck: { date, timeZone: tz, reasons: rule, awaitingMessage: MSG.awaitingApproval } };
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
    const p = this.storeGuard((track) => this.doSubmit(parsed.data, track)).finally(() => this.submitting.delete(key));
    this.submitting.set(key, p);
    return p;
  }

  private async doSubmit(input: z.infer<typeof SubmitSchema>, track: Journaled): Promise<Result<RefundView, RefundErrorCode>> {
    const existing = await this.c.journal.getByIntent(input.intentId);
    if (existing !== null) return ok(await this.c.view(await this.driver.settleExisting(existing)));
    const closed = await this.gates();
    if (closed !== null) return closed;

    // The cashier's screen looked the payment up moments ago; asking Antom again
    // on confirm costs a signed round trip for nothing (Antom still judges the refund).
    // Resolved before anything is journaled: a retired or unknown reason is refused, not dropped.
    const reason = input.reasonCode === undefined ? null : await this.c.store.settings.activeReason(input.reasonCode);
    if (input.reasonCode !== undefined && reason === null) return err('INVALID_INPUT', 'That refund reason is no longer offered. Choose another one.');
    const payment = (await this.lookup.freshCachedPayment(input.paymentId)) ?? (await this.lookup.fetchPayment(input.paymentId));
    if (!payment.ok) return payment;
    const p = payment.value;
    // Another process may have journaled this very intent while we were asking Antom.
    const raced = await this.c.journal.getByIntent(input.intentId);
    if (raced !== null) return ok(await this.c.view(await this.driver.settleExisting(raced)));
    if (NOT_REFUNDABLE_PAYMENT_STATUSES.has(p.status.toUpperCase())) {
      return err('INVALID_INPUT', `This payment is ${p.status}; only completed payments can be refunded.`);
    }
    // The payment's own answer first, then what Antom taught us about the method (capabilities table).
    // Read together with the in-flight refund and the balance (independent reads; store mode: one round trip each).
    const [cap, inFlight, balance] = await Promise.all([
      this.c.store.payments.capability(p.paymentMethod),
      this.c.journal.inFlightFor(p.paymentId),
      this.c.journal.refundableBalance(p.paymentId),
    ]);
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
    if (inFlight !== null) {
      // The losing side of a race gets the truth: who is refunding it, where, and the payment as it is now.
      return err('REFUND_IN_FLIGHT', this.lookup.inFlightSentence(inFlight), {
        refundRequestId: inFlight.refund_request_id,
        payment: await this.lookup.paymentView(p),
      });
    }
    const refundable = balance ?? p.amount;
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
          { refundable, payment: await this.lookup.paymentView(p) },
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
        { refundable, payment: await this.lookup.paymentView(p) },
      );
    }

    const inserted = await this.admit(
      p,
      { intentId: input.intentId, paymentId: p.paymentId, mode: input.mode, amount, memo: input.memo ?? null, reason, sendAmount },
      input.cashier,
      undefined,
      track,
      refundable,
    );
    if (!inserted.ok) {
      switch (inserted.error.code) {
        case 'DUPLICATE_INTENT': {
          // Another process journaled this intent between our check and our insert.
          const dup = await this.c.journal.getByIntent(input.intentId);
          if (dup === null) return err('UNAVAILABLE', 'The refund journal changed unexpectedly. Try again.');
          return ok(await this.c.view(await this.driver.settleExisting(dup)));
        }
        case 'REFUND_IN_FLIGHT': {
          // Lost the race inside the write lock: same answer as the check above.
          const other = await this.c.journal.inFlightFor(p.paymentId);
          const view = await this.lookup.currentPaymentView(p.paymentId);
          return err('REFUND_IN_FLIGHT', other === null ? inserted.error.message : this.lookup.inFlightSentence(other), {
            ...inserted.error.details,
            ...(view ? { payment: view } : {}),
          });
        }
        case 'AMOUNT_EXCEEDS_REFUNDABLE': {
          const view = await this.lookup.currentPaymentView(p.paymentId);
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
    return ok(inserted.value);
  }

  /**
   * Store mode, database unreachable: a plain refusal instead of a raw
   * connection error. Before the intent is journaled nothing started; after it,
   * the refund is in the store ledger and stays pending there (the background
   * pass drives it when the database is back), so it is never called failed.
   */
  private async storeGuard(run: (track: Journaled) => Promise<Result<RefundView, RefundErrorCode>>): Promise<Result<RefundView, RefundErrorCode>> {
    const track: Journaled = { id: null, inserting: null };
    try {
      return await run(track);
    } catch (e) {
      if (this.c.journal.engine !== 'postgres' || !isStoreUnreachable(e)) throw e;
      this.c.log.warn({ err: String(e) }, 'store ledger unreachable during a submit');
      const started = track.id;
      if (started !== null) return err('STORE_UNAVAILABLE', MSG.storeLostMidRefund, { refundRequestId: started });
      // Lost while the refund's COMMIT was in flight: it may be in the store ledger, where the background pass
      // would drive it when the database is back. Never "not started" then (pg-errors.ts CommitOutcomeUnknownError).
      if (track.inserting !== null && isCommitOutcomeUnknown(e))
        return err('STORE_UNAVAILABLE', MSG.storeLostAtRecord, { refundRequestId: track.inserting, recorded: 'unknown' });
      return err('STORE_UNAVAILABLE', MSG.storeUnavailable);
    }
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
    const old = await this.c.journal.get(input.refundRequestId);
    if (old === null) return err('NOT_FOUND', 'No such refund.');
    if (old.state !== 'FAILED' || old.next_action !== 'NEW_REQUEST_ID') {
      return err('NOT_RETRYABLE', 'This refund cannot be retried as a new request.');
    }
    const root = old.root_intent_id ?? old.intent_id;
    const latest = await this.c.journal.latestInLineage(root);
    if (latest !== null && latest.refund_request_id !== old.refund_request_id) {
      return err('NOT_RETRYABLE', 'This refund was already retried.', { refundRequestId: latest.refund_request_id });
    }
    const payment = await this.c.store.payments.get(old.payment_id);
    if (payment === null) return err('PAYMENT_NOT_FOUND', 'The payment is no longer known to this terminal.');
    const closed = await this.gates();
    if (closed !== null) return closed;
    const amount: Money = { value: old.amount_value, currency: old.currency };
    const intentId = `${root}.r${await this.c.journal.lineageSize(root)}`;
    const inserted = await this.admit(
      payment,
      {
        intentId,
        rootIntentId: root,
        parentRefundRequestId: old.refund_request_id,
        paymentId: old.payment_id,
        mode: old.mode,
        amount,
        memo: old.memo,
        reason: old.reason_code === null ? null : { code: old.reason_code, text: old.reason_text ?? old.reason_code },
        sendAmount: old.send_amount === 1,
      },
      actor,
      (id) => ({ kind: 'refund.retry_as_new', detail: { from: old.refund_request_id, to: id } }),
    );
    if (!inserted.ok) {
      if (inserted.error.code === 'REFUND_IN_FLIGHT') return err('REFUND_IN_FLIGHT', inserted.error.message, inserted.error.details);
      if (inserted.error.code === 'AMOUNT_EXCEEDS_REFUNDABLE') return err('AMOUNT_EXCEEDS_REFUNDABLE', inserted.error.message, inserted.error.details);
      return err('NOT_RETRYABLE', inserted.error.message);
    }
    return ok(inserted.value);
  }

  /** Refused before anything is journaled: the terminal is known down, or the journal has no room for every step. */
  private async gates(): Promise<Result<never, 'TERMINAL_DOWN' | 'JOURNAL_LOW_DISK'> | null> {
    const down = this.c.deps.terminalDownReason?.() ?? null;
    if (down !== null) return err('TERMINAL_DOWN', `${MSG.terminalDown} (${down})`);
    // A new refund only while the SQLite journal has room to record every step of it (disk-space.ts).
    // The store ledger's room is its database's business (doctor checks it).
    const space = this.c.journal.engine === 'sqlite' ? this.c.deps.ledger?.space() : undefined;
    if (space?.low === true) return err('JOURNAL_LOW_DISK', lowDiskMessage(space), { freeBytes: space.freeBytes, floorBytes: space.floorBytes });
    return null;
  }

  /**
   * The one admission step of `submit` and `retryAsNew`: applies the policy,
   * journals the refund (the ledger checks the balance and the one-in-flight
   * rule in the same write), then drives it unless a manager must decide.
   * `audit` names an audit entry journaled in the same commit (e.g. the retry's), given the new id.
   */
  private async admit(
    p: PaymentRecord,
    n: Omit<NewRefund, 'refundRequestId' | 'state' | 'cashier' | 'message' | 'nextAction' | 'approvalReasons'>,
    actor: string,
    audit?: (refundRequestId: string) => AuditNote,
    track?: Journaled,
    refundable?: Money,
  ): Promise<Result<RefundView, InsertRefundError>> {
    // The policy's "refunded before" uses the balance read for this admission; the journal's insert
    // checks the balance and the policy's figures again under its locks, so a refund in between still counts.
    const { reasons, recheck } = await this.policyFor(p, n.amount, n.mode, actor, refundable);
    const needsApproval = reasons.length > 0;
    const refundRequestId = this.c.newId();
    if (track !== undefined) track.inserting = refundRequestId;
    const inserted = await this.c.journal.insert(
      {
        ...n,
        refundRequestId,
        state: needsApproval ? 'AWAITING_APPROVAL' : 'APPROVED',
        cashier: actor,
        message: needsApproval ? MSG.awaitingApproval : MSG.approved,
        nextAction: 'WAIT',
        approvalReasons: reasons,
      },
      actor,
      {
        recheck,
        ...(audit === undefined ? {} : { audit: audit(refundRequestId) }),
        // Admitted, it goes on to REFERENCE_REQUESTED under this engine's lease in the same (durable) commit:
        // nothing leaves the machine before that commit, and the terminal is asked right after it.
        advance: {
          to: 'REFERENCE_REQUESTED',
          actor: SYSTEM,
          patch: REQUESTING_REFERENCE,
          lease: { owner: this.c.leaseOwner, ttlMs: this.c.deps.leaseTtlMs ?? 5 * 60_000 },
        },
      },
    );
    if (!inserted.ok) return inserted;
    const row = inserted.value;
    if (track !== undefined) track.id = row.refund_request_id;
    // The journal's word, not ours: the recheck under the cashier's lock may have sent it to a manager.
    const admitted = row.state === 'REFERENCE_REQUESTED';
    this.c.journaled(row, admitted ? ['APPROVED'] : []);
    this.c.log.info({ refundRequestId: row.refund_request_id, intentId: row.intent_id, state: row.state }, 'refund intent journaled');
    if (admitted) return ok(await this.c.view(await this.driver.driveAdmitted(row)));
    if (row.state === 'AWAITING_APPROVAL') return ok(await this.c.view(row));
    return ok(await this.c.view(await this.driver.drive(row.refund_request_id, false)));
  }
}

/**
 * The refund journal: one row per refund attempt (refundRequestId), one per
 * intent, every state change a compare-and-set plus a transitions row plus an
 * audit entry in the same IMMEDIATE transaction. Synchronous on purpose: when
 * a method returns, the write is on disk (synchronous=FULL).
 */
import type { Database } from 'better-sqlite3';
import type { Money } from '../../preload/contract/money';
import type { NextAction, RefundState } from '../../preload/contract/refunds';
import { err, ok, type Result } from '../../preload/contract/result';
import { refundAuditContent, type AuditLog } from './audit';
import { computeBalance } from './balance';
import { localDate, localDayIntervals, widenedUtcBounds } from './local-date';
import type { ApprovalReason } from './policy';
import {
  ApprovalRowSchema,
  CountSchema,
  PaymentRowSchema,
  SumSchema,
  parseRow,
  parseRows,
  RefundRowSchema,
  TransitionRowSchema,
  type ApprovalRow,
  type RefundRow,
  type TransitionRow,
} from './rows';
import { canTransition, NON_FINAL_STATES } from './state-machine';

export interface NewRefund {
  readonly refundRequestId: string;
  readonly intentId: string;
  /** The first intent of a retry-as-new lineage; defaults to intentId. */
  readonly rootIntentId?: string;
  readonly parentRefundRequestId?: string;
  readonly paymentId: string;
  readonly mode: 'FULL' | 'PARTIAL';
  readonly amount: Money;
  readonly memo: string | null;
  /** The reason chosen at the counter (code + wording at the time); absent = none chosen. */
  readonly reason?: { readonly code: string; readonly text: string } | null;
  readonly state: 'AWAITING_APPROVAL' | 'APPROVED';
  readonly cashier: string;
  readonly message: string;
  readonly nextAction: NextAction;
  readonly approvalReasons: readonly ApprovalReason[];
  /** Send refundAmount to Antom (partials, and "refund the rest" after earlier refunds). Default: mode === 'PARTIAL'. */
  readonly sendAmount?: boolean;
}

export type InsertRefundError = 'DUPLICATE_INTENT' | 'REFUND_IN_FLIGHT' | 'AMOUNT_EXCEEDS_REFUNDABLE' | 'PAYMENT_NOT_FOUND' | 'CURRENCY_MISMATCH';

/** Columns a step may change besides `state`. */
export interface RefundPatch {
  readonly originalMerchantRefundId?: string | null;
  readonly refundId?: string | null;
  readonly resultCode?: string | null;
  readonly message?: string;
  readonly nextAction?: NextAction;
  readonly attempts?: number;
  readonly nextCheckAt?: string | null;
}

/** Journal column of each patch field (shared by the SQLite and PostgreSQL journals). */
export const PATCH_COLUMNS: Readonly<Record<keyof RefundPatch, string>> = {
  originalMerchantRefundId: 'original_merchant_refund_id',
  refundId: 'refund_id',
  resultCode: 'result_code',
  message: 'message',
  nextAction: 'next_action',
  attempts: 'attempts',
  nextCheckAt: 'next_check_at',
};

/** REFERENCE_REUSED: the terminal reference in the patch already belongs to another refund (details.refundRequestId). */
export type TransitionError = 'NOT_FOUND' | 'ILLEGAL_TRANSITION' | 'STALE_STATE' | 'REFERENCE_REUSED';

export interface RefundFilter {
  readonly date?: string;
  readonly states?: readonly RefundState[];
  readonly paymentId?: string;
  readonly cashier?: string;
}

const IN_FLIGHT_SQL = `(${NON_FINAL_STATES.map((s) => `'${s}'`).join(',')})`;

export class RefundStore {
  constructor(
    private readonly db: Database,
    private readonly audit: AuditLog,
    private readonly clock: () => Date,
    /** The shop's zone; a function because a manager can change it while the app runs. */
    private readonly zone: string | (() => string),
  ) {}

  private get timeZone(): string {
    return typeof this.zone === 'string' ? this.zone : this.zone();
  }

  get(refundRequestId: string): RefundRow | null {
    const raw = this.db.prepare('SELECT * FROM refunds WHERE refund_request_id = ?').get(refundRequestId);
    return raw === undefined ? null : parseRow(RefundRowSchema, raw, 'refund');
  }

  getByIntent(intentId: string): RefundRow | null {
    const raw = this.db.prepare('SELECT * FROM refunds WHERE intent_id = ?').get(intentId);
    return raw === undefined ? null : parseRow(RefundRowSchema, raw, 'refund');
  }

  /** Newest refund of a retry-as-new lineage (the one a repeated submit should show). */
  latestInLineage(rootIntentId: string): RefundRow | null {
    const raw = this.db.prepare('SELECT * FROM refunds WHERE root_intent_id = ? ORDER BY created_at DESC, rowid DESC LIMIT 1').get(rootIntentId);
    return raw === undefined ? null : parseRow(RefundRowSchema, raw, 'refund');
  }

  lineageSize(rootIntentId: string): number {
    return parseRow(CountSchema, this.db.prepare('SELECT COUNT(*) AS n FROM refunds WHERE root_intent_id = ?').get(rootIntentId), 'count').n;
  }

  inFlightFor(paymentId: string): RefundRow | null {
    const raw = this.db.prepare(`SELECT * FROM refunds WHERE payment_id = ? AND state IN ${IN_FLIGHT_SQL}`).get(paymentId);
    return raw === undefined ? null : parseRow(RefundRowSchema, raw, 'refund');
  }

  /**
   * Sum of SUCCEEDED plus every non-final (pending, approved, awaiting) refund of
   * the payment, plus what the store refunded another way (cash, store credit).
   */
  /** What the store refunded another way (cash, store credit) on the payment, in minor units. */
  otherRefundedAmount(paymentId: string): number {
    return parseRow(SumSchema, this.db.prepare('SELECT COALESCE(SUM(amount_value), 0) AS s FROM other_refunds WHERE payment_id = ?').get(paymentId), 'sum').s;
  }

  committedAmount(paymentId: string): number {
    const raw = this.db
      .prepare(
        `SELECT (SELECT COALESCE(SUM(amount_value), 0) FROM refunds WHERE payment_id = @p AND (state = 'SUCCEEDED' OR state IN ${IN_FLIGHT_SQL}))
              + (SELECT COALESCE(SUM(amount_value), 0) FROM other_refunds WHERE payment_id = @p) AS s`,
      )
      .get({ p: paymentId });
    return parseRow(SumSchema, raw, 'sum').s;
  }

  /**
   * Journals a new intent. Balance, duplicate intent and in-flight checks run
   * inside the same write lock as the insert, so two processes cannot both pass them.
   */
  insert(n: NewRefund, actor: string): Result<RefundRow, InsertRefundError> {
    const now = this.clock().toISOString();
    const run = this.db.transaction((): Result<RefundRow, InsertRefundError> => {
      const dup = this.getByIntent(n.intentId);
      if (dup !== null) return err('DUPLICATE_INTENT', 'This refund was already started.', { refundRequestId: dup.refund_request_id });
      const payRaw = this.db.prepare('SELECT * FROM payments WHERE payment_id = ?').get(n.paymentId);
      if (payRaw === undefined) return err('PAYMENT_NOT_FOUND', 'The payment has not been looked up.');
      const payment = parseRow(PaymentRowSchema, payRaw, 'payment');
      if (payment.currency !== n.amount.currency) return err('CURRENCY_MISMATCH', `The payment is in ${payment.currency}.`);
      const inFlight = this.inFlightFor(n.paymentId);
      if (inFlight !== null) {
        return err('REFUND_IN_FLIGHT', 'Another refund for this payment is still in progress.', { refundRequestId: inFlight.refund_request_id });
      }
      // The same balance the screen shows: this journal and what Antom reported.
      const refundable = computeBalance(payment, this.list({ paymentId: n.paymentId }), this.otherRefundedAmount(n.paymentId)).refundable.value;
      if (n.amount.value > refundable) {
        return err('AMOUNT_EXCEEDS_REFUNDABLE', 'The amount is more than what is left to refund on this payment.', { refundable });
      }
      this.db
        .prepare(
          `INSERT INTO refunds (refund_request_id, intent_id, root_intent_id, parent_refund_request_id, payment_id, mode, amount_value, currency, memo, reason_code, reason_text,
             state, message, next_action, cashier, approval_reasons, attempts, next_check_at, created_at, updated_at, send_amount)
           VALUES (@id, @intent, @root, @parent, @payment, @mode, @value, @currency, @memo, @reasonCode, @reasonText, @state, @message, @nextAction, @cashier, @reasons, 0, NULL, @now, @now, @sendAmount)`,
        )
        .run({
          id: n.refundRequestId,
          intent: n.intentId,
          root: n.rootIntentId ?? n.intentId,
          parent: n.parentRefundRequestId ?? null,
          payment: n.paymentId,
          mode: n.mode,
          value: n.amount.value,
          currency: n.amount.currency,
          memo: n.memo,
          reasonCode: n.reason?.code ?? null,
          reasonText: n.reason?.text ?? null,
          state: n.state,
          message: n.message,
          nextAction: n.nextAction,
          cashier: n.cashier,
          reasons: JSON.stringify(n.approvalReasons),
          now,
          sendAmount: (n.sendAmount ?? n.mode === 'PARTIAL') ? 1 : 0,
        });
      this.insertTransition(n.refundRequestId, now, actor, null, n.state, { intentId: n.intentId, amount: n.amount, mode: n.mode });
      const row = this.get(n.refundRequestId);
      if (row === null) throw new Error('refund vanished after insert');
      this.audit.append(actor, 'refund.intent', {
        refundRequestId: n.refundRequestId,
        intentId: n.intentId,
        paymentId: n.paymentId,
        mode: n.mode,
        amount: n.amount,
        state: n.state,
        reasonCode: n.reason?.code ?? null,
        approvalReasons: n.approvalReasons.map((r) => r.code),
        parentRefundRequestId: n.parentRefundRequestId ?? null,
        // The row as journaled: `audit verify` compares the refunds table with it.
        row: refundAuditContent(row),
      });
      return ok(row);
    });
    return run.immediate();
  }

  /**
   * Moves a refund from `from` to `to` if, and only if, it is still in `from`
   * (compare-and-set) and the state machine allows it.
   */
  transition(
    refundRequestId: string,
    from: RefundState,
    to: RefundState,
    opts: { actor: string; detail?: Record<string, unknown>; patch?: RefundPatch; lateSuccess?: boolean },
  ): Result<RefundRow, TransitionError> {
    if (!canTransition(from, to, opts.lateSuccess === true)) return err('ILLEGAL_TRANSITION', `A refund cannot go from ${from} to ${to}.`);
    const run = this.db.transaction((): Result<RefundRow, TransitionError> => {
      const now = this.clock().toISOString();
      const reference = opts.patch?.originalMerchantRefundId;
      if (typeof reference === 'string') {
        const holder = this.referenceHolder(reference, refundRequestId);
        if (holder !== null) return err('REFERENCE_REUSED', 'The terminal reference already belongs to another refund.', { refundRequestId: holder });
      }
      const { sets, params } = patchSql(opts.patch ?? {});
      let info: { changes: number };
      try {
        info = this.db
          .prepare(`UPDATE refunds SET state = @to, updated_at = @now${sets} WHERE refund_request_id = @id AND state = @from`)
          .run({ ...params, to, now, id: refundRequestId, from });
      } catch (e) {
        // The index is the last word (refunds_reference_once); the check above only names the other refund.
        if (isReferenceConflict(e)) return err('REFERENCE_REUSED', 'The terminal reference already belongs to another refund.', { refundRequestId: null });
        throw e;
      }
      if (info.changes === 0) {
        const cur = this.get(refundRequestId);
        return cur === null ? err('NOT_FOUND', 'No such refund.') : err('STALE_STATE', `The refund is ${cur.state}, not ${from}.`, { state: cur.state });
      }
      const detail = { ...(opts.detail ?? {}), ...patchDetail(opts.patch ?? {}) };
      this.insertTransition(refundRequestId, now, opts.actor, from, to, detail);
      const row = this.get(refundRequestId);
      if (row === null) throw new Error('refund vanished after transition');
      this.audit.append(opts.actor, 'refund.transition', { refundRequestId, from, to, ...detail, row: refundAuditContent(row) });
      return ok(row);
    });
    return run.immediate();
  }

  /** The other refund (not `exceptId`) that already holds this terminal reference, or null. */
  referenceHolder(originalMerchantRefundId: string, exceptId: string): string | null {
    // The first holder of a reference is the one row with reference_reused = 0 (the V-migration marks
    // every later copy 1, and refunds_reference_once admits no second 0): found through that partial
    // index instead of a scan of the whole journal at every REFERENCE_OBTAINED.
    const first = this.db
      .prepare('SELECT refund_request_id FROM refunds WHERE original_merchant_refund_id = ? AND reference_reused = 0')
      .get(originalMerchantRefundId) as { refund_request_id?: unknown } | undefined;
    if (typeof first?.refund_request_id !== 'string') return null;
    if (first.refund_request_id !== exceptId) return first.refund_request_id;
    // Only a legacy journal's duplicates remain (rare): the oldest of them, as before.
    const raw = this.db
      .prepare('SELECT refund_request_id FROM refunds WHERE original_merchant_refund_id = ? AND refund_request_id <> ? ORDER BY rowid LIMIT 1')
      .get(originalMerchantRefundId, exceptId) as { refund_request_id?: unknown } | undefined;
    return typeof raw?.refund_request_id === 'string' ? raw.refund_request_id : null;
  }

  /** Refunds stopped because the terminal replayed another refund's reference, newest first (doctor, diagnostics). */
  referenceReplays(limit = 20): RefundRow[] {
    return parseRows(
      RefundRowSchema,
      this.db.prepare("SELECT * FROM refunds WHERE result_code = 'TERMINAL_REFERENCE_REUSED' ORDER BY updated_at DESC, rowid DESC LIMIT ?").all(limit),
      'refund',
    );
  }

  /**
   * Journals the terminal's answer to `refund.result` (slip printed or not).
   * Not a state change: the refund is already final or pending, so no CAS on state.
   */
  recordSlip(refundRequestId: string, printed: boolean): RefundRow | null {
    const run = this.db.transaction((): RefundRow | null => {
      const info = this.db.prepare('UPDATE refunds SET terminal_printed = ? WHERE refund_request_id = ?').run(printed ? 1 : 0, refundRequestId);
      if (info.changes === 0) return null;
      this.audit.append('system', 'refund.slip', { refundRequestId, printed });
      return this.get(refundRequestId);
    });
    return this.db.inTransaction ? run() : run.immediate();
  }

  /** Changes non-state columns, only while the refund is still in `expected` (CAS). */
  update(refundRequestId: string, expected: RefundState, patch: RefundPatch): Result<RefundRow, 'NOT_FOUND' | 'STALE_STATE'> {
    const run = this.db.transaction((): Result<RefundRow, 'NOT_FOUND' | 'STALE_STATE'> => {
      const now = this.clock().toISOString();
      const before = this.get(refundRequestId);
      const { sets, params } = patchSql(patch);
      const info = this.db
        .prepare(`UPDATE refunds SET updated_at = @now${sets} WHERE refund_request_id = @id AND state = @expected`)
        .run({ ...params, now, id: refundRequestId, expected });
      const cur = this.get(refundRequestId);
      if (cur === null) return err('NOT_FOUND', 'No such refund.');
      if (info.changes === 0) return err('STALE_STATE', `The refund is ${cur.state}, not ${expected}.`);
      // A changed audited column (an Antom refundId, a terminal reference) is audited like a transition.
      const content = refundAuditContent(cur);
      if (before !== null && JSON.stringify(refundAuditContent(before)) !== JSON.stringify(content)) {
        this.audit.append('system', 'refund.updated', { refundRequestId, state: cur.state, ...patchDetail(patch), row: content });
      }
      return ok(cur);
    });
    return this.db.inTransaction ? run() : run.immediate();
  }

  /**
   * Takes the right to drive a refund: free, ours, expired, or held by an
   * owner `ownerAlive` says is gone. Decided inside the write lock.
   */
  claimLease(refundRequestId: string, owner: string, ttlMs: number, ownerAlive: (owner: string) => boolean): boolean {
    const run = this.db.transaction((): boolean => {
      const row = this.get(refundRequestId);
      if (row === null) return false;
      const now = this.clock();
      const free =
        row.lease_owner === null ||
        row.lease_owner === owner ||
        row.lease_until === null ||
        Date.parse(row.lease_until) <= now.getTime() ||
        !ownerAlive(row.lease_owner);
      if (!free) return false;
      this.db
        .prepare('UPDATE refunds SET lease_owner = ?, lease_until = ? WHERE refund_request_id = ?')
        .run(owner, new Date(now.getTime() + ttlMs).toISOString(), refundRequestId);
      return true;
    });
    return run.immediate();
  }

  renewLease(refundRequestId: string, owner: string, ttlMs: number): void {
    this.db
      .prepare('UPDATE refunds SET lease_until = ? WHERE refund_request_id = ? AND lease_owner = ?')
      .run(new Date(this.clock().getTime() + ttlMs).toISOString(), refundRequestId, owner);
  }

  releaseLease(refundRequestId: string, owner: string): void {
    this.db.prepare('UPDATE refunds SET lease_owner = NULL, lease_until = NULL WHERE refund_request_id = ? AND lease_owner = ?').run(refundRequestId, owner);
  }

  transitions(refundRequestId: string): TransitionRow[] {
    return parseRows(
      TransitionRowSchema,
      this.db.prepare('SELECT * FROM refund_transitions WHERE refund_request_id = ? ORDER BY id').all(refundRequestId),
      'transition',
    );
  }

  list(filter: RefundFilter = {}): RefundRow[] {
    const where: string[] = [];
    const params: Record<string, string> = {};
    if (filter.paymentId !== undefined) {
      where.push('payment_id = @paymentId');
      params['paymentId'] = filter.paymentId;
    }
    if (filter.cashier !== undefined) {
      where.push('cashier = @cashier');
      params['cashier'] = filter.cashier;
    }
    if (filter.states !== undefined && filter.states.length > 0) {
      const names = filter.states.map((s, i) => {
        params[`s${i}`] = s;
        return `@s${i}`;
      });
      where.push(`state IN (${names.join(',')})`);
    }
    if (filter.date !== undefined) {
      const b = widenedUtcBounds(filter.date);
      where.push('created_at >= @from AND created_at < @to');
      params['from'] = b.from;
      params['to'] = b.to;
    }
    const sql = `SELECT * FROM refunds ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY created_at DESC, rowid DESC`;
    const rows = parseRows(RefundRowSchema, this.db.prepare(sql).all(params), 'refund');
    const date = filter.date;
    return date === undefined ? rows : rows.filter((r) => localDate(r.created_at, this.timeZone) === date);
  }

  nonFinal(): RefundRow[] {
    return parseRows(RefundRowSchema, this.db.prepare(`SELECT * FROM refunds WHERE state IN ${IN_FLIGHT_SQL} ORDER BY created_at`).all(), 'refund');
  }

  /** Refunds whose persisted next check is due. */
  due(now: Date): RefundRow[] {
    return parseRows(
      RefundRowSchema,
      this.db
        .prepare(`SELECT * FROM refunds WHERE next_check_at IS NOT NULL AND next_check_at <= ? AND state IN ${IN_FLIGHT_SQL} ORDER BY next_check_at`)
        .all(now.toISOString()),
      'refund',
    );
  }

  /** The cashier's refunds on `date` in `currency` that count against a daily limit (not declined, not failed). */
  cashierTotalOn(cashier: string, currency: string, date: string): number {
    // On the submit path, twice per refund: an indexed range per span of the local day (local-date.ts),
    // summed by SQLite, instead of formatting the time of each of the cashier's refunds that day.
    const sum = this.db.prepare(
      `SELECT COALESCE(SUM(amount_value), 0) AS total FROM refunds
        WHERE cashier = ? AND created_at >= ? AND created_at < ? AND currency = ? AND state NOT IN ('DECLINED', 'FAILED')`,
    );
    let total = 0;
    for (const span of localDayIntervals(date, this.timeZone)) {
      const row = sum.get(cashier, span.from, span.to, currency) as { total: unknown };
      if (typeof row.total !== 'number' || !Number.isSafeInteger(row.total)) throw new Error('refunds rows have an unexpected amount');
      total += row.total;
    }
    return total;
  }

  /**
   * Antom's answer said how much it actually refunded (a full refund with the
   * amount omitted): the journal keeps Antom's figure, not our estimate.
   */
  recordAntomAmount(refundRequestId: string, value: number, actor: string): Result<RefundRow, 'NOT_FOUND' | 'STALE_STATE'> {
    const run = this.db.transaction((): Result<RefundRow, 'NOT_FOUND' | 'STALE_STATE'> => {
      const before = this.get(refundRequestId);
      if (before === null) return err('NOT_FOUND', 'No such refund.');
      if (before.state !== 'SUCCEEDED') return err('STALE_STATE', `The refund is ${before.state}.`);
      if (before.amount_value === value) return ok(before);
      this.db
        .prepare('UPDATE refunds SET amount_value = ?, updated_at = ? WHERE refund_request_id = ?')
        .run(value, this.clock().toISOString(), refundRequestId);
      this.audit.append(actor, 'refund.amount_from_antom', { refundRequestId, journaled: before.amount_value, antomRefunded: value });
      const row = this.get(refundRequestId);
      if (row === null) throw new Error('refund vanished after update');
      return ok(row);
    });
    return run.immediate();
  }

  recordApproval(a: { refundRequestId: string; manager: string; decision: 'APPROVED' | 'DECLINED'; reason: string }): void {
    const now = this.clock().toISOString();
    const run = this.db.transaction(() => {
      this.db
        .prepare('INSERT INTO approvals (refund_request_id, manager, decision, reason, at) VALUES (?, ?, ?, ?, ?)')
        .run(a.refundRequestId, a.manager, a.decision, a.reason, now);
      this.audit.append(a.manager, a.decision === 'APPROVED' ? 'refund.approved' : 'refund.declined', {
        refundRequestId: a.refundRequestId,
        reason: a.reason,
      });
    });
    if (this.db.inTransaction) run();
    else run.immediate();
  }

  approvals(refundRequestId: string): ApprovalRow[] {
    return parseRows(ApprovalRowSchema, this.db.prepare('SELECT * FROM approvals WHERE refund_request_id = ? ORDER BY id').all(refundRequestId), 'approval');
  }

  private insertTransition(id: string, at: string, actor: string, from: RefundState | null, to: RefundState, detail: Record<string, unknown>): void {
    this.db
      .prepare('INSERT INTO refund_transitions (refund_request_id, at, actor, from_state, to_state, detail) VALUES (?, ?, ?, ?, ?, ?)')
      .run(id, at, actor, from, to, JSON.stringify(detail));
  }
}

function isReferenceConflict(e: unknown): boolean {
  return e instanceof Error && (e as { code?: unknown }).code === 'SQLITE_CONSTRAINT_UNIQUE' && e.message.includes('original_merchant_refund_id');
}

function patchSql(patch: RefundPatch): { sets: string; params: Record<string, string | number | null> } {
  let sets = '';
  const params: Record<string, string | number | null> = {};
  for (const key of Object.keys(PATCH_COLUMNS) as (keyof RefundPatch)[]) {
    const value = patch[key];
    if (value === undefined) continue;
    sets += `, ${PATCH_COLUMNS[key]} = @p_${key}`;
    params[`p_${key}`] = value;
  }
  return { sets, params };
}

/** What of a patch goes into the transition's detail and audit entry. */
export function patchDetail(patch: RefundPatch): Record<string, unknown> {
  const d: Record<string, unknown> = {};
  if (patch.resultCode !== undefined) d['resultCode'] = patch.resultCode;
  if (patch.refundId !== undefined) d['refundId'] = patch.refundId;
  if (patch.originalMerchantRefundId !== undefined) d['originalMerchantRefundId'] = patch.originalMerchantRefundId;
  if (patch.nextAction !== undefined) d['nextAction'] = patch.nextAction;
  return d;
}

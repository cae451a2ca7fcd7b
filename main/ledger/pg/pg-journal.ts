/**
 * Store mode: the refund journal of every counter of a store on one
 * PostgreSQL database, behind the same asynchronous port as the embedded
 * SQLite journal (../journal-port.ts) and held to the same contract suite.
 *
 * How each store-wide guarantee is enforced by PostgreSQL itself:
 *  - one refund per intent: UNIQUE(intent_id); one unfinished refund per
 *    payment: a partial unique index; one refund per terminal reference of a
 *    register: a partial unique index. A violation is mapped to the same typed error the
 *    code path reports, so a race between counters looks like the check.
 *  - balance: the insert transaction takes the payment's row FOR UPDATE, so
 *    every admission of one payment, from any counter, is serialized, and the
 *    committed sum is read and the refund inserted under that lock.
 *  - compare-and-set: UPDATE ... WHERE state = $from; 0 rows = someone else moved it.
 *  - leases: judged by the database's clock (now()), never a counter's.
 *  - durability: synchronous_commit = on for every connection; a method
 *    resolves after COMMIT returned.
 *  - audit: one chain for the store; appends serialize on a transaction-level
 *    advisory lock and run in the same transaction as the change they describe,
 *    carrying the refund row's audited content (./pg-journal-audit.ts).
 *  - change notices: pg_notify inside the transaction, delivered on commit to
 *    every counter listening (LISTEN refund_changed).
 */
import pg from 'pg';
import type { Money } from '../../../preload/contract/money';
import type { RefundState } from '../../../preload/contract/refunds';
import { err, ok, type Result } from '../../../preload/contract/result';
import {
  followingMoveApplied,
  type AdmittedMove,
  type AuditNote,
  type FollowingMove,
  type JournalRefund,
  type ManagerDecision,
  type PendingCheck,
  type PolicyRecheck,
  type RefundJournal,
} from '../journal-port';
import type { PaymentRecord } from '../payment-cache';
import type { AntomPaymentInfo } from '../../refunds/ports';
import { patchDetail, type InsertRefundError, type RefundFilter, type RefundPatch, type TransitionError } from '../refund-store';
import { type RefundRow, type TransitionRow } from '../rows';
import { canTransition, NON_FINAL_STATES } from '../state-machine';
import { PUBLIC_TEST_KEYS } from '../../secrets/ledger-keys';
import { transitionIsDurable, updateIsDurable } from '../durability';
import { adoptPgSeals, appendPgAudit, pgAuditHead, verifyPgAudit, type AuditCursor } from './pg-audit';
import { PgChangeFeed, type ListenStatus } from './pg-listen';
import { pgMigrate } from './pg-migrations';
import { inTransaction, storePoolConfig } from './pg-connection';
import { dbClock, type DbClock } from './pg-clock';
import {
  admissionRead,
  int,
  isUniqueViolation,
  patchSql,
  type PgJournalOptions,
  storeBalance,
  toPayment,
  toRefundRow,
  upsertPgPayment,
} from './pg-journal-rows';
import { auditedPgUpdate, CHANGE_CHANNEL, patchTouchesAudit, recordPgChange } from './pg-journal-audit';
import { pgMove } from './pg-journal-moves';
import { pgAuditedRefund } from './pg-rows';
import { pgClaimLease, pgClaimLeases, pgReleaseLease, pgRenewLease } from './pg-journal-leases';
import { pgCashierTotalOn, pgDue, pgLineageSize, pgListRefunds, pgNonFinal, pgReferenceReused, pgTransitions } from './pg-journal-reads';
import { pgRecheckPolicy } from './pg-journal-policy';

export { storeBalance, toPayment, toRefundRow, upsertPgPayment, type PgJournalOptions };

const CHANNEL = CHANGE_CHANNEL;
const IN_FLIGHT = NON_FINAL_STATES;

export class PgJournal implements RefundJournal {
  readonly engine = 'postgres' as const;
  get register(): string {
    return this.opts.register;
  }
  /** refund_changed on a reconnecting LISTEN connection (pg-listen.ts), opened on first use. */
  private readonly changes: PgChangeFeed;
  /** The store chain's MAC key: every counter's audit key (tests: the public one). */
  private get auditKey(): Buffer {
    return this.opts.auditKey ?? PUBLIC_TEST_KEYS.auditKey;
  }

  private constructor(
    private readonly pool: pg.Pool,
    private readonly opts: PgJournalOptions,
    private readonly db: DbClock,
  ) {
    this.changes = new PgChangeFeed(opts.url, CHANNEL);
  }

  /** The database's time (pg-clock.ts): schedules are written and judged on it at every counter. */
  readonly clock = (): Date => this.db.now();

  /** Connects, migrates (once across counters) and returns the journal. */
  static async open(opts: PgJournalOptions): Promise<PgJournal> {
    // Durable before any byte of a refund leaves the counter: commit waits for the WAL flush. A startup
    // parameter rather than a SET on connect, so it is in force before the first statement (and races nothing).
    const pool = new pg.Pool(storePoolConfig(opts.url, { max: opts.maxConnections ?? 4 }));
    // An idle connection that dies (database restart) must not crash the process.
    pool.on('error', () => undefined);
    const client = await pool.connect();
    try {
      // The step to V5 seals what exists, once, with this counter's key (adoptPgSeals says when that is safe).
      await pgMigrate(client, undefined, (v, c) => (v === 5 ? adoptPgSeals(c, opts.auditKey ?? PUBLIC_TEST_KEYS.auditKey) : Promise.resolve()));
    } catch (e) {
      client.release();
      await pool.end();
      throw e;
    }
    client.release();
    return new PgJournal(pool, opts, await dbClock(pool, opts.monotonic));
  }

  /** `durable: false`: the commit returns before its WAL is flushed (durability.ts); the next durable commit flushes it. */
  private tx<T>(fn: (c: pg.PoolClient) => Promise<T>, durable = true): Promise<T> {
    return inTransaction(this.pool, fn, durable);
  }

  private async one(sql: string, params: unknown[]): Promise<RefundRow | null> {
    const r = await this.pool.query(sql, params);
    return r.rows[0] ? toRefundRow(r.rows[0] as Record<string, unknown>) : null;
  }

  async upsertPayment(p: AntomPaymentInfo): Promise<void> {
    await upsertPgPayment(this.pool, p);
  }

  async getPayment(paymentId: string): Promise<PaymentRecord | null> {
    const r = await this.pool.query('SELECT * FROM payments WHERE payment_id = $1', [paymentId]);
    return r.rows[0] ? toPayment(r.rows[0] as Record<string, unknown>) : null;
  }

  get(id: string): Promise<RefundRow | null> {
    return this.one('SELECT * FROM refunds WHERE refund_request_id = $1', [id]);
  }

  getByIntent(intentId: string): Promise<RefundRow | null> {
    return this.one('SELECT * FROM refunds WHERE intent_id = $1', [intentId]);
  }

  inFlightFor(paymentId: string): Promise<RefundRow | null> {
    return this.one('SELECT * FROM refunds WHERE payment_id = $1 AND state = ANY($2)', [paymentId, IN_FLIGHT]);
  }

  async committedAmount(paymentId: string, c: pg.PoolClient | pg.Pool = this.pool): Promise<number> {
    const r = await c.query<{ s: string }>(
      `SELECT COALESCE(SUM(amount_value), 0) AS s FROM refunds WHERE payment_id = $1 AND (state = 'SUCCEEDED' OR state = ANY($2))`,
      [paymentId, IN_FLIGHT],
    );
    return int(r.rows[0]?.s ?? 0);
  }

  async refundableBalance(paymentId: string): Promise<Money | null> {
    return (await storeBalance(this.pool, paymentId))?.refundable ?? null;
  }

  async insert(
    n: JournalRefund,
    actor: string,
    opts?: { audit?: AuditNote; recheck?: PolicyRecheck; advance?: AdmittedMove },
  ): Promise<Result<RefundRow, InsertRefundError>> {
    try {
      return await this.tx(async (c) => {
        const cursor: AuditCursor = {};
        // Holding the payment's row serializes every admission of this payment, store-wide.
        const { payment, duplicate, inFlight, balance } = await admissionRead(c, n.paymentId, n.intentId);
        if (duplicate) return err('DUPLICATE_INTENT', 'This refund was already started.', { refundRequestId: duplicate.refund_request_id });
        if (payment === null) return err('PAYMENT_NOT_FOUND', 'The payment has not been looked up.');
        if (payment.amount.currency !== n.amount.currency) return err('CURRENCY_MISMATCH', `The payment is in ${payment.amount.currency}.`);
        if (inFlight) {
          return err('REFUND_IN_FLIGHT', `Another refund for this payment is still in progress (register ${inFlight.register ?? '?'}).`, {
            refundRequestId: inFlight.refund_request_id,
          });
        }
        // The one balance computation (balance.ts), over every counter's refunds, Antom's report and other refunds.
        const refundable = balance?.refundable.value ?? 0;
        if (n.amount.value > refundable)
          return err('AMOUNT_EXCEEDS_REFUNDABLE', 'The amount is more than what is left to refund on this payment.', { refundable });
        n = await pgRecheckPolicy(c, n, opts?.recheck, payment.amount.value - refundable);
        const inserted = await c.query(
          `INSERT INTO refunds (refund_request_id, intent_id, root_intent_id, parent_refund_request_id, payment_id, register, mode, amount_value, currency,
             memo, state, message, next_action, cashier, approval_reasons, send_amount)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16) RETURNING *`,
          [
            n.refundRequestId,
            n.intentId,
            n.rootIntentId ?? n.intentId,
            n.parentRefundRequestId ?? null,
            n.paymentId,
            n.register ?? this.opts.register,
            n.mode,
            n.amount.value,
            n.amount.currency,
            n.memo,
            n.state,
            n.message,
            n.nextAction,
            n.cashier,
            JSON.stringify(n.approvalReasons),
            (n.sendAmount ?? n.mode === 'PARTIAL') ? 1 : 0,
          ],
        );
        const row = inserted.rows[0] as Record<string, unknown>;
        await recordPgChange(
          c,
          this.auditKey,
          {
            id: n.refundRequestId,
            actor,
            from: null,
            to: n.state,
            detail: { intentId: n.intentId, amount: n.amount, mode: n.mode },
            kind: 'refund.intent',
            auditDetail: {
              refundRequestId: n.refundRequestId,
              intentId: n.intentId,
              paymentId: n.paymentId,
              register: n.register ?? this.opts.register,
              mode: n.mode,
              amount: n.amount,
              state: n.state,
              approvalReasons: n.approvalReasons.map((r) => r.code),
              parentRefundRequestId: n.parentRefundRequestId ?? null,
            },
            row,
          },
          cursor,
        );
        if (opts?.audit) await appendPgAudit(c, this.auditKey, actor, opts.audit.kind, opts.audit.detail, cursor);
        const next = opts?.advance;
        if (next === undefined || n.state !== 'APPROVED') return ok(toRefundRow(row));
        // The new row is this transaction's alone until COMMIT: no lease to judge, nobody else to move it.
        return ok(
          toRefundRow(followingMoveApplied(await pgMove(c, this.auditKey, this.opts.register, { id: n.refundRequestId, from: 'APPROVED', ...next }, cursor))),
        );
      });
    } catch (e) {
      // The indexes are the last word when two counters race past the checks.
      if (isUniqueViolation(e, 'refunds_intent_id_key')) {
        const dup = await this.getByIntent(n.intentId);
        return err('DUPLICATE_INTENT', 'This refund was already started.', { refundRequestId: dup?.refund_request_id ?? null });
      }
      if (isUniqueViolation(e, 'refunds_one_in_flight')) {
        const other = await this.inFlightFor(n.paymentId);
        return err('REFUND_IN_FLIGHT', 'Another refund for this payment is still in progress.', { refundRequestId: other?.refund_request_id ?? null });
      }
      throw e;
    }
  }

  async transition(
    id: string,
    from: RefundState,
    to: RefundState,
    opts: { actor: string; detail?: Record<string, unknown>; patch?: RefundPatch; audit?: AuditNote; lateSuccess?: boolean; then?: FollowingMove },
  ): Promise<Result<RefundRow, TransitionError>> {
    if (!canTransition(from, to, opts.lateSuccess === true)) return err('ILLEGAL_TRANSITION', `A refund cannot go from ${from} to ${to}.`);
    const then = opts.then;
    if (then !== undefined && !canTransition(to, then.to)) return err('ILLEGAL_TRANSITION', `A refund cannot go from ${to} to ${then.to}.`);
    return this.tx(
      async (c) => {
        const cursor: AuditCursor = {};
        const moved = await pgMove(c, this.auditKey, this.opts.register, { id, from, to, ...opts }, cursor);
        if (!moved.ok) return moved;
        if (opts.audit) await appendPgAudit(c, this.auditKey, opts.actor, opts.audit.kind, opts.audit.detail, cursor);
        if (then === undefined) return ok(toRefundRow(moved.value));
        return ok(toRefundRow(followingMoveApplied(await pgMove(c, this.auditKey, this.opts.register, { id, from: to, ...then }, cursor))));
      },
      transitionIsDurable(to) || (then !== undefined && transitionIsDurable(then.to)),
    ).catch((e: unknown) => pgReferenceReused(this.pool, e, id, opts.patch));
  }

  async decide(id: string, d: ManagerDecision): Promise<Result<RefundRow, TransitionError>> {
    return this.tx(async (c) => {
      // The compare-and-set decides which of racing decisions (any counter) applies; the rest leave nothing.
      const { sets, params } = patchSql(d.patch ?? {}, 4);
      const r = await c.query(`UPDATE refunds SET state = $1, updated_at = now()${sets} WHERE refund_request_id = $2 AND state = $3 RETURNING *`, [
        d.decision,
        id,
        'AWAITING_APPROVAL',
        ...params,
      ]);
      if (r.rowCount === 0) {
        const cur = await c.query<{ state: string }>('SELECT state FROM refunds WHERE refund_request_id = $1', [id]);
        const row = cur.rows[0];
        return row ? err('STALE_STATE', `The refund is ${row.state}, not AWAITING_APPROVAL.`, { state: row.state }) : err('NOT_FOUND', 'No such refund.');
      }
      const detail = { reason: d.reason, ...patchDetail(d.patch ?? {}) };
      const auditDetail = { refundRequestId: id, from: 'AWAITING_APPROVAL', to: d.decision, ...detail };
      const row = r.rows[0] as Record<string, unknown>;
      await recordPgChange(c, this.auditKey, {
        id,
        actor: d.manager,
        from: 'AWAITING_APPROVAL',
        to: d.decision,
        detail,
        kind: 'refund.transition',
        auditDetail,
        row,
      });
      await c.query('INSERT INTO approvals (refund_request_id, manager, decision, reason) VALUES ($1, $2, $3, $4)', [id, d.manager, d.decision, d.reason]);
      await appendPgAudit(c, this.auditKey, d.manager, d.decision === 'APPROVED' ? 'refund.approved' : 'refund.declined', {
        refundRequestId: id,
        reason: d.reason,
        register: this.opts.register,
      });
      if (d.selfApproved === true && d.decision === 'APPROVED')
        await appendPgAudit(c, this.auditKey, d.manager, 'refund.self_approved', { refundRequestId: id, reason: d.reason });
      return ok(toRefundRow(row));
    });
  }

  async recordAntomAmount(id: string, value: number, actor: string): Promise<Result<RefundRow, 'NOT_FOUND' | 'STALE_STATE'>> {
    return this.tx(async (c) => {
      const cur = await c.query('SELECT * FROM refunds WHERE refund_request_id = $1 FOR UPDATE', [id]);
      if (!cur.rows[0]) return err('NOT_FOUND', 'No such refund.');
      const before = toRefundRow(cur.rows[0] as Record<string, unknown>);
      if (before.state !== 'SUCCEEDED') return err('STALE_STATE', `The refund is ${before.state}.`);
      if (before.amount_value === value) return ok(before);
      const r = await c.query('UPDATE refunds SET amount_value = $2, updated_at = now() WHERE refund_request_id = $1 RETURNING *', [id, value]);
      const row = r.rows[0] as Record<string, unknown>;
      await appendPgAudit(c, this.auditKey, actor, 'refund.amount_from_antom', {
        refundRequestId: id,
        journaled: before.amount_value,
        antomRefunded: value,
        row: pgAuditedRefund(row),
      });
      await c.query('SELECT pg_notify($1, $2)', [CHANNEL, id]);
      return ok(toRefundRow(row));
    });
  }

  latestInLineage(rootIntentId: string): Promise<RefundRow | null> {
    return this.one('SELECT * FROM refunds WHERE root_intent_id = $1 ORDER BY created_at DESC, refund_request_id DESC LIMIT 1', [rootIntentId]);
  }

  lineageSize(rootIntentId: string): Promise<number> {
    return pgLineageSize(this.pool, rootIntentId);
  }

  cashierTotalOn(cashier: string, currency: string, date: string, timeZone: string): Promise<number> {
    return pgCashierTotalOn(this.pool, cashier, currency, date, timeZone);
  }

  list(filter: RefundFilter & { readonly timeZone?: string } = {}): Promise<RefundRow[]> {
    return pgListRefunds(this.pool, filter);
  }

  async update(id: string, expected: RefundState, patch: RefundPatch): Promise<Result<RefundRow, 'NOT_FOUND' | 'STALE_STATE'>> {
    const { sets, params } = patchSql(patch, 3);
    const sql = `UPDATE refunds SET updated_at = now()${sets} WHERE refund_request_id = $1 AND state = $2 RETURNING *`;
    // A refundId or terminal reference is audited content: locked, compared and audited in one transaction.
    const row = patchTouchesAudit(patch)
      ? await this.tx((c) => auditedPgUpdate(c, this.auditKey, id, expected, patch), updateIsDurable(expected))
      : (((updateIsDurable(expected)
          ? await this.pool.query(sql, [id, expected, ...params])
          : await this.tx((c) => c.query(sql, [id, expected, ...params]), false)
        ).rows[0] as Record<string, unknown> | undefined) ?? null);
    if (row === null) {
      const cur = await this.get(id);
      return cur === null ? err('NOT_FOUND', 'No such refund.') : err('STALE_STATE', `The refund is ${cur.state}, not ${expected}.`);
    }
    await this.pool.query('SELECT pg_notify($1, $2)', [CHANNEL, id]);
    return ok(toRefundRow(row));
  }

  async recordSlip(id: string, printed: boolean): Promise<RefundRow | null> {
    return this.tx(async (c) => {
      const r = await c.query('UPDATE refunds SET terminal_printed = $2, updated_at = now() WHERE refund_request_id = $1 RETURNING *', [id, printed ? 1 : 0]);
      if (r.rowCount === 0) return null;
      await appendPgAudit(c, this.auditKey, 'system', 'refund.slip', { refundRequestId: id, printed });
      await c.query('SELECT pg_notify($1, $2)', [CHANNEL, id]);
      return toRefundRow(r.rows[0] as Record<string, unknown>);
      // The slip flag only tells the outcome screen whether the customer has a slip; lost, it reads "unknown".
    }, false);
  }

  claimLease(id: string, owner: string, ttlMs: number, ownerAlive: (owner: string) => boolean): Promise<boolean> {
    return this.tx((c) => pgClaimLease(c, id, owner, ttlMs, ownerAlive), false);
  }

  async renewLease(id: string, owner: string, ttlMs: number): Promise<void> {
    await this.tx((c) => pgRenewLease(c, id, owner, ttlMs), false);
  }

  async releaseLease(id: string, owner: string): Promise<void> {
    await this.tx((c) => pgReleaseLease(c, id, owner), false);
  }

  claimLeases(ids: readonly string[], owner: string, ttlMs: number, ownerAlive: (owner: string) => boolean): Promise<Set<string>> {
    return this.tx((c) => pgClaimLeases(c, ids, owner, ttlMs, ownerAlive), false);
  }

  async recordChecks(checks: readonly PendingCheck[], owner: string): Promise<RefundRow[]> {
    return this.tx(async (c) => {
      const out: RefundRow[] = [];
      for (const k of checks) {
        const { sets, params } = patchSql(k.patch, 3);
        const patched = patchTouchesAudit(k.patch)
          ? await auditedPgUpdate(c, this.auditKey, k.refundRequestId, k.expected, k.patch)
          : (((
              await c.query(`UPDATE refunds SET updated_at = now()${sets} WHERE refund_request_id = $1 AND state = $2 RETURNING *`, [
                k.refundRequestId,
                k.expected,
                ...params,
              ])
            ).rows[0] as Record<string, unknown> | undefined) ?? null);
        await c.query('UPDATE refunds SET lease_owner = NULL, lease_until = NULL WHERE refund_request_id = $1 AND lease_owner = $2', [
          k.refundRequestId,
          owner,
        ]);
        if (patched !== null) {
          out.push(toRefundRow(patched));
          await c.query('SELECT pg_notify($1, $2)', [CHANNEL, k.refundRequestId]);
        }
      }
      return out;
    }, false);
  }

  transitions(id: string): Promise<TransitionRow[]> {
    return pgTransitions(this.pool, id);
  }

  nonFinal(): Promise<RefundRow[]> {
    return pgNonFinal(this.pool);
  }

  due(): Promise<RefundRow[]> {
    return pgDue(this.pool);
  }

  onChange(listener: (id: string) => void): () => void {
    return this.changes.onNotify(listener);
  }

  /** After every (re)connect of the change feed: notices sent while it was down are lost, so re-read. */
  onCatchUp(listener: () => void): () => void {
    return this.changes.onCatchUp(() => listener());
  }

  /** The change feed's connection, for health (null until someone subscribed). */
  feedStatus(): ListenStatus | null {
    return this.changes.status();
  }

  /** Resolves once LISTEN is in place (tests wait for it before writing). */
  ready(): Promise<void> {
    return this.changes.ready();
  }

  async appendAudit(actor: string, kind: string, detail: Record<string, unknown>): Promise<void> {
    await this.tx(async (c) => void (await appendPgAudit(c, this.auditKey, actor, kind, detail)));
  }

  async auditHead(): Promise<{ seq: number; hash: string }> {
    return pgAuditHead(this.pool);
  }

  async verifyAudit(): Promise<{ intact: boolean; entries: number; brokenAt?: number }> {
    const v = await verifyPgAudit(this.pool, this.auditKey);
    return v.ok ? { intact: true, entries: v.count } : { intact: false, entries: v.count, brokenAt: v.firstBrokenSeq };
  }

  async close(): Promise<void> {
    this.db.stop();
    await this.changes.close();
    await this.pool.end();
  }
}

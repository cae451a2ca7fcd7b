/**
 * The embedded engine behind the asynchronous journal port: the SQLite ledger
 * of one counter (main/ledger/ledger.ts), whose writes are synchronous and
 * durable when they return (synchronous=FULL), wrapped in promises. Change
 * notices cover this process's writes; other processes on the same file are
 * seen by polling, as before.
 */
import type { Money } from '../../preload/contract/money';
import { followingMoveApplied, type RefundJournal } from './journal-port';
import type { Ledger } from './ledger';
import { parseRow, RefundRowSchema, type RefundRow } from './rows';
import { transitionIsDurable, updateIsDurable } from './durability';
import { RefundStore } from './refund-store';
import { canTransition } from './state-machine';
import { err, ok } from '../../preload/contract/result';
import { applyPolicyRecheck } from './policy-recheck';

/**
 * Runs `fn`'s commit without its own fsync (durability.ts): under WAL, NORMAL appends the commit
 * and the next FULL commit's fsync covers it. One connection, synchronous calls: nothing else
 * commits between the two pragmas.
 */
export function relaxedCommit<T>(ledger: Ledger, fn: () => T): T {
  // Inside a caller's transaction the commit is the caller's, at the caller's level.
  if (ledger.db.inTransaction) return fn();
  ledger.db.pragma('synchronous = NORMAL');
  try {
    return fn();
  } finally {
    ledger.db.pragma('synchronous = FULL');
  }
}

/**
 * `onState`: told each change with the row's new state, before the listeners (the SQLite store
 * tracks approvals with it instead of reading every changed row back).
 */
export function sqliteJournal(ledger: Ledger, onState?: (refundRequestId: string, state: RefundRow['state']) => void): RefundJournal {
  const listeners = new Set<(id: string) => void>();
  const notify = (row: { refund_request_id: string; state: RefundRow['state'] }): void => {
    onState?.(row.refund_request_id, row.state);
    for (const l of [...listeners]) l(row.refund_request_id);
  };
  const changed = <T extends { ok: boolean; value?: { refund_request_id: string; state: RefundRow['state'] } }>(r: T): T => {
    if (r.ok && r.value) notify(r.value);
    return r;
  };
  const r = ledger.refunds;
  // One connection, synchronous calls: nothing else commits between the two pragmas. Under WAL,
  // NORMAL appends the commit without an fsync; the next FULL commit's fsync covers it (durability.ts).
  const relaxed = <T>(fn: () => T): T => relaxedCommit(ledger, fn);
  const maybeRelaxed = <T>(durable: boolean, fn: () => T): T => (durable ? fn() : relaxed(fn));
  const zoned = (tz?: string): RefundStore => (tz === undefined || tz === ledger.timeZone ? r : new RefundStore(ledger.db, ledger.audit, ledger.clock, tz));
  return {
    engine: 'sqlite',
    upsertPayment: async (p) => void relaxedCommit(ledger, () => ledger.payments.upsert(p)),
    getPayment: async (id) => ledger.payments.get(id),
    get: async (id) => r.get(id),
    getByIntent: async (id) => r.getByIntent(id),
    inFlightFor: async (id) => r.inFlightFor(id),
    committedAmount: async (id) => r.committedAmount(id),
    refundableBalance: async (id): Promise<Money | null> => ledger.refundableBalance(id),
    insert: async (n, actor, opts) =>
      changed(
        ledger.transaction(() => {
          // The policy's store-wide figures re-read inside this write transaction (the file's one writer lock,
          // taken by BEGIN IMMEDIATE: the app and the CLI cannot both pass the same cashier's daily total).
          const recheck = opts?.recheck;
          const pay = recheck === undefined ? null : ledger.payments.get(n.paymentId);
          const asked =
            recheck === undefined || pay === null
              ? n
              : applyPolicyRecheck(n, recheck, {
                  cashierTotalToday: zoned(recheck.timeZone).cashierTotalOn(n.cashier, n.amount.currency, recheck.date),
                  paymentRefundedBefore: Math.max(0, pay.amount.value - (ledger.refundableBalance(n.paymentId)?.value ?? pay.amount.value)),
                });
          const ins = r.insert(asked, actor);
          if (ins.ok && opts?.audit) ledger.audit.append(actor, opts.audit.kind, opts.audit.detail);
          const next = opts?.advance;
          if (!ins.ok || next === undefined || ins.value.state !== 'APPROVED') return ins;
          // Held under the file's write lock since BEGIN IMMEDIATE: nobody else can hold or move it.
          if (!r.claimLease(n.refundRequestId, next.lease.owner, next.lease.ttlMs, () => true)) throw new Error('a new refund had a lease');
          return ok(
            followingMoveApplied(
              r.transition(n.refundRequestId, 'APPROVED', next.to, next.patch ? { actor: next.actor, patch: next.patch } : { actor: next.actor }),
            ),
          );
        }),
      ),
    transition: async (id, from, to, opts) => {
      if (opts.then !== undefined && !canTransition(to, opts.then.to)) return err('ILLEGAL_TRANSITION', `A refund cannot go from ${to} to ${opts.then.to}.`);
      const then = opts.then;
      return changed(
        maybeRelaxed(transitionIsDurable(to) || (then !== undefined && transitionIsDurable(then.to)), () =>
          ledger.transaction(() => {
            const moved = r.transition(id, from, to, opts);
            if (moved.ok && opts.audit) ledger.audit.append(opts.actor, opts.audit.kind, opts.audit.detail);
            if (!moved.ok || then === undefined) return moved;
            return ok(followingMoveApplied(r.transition(id, to, then.to, then.patch ? { actor: then.actor, patch: then.patch } : { actor: then.actor })));
          }),
        ),
      );
    },
    update: async (id, expected, patch) => changed(maybeRelaxed(updateIsDurable(expected), () => r.update(id, expected, patch))),
    decide: async (id, d) =>
      changed(
        ledger.transaction(() => {
          const t = r.transition(id, 'AWAITING_APPROVAL', d.decision, {
            actor: d.manager,
            detail: { reason: d.reason },
            ...(d.patch ? { patch: d.patch } : {}),
          });
          if (!t.ok) return t;
          r.recordApproval({ refundRequestId: id, manager: d.manager, decision: d.decision, reason: d.reason });
          if (d.selfApproved === true && d.decision === 'APPROVED')
            ledger.audit.append(d.manager, 'refund.self_approved', { refundRequestId: id, reason: d.reason });
          return t;
        }),
      ),
    recordAntomAmount: async (id, value, actor) => changed(r.recordAntomAmount(id, value, actor)),
    latestInLineage: async (root) => r.latestInLineage(root),
    lineageSize: async (root) => r.lineageSize(root),
    // The same rows and rule, read in the zone asked for (the ledger's store reads its own).
    cashierTotalOn: async (cashier, currency, date, tz) => zoned(tz).cashierTotalOn(cashier, currency, date),
    list: async (f = {}) => zoned(f.timeZone).list(f),
    recordSlip: async (id, printed) => {
      // The slip flag only tells the outcome screen whether the customer has a slip; lost, it reads "unknown".
      const row = relaxed(() => r.recordSlip(id, printed));
      if (row !== null) notify(row);
      return row;
    },
    // Leases only keep two live engines apart; a crash that loses one also ended its holder.
    claimLease: async (id, owner, ttl, alive) => relaxed(() => r.claimLease(id, owner, ttl, alive)),
    renewLease: async (id, owner, ttl) => relaxed(() => r.renewLease(id, owner, ttl)),
    releaseLease: async (id, owner) => relaxed(() => r.releaseLease(id, owner)),
    // Recovery's batches: one statement per batch for the leases, one short UPDATE per refund for the
    // checks (the per-refund calls re-read and re-validate every row several times).
    claimLeases: async (ids, owner, ttl, alive) =>
      relaxed(() =>
        ledger.transaction(() => {
          const list = JSON.stringify(ids);
          const now = ledger.clock();
          const held = ledger.db
            .prepare(
              'SELECT refund_request_id AS id, lease_owner AS o, lease_until AS u FROM refunds WHERE refund_request_id IN (SELECT value FROM json_each(?))',
            )
            .all(list) as { id: string; o: string | null; u: string | null }[];
          const free = held.filter((h) => h.o === null || h.o === owner || h.u === null || Date.parse(h.u) <= now.getTime() || !alive(h.o)).map((h) => h.id);
          ledger.db
            .prepare('UPDATE refunds SET lease_owner = ?, lease_until = ? WHERE refund_request_id IN (SELECT value FROM json_each(?))')
            .run(owner, new Date(now.getTime() + ttl).toISOString(), JSON.stringify(free));
          return new Set(free);
        }),
      ),
    recordChecks: async (checks, owner) => {
      const rows = relaxed(() =>
        ledger.transaction(() => {
          const now = ledger.clock().toISOString();
          // refund_id is an audited column: a check that changes it goes through update(), which audits it.
          const fast = ledger.db.prepare(
            `UPDATE refunds SET result_code = @resultCode, message = @message, next_action = @nextAction, attempts = @attempts, next_check_at = @nextCheckAt,
                    updated_at = @now, lease_owner = NULL, lease_until = NULL
              WHERE refund_request_id = @id AND state = @state AND lease_owner = @owner AND (@refundId IS NULL OR refund_id IS @refundId) RETURNING *`,
          );
          const out: RefundRow[] = [];
          for (const c of checks) {
            const p = c.patch;
            const whole =
              p.resultCode !== undefined && p.message !== undefined && p.nextAction !== undefined && p.attempts !== undefined && p.nextCheckAt !== undefined;
            const raw = !whole
              ? undefined
              : fast.get({
                  id: c.refundRequestId,
                  state: c.expected,
                  owner,
                  now,
                  resultCode: p.resultCode ?? null,
                  message: p.message ?? '',
                  nextAction: p.nextAction ?? 'INQUIRE',
                  attempts: p.attempts ?? 0,
                  nextCheckAt: p.nextCheckAt ?? null,
                  refundId: p.refundId ?? null,
                });
            if (raw !== undefined) {
              out.push(parseRow(RefundRowSchema, raw, 'refund'));
              continue;
            }
            const u = r.update(c.refundRequestId, c.expected, p);
            r.releaseLease(c.refundRequestId, owner);
            if (u.ok) out.push(u.value);
          }
          return out;
        }),
      );
      for (const row of rows) notify(row);
      return rows;
    },
    transitions: async (id) => r.transitions(id),
    nonFinal: async () => r.nonFinal(),
    due: async () => r.due(ledger.clock()),
    onChange(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    appendAudit: async (actor, kind, detail) => void ledger.audit.append(actor, kind, detail),
    auditHead: async () => ledger.audit.head(),
    async verifyAudit() {
      const v = ledger.audit.verify();
      return v.ok ? { intact: true, entries: v.count } : { intact: false, entries: v.count, brokenAt: v.firstBrokenSeq };
    },
    close: async () => ledger.close(),
  };
}

/**
 * The embedded engine behind the asynchronous journal port: the SQLite ledger
 * of one counter (main/ledger/ledger.ts), whose writes are synchronous and
 * durable when they return (synchronous=FULL), wrapped in promises. Change
 * notices cover this process's writes; other processes on the same file are
 * seen by polling, as before.
 */
import type { Money } from '../../preload/contract/money';
import type { RefundJournal } from './journal-port';
import type { Ledger } from './ledger';
import { RefundStore } from './refund-store';

export function sqliteJournal(ledger: Ledger): RefundJournal {
  const listeners = new Set<(id: string) => void>();
  const changed = <T extends { ok: boolean; value?: { refund_request_id: string } }>(r: T): T => {
    if (r.ok && r.value) for (const l of [...listeners]) l(r.value.refund_request_id);
    return r;
  };
  const r = ledger.refunds;
  const zoned = (tz?: string): RefundStore => (tz === undefined || tz === ledger.timeZone ? r : new RefundStore(ledger.db, ledger.audit, ledger.clock, tz));
  return {
    engine: 'sqlite',
    upsertPayment: async (p) => void ledger.payments.upsert(p),
    getPayment: async (id) => ledger.payments.get(id),
    get: async (id) => r.get(id),
    getByIntent: async (id) => r.getByIntent(id),
    inFlightFor: async (id) => r.inFlightFor(id),
    committedAmount: async (id) => r.committedAmount(id),
    refundableBalance: async (id): Promise<Money | null> => ledger.refundableBalance(id),
    insert: async (n, actor, opts) =>
      changed(
        ledger.transaction(() => {
          const ins = r.insert(n, actor);
          if (ins.ok && opts?.audit) ledger.audit.append(actor, opts.audit.kind, opts.audit.detail);
          return ins;
        }),
      ),
    transition: async (id, from, to, opts) =>
      changed(
        ledger.transaction(() => {
          const moved = r.transition(id, from, to, opts);
          if (moved.ok && opts.audit) ledger.audit.append(opts.actor, opts.audit.kind, opts.audit.detail);
          return moved;
        }),
      ),
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
    update: async (id, expected, patch) => changed(r.update(id, expected, patch)),
    recordSlip: async (id, printed) => {
      const row = r.recordSlip(id, printed);
      if (row !== null) for (const l of [...listeners]) l(row.refund_request_id);
      return row;
    },
    claimLease: async (id, owner, ttl, alive) => r.claimLease(id, owner, ttl, alive),
    renewLease: async (id, owner, ttl) => r.renewLease(id, owner, ttl),
    releaseLease: async (id, owner) => r.releaseLease(id, owner),
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

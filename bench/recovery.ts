/**
 * Benchmark 3: recovery of N pending refunds from the journal. Rows are
 * written through the ledger's own API (insert + the real transitions, with
 * audit entries) into a file on disk, the file is closed, then:
 *   A. "load and schedule" (the target): openLedger + nonFinal() + an
 *      in-memory schedule ordered by next_check_at (what a recovery that only
 *      schedules, and leaves the inquiries to the background tick, would do);
 *   B. the real engine.recover() on the same rows with a gateway whose
 *      inquiry answers PENDING (IN_PROCESS) instantly: this includes the
 *      journal writes engine.recover() makes (batched, see the note).
 * Antom is never called.
 */
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { err, ok } from '../preload/contract/result';
import { openLedger } from '../main/ledger';
import type { AntomGatewayPort, AntomOutcome, TerminalPort } from '../main/refunds/ports';
import { RefundEngine } from '../main/refunds/refund-engine';

const now = (): number => performance.now();

export interface RecoveryResult {
  readonly rows: number;
  readonly populateMs: number;
  readonly loadAndSchedule: {
    readonly openMs: number;
    readonly listNonFinalMs: number;
    readonly scheduleMs: number;
    readonly dueQueryMs: number;
    readonly totalMs: number;
    readonly listed: number;
  };
  readonly engineRecover: {
    readonly ms: number;
    readonly examined: number;
    readonly pending: number;
    readonly errors: number;
    readonly inquiries: number;
    readonly updatedEvents: number;
    /** recover() called -> the last 'updated' event (a view per recorded check) delivered. */
    readonly untilLastUpdateMs: number;
    readonly perRowMs: number;
  };
  readonly note: string;
}

const PENDING_NOW: AntomOutcome = {
  status: 'PENDING',
  pendingKind: 'IN_PROCESS',
  resultCode: 'DPOS_REFUND_REFUND_IN_PROCESS',
  resultMessage: 'stub: still processing',
  cashierMessage: 'The refund is still being processed.',
  nextAction: 'INQUIRE',
  retrySameRequestId: true,
};

export function populatePending(file: string, rows: number): number {
  const t = now();
  const ledger = openLedger(file);
  const paidAt = new Date(Date.now() - 3_600_000).toISOString();
  const nextCheck = new Date(Date.now() + 5_000).toISOString();
  ledger.transaction(() => {
    for (let i = 0; i < rows; i++) {
      const paymentId = `RECOVER-SGD-${String(i).padStart(6, '0')}`;
      ledger.payments.upsert({
        paymentId,
        amount: { value: 5_000, currency: 'SGD' },
        paymentMethod: 'ALIPAY_CN',
        paidAt,
        status: 'SUCCESS',
        supportsPartialRefund: true,
      });
      const id = `RR20260101${randomUUID().replace(/-/g, '')}`;
      const ins = ledger.refunds.insert(
        {
          refundRequestId: id,
          intentId: `recover-${i}`,
          paymentId,
          mode: 'FULL',
          amount: { value: 5_000, currency: 'SGD' },
          memo: null,
          state: 'APPROVED',
          cashier: 'alice',
          message: 'approved',
          nextAction: 'WAIT',
          approvalReasons: [],
        },
        'alice',
      );
      if (!ins.ok) throw new Error(`populate: ${ins.error.message}`);
      const steps: [
        Parameters<typeof ledger.refunds.transition>[1],
        Parameters<typeof ledger.refunds.transition>[2],
        Parameters<typeof ledger.refunds.transition>[3]['patch'],
      ][] = [
        ['APPROVED', 'REFERENCE_REQUESTED', { nextAction: 'WAIT' }],
        ['REFERENCE_REQUESTED', 'REFERENCE_OBTAINED', { originalMerchantRefundId: `AT-PX-BENCH1-${i}` }],
        ['REFERENCE_OBTAINED', 'SUBMITTING', {}],
        ['SUBMITTING', 'PENDING_IN_PROCESS', { resultCode: 'DPOS_REFUND_REFUND_IN_PROCESS', nextAction: 'INQUIRE', attempts: 1, nextCheckAt: nextCheck }],
      ];
      for (const [from, to, patch] of steps) {
        const tr = ledger.refunds.transition(id, from, to, { actor: 'system', patch: patch ?? {} });
        if (!tr.ok) throw new Error(`populate: ${tr.error.message}`);
      }
    }
  });
  ledger.close();
  return now() - t;
}

export async function runRecovery(dir: string, rows: number): Promise<RecoveryResult> {
  const file = path.join(dir, `recovery-${rows}.sqlite`);
  const populateMs = populatePending(file, rows);

  // A. open + list + schedule.
  const t0 = now();
  const ledger = openLedger(file);
  const t1 = now();
  const listed = ledger.refunds.nonFinal();
  const t2 = now();
  const fallback = Date.now();
  const schedule = listed
    .filter((r) => r.state !== 'AWAITING_APPROVAL')
    .map((r) => ({ id: r.refund_request_id, at: r.next_check_at === null ? fallback : Date.parse(r.next_check_at) }))
    .sort((a, b) => a.at - b.at);
  const t3 = now();
  if (schedule.length !== rows) throw new Error(`expected ${rows} scheduled, got ${schedule.length}`);
  const tq = now();
  ledger.refunds.due(new Date(Date.now() + 60_000));
  const dueQueryMs = now() - tq;

  // B. the engine's own recover(), inquiries stubbed to PENDING instantly.
  let inquiries = 0;
  const antom: AntomGatewayPort = {
    refund: async () => PENDING_NOW,
    inquireRefund: async () => {
      inquiries++;
      return PENDING_NOW;
    },
    inquirePayment: async () => err('UNAVAILABLE', 'stub'),
  };
  const terminal: TerminalPort = {
    requestRefundReference: async () => err('NOT_CONNECTED', 'stub'),
    sendRefundResult: async () => ok({ printed: false }),
  };
  const engine = new RefundEngine({ ledger, terminal, antom });
  // As in the app, which pushes every change to the renderer: each recorded check reads its view.
  let updates = 0;
  engine.on('updated', () => void (updates += 1));
  const r0 = now();
  const summary = await engine.recover();
  const recoverMs = now() - r0;
  // The views are read and emitted after the writes, in order: counted until the last one is out.
  while (updates < summary.pending && now() - r0 < 60_000) await new Promise((r) => setImmediate(r));
  const withViewsMs = now() - r0;
  await engine.stop();
  ledger.close();

  return {
    rows,
    populateMs,
    loadAndSchedule: { openMs: t1 - t0, listNonFinalMs: t2 - t1, scheduleMs: t3 - t2, dueQueryMs, totalMs: t3 - t0, listed: listed.length },
    engineRecover: {
      ms: recoverMs,
      examined: summary.examined,
      pending: summary.pending,
      errors: summary.errors,
      inquiries,
      updatedEvents: updates,
      untilLastUpdateMs: withViewsMs,
      perRowMs: rows > 0 ? recoverMs / rows : 0,
    },
    note:
      'loadAndSchedule = openLedger (pragmas + migrations) + refunds.nonFinal() + sorting by next_check_at in memory; the file was just written, so it is in the OS page cache. ' +
      'engineRecover = RefundEngine.recover() on the same rows with inquireRefund stubbed to PENDING/IN_PROCESS instantly: batches of 500 (one relaxed commit claims the leases, 32 inquiries in flight, one relaxed commit records the answers and releases the leases), one durable commit at the end (the recovery.run audit entry).',
  };
}

/**
 * Applies one verified, schema-valid notifyRefund to the refund journal.
 * One job: decide whether Antom's push is about a refund we journaled and,
 * if it is final, move that refund to its final state with a compare-and-set
 * transition of the journal port. Signature checking, size caps and the HTTP
 * answer are the server's (notify-server.ts).
 *
 * Rules:
 *  - only a refund we journaled, and only when the push repeats what we
 *    journaled (refundRequestId; paymentId and refundAmount where it names
 *    them; always the currency), is touched: the same classification as an
 *    inquiry answer (classifyRefundNotification);
 *  - only a refund Antom has seen (SUBMITTING or PENDING_*) can be finished
 *    by a push: a refund that never left the counter cannot have a result;
 *  - the move is a CAS on the state we read: a counter driving the same
 *    refund at the same moment either wins (we see its final state) or loses
 *    (its own CAS fails and it reads ours); never both;
 *  - a push that repeats the state already journaled changes nothing (replay);
 *  - a push contradicting a final state is never applied, and is loud;
 *    except SUCCESS for a refund journaled FAILED: money moved, so the
 *    journal follows Antom (FAILED -> SUCCEEDED, the one late move of
 *    state-machine.ts), marked LATE_SUCCESS_AFTER_FAILED with CALL_SUPPORT so
 *    the screens show it refunded, the balance counts it, retry-as-new is
 *    closed, and `doctor` lists it (a retry or cash may already have been
 *    given: docs/ledger.md "A success after a failure").
 */
import type { RefundState } from '../../preload/contract/refunds';
import { classifyRefundNotification, type RefundExpectation } from '../antom/classify';
import type { RefundNotifyBody } from '../antom/wire';
import type { RefundJournal } from '../ledger/journal-port';
import type { RefundPatch } from '../ledger/refund-store';
import type { RefundRow } from '../ledger/rows';
import { isFinal } from '../ledger/state-machine';

/** result_code of a refund journaled FAILED that Antom's notification then reported SUCCESS (doctor looks for it). */
export const LATE_SUCCESS_CODE = 'LATE_SUCCESS_AFTER_FAILED';

/** Who the journal and audit name for a push from Antom. */
export const NOTIFY_ACTOR = 'antom:notify';

export type NotifyVerdict =
  /** Moved to a final state now. */
  | { readonly kind: 'APPLIED'; readonly refundRequestId: string; readonly from: RefundState; readonly to: RefundState }
  /** Already in the state the push names: nothing changed. */
  | { readonly kind: 'ALREADY_FINAL'; readonly refundRequestId: string; readonly state: RefundState }
  /** Antom says it is still processing: nothing to apply, the counter keeps checking. */
  | { readonly kind: 'STILL_PENDING'; readonly refundRequestId: string; readonly state: RefundState }
  /** No refund with this refundRequestId in this journal (a Dashboard refund, another store). */
  | { readonly kind: 'UNKNOWN_REFUND'; readonly refundRequestId: string }
  /** About our refundRequestId but not what we journaled, or about a refund Antom cannot have seen. */
  | { readonly kind: 'MISMATCH'; readonly refundRequestId: string; readonly state: RefundState; readonly detail: string }
  /** Journaled FAILED, Antom says SUCCESS: moved to SUCCEEDED, flagged for support (money moved after all). */
  | { readonly kind: 'LATE_SUCCESS'; readonly refundRequestId: string; readonly from: 'FAILED'; readonly to: 'SUCCEEDED'; readonly detail: string }
  /** Final in the journal with the opposite result: never overwritten. */
  | { readonly kind: 'CONFLICT'; readonly refundRequestId: string; readonly state: RefundState; readonly detail: string };

/** States Antom has been asked about: only these can be finished by its push. */
const SENT: readonly RefundState[] = ['SUBMITTING', 'PENDING_IN_PROCESS', 'PENDING_UNKNOWN'];

function expectationOf(row: RefundRow): RefundExpectation {
  return {
    refundRequestId: row.refund_request_id,
    paymentId: row.payment_id,
    // A FULL refund asked for no amount: Antom's figure is recorded, not judged (as for inquiries).
    ...(row.send_amount === 1 ? { refundAmount: { value: row.amount_value, currency: row.currency } } : {}),
    ...(row.refund_id !== null ? { refundId: row.refund_id } : {}),
  };
}

function auditDetail(body: RefundNotifyBody): Record<string, unknown> {
  return {
    refundRequestId: body.refundRequestId,
    refundId: body.refundId ?? null,
    paymentId: body.paymentId ?? null,
    refundStatus: body.refundStatus ?? null,
    resultStatus: body.result.resultStatus,
    resultCode: body.result.resultCode ?? null,
    refundAmount: body.refundAmount ?? null,
  };
}

/**
 * A FULL refund is sent without an amount: what Antom refunded is what its
 * push says, and that figure is the refund's amount from now on (the receipt,
 * the report, the payment's balance at every counter), exactly as when the
 * counter's own inquiry brings the answer (outcome-learning.ts). A PARTIAL
 * refund's figure was already compared (expectationOf): a different one is a
 * MISMATCH and never gets here. Done after the final move, as on the inquiry
 * path; should it be lost, the refund keeps the journaled figure (the old
 * behaviour) and the report says so.
 */
async function learnAntomAmount(journal: RefundJournal, row: RefundRow, reported: { value: number; currency: string } | undefined): Promise<void> {
  if (reported === undefined || reported.currency !== row.currency || reported.value <= 0 || reported.value === row.amount_value) return;
  await journal.recordAntomAmount(row.refund_request_id, reported.value, NOTIFY_ACTOR);
}

/** How many times a lost CAS is re-read before giving up (each loss means someone else moved it). */
const MAX_CAS_ROUNDS = 4;

/**
 * Writes the audit entry of a verdict that changed nothing (unknown refund, mismatch, conflict). The server passes
 * one that writes an identical verdict once and rate-limits the rest (notify-server.ts): a replayed signed push must
 * not grow the store's audit chain, whose lock every counter's commit takes.
 */
export type VerdictAudit = (kind: string, detail: Record<string, unknown>) => Promise<void>;

export async function applyRefundNotification(journal: RefundJournal, body: RefundNotifyBody, audit?: VerdictAudit): Promise<NotifyVerdict> {
  const id = body.refundRequestId;
  const auditVerdict: VerdictAudit = audit ?? ((kind, detail) => journal.appendAudit(NOTIFY_ACTOR, kind, detail));
  for (let round = 0; round < MAX_CAS_ROUNDS; round += 1) {
    const row = await journal.get(id);
    if (row === null) {
      await auditVerdict('notify.unknown_refund', auditDetail(body));
      return { kind: 'UNKNOWN_REFUND', refundRequestId: id };
    }
    const refuse = async (kind: 'MISMATCH' | 'CONFLICT', detail: string): Promise<NotifyVerdict> => {
      await auditVerdict(kind === 'MISMATCH' ? 'notify.mismatch' : 'notify.conflict', {
        ...auditDetail(body),
        state: row.state,
        why: detail,
      });
      return { kind, refundRequestId: id, state: row.state, detail };
    };
    if (body.refundAmount != null && body.refundAmount.currency !== row.currency) {
      return refuse('MISMATCH', `Notification names currency ${body.refundAmount.currency}, the refund is in ${row.currency}.`);
    }
    const outcome = classifyRefundNotification(body, expectationOf(row));
    if (outcome.resultCode === 'RESPONSE_MISMATCH') return refuse('MISMATCH', outcome.resultMessage);
    if (outcome.status === 'PENDING') {
      if (outcome.pendingKind === 'IN_PROCESS' && !isFinal(row.state)) return { kind: 'STILL_PENDING', refundRequestId: id, state: row.state };
      if (outcome.pendingKind === 'IN_PROCESS') return { kind: 'ALREADY_FINAL', refundRequestId: id, state: row.state };
      return refuse('MISMATCH', `Notification not understood: ${outcome.resultMessage}`);
    }
    const to: RefundState = outcome.status === 'SUCCESS' ? 'SUCCEEDED' : 'FAILED';
    if (row.state === to) return { kind: 'ALREADY_FINAL', refundRequestId: id, state: row.state };
    if (row.state === 'FAILED' && to === 'SUCCEEDED') {
      // Never "failed" when money moved: Antom's signed word that it refunded wins over our FAILED (a timeout read as a
      // failure, a wrong answer). Loud: the cashier may already have retried or paid cash, and support must look.
      const why = `Journaled FAILED, but Antom's notification says the refund SUCCEEDED: money was refunded. Check that no retry or cash refund was also given.`;
      const moved = await journal.transition(id, 'FAILED', 'SUCCEEDED', {
        actor: NOTIFY_ACTOR,
        lateSuccess: true,
        patch: {
          resultCode: LATE_SUCCESS_CODE,
          message: 'Antom reported this refund as refunded after it was recorded as failed. Check that the customer was not refunded again; call support.',
          nextAction: 'CALL_SUPPORT',
          nextCheckAt: null,
          ...(outcome.refundId !== undefined ? { refundId: outcome.refundId } : {}),
        },
        detail: { via: 'notifyRefund', lateSuccess: true },
        audit: { kind: 'notify.conflict', detail: { ...auditDetail(body), state: row.state, why, resolved: 'FAILED -> SUCCEEDED' } },
      });
      if (moved.ok) {
        await learnAntomAmount(journal, moved.value, outcome.refundAmount);
        return { kind: 'LATE_SUCCESS', refundRequestId: id, from: 'FAILED', to: 'SUCCEEDED', detail: why };
      }
      if (moved.error.code !== 'STALE_STATE') throw new Error(`notifyRefund for ${id}: ${moved.error.code}: ${moved.error.message}`);
      continue;
    }
    if (isFinal(row.state)) return refuse('CONFLICT', `The journal says ${row.state}; Antom's notification says ${to}. Not changed: call Antom support.`);
    if (!SENT.includes(row.state)) {
      return refuse('MISMATCH', `The refund is ${row.state}: it was never sent to Antom, so a result for it cannot be genuine.`);
    }
    const patch: RefundPatch = {
      resultCode: outcome.resultCode,
      message: outcome.cashierMessage,
      nextAction: outcome.nextAction,
      nextCheckAt: null,
      ...(outcome.refundId !== undefined ? { refundId: outcome.refundId } : {}),
    };
    const detail: Record<string, unknown> = {
      via: 'notifyRefund',
      ...(outcome.refundAmount !== undefined ? { antomRefundAmount: { value: outcome.refundAmount.value, currency: outcome.refundAmount.currency } } : {}),
    };
    const moved = await journal.transition(id, row.state, to, { actor: NOTIFY_ACTOR, patch, detail });
    if (moved.ok) {
      if (to === 'SUCCEEDED') await learnAntomAmount(journal, moved.value, outcome.refundAmount);
      return { kind: 'APPLIED', refundRequestId: id, from: row.state, to };
    }
    // STALE_STATE: a counter moved it between our read and our write. Read again and judge anew.
    if (moved.error.code !== 'STALE_STATE') throw new Error(`notifyRefund for ${id}: ${moved.error.code}: ${moved.error.message}`);
  }
  throw new Error(`notifyRefund for ${id}: the refund kept changing under us (${MAX_CAS_ROUNDS} tries)`);
}

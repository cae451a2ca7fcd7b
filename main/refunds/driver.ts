/**
 * The driver: moves one refund through the journaled state machine (ask the
 * terminal for its reference, send to Antom, inquire, record the outcome,
 * notice the terminal), one driver per refund in this process and, across
 * processes, only under the refund's drive lease.
 */
import type { RefundState } from '../../preload/contract/refunds';
import { err } from '../../preload/contract/result';
import type { RefundPatch } from '../ledger/refund-store';
import type { RefundRow } from '../ledger/rows';
import { isFinal, isPending } from '../ledger/state-machine';
import { assertNever, isNotFoundOutcome, REFERENCE_REUSED_CODE, SYSTEM, unknownOutcome, type DriveResult, type EngineCore } from './engine-core';
import { MSG, terminalErrorIsDefinitive, terminalErrorMessage } from './messages';
import type { OutcomeLearning } from './outcome-learning';
import { nextDelayMs } from './poll-policy';
import type { AntomOutcome, AntomRefundRequest, TerminalErrorCode, TerminalPort } from './ports';
import { recoveryRole, settledForWaiter, waitsOnTerminal } from './state-roles';

/** The patches of the pre-send steps (admission.ts journals the first with the refund's insert). */
export const REQUESTING_REFERENCE: RefundPatch = { message: MSG.referenceRequested, nextAction: 'WAIT', nextCheckAt: null };
const SUBMITTING_PATCH: RefundPatch = { message: MSG.submitting, nextAction: 'WAIT' };

/** States a lost relaxed commit can leave a refund in although its request may already be at Antom. */
const PRE_SEND: ReadonlySet<RefundState> = new Set<RefundState>(['APPROVED', 'REFERENCE_REQUESTED', 'REFERENCE_OBTAINED']);

export class Driver {
  constructor(
    private readonly c: EngineCore,
    private readonly learn: OutcomeLearning,
  ) {}

  /** A repeated submit: drive it if nobody is (APPROVED), otherwise wait for whoever is. */
  async settleExisting(row: RefundRow): Promise<RefundRow> {
    const inProcess = this.c.driving.get(row.refund_request_id);
    if (inProcess !== undefined) return (await inProcess).row;
    if (row.state === 'APPROVED') return this.drive(row.refund_request_id, false);
    // A re-run of the same intent (the CLI's --intent after an unclear exit) picks up
    // a refund nobody is driving and resolves it by inquiry, never by a new request.
    if (recoveryRole(row.state) === 'drive') {
      const r = await this.driveWithLease(row.refund_request_id, true);
      if (!r.busyElsewhere) return r.row;
    }
    return this.waitUntilSettled(row.refund_request_id);
  }

  /**
   * One driver per refund in this process. `resume` = we found the state in
   * the journal (after a crash / restart / in the background) rather than
   * having just written it ourselves, so an outbound step may already have happened.
   */
  async drive(refundRequestId: string, resume: boolean): Promise<RefundRow> {
    return (await this.driveWithLease(refundRequestId, resume)).row;
  }

  /**
   * Across processes, a lease in the journal: the app and `refund-terminal
   * recover` never drive the same refund at the same time. If another live
   * engine holds it, a resume leaves it alone and a fresh caller waits for it.
   */
  driveWithLease(refundRequestId: string, resume: boolean, answered?: AntomOutcome): Promise<DriveResult> {
    const running = this.c.driving.get(refundRequestId);
    if (running !== undefined) return running;
    const ttl = this.c.deps.leaseTtlMs ?? 5 * 60_000;
    return this.tracked(refundRequestId, async (): Promise<DriveResult> => {
      // Store mode: another register's refund that waits on its terminal is left to that register without
      // taking its lease, or this counter's recovery would hold the owner's own recovery off (busyElsewhere).
      if (resume && this.c.journal.register !== undefined) {
        const row = await this.mustGet(refundRequestId);
        if (this.waitsOnAnotherTerminal(row)) return { row, busyElsewhere: true };
      }
      if (!(await this.c.journal.claimLease(refundRequestId, this.c.leaseOwner, ttl, this.c.ownerAlive))) {
        return { row: resume ? await this.mustGet(refundRequestId) : await this.waitUntilSettled(refundRequestId), busyElsewhere: true };
      }
      return this.underLease(refundRequestId, () => this.advance(refundRequestId, resume, answered));
    });
  }

  /**
   * A refund the journal admitted and moved on at its insert, with its drive lease already this
   * engine's (admission.ts: one commit for the intent, the lease and REFERENCE_REQUESTED).
   */
  async driveAdmitted(row: RefundRow): Promise<RefundRow> {
    const id = row.refund_request_id;
    return (await this.tracked(id, () => this.underLease(id, () => this.advance(id, false, undefined, row)))).row;
  }

  /** One driver per refund in this process: later callers get the running drive's promise. */
  private tracked(refundRequestId: string, run: () => Promise<DriveResult>): Promise<DriveResult> {
    const p = run().finally(() => this.c.driving.delete(refundRequestId));
    this.c.driving.set(refundRequestId, p);
    return p;
  }

  private async underLease(refundRequestId: string, run: () => Promise<RefundRow>): Promise<DriveResult> {
    try {
      return { row: await run(), busyElsewhere: false };
    } finally {
      try {
        await this.c.journal.releaseLease(refundRequestId, this.c.leaseOwner);
      } catch (e) {
        // A full disk fails this write too. The lease expires by itself (leaseTtlMs) and a
        // dead owner's lease is taken over; throwing here would hide the refund's real outcome.
        this.c.log.error({ refundRequestId, err: String(e) }, 'could not release the drive lease; it expires by itself');
      }
    }
  }

  /** `answered`: recovery's batch already inquired about this pending refund; its answer is used instead of asking again. */
  /** `first`: the row as this engine just journaled it (no need to read it back); later steps carry the row each move returns. */
  private async advance(refundRequestId: string, resumeAtStart: boolean, answered?: AntomOutcome, first?: RefundRow): Promise<RefundRow> {
    let firstAnswer = answered;
    let resume = resumeAtStart;
    // The steps between the journaled refund and Antom's answer are relaxed commits (ledger/durability.ts):
    // a crash may have lost SUBMITTING after the request went out. A drive that resumes before SUBMITTING
    // therefore asks Antom before it sends, exactly as a resumed SUBMITTING does: a resend that differs
    // in any field would be answered REPEAT_REQ_INCONSISTENT (a FAILED status) about a refund that went through.
    let mayBeAtAntom = false;
    // Bounded: the longest path is APPROVED -> REF_REQ -> REF_OBT -> SUBMITTING -> PENDING_UNKNOWN -> SUBMITTING -> final.
    const ttl = this.c.deps.leaseTtlMs ?? 5 * 60_000;
    // The lease was just claimed for `ttl`; renewing it is a durable commit, so it
    // is only done once half of it is used up rather than at every step.
    let leaseRenewedAt = this.c.clock().getTime();
    // Read once; every step is a compare-and-set under the lease and returns the row it wrote.
    let row = first ?? (await this.mustGet(refundRequestId));
    for (let guard = 0; guard < 12; guard += 1) {
      if (this.c.clock().getTime() - leaseRenewedAt >= ttl / 2) {
        await this.c.journal.renewLease(refundRequestId, this.c.leaseOwner, ttl);
        leaseRenewedAt = this.c.clock().getTime();
      }
      if (guard === 0 && resumeAtStart && PRE_SEND.has(row.state)) mayBeAtAntom = true;
      // Never ask this counter's terminal for another register's reference (e.g. an approval decided here).
      if (this.waitsOnAnotherTerminal(row)) return row;
      switch (row.state) {
        case 'APPROVED': {
          const m = await this.move(row, 'REFERENCE_REQUESTED', REQUESTING_REFERENCE);
          // Lost the compare-and-set: another engine is running it.
          if (m === null) return this.waitUntilSettled(refundRequestId);
          row = m;
          resume = false;
          continue;
        }
        case 'REFERENCE_REQUESTED': {
          // Fresh or resumed, asking again is safe: the terminal gets the same refundRequestId.
          const next = await this.askTerminal(row, mayBeAtAntom);
          if (next === null) return this.mustGet(refundRequestId);
          // The reference and SUBMITTING are one commit (askTerminal); anything else is where it stops.
          if (next.state !== 'SUBMITTING') return next;
          row = next;
          resume = false;
          continue;
        }
        case 'REFERENCE_OBTAINED': {
          // Nothing has been sent to Antom in this state, so journaling SUBMITTING and sending is safe even on resume.
          const m = await this.move(row, 'SUBMITTING', SUBMITTING_PATCH);
          if (m === null) return this.waitUntilSettled(refundRequestId);
          row = m;
          resume = false;
          continue;
        }
        case 'SUBMITTING': {
          let outcome: AntomOutcome;
          if (resume || mayBeAtAntom) {
            // We may have sent it before the crash: ask first, resend (same id, same body) only if Antom has no record.
            outcome = await this.inquire(row);
            if (isNotFoundOutcome(outcome)) {
              this.c.log.warn({ refundRequestId }, 'inquiry: not found, resubmitting with the same refundRequestId');
              outcome = await this.sendToAntom(row);
            }
          } else {
            outcome = await this.sendToAntom(row);
          }
          this.c.deps.afterGatewayReply?.(row, outcome);
          return this.recordOutcome(row, outcome);
        }
        case 'PENDING_IN_PROCESS':
        case 'PENDING_UNKNOWN': {
          if (!resume) return row;
          const outcome = firstAnswer ?? (await this.inquire(row));
          firstAnswer = undefined;
          if (isNotFoundOutcome(outcome)) {
            // Antom has no refund under this id. For IN_PROCESS that happens when
            // Antom answered "in process" about another refund of the same payment
            // (one at a time per paymentId) and never created ours: waiting would
            // wait for ever. Either way the same id and body are sent again, which
            // Antom treats as the same refund.
            let current: RefundRow | null = row;
            if (current.state === 'PENDING_IN_PROCESS') {
              current = await this.move(current, 'PENDING_UNKNOWN', { message: MSG.resubmitting, nextAction: 'WAIT', nextCheckAt: null });
              if (current === null) return this.mustGet(refundRequestId);
            }
            const m = await this.move(current, 'SUBMITTING', { message: MSG.resubmitting, nextAction: 'WAIT', nextCheckAt: null });
            if (m === null) return this.mustGet(refundRequestId);
            row = m;
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

  /**
   * Store mode, terminal ownership (docs/ledger.md): only the register that journaled a refund asks its
   * own terminal for the reference; another terminal would bind a second single-use reference to it.
   */
  private waitsOnAnotherTerminal(row: RefundRow): boolean {
    const mine = this.c.journal.register;
    return mine !== undefined && row.register !== undefined && row.register !== mine && waitsOnTerminal(row.state);
  }

  private async askTerminal(row: RefundRow, mayBeAtAntom: boolean): Promise<RefundRow | null> {
    let res: Awaited<ReturnType<TerminalPort['requestRefundReference']>>;
    try {
      res = await this.c.terminal.requestRefundReference({
        paymentId: row.payment_id,
        refundRequestId: row.refund_request_id,
        ...(row.send_amount === 1 ? { refundAmount: { value: row.amount_value, currency: row.currency } } : {}),
      });
    } catch (e) {
      this.c.log.error({ refundRequestId: row.refund_request_id, err: String(e) }, 'terminal port threw');
      res = err('INTERNAL' as TerminalErrorCode, String(e));
    }
    if (res.ok) {
      const reference = res.value.originalMerchantRefundId;
      // Nothing is sent between the reference and SUBMITTING: one commit for both (durability.ts; both relaxed).
      const t = await this.c.journal.transition(row.refund_request_id, row.state, 'REFERENCE_OBTAINED', {
        actor: SYSTEM,
        patch: { originalMerchantRefundId: reference, message: MSG.referenceObtained, nextAction: 'WAIT', nextCheckAt: null },
        then: { to: 'SUBMITTING', actor: SYSTEM, patch: SUBMITTING_PATCH },
      });
      if (t.ok) {
        this.c.journaled(t.value, ['REFERENCE_OBTAINED']);
        return t.value;
      }
      if (t.error.code === 'REFERENCE_REUSED') return this.refuseReplayedReference(row, reference, t.error.details?.['refundRequestId']);
      this.c.log.warn({ refundRequestId: row.refund_request_id, code: t.error.code }, 'transition not applied');
      return null;
    }
    const code = res.error.code;
    const text = terminalErrorMessage(code);
    // FAILED only when nothing can be at Antom: a resumed drive asks Antom first (a lost SUBMITTING, durability.ts).
    if (terminalErrorIsDefinitive(code) && (!mayBeAtAntom || isNotFoundOutcome(await this.inquire(row)))) {
      return await this.move(row, 'FAILED', { resultCode: `TERMINAL_${code}`, message: text.message, nextAction: text.nextAction, nextCheckAt: null });
    }
    // Stays REFERENCE_REQUESTED, visibly, with a persisted time to ask again.
    const u = await this.c.journal.update(row.refund_request_id, row.state, {
      resultCode: `TERMINAL_${code}`,
      message: text.message,
      nextAction: text.nextAction,
      attempts: row.attempts + 1,
      nextCheckAt: this.nextCheck(row.attempts),
    });
    if (!u.ok) return null;
    await this.c.journal.appendAudit(SYSTEM, 'refund.note', { refundRequestId: row.refund_request_id, state: row.state, terminalError: code });
    this.c.journaled(u.value);
    return u.value;
  }

  /**
   * The terminal handed out a reference another refund already holds (a replay:
   * faulty, cloned or reset terminal). Sending it would make Antom see two
   * refunds under one reference, so this one stops here, final, with nothing
   * sent, and the technician is told (audit entry; `doctor` lists these).
   */
  private async refuseReplayedReference(row: RefundRow, reference: string, usedBy: unknown): Promise<RefundRow | null> {
    const holder = typeof usedBy === 'string' ? usedBy : null;
    this.c.log.error(
      { refundRequestId: row.refund_request_id, originalMerchantRefundId: reference, usedBy: holder },
      'terminal replayed a refund reference; refund stopped, nothing sent',
    );
    const t = await this.c.journal.transition(row.refund_request_id, row.state, 'FAILED', {
      actor: SYSTEM,
      detail: { replayedReference: reference, usedBy: holder },
      patch: { resultCode: REFERENCE_REUSED_CODE, message: MSG.referenceReused, nextAction: 'CALL_SUPPORT', nextCheckAt: null },
      audit: { kind: 'terminal.reference_reused', detail: { refundRequestId: row.refund_request_id, originalMerchantRefundId: reference, usedBy: holder } },
    });
    if (!t.ok) return null;
    this.c.journaled(t.value);
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
      return await this.c.antom.refund(this.requestBody(row));
    } catch (e) {
      this.c.log.error({ refundRequestId: row.refund_request_id, err: String(e) }, 'gateway refund threw');
      return unknownOutcome('GATEWAY_EXCEPTION', MSG.gatewayThrew);
    }
  }

  async inquire(row: RefundRow): Promise<AntomOutcome> {
    try {
      return await this.c.antom.inquireRefund(row.refund_request_id, {
        paymentId: row.payment_id,
        ...(row.send_amount === 1 ? { refundAmount: { value: row.amount_value, currency: row.currency } } : {}),
      });
    } catch (e) {
      this.c.log.warn({ refundRequestId: row.refund_request_id, err: String(e) }, 'gateway inquiry threw');
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
      this.c.outcomes.recorded(id);
      return written;
    } catch (e) {
      this.c.log.error({ refundRequestId: id, state: row.state, resultCode: o.resultCode, err: String(e) }, "Antom's answer could not be journaled");
      this.c.outcomes.hold({ refundRequestId: id, state: row.state, outcome: o, error: String(e) }, async () => {
        const current = await this.c.journal.get(id);
        if (current === null || current.state !== row.state) return 'SUPERSEDED';
        await this.applyOutcome(current, o);
        return 'RECORDED';
      });
      const held: RefundRow = { ...row, message: MSG.outcomeNotRecorded, next_action: 'CALL_SUPPORT' };
      this.c.emitUpdated(held);
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
      const u = await this.c.journal.update(row.refund_request_id, row.state, patch);
      if (!u.ok) return this.mustGet(row.refund_request_id);
      this.c.journaled(u.value);
      return u.value;
    }
    // A FULL refund asked for no amount: what Antom says it refunded is kept in the journal's transition record.
    const detail = o.refundAmount !== undefined ? { antomRefundAmount: { value: o.refundAmount.value, currency: o.refundAmount.currency } } : undefined;
    let moved = await this.move(row, to, patch, detail);
    if (moved === null) return this.mustGet(row.refund_request_id);
    if (isFinal(to)) moved = await this.learn.learnFromOutcome(moved, o);
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
    const notice = this.c.terminal
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
      timer = setTimeout(() => resolve(null), this.c.deps.resultNoticeTimeoutMs ?? 3_000);
    });
    const res = await Promise.race([notice, timeout]);
    if (timer !== undefined) clearTimeout(timer);
    if (res === null || !res.ok) {
      this.c.log.warn({ refundRequestId: row.refund_request_id }, 'terminal did not confirm the result slip');
      return null;
    }
    const slipped = await this.c.journal.recordSlip(row.refund_request_id, res.value.printed);
    // Not a state boundary (the crash hook is not called): listeners just learn about the slip.
    if (slipped !== null) this.c.emitUpdated(slipped);
    return slipped;
  }

  /** Journals a transition (CAS). null = someone else moved it first. */
  private async move(row: RefundRow, to: RefundState, patch: RefundPatch, detail?: Record<string, unknown>): Promise<RefundRow | null> {
    const t = await this.c.journal.transition(row.refund_request_id, row.state, to, { actor: SYSTEM, patch, ...(detail ? { detail } : {}) });
    if (!t.ok) {
      this.c.log.warn({ refundRequestId: row.refund_request_id, from: row.state, to, code: t.error.code }, 'transition not applied');
      return null;
    }
    this.c.journaled(t.value);
    return t.value;
  }

  /** Waits (polling the shared file) while another process drives the refund. */
  async waitUntilSettled(refundRequestId: string): Promise<RefundRow> {
    const deadline = Date.now() + (this.c.deps.settleWaitMs ?? 30_000);
    for (;;) {
      const row = await this.mustGet(refundRequestId);
      if (settledForWaiter(row) || Date.now() >= deadline) return row;
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  private nextCheck(attempts: number): string {
    return new Date(this.c.clock().getTime() + nextDelayMs(this.c.poll, attempts)).toISOString();
  }

  async mustGet(refundRequestId: string): Promise<RefundRow> {
    const row = await this.c.journal.get(refundRequestId);
    if (row === null) throw new Error(`refund ${refundRequestId} is missing from the journal`);
    return row;
  }
}

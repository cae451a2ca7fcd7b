/**
 * Recovery and the scheduler: resuming every unfinished refund at start
 * (recover), the background resolver that re-checks pending refunds when their
 * persisted check is due and takes over orphans whose lease is dead (tick),
 * and resuming refunds parked on the terminal when it comes back.
 */
import type { RefundState } from '../../preload/contract/refunds';
import type { RefundRow } from '../ledger/rows';
import { isFinal, isPending } from '../ledger/state-machine';
import { SYSTEM, type EngineCore, type RecoverySummary } from './engine-core';
import type { Driver } from './driver';
import { leaseOwnerAlive } from './lease-owner';
import { nextDelayMs } from './poll-policy';
import { backgroundShouldTake, recoveryRole, waitsOnTerminal } from './state-roles';

export class Recovery {
  private timer: NodeJS.Timeout | null = null;
  private tickRunning: Promise<void> | null = null;
  private stopped = false;

  constructor(
    private readonly c: EngineCore,
    private readonly driver: Driver,
  ) {}

  /** Resumes every non-final refund from its journaled state. Safe to run at every start. */
  async recover(): Promise<RecoverySummary> {
    const started = Date.now();
    const rows = await this.c.journal.nonFinal();
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
        const after = await this.driver.driveWithLease(row.refund_request_id, true);
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
        this.c.log.error({ refundRequestId: row.refund_request_id, err: String(e) }, 'recovery step failed');
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
        await this.c.journal.appendAudit(SYSTEM, 'recovery.run', {
          examined: summary.examined,
          final: summary.final,
          pending: summary.pending,
          busyElsewhere: summary.busyElsewhere,
          stuck: summary.stuck,
          errors: summary.errors,
        });
      } catch (e) {
        // A full disk fails this note too; the summary (and any held answer) must still reach the caller.
        this.c.log.error({ err: String(e) }, 'could not audit the recovery run');
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
        .catch((e: unknown) => this.c.log.error({ err: String(e) }, 'background resolution failed'))
        .finally(() => {
          this.tickRunning = null;
        });
    }, this.c.poll.tickMs);
    this.timer.unref();
  }

  /**
   * One pass of background resolution (exposed for tests and the CLI). Takes
   * every unfinished refund nobody is driving: those whose persisted check is
   * due, and those a driver left without one (a crashed app's SUBMITTING,
   * APPROVED or REFERENCE_OBTAINED row, its lease expired or its owner dead).
   */
  async tick(): Promise<void> {
    const now = this.c.clock();
    for (const row of await this.c.journal.nonFinal()) {
      if (this.stopped) return;
      if (!this.backgroundShouldDrive(row, now)) continue;
      const after = await this.driver.driveWithLease(row.refund_request_id, true);
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
    this.orphanRetry.set(row.refund_request_id, { at: now.getTime() + nextDelayMs(this.c.poll, attempts), attempts });
  }

  private backgroundShouldDrive(row: RefundRow, now: Date): boolean {
    if (this.c.driving.has(row.refund_request_id)) return false;
    const retry = this.orphanRetry.get(row.refund_request_id);
    if (retry !== undefined && retry.at > now.getTime()) return false;
    const due = row.next_check_at !== null && Date.parse(row.next_check_at) <= now.getTime();
    return backgroundShouldTake(row, due, () => this.leaseLooksFree(row, now));
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
    const now = this.c.clock();
    const runs: Promise<unknown>[] = [];
    for (const row of await this.c.journal.nonFinal()) {
      if (!waitsOnTerminal(row.state)) continue;
      const id = row.refund_request_id;
      const running = this.c.driving.get(id);
      const again = async (): Promise<unknown> => {
        const cur = await this.c.journal.get(id);
        if (this.stopped || cur === null || !waitsOnTerminal(cur.state) || this.c.driving.has(id)) return undefined;
        return this.driver.driveWithLease(id, true);
      };
      if (running !== undefined) runs.push(running.then(again));
      else if (this.leaseLooksFree(row, now)) runs.push(again());
    }
    const results = await Promise.allSettled(runs);
    for (const r of results) if (r.status === 'rejected') this.c.log.error({ err: String(r.reason) }, 'resume after terminal reconnect failed');
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
    await this.tickRunning;
    await Promise.allSettled([...this.c.driving.values()]);
    // Bounded: a last try at answers the journal could not record, then no more timers.
    await this.c.outcomes.flush(this.c.deps.outcomeFlushMs ?? 2_000);
    this.c.outcomes.stop();
  }
}

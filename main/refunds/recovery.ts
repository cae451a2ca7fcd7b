/**
 * Recovery and the scheduler: resuming every unfinished refund at start
 * (recover), the background resolver that re-checks pending refunds when their
 * persisted check is due and takes over orphans whose lease is dead (tick),
 * and resuming refunds parked on the terminal when it comes back.
 */
import type { RefundState } from '../../preload/contract/refunds';
import type { RefundRow } from '../ledger/rows';
import { isFinal, isPending } from '../ledger/state-machine';
import type { PendingCheck } from '../ledger/journal-port';
import type { AntomOutcome } from './ports';
import { SYSTEM, type DriveResult, type EngineCore, type RecoverySummary } from './engine-core';
import type { Driver } from './driver';
import { nextDelayMs } from './poll-policy';
import { backgroundShouldTake, recoveryRole, waitsOnTerminal } from './state-roles';

/** Pending refunds checked per batch at start (one commit claims them, one records them). */
const RECOVERY_BATCH = 500;
/** Inquiries and drives in flight at once during recovery: enough to hide Antom's latency, few enough for its rate limits. */
const RECOVERY_CONCURRENCY = 32;

/** Runs `fn` over `items`, at most `limit` at a time. */
async function inParallel<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const item = items[next++] as T;
      await fn(item);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

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
    const toDrive: { row: RefundRow; answer?: AntomOutcome }[] = [];
    const pendingRows: RefundRow[] = [];
    for (const row of rows) {
      const role = recoveryRole(row.state);
      if (role !== 'drive') {
        if (role === 'manager') awaiting += 1;
        out.push({ refundRequestId: row.refund_request_id, from: row.state, to: row.state });
        continue;
      }
      if (isPending(row.state) && !this.c.driving.has(row.refund_request_id)) pendingRows.push(row);
      else toDrive.push({ row });
    }
    const driveOne = async ({ row, answer }: { row: RefundRow; answer?: AntomOutcome }): Promise<void> => {
      try {
        const after = await this.driver.driveWithLease(row.refund_request_id, true, answer);
        if (after.busyElsewhere) {
          busy += 1;
          out.push({ refundRequestId: row.refund_request_id, from: row.state, to: after.row.state, busyElsewhere: true });
          return;
        }
        resumed += 1;
        out.push({ refundRequestId: row.refund_request_id, from: row.state, to: after.row.state });
      } catch (e) {
        resumed += 1;
        errors += 1;
        this.c.log.error({ refundRequestId: row.refund_request_id, err: String(e) }, 'recovery step failed');
        out.push({ refundRequestId: row.refund_request_id, from: row.state, to: row.state, error: String(e) });
      }
    };
    // Pending refunds are the bulk after an outage: checked in batches (one commit claims a batch's
    // leases, inquiries run side by side, one commit records every "still pending"); any other
    // answer goes through the driver like every other refund.
    for (let i = 0; i < pendingRows.length; i += RECOVERY_BATCH) {
      const b = await this.checkPendingBatch(pendingRows.slice(i, i + RECOVERY_BATCH));
      busy += b.busy;
      resumed += b.stillPending.length;
      for (const r of b.stillPending) out.push({ refundRequestId: r.refund_request_id, from: r.state, to: r.state });
      for (const r of b.busyRows) out.push({ refundRequestId: r.refund_request_id, from: r.state, to: r.state, busyElsewhere: true });
      toDrive.push(...b.toDriver);
    }
    await inParallel(toDrive, RECOVERY_CONCURRENCY, driveOne);
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

  /**
   * One batch of pending refunds: leases claimed in one commit, one inquiry
   * each (RECOVERY_CONCURRENCY at a time), and every answer that leaves the
   * refund where it is journaled in one commit that also releases the leases.
   * The rest (a final answer, "not found", an exception) go to the driver.
   */
  private async checkPendingBatch(
    rows: readonly RefundRow[],
  ): Promise<{ stillPending: RefundRow[]; busyRows: RefundRow[]; busy: number; toDriver: { row: RefundRow; answer: AntomOutcome }[] }> {
    const ttl = this.c.deps.leaseTtlMs ?? 5 * 60_000;
    const owner = this.c.leaseOwner;
    const held = await this.c.journal.claimLeases(
      rows.map((r) => r.refund_request_id),
      owner,
      ttl,
      this.c.ownerAlive,
    );
    const mine = rows.filter((r) => held.has(r.refund_request_id));
    const busyRows = rows.filter((r) => !held.has(r.refund_request_id));
    // In-process drivers (a submit, the background tick) wait for this batch instead of racing it.
    // Each placeholder settles with the row this batch wrote, so nobody reads the journal again per
    // refund; only one whose answer went to the driver (or a failed batch) is read back.
    const settle = new Map<string, (r: Promise<DriveResult>) => void>();
    const placeholders = new Map<string, Promise<DriveResult>>();
    for (const r of mine) {
      const p = new Promise<DriveResult>((resolve) => settle.set(r.refund_request_id, resolve));
      // A read-back that fails rejects whoever waits; with nobody waiting it is no unhandled rejection.
      p.catch(() => undefined);
      placeholders.set(r.refund_request_id, p);
      this.c.driving.set(r.refund_request_id, p);
    }
    const written = new Map<string, RefundRow>();
    const checks: PendingCheck[] = [];
    const toDriver: { row: RefundRow; answer: AntomOutcome }[] = [];
    try {
      await inParallel(mine, RECOVERY_CONCURRENCY, async (row) => {
        const o = await this.driver.inquire(row);
        const same = o.status === 'PENDING' && (o.pendingKind === 'IN_PROCESS' ? 'PENDING_IN_PROCESS' : 'PENDING_UNKNOWN') === row.state;
        if (!same) {
          toDriver.push({ row, answer: o });
          return;
        }
        checks.push({
          refundRequestId: row.refund_request_id,
          expected: row.state,
          patch: {
            resultCode: o.resultCode,
            message: o.cashierMessage,
            nextAction: o.nextAction,
            ...(o.refundId !== undefined ? { refundId: o.refundId } : {}),
            attempts: row.attempts + 1,
            nextCheckAt: new Date(this.c.clock().getTime() + nextDelayMs(this.c.poll, row.attempts)).toISOString(),
          },
        });
      });
      const recorded = await this.c.journal.recordChecks(checks, owner);
      for (const row of recorded) {
        written.set(row.refund_request_id, row);
        this.c.journaled(row);
      }
      // Those that go to the driver keep nothing of ours: the driver claims (ours, so granted) and releases.
      return { stillPending: recorded, busyRows, busy: busyRows.length, toDriver };
    } finally {
      // Cleared before the hand-over, so the driver below does not find (and wait on) this batch.
      for (const [id, p] of placeholders) if (this.c.driving.get(id) === p) this.c.driving.delete(id);
      for (const [id, resolve] of settle) {
        const row = written.get(id);
        resolve(row !== undefined ? Promise.resolve({ row, busyElsewhere: false }) : this.driver.mustGet(id).then((r) => ({ row: r, busyElsewhere: false })));
      }
      for (const { row } of toDriver) await this.c.journal.releaseLease(row.refund_request_id, owner).catch(() => undefined);
    }
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
    // This engine's own lease with no drive of it running here (callers check `driving` first): a drive
    // whose release failed, or an insert whose COMMIT answer was lost after it took the lease (admission.ts).
    if (row.lease_owner === this.c.leaseOwner) return true;
    if (Date.parse(row.lease_until) <= now.getTime()) return true;
    return !this.c.ownerAlive(row.lease_owner);
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

/**
 * Store mode: a manager at another counter decided a refund this counter
 * asked for. The decision is that counter's compare-and-set; only this
 * counter's terminal may be asked for the reference (terminal ownership,
 * docs/ledger.md), so this counter hears the change on the approvals feed
 * (LISTEN/NOTIFY: a refund entered or left AWAITING_APPROVAL) and drives its
 * APPROVED refund at once, instead of at its next background pass or never (a
 * counter without one). That feed, not the journal's, because it carries only
 * the approvals: the journal's carries every step of every counter's refunds.
 * After the feed reconnects it announces again every refund that may have
 * changed unheard (pg-approvals.ts), so nothing decided meanwhile is missed.
 */
import type { RefundRow } from '../ledger/rows';
import type { EngineCore } from './engine-core';
import type { Driver } from './driver';

/** A lease briefly held by another drive of ours or a deciding counter: asked again this often, this many times. */
const BUSY_RETRY_MS = 200;
const BUSY_RETRIES = 5;

export class DecisionFollower {
  private offs: (() => void)[] = [];
  private stopped = false;

  constructor(
    private readonly c: EngineCore,
    private readonly driver: Driver,
  ) {}

  /** One counter (no register) never needs it: the decision is made in this process, which drives it then. */
  start(): void {
    if (this.offs.length > 0 || this.c.journal.register === undefined) return;
    this.stopped = false;
    this.offs.push(this.c.store.approvals.onApprovalChange((id) => void this.follow(id, 0)));
  }

  stop(): void {
    this.stopped = true;
    for (const off of this.offs) off();
    this.offs = [];
  }

  private mine(row: RefundRow): boolean {
    return row.state === 'APPROVED' && row.register === this.c.journal.register;
  }

  private async follow(id: string, attempt: number): Promise<void> {
    if (this.stopped || this.c.driving.has(id)) return;
    try {
      const row = await this.c.journal.get(id);
      if (row === null || !this.mine(row) || this.c.driving.has(id)) return;
      // As a resume: the row was not written by this drive, so it is treated like recovery treats it.
      const after = await this.driver.driveWithLease(id, true);
      if (after.busyElsewhere && attempt < BUSY_RETRIES) setTimeout(() => void this.follow(id, attempt + 1), BUSY_RETRY_MS).unref();
    } catch (e) {
      // The background pass (or the next recovery) picks it up; nothing was lost.
      this.c.log.error({ refundRequestId: id, err: String(e) }, 'could not continue a refund decided at another counter');
    }
  }
}

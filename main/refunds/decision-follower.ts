/**
 * Store mode: a manager at another counter decided a refund this counter
 * asked for. The decision is that counter's compare-and-set; only this
 * counter's terminal may be asked for the reference (terminal ownership,
 * docs/ledger.md), so this counter hears the change on the journal's feed
 * (LISTEN/NOTIFY) and drives its APPROVED refund at once, instead of at its
 * next background pass or never (a counter without one). After the feed
 * reconnects (notices sent meanwhile are lost) one pass over the unfinished
 * refunds catches up.
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
    this.offs.push(this.c.journal.onChange((id) => void this.follow(id, null, 0)));
    const off = this.c.journal.onCatchUp?.(() => void this.catchUp());
    if (off !== undefined) this.offs.push(off);
  }

  stop(): void {
    this.stopped = true;
    for (const off of this.offs) off();
    this.offs = [];
  }

  private mine(row: RefundRow): boolean {
    return row.state === 'APPROVED' && row.register === this.c.journal.register;
  }

  private async follow(id: string, known: RefundRow | null, attempt: number): Promise<void> {
    if (this.stopped || this.c.driving.has(id)) return;
    try {
      const row = known ?? (await this.c.journal.get(id));
      if (row === null || !this.mine(row) || this.c.driving.has(id)) return;
      // As a resume: the row was not written by this drive, so it is treated like recovery treats it.
      const after = await this.driver.driveWithLease(id, true);
      if (after.busyElsewhere && attempt < BUSY_RETRIES) setTimeout(() => void this.follow(id, null, attempt + 1), BUSY_RETRY_MS).unref();
    } catch (e) {
      // The background pass (or the next recovery) picks it up; nothing was lost.
      this.c.log.error({ refundRequestId: id, err: String(e) }, 'could not continue a refund decided at another counter');
    }
  }

  private async catchUp(): Promise<void> {
    try {
      const rows = (await this.c.journal.nonFinal()).filter((r) => this.mine(r));
      await Promise.all(rows.map((r) => this.follow(r.refund_request_id, r, 0)));
    } catch (e) {
      this.c.log.error({ err: String(e) }, 'catch-up after the change feed reconnected failed');
    }
  }
}

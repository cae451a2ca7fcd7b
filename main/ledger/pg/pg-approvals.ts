/**
 * The approvals port of the store ledger: refunds waiting for a manager at
 * any counter, managers' decisions, and the live feed. A trigger on refunds
 * notifies `approval_changed` on commit whenever a refund enters or leaves
 * AWAITING_APPROVAL; one LISTEN connection per counter, opened on first use,
 * that reconnects (pg-listen.ts). Notices sent while it was down are lost, so
 * after every (re)connect each refund that may have changed unheard is
 * announced again: every one waiting now, and every one decided during the
 * outage (plus a minute, for clock skew between this PC and the database).
 */
import type { ApprovalRow } from '../rows';
import type { ApprovalsPort } from '../store-port';
import { PgChangeFeed, type CatchUp, type ListenStatus } from './pg-listen';
import { pgInt, pgIso } from './pg-rows';
import { toApproval, type PgStoreContext } from './pg-store-context';

const APPROVAL_CHANNEL = 'approval_changed';

export class PgApprovals {
  private readonly feed: PgChangeFeed;
  private readonly approvalListeners = new Set<(id: string) => void>();

  constructor(private readonly ctx: PgStoreContext) {
    this.feed = new PgChangeFeed(ctx.url, APPROVAL_CHANNEL);
  }

  port(): ApprovalsPort {
    return {
      pending: async () => {
        const r = await this.ctx.pool.query("SELECT * FROM refunds WHERE state = 'AWAITING_APPROVAL' ORDER BY created_at, refund_request_id");
        return (r.rows as Record<string, unknown>[]).map((x) => ({
          refundRequestId: String(x['refund_request_id']),
          register: String(x['register']),
          cashier: String(x['cashier']),
          amount: { value: pgInt(x['amount_value']), currency: String(x['currency']) },
          paymentId: String(x['payment_id']),
          createdAt: pgIso(x['created_at']) ?? '',
        }));
      },
      record: (a) =>
        this.ctx.tx(async (c) => {
          await c.query('INSERT INTO approvals (refund_request_id, manager, decision, reason) VALUES ($1, $2, $3, $4)', [
            a.refundRequestId,
            a.manager,
            a.decision,
            a.reason,
          ]);
          await this.ctx.audit(c, a.manager, a.decision === 'APPROVED' ? 'refund.approved' : 'refund.declined', {
            refundRequestId: a.refundRequestId,
            reason: a.reason,
            register: this.ctx.register,
          });
        }),
      decisions: (id) => this.decisions(id),
      onApprovalChange: (listener) => {
        if (this.approvalListeners.size === 0) this.subscribe();
        this.approvalListeners.add(listener);
        return () => this.approvalListeners.delete(listener);
      },
    };
  }

  private async decisions(id: string): Promise<ApprovalRow[]> {
    const r = await this.ctx.pool.query('SELECT * FROM approvals WHERE refund_request_id = $1 ORDER BY id', [id]);
    return (r.rows as Record<string, unknown>[]).map(toApproval);
  }

  private subscribed = false;

  private subscribe(): void {
    if (this.subscribed) return;
    this.subscribed = true;
    this.feed.onNotify((id) => this.announce([id]));
    this.feed.onCatchUp((info) => void this.catchUp(info));
  }

  private announce(ids: readonly string[]): void {
    for (const id of ids) for (const l of [...this.approvalListeners]) l(id);
  }

  /** Re-announces what may have changed while nobody listened (nothing on the first connect: nothing was shown yet). */
  private async catchUp(info: CatchUp): Promise<void> {
    if (info.first) return;
    try {
      const r = await this.ctx.pool.query<{ id: string }>(
        `SELECT refund_request_id AS id FROM refunds WHERE state = 'AWAITING_APPROVAL'
         UNION SELECT refund_request_id FROM approvals WHERE at >= now() - make_interval(secs => $1)`,
        [Math.ceil(info.downMs / 1000) + 60],
      );
      this.announce(r.rows.map((x) => x.id));
    } catch {
      // The database went again before it answered: the next reconnect catches up.
    }
  }

  /** The feed's connection, for health (null until someone subscribed). */
  feedStatus(): ListenStatus | null {
    return this.feed.status();
  }

  /** Resolves once LISTEN is in place (a test waits for it before another counter writes). */
  async approvalsReady(): Promise<void> {
    this.subscribe();
    await this.feed.ready();
  }

  /** Ends the LISTEN connection. */
  async close(): Promise<void> {
    await this.feed.close();
  }
}

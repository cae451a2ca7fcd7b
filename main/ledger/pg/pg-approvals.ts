/**
 * The approvals port of the store ledger: refunds waiting for a manager at
 * any counter, managers' decisions, and the live feed. A trigger on refunds
 * notifies `approval_changed` on commit whenever a refund enters or leaves
 * AWAITING_APPROVAL; one LISTEN connection per counter, opened on first use.
 */
import pg from 'pg';
import type { ApprovalRow } from '../rows';
import type { ApprovalsPort } from '../store-port';
import { pgInt, pgIso } from './pg-rows';
import { toApproval, type PgStoreContext } from './pg-store-context';

const APPROVAL_CHANNEL = 'approval_changed';

export class PgApprovals {
  private readonly approvalListeners = new Set<(id: string) => void>();
  private listenClient: pg.Client | null = null;
  private listening: Promise<void> | null = null;

  constructor(private readonly ctx: PgStoreContext) {}

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
        this.approvalListeners.add(listener);
        if (this.listening === null) this.listening = this.listen();
        return () => this.approvalListeners.delete(listener);
      },
    };
  }

  private async decisions(id: string): Promise<ApprovalRow[]> {
    const r = await this.ctx.pool.query('SELECT * FROM approvals WHERE refund_request_id = $1 ORDER BY id', [id]);
    return (r.rows as Record<string, unknown>[]).map(toApproval);
  }

  /** Resolves once LISTEN is in place (a test waits for it before another counter writes). */
  async approvalsReady(): Promise<void> {
    if (this.listening === null) this.listening = this.listen();
    await this.listening;
  }

  private async listen(): Promise<void> {
    const client = new pg.Client({ connectionString: this.ctx.url });
    client.on('error', () => undefined);
    client.on('notification', (m) => {
      if (m.channel !== APPROVAL_CHANNEL || m.payload === undefined) return;
      for (const l of [...this.approvalListeners]) l(m.payload);
    });
    await client.connect();
    await client.query(`LISTEN ${APPROVAL_CHANNEL}`);
    this.listenClient = client;
  }

  /** Ends the LISTEN connection (after it finished opening, if it was). */
  async close(): Promise<void> {
    await this.listening?.catch(() => undefined);
    await this.listenClient?.end().catch(() => undefined);
  }
}

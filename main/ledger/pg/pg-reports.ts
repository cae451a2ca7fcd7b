/**
 * The reports port of the store ledger: the store's day (every counter's
 * refunds and other refunds, in the store's local day), optionally one
 * register's, as a report or CSV with the audit head it was built against.
 */
import { localDate, widenedUtcBounds } from '../local-date';
import { buildDailyCsv, buildDailyReport } from '../reports';
import type { ApprovalRow, OtherRefundRow, RefundRow } from '../rows';
import type { ApprovalsPort, ReportsPort, SettingsPort } from '../store-port';
import { toRefundView } from '../views';
import { pgAuditHead } from './pg-audit';
import { toRefundRow, type PgJournal } from './pg-journal';
import { toApproval, toOther, type PgStoreContext } from './pg-store-context';

export class PgReports {
  constructor(
    private readonly ctx: PgStoreContext,
    private readonly journal: PgJournal,
    private readonly settings: SettingsPort,
    private readonly approvals: ApprovalsPort,
  ) {}

  /** The day's refunds of the store (local day in `tz`), with each one's register. */
  private async dayRows(date: string, tz: string): Promise<{ rows: RefundRow[]; registerOf: Map<string, string> }> {
    const b = widenedUtcBounds(date);
    const r = await this.ctx.pool.query('SELECT * FROM refunds WHERE created_at >= $1 AND created_at < $2 ORDER BY created_at DESC, refund_request_id DESC', [
      b.from,
      b.to,
    ]);
    const registerOf = new Map<string, string>();
    const rows: RefundRow[] = [];
    for (const raw of r.rows as Record<string, unknown>[]) {
      const row = toRefundRow(raw);
      if (localDate(row.created_at, tz) !== date) continue;
      registerOf.set(row.refund_request_id, String(raw['register']));
      rows.push(row);
    }
    return { rows, registerOf };
  }

  private async otherDay(date: string, tz: string): Promise<{ rows: OtherRefundRow[]; registerOf: Map<string, string> }> {
    const b = widenedUtcBounds(date);
    const r = await this.ctx.pool.query('SELECT * FROM other_refunds WHERE created_at >= $1 AND created_at < $2 ORDER BY created_at DESC, id DESC', [
      b.from,
      b.to,
    ]);
    const registerOf = new Map<string, string>();
    const rows: OtherRefundRow[] = [];
    for (const raw of r.rows as Record<string, unknown>[]) {
      const o = toOther(raw);
      if (localDate(o.created_at, tz) !== date) continue;
      registerOf.set(o.id, String(raw['register']));
      rows.push(o);
    }
    return { rows, registerOf };
  }

  port(): ReportsPort {
    const zone = async (tz?: string): Promise<string> => tz ?? (await this.settings.timeZone()) ?? 'UTC';
    const load = async (date: string, tzIn: string | undefined, register: string | undefined) => {
      const tz = await zone(tzIn);
      const day = await this.dayRows(date, tz);
      const other = await this.otherDay(date, tz);
      const registers = [...new Set([...day.registerOf.values(), ...other.registerOf.values()])].sort();
      const keep = (reg: string | undefined): boolean => register === undefined || reg === register;
      const rows = day.rows.filter((r) => keep(day.registerOf.get(r.refund_request_id)));
      const others = other.rows.filter((o) => keep(other.registerOf.get(o.id)));
      const approvals = new Map<string, ApprovalRow[]>();
      if (rows.length > 0) {
        const ap = await this.ctx.pool.query('SELECT * FROM approvals WHERE refund_request_id = ANY($1) ORDER BY id', [rows.map((r) => r.refund_request_id)]);
        for (const x of (ap.rows as Record<string, unknown>[]).map(toApproval))
          approvals.set(x.refund_request_id, [...(approvals.get(x.refund_request_id) ?? []), x]);
      }
      const methods = new Map<string, string>();
      const ids = [...new Set([...rows.map((r) => r.payment_id), ...others.map((o) => o.payment_id)])];
      if (ids.length > 0) {
        const p = await this.ctx.pool.query<{ payment_id: string; payment_method: string }>(
          'SELECT payment_id, payment_method FROM payments WHERE payment_id = ANY($1)',
          [ids],
        );
        for (const x of p.rows) methods.set(x.payment_id, x.payment_method);
      }
      const registerOf = new Map([...day.registerOf, ...other.registerOf]);
      return { tz, rows, others, registers, approvals, methods, registerOf, head: await pgAuditHead(this.ctx.pool) };
    };
    return {
      dailyReport: async (date, q = {}) => {
        const d = await load(date, q.tz, q.register);
        const view = (r: RefundRow) => toRefundView(r, d.approvals.get(r.refund_request_id) ?? []);
        const report = buildDailyReport(date, d.rows, view, d.others);
        // Where each unfinished refund waits: the register that journaled it.
        const pendingRegisters = Object.fromEntries(report.pending.map((p) => [p.refundRequestId, d.registerOf.get(p.refundRequestId) ?? '']));
        return { ...report, auditHead: d.head, registers: d.registers, pendingRegisters };
      },
      dailyReportCsv: async (date, q = {}) => {
        const d = await load(date, q.tz, q.register);
        return buildDailyCsv(
          d.rows,
          {
            approvals: (id) => d.approvals.get(id) ?? [],
            paymentMethod: (id) => d.methods.get(id) ?? null,
            registerOf: (id) => d.registerOf.get(id) ?? '',
          },
          d.others,
          d.tz,
          d.head,
        );
      },
      view: async (id) => {
        const row = await this.journal.get(id);
        return row === null ? null : toRefundView(row, await this.approvals.decisions(id));
      },
      // As RefundStore.referenceReplays, over every register's refunds (each row names its register).
      referenceReplays: async (limit = 20) => {
        const r = await this.ctx.pool.query(
          "SELECT * FROM refunds WHERE result_code = 'TERMINAL_REFERENCE_REUSED' ORDER BY updated_at DESC, refund_request_id DESC LIMIT $1",
          [limit],
        );
        return (r.rows as Record<string, unknown>[]).map(toRefundRow);
      },
    };
  }
}

/**
 * The manager's records: the end-of-day report (on screen and as CSV) and the
 * hash-chained audit trail, store-wide in store mode (every counter's refunds,
 * one chain), with a register filter; and the refunds waiting for a manager
 * at any counter.
 */
import { ok } from '../../../preload/contract/result';
import type { DailyReportView } from '../../../preload/contract/views';
import type { ApprovalsPort, AuditPort, ReportsPort } from '../../ledger/store-port';
import type { HandlerRegistry } from '../registry';

export interface ReportsDeps {
  readonly reports: Pick<ReportsPort, 'dailyReport' | 'dailyReportCsv'>;
  readonly audit: Pick<AuditPort, 'list' | 'verify'>;
  readonly approvals: Pick<ApprovalsPort, 'pending'>;
  /** The zone that decides "today" for the store (the store's setting, else this PC's). */
  timeZone(): Promise<string>;
}

/** `refunds-2026-12-01.csv`, or `refunds-2026-12-01-counter-2.csv` for one register (spaces kept out of file names). */
function csvFileName(date: string, register: string | undefined): string {
  return register === undefined ? `refunds-${date}.csv` : `refunds-${date}-${register.replace(/[^A-Za-z0-9_.-]/g, '_')}.csv`;
}

export function registerReports(registry: HandlerRegistry, deps: ReportsDeps): void {
  const { reports, audit, approvals } = deps;
  registry.handle('getDailyReport', async ({ date, register }) => {
    const tz = await deps.timeZone();
    const report = await reports.dailyReport(date, { tz, ...(register !== undefined ? { register } : {}) });
    // Where each pending refund waits: the approvals feed knows for those waiting for a manager; a report
    // of one register (or of a store with one) knows for all of them.
    const only = register ?? (report.registers.length === 1 ? report.registers[0] : undefined);
    const waiting = new Map((await approvals.pending()).map((p) => [p.refundRequestId, p.register]));
    const pendingRegisters: Record<string, string> = {};
    for (const p of report.pending) {
      const reg = report.pendingRegisters?.[p.refundRequestId] ?? waiting.get(p.refundRequestId) ?? only;
      if (reg !== undefined) pendingRegisters[p.refundRequestId] = reg;
    }
    const view: DailyReportView = { ...report, ...(register !== undefined ? { register } : {}), pendingRegisters };
    return ok(view);
  });
  registry.handle('exportDailyReportCsv', async ({ date, register }) => {
    const tz = await deps.timeZone();
    const csv = await reports.dailyReportCsv(date, { tz, ...(register !== undefined ? { register } : {}) });
    return ok({ fileName: csvFileName(date, register), csv });
  });
  registry.handle('listPendingApprovals', async () => ok(await approvals.pending()));
  registry.handle('listAudit', async (filter) => ok(await audit.list({ ...filter, timeZone: await deps.timeZone() })));
  registry.handle('verifyAudit', async () => ok(await audit.verify()));
}

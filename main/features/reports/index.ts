/** The manager's records: the end-of-day report (on screen and as CSV) and the hash-chained audit trail. */
import { ok } from '../../../preload/contract/result';
import type { Ledger } from '../../ledger';
import type { HandlerRegistry } from '../registry';

export interface ReportsDeps {
  readonly ledger: Pick<Ledger, 'dailyReport' | 'dailyReportCsv' | 'audit' | 'verifyAudit' | 'timeZone'>;
}

export function registerReports(registry: HandlerRegistry, deps: ReportsDeps): void {
  const { ledger } = deps;
  registry.handle('getDailyReport', async ({ date }) => ok(ledger.dailyReport(date)));
  registry.handle('exportDailyReportCsv', async ({ date }) => ok({ fileName: `refunds-${date}.csv`, csv: ledger.dailyReportCsv(date) }));
  registry.handle('listAudit', async (filter) => ok(ledger.audit.list({ ...filter, timeZone: ledger.timeZone })));
  registry.handle('verifyAudit', async () => ok(ledger.verifyAudit()));
}

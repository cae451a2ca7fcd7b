/** `journal [--date YYYY-MM-DD] [--tz ZONE] [--csv] [--json]`: the day's refunds, totals and what is pending. */
import { parseArgs } from 'node:util';
import type { CliCommand } from '../command';
import { toMajorString } from '../../../preload/contract/money';
import { effectiveTimeZone, loadAppConfig, systemTimeZone } from '../../config/app-config';
import { IsoDateRegex, isValidTimeZone, localDate } from '../../ledger/local-date';
import { openDataLedger } from '../../services/data-ledger';

const USAGE =
  "Usage: refund-terminal [--data-dir DIR] journal [--date YYYY-MM-DD] [--tz ZONE] [--csv | --json]\n  default: today in ZONE (default: the store time zone from config.json, else this PC's zone)";

export const journalCommand: CliCommand = {
  name: 'journal',
  summary: "Show a day's refunds (end-of-day report, CSV)",
  usage: USAGE,
  async run(args, ctx) {
    const { values } = parseArgs({
      args: [...args],
      options: { date: { type: 'string' }, tz: { type: 'string' }, csv: { type: 'boolean', default: false }, json: { type: 'boolean', default: false } },
      strict: true,
    });
    const config = await loadAppConfig(ctx.dataDir);
    const tz = values.tz ?? (config.ok ? effectiveTimeZone(config.value) : systemTimeZone());
    if (!isValidTimeZone(tz)) {
      ctx.stderr.write(`Unknown time zone ${tz}.\n`);
      return 1;
    }
    const date = values.date ?? localDate(new Date(), tz);
    if (!IsoDateRegex.test(date) || Number.isNaN(Date.parse(`${date}T00:00:00Z`))) {
      ctx.stderr.write('--date must be YYYY-MM-DD.\n');
      return 1;
    }
    const { ledger } = await openDataLedger(ctx.dataDir, { timeZone: tz });
    try {
      if (values.csv) {
        ctx.stdout.write(ledger.dailyReportCsv(date));
        return 0;
      }
      const report = ledger.dailyReport(date);
      if (values.json) {
        ctx.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
        return 0;
      }
      const money = (m: { value: number; currency: string }): string => `${toMajorString(m)} ${m.currency}`;
      ctx.stdout.write(`Refunds on ${date} (${tz})\n`);
      if (report.totals.length === 0) ctx.stdout.write('  none\n');
      for (const t of report.totals) ctx.stdout.write(`  ${t.status.padEnd(20)} ${String(t.count).padStart(4)}  ${money(t.amount)}\n`);
      if (report.byCashier.length > 0) ctx.stdout.write('Refunded by cashier\n');
      for (const c of report.byCashier) ctx.stdout.write(`  ${c.cashier.padEnd(20)} ${String(c.count).padStart(4)}  ${money(c.amount)}\n`);
      // Its own section: no money moved through Antom for these.
      if (report.otherRefunds.length > 0) ctx.stdout.write('Refunded another way (not through Antom)\n');
      for (const t of report.otherTotals) ctx.stdout.write(`  ${t.method.padEnd(20)} ${String(t.count).padStart(4)}  ${money(t.amount)}\n`);
      for (const o of report.otherRefunds)
        ctx.stdout.write(`  ${o.createdAt}  ${o.paymentId}  ${o.method}  ${money(o.amount)}  by ${o.recordedBy}  ${o.note}\n`);
      if (report.pending.length > 0) ctx.stdout.write('Not final yet\n');
      for (const p of report.pending) {
        ctx.stdout.write(
          `  ${p.refundRequestId}  ${p.paymentId}  ${p.amount ? money(p.amount) : ''}  ${p.state}  next: ${p.nextAction}${p.reason ? `  reason: ${p.reason.text}` : ''}  ${p.message}\n`,
        );
      }
      if (report.auditHead)
        ctx.stdout.write(
          `Audit head: ${report.auditHead.seq}:${report.auditHead.hash}  (check later with: audit verify --head ${report.auditHead.seq}:${report.auditHead.hash})\n`,
        );
      return 0;
    } finally {
      ledger.close();
    }
  },
};

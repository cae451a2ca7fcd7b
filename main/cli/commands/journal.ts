/**
 * `journal [--date YYYY-MM-DD] [--tz ZONE] [--register NAME] [--csv] [--json]`: the day's refunds,
 * totals and what is pending. In store mode it is the store's day (every counter's refunds, with
 * their register; `--register` keeps one counter's), read from the store ledger (ledger-session.ts).
 */
import { parseArgs } from 'node:util';
import type { CliCommand } from '../command';
import { toMajorString } from '../../../preload/contract/money';
import { effectiveTimeZone, loadAppConfig, systemTimeZone } from '../../config/app-config';
import { IsoDateRegex, isValidTimeZone, localDate } from '../../ledger/local-date';
import type { StoreDailyReport, StoreLedger } from '../../ledger/store-port';
import { EXIT } from '../exit-codes';
import { openCliLedger } from '../ledger-session';

const USAGE = [
  'Usage: refund-terminal [--data-dir DIR] journal [--date YYYY-MM-DD] [--tz ZONE] [--register NAME] [--csv | --json]',
  "  default: today in ZONE (default: the store's time zone, else config.json's, else this PC's)",
  "  store mode: the whole store's day, every counter's refunds with their register; --register NAME keeps one counter's",
].join('\n');

type Writer = (s: string) => void;
const money = (m: { value: number; currency: string }): string => `${toMajorString(m)} ${m.currency}`;

/** What each register refunded through Antom that day (store mode, whole-store report): one query per register. */
async function byRegister(store: StoreLedger, date: string, tz: string, registers: readonly string[], write: Writer): Promise<void> {
  if (store.engine !== 'postgres' || registers.length === 0) return;
  write('Refunded by register\n');
  for (const register of registers) {
    const r = await store.reports.dailyReport(date, { tz, register });
    // The same refunds as "Refunded by cashier" (the ones that went through), summed per currency.
    const sums = new Map<string, { count: number; value: number }>();
    for (const c of r.byCashier) {
      const s = sums.get(c.currency) ?? { count: 0, value: 0 };
      sums.set(c.currency, { count: s.count + c.count, value: s.value + c.amount.value });
    }
    if (sums.size === 0) write(`  ${register.padEnd(20)}    0\n`);
    for (const [currency, s] of [...sums].sort(([a], [b]) => (a < b ? -1 : 1)))
      write(`  ${register.padEnd(20)} ${String(s.count).padStart(4)}  ${money({ value: s.value, currency })}\n`);
  }
}

function writeReport(report: StoreDailyReport, write: Writer, storeMode: boolean): void {
  if (report.totals.length === 0) write('  none\n');
  for (const t of report.totals) write(`  ${t.status.padEnd(20)} ${String(t.count).padStart(4)}  ${money(t.amount)}\n`);
  if (report.byCashier.length > 0) write('Refunded by cashier\n');
  for (const c of report.byCashier) write(`  ${c.cashier.padEnd(20)} ${String(c.count).padStart(4)}  ${money(c.amount)}\n`);
  // Its own section: no money moved through Antom for these.
  if (report.otherRefunds.length > 0) write('Refunded another way (not through Antom)\n');
  for (const t of report.otherTotals) write(`  ${t.method.padEnd(20)} ${String(t.count).padStart(4)}  ${money(t.amount)}\n`);
  for (const o of report.otherRefunds) write(`  ${o.createdAt}  ${o.paymentId}  ${o.method}  ${money(o.amount)}  by ${o.recordedBy}  ${o.note}\n`);
  if (report.pending.length > 0) write('Not final yet\n');
  for (const p of report.pending) {
    // Store mode: where it waits, so the manager knows which counter to walk to.
    const at = storeMode ? `  at ${report.pendingRegisters?.[p.refundRequestId] ?? '?'}` : '';
    write(
      `  ${p.refundRequestId}  ${p.paymentId}  ${p.amount ? money(p.amount) : ''}  ${p.state}${at}  next: ${p.nextAction}${p.reason ? `  reason: ${p.reason.text}` : ''}  ${p.message}\n`,
    );
  }
}

export const journalCommand: CliCommand = {
  name: 'journal',
  summary: "Show a day's refunds (end-of-day report, CSV; store-wide in store mode)",
  usage: USAGE,
  async run(args, ctx) {
    const { values } = parseArgs({
      args: [...args],
      options: {
        date: { type: 'string' },
        tz: { type: 'string' },
        register: { type: 'string' },
        csv: { type: 'boolean', default: false },
        json: { type: 'boolean', default: false },
      },
      strict: true,
    });
    if (values.tz !== undefined && !isValidTimeZone(values.tz)) {
      ctx.stderr.write(`Unknown time zone ${values.tz}.\n`);
      return EXIT.BAD_INPUT;
    }
    if (values.date !== undefined && (!IsoDateRegex.test(values.date) || Number.isNaN(Date.parse(`${values.date}T00:00:00Z`)))) {
      ctx.stderr.write('--date must be YYYY-MM-DD.\n');
      return EXIT.BAD_INPUT;
    }
    const opened = await openCliLedger(ctx);
    if (!opened.ok) {
      ctx.stderr.write(`${opened.message}\n`);
      return opened.exitCode;
    }
    const { store } = opened;
    try {
      const config = await loadAppConfig(ctx.dataDir);
      // The store's zone decides "today" for every counter alike; a counter's own setting only without one.
      const tz = values.tz ?? (await store.settings.timeZone()) ?? (config.ok ? effectiveTimeZone(config.value) : systemTimeZone());
      if (!isValidTimeZone(tz)) {
        ctx.stderr.write(`Unknown time zone ${tz}.\n`);
        return EXIT.BAD_INPUT;
      }
      const date = values.date ?? localDate(new Date(), tz);
      const q = { tz, ...(values.register !== undefined ? { register: values.register } : {}) };
      if (values.csv) {
        ctx.stdout.write(await store.reports.dailyReportCsv(date, q));
        return EXIT.SUCCESS;
      }
      const report = await store.reports.dailyReport(date, q);
      if (values.json) {
        ctx.stdout.write(`${JSON.stringify({ ...report, ...(values.register !== undefined ? { register: values.register } : {}) }, null, 2)}\n`);
        return EXIT.SUCCESS;
      }
      const write: Writer = (s) => ctx.stdout.write(s);
      const storeMode = store.engine === 'postgres';
      const scope = storeMode ? (values.register !== undefined ? `register ${values.register} of the store` : 'the whole store') : 'this counter';
      write(`Refunds on ${date} (${tz}), ${scope}\n`);
      if (storeMode) write(`Registers with refunds that day: ${report.registers.length > 0 ? report.registers.join(', ') : 'none'}\n`);
      writeReport(report, write, storeMode);
      if (values.register === undefined) await byRegister(store, date, tz, report.registers, write);
      const head = report.auditHead;
      if (head) write(`Audit head: ${head.seq}:${head.hash}  (check later with: audit verify --head ${head.seq}:${head.hash})\n`);
      return EXIT.SUCCESS;
    } finally {
      await opened.close();
    }
  },
};

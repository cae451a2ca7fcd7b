/**
 * The durable store of the refund terminal: one SQLite file shared by the app
 * and the CLI. `openLedger` applies pragmas and migrations and wires the parts
 * (journal, payments cache, users, policy, audit, reports) to one connection.
 */
import type { Database } from 'better-sqlite3';
import type { Money } from '../../preload/contract/money';
import type { RefundView } from '../../preload/contract/refunds';
import { err, ok, type Result } from '../../preload/contract/result';
import type { AuditVerifyView, DailyReportView } from '../../preload/contract/views';
import { AuditLog } from './audit';
import { computeBalance, type Balance } from './balance';
import { MethodCapabilities } from './method-capabilities';
import { openDatabase } from './db';
import { isValidTimeZone, localDate } from './local-date';
import { migrate, schemaVersion } from './migrations';
import { PaymentCache } from './payment-cache';
import { DEFAULT_POLICY, PolicySchema, type Policy } from './policy';
import { buildDailyCsv, buildDailyReport } from './reports';
import { RefundStore, type RefundFilter } from './refund-store';
import { parseRow, PolicyBodySchema, type RefundRow } from './rows';
import { UserStore, type User, type VerifyPinError } from './users';
import { toRefundView } from './views';

export interface LedgerOptions {
  readonly clock?: () => Date;
  /** IANA zone of the shop, for "today" and daily reports. Default UTC. */
  readonly timeZone?: string;
}

export interface Ledger {
  readonly db: Database;
  readonly clock: () => Date;
  /** The shop's IANA zone for "today", daily reports and CSV dates (changeable: setTimeZone). */
  readonly timeZone: string;
  setTimeZone(tz: string, actor: string): Result<string, 'INVALID_INPUT'>;
  readonly refunds: RefundStore;
  readonly payments: PaymentCache;
  readonly users: UserStore;
  readonly audit: AuditLog;
  schemaVersion(): number;
  /** Runs `fn` in one IMMEDIATE transaction (all-or-nothing across the parts). */
  transaction<T>(fn: () => T): T;
  verifyPin(name: string, pin: string): Promise<Result<User, VerifyPinError>>;
  /** What can still be refunded (this journal and what Antom reported); null if the payment was never looked up. */
  refundableBalance(paymentId: string): Money | null;
  /** The balance with where it comes from; null if the payment was never looked up. */
  balance(paymentId: string): Balance | null;
  readonly capabilities: MethodCapabilities;
  view(row: RefundRow): RefundView;
  getPolicy(): Policy;
  setPolicy(policy: unknown, actor: string): Result<Policy, 'INVALID_INPUT'>;
  verifyAudit(): AuditVerifyView;
  dailyReport(date: string, tz?: string): DailyReportView;
  dailyReportCsv(date: string, tz?: string): string;
  listRefunds(filter?: RefundFilter): RefundRow[];
  close(): void;
}

export function openLedger(dbPath: string, opts: LedgerOptions = {}): Ledger {
  const clock = opts.clock ?? (() => new Date());
  let timeZone = opts.timeZone ?? 'UTC';
  const db = openDatabase(dbPath);
  try {
    migrate(db);
  } catch (e) {
    db.close();
    throw e;
  }
  const audit = new AuditLog(db, clock);
  const refunds = new RefundStore(db, audit, clock, () => timeZone);
  const payments = new PaymentCache(db, clock);
  const users = new UserStore(db, audit, clock);
  const capabilities = new MethodCapabilities(db, clock);

  const rowsOn = (date: string, tz: string): RefundRow[] =>
    tz === timeZone ? refunds.list({ date }) : new RefundStore(db, audit, clock, tz).list({ date });

  const ledger: Ledger = {
    db,
    clock,
    get timeZone() {
      return timeZone;
    },
    setTimeZone(tz, actor) {
      if (!isValidTimeZone(tz)) return err('INVALID_INPUT', `${tz} is not a time zone. Use an IANA name such as Asia/Singapore.`);
      const before = timeZone;
      timeZone = tz;
      if (before !== tz) audit.append(actor, 'config.time_zone', { before, after: tz });
      return ok(tz);
    },
    refunds,
    payments,
    users,
    audit,
    schemaVersion: () => schemaVersion(db),
    transaction<T>(fn: () => T): T {
      const t = db.transaction(fn);
      return db.inTransaction ? t() : t.immediate();
    },
    verifyPin: (name, pin) => users.verifyPin(name, pin),
    refundableBalance(paymentId) {
      return ledger.balance(paymentId)?.refundable ?? null;
    },
    balance(paymentId) {
      const p = payments.row(paymentId);
      return p === null ? null : computeBalance(p, refunds.list({ paymentId }));
    },
    capabilities,
    view: (row) => toRefundView(row, refunds.approvals(row.refund_request_id)),
    getPolicy() {
      const raw = db.prepare('SELECT body FROM policy WHERE id = 1').get();
      if (raw === undefined) return DEFAULT_POLICY;
      let body: unknown;
      try {
        body = JSON.parse(parseRow(PolicyBodySchema, raw, 'policy').body);
      } catch {
        body = null;
      }
      const parsed = PolicySchema.safeParse(body);
      // A corrupted policy must not silently disable approvals: fall back to the strict default.
      return parsed.success ? parsed.data : DEFAULT_POLICY;
    },
    setPolicy(policy, actor) {
      const parsed = PolicySchema.safeParse(policy);
      if (!parsed.success) return err('INVALID_INPUT', `Policy is not valid: ${parsed.error.issues.map((i) => i.message).join('; ')}`);
      ledger.transaction(() => {
        const before = ledger.getPolicy();
        db.prepare(
          `INSERT INTO policy (id, body, updated_at, updated_by) VALUES (1, @body, @at, @by)
           ON CONFLICT(id) DO UPDATE SET body = excluded.body, updated_at = excluded.updated_at, updated_by = excluded.updated_by`,
        ).run({ body: JSON.stringify(parsed.data), at: clock().toISOString(), by: actor });
        audit.append(actor, 'config.policy', { before, after: parsed.data });
      });
      return ok(parsed.data);
    },
    verifyAudit: () => audit.verify(),
    dailyReport: (date, tz) => buildDailyReport(date, rowsOn(date, tz ?? timeZone), ledger.view),
    dailyReportCsv: (date, tz) => buildDailyCsv(rowsOn(date, tz ?? timeZone), tz ?? timeZone),
    listRefunds: (filter) => refunds.list(filter),
    close: () => {
      if (db.open) db.close();
    },
  };
  return ledger;
}

export { localDate };

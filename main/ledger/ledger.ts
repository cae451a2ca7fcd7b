/**
 * The durable store of the refund terminal: one SQLite file shared by the app
 * and the CLI. `openLedger` applies pragmas and migrations and wires the parts
 * (journal, payments cache, users, policy, audit, reports) to one connection.
 */
import type { Database } from 'better-sqlite3';
import type { Money } from '../../preload/contract/money';
import type { RefundView } from '../../preload/contract/refunds';
import { err, ok, type Result } from '../../preload/contract/result';
import type { AuditVerifyView, DailyReportView, ReceiptView } from '../../preload/contract/views';
import { AuditLog } from './audit';
import { openDatabase } from './db';
import { localDate } from './local-date';
import { migrate, schemaVersion } from './migrations';
import { PaymentCache } from './payment-cache';
import { DEFAULT_POLICY, PolicySchema, type Policy } from './policy';
import { buildDailyCsv, buildDailyReport } from './reports';
import { RefundStore, type RefundFilter } from './refund-store';
import { parseRow, PolicyBodySchema, type RefundRow } from './rows';
import { OtherRefundStore } from './other-refunds';
import { SettingsStore } from './store-settings';
import { isFinal } from './state-machine';
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
  readonly timeZone: string;
  readonly refunds: RefundStore;
  readonly payments: PaymentCache;
  readonly users: UserStore;
  readonly audit: AuditLog;
  readonly settings: SettingsStore;
  readonly otherRefunds: OtherRefundStore;
  schemaVersion(): number;
  /** Runs `fn` in one IMMEDIATE transaction (all-or-nothing across the parts). */
  transaction<T>(fn: () => T): T;
  verifyPin(name: string, pin: string): Promise<Result<User, VerifyPinError>>;
  /** Original amount minus SUCCEEDED and in-flight refunds; null if the payment was never looked up. */
  refundableBalance(paymentId: string): Money | null;
  view(row: RefundRow): RefundView;
  getPolicy(): Policy;
  setPolicy(policy: unknown, actor: string): Result<Policy, 'INVALID_INPUT'>;
  verifyAudit(): AuditVerifyView;
  dailyReport(date: string, tz?: string): DailyReportView;
  dailyReportCsv(date: string, tz?: string): string;
  listRefunds(filter?: RefundFilter): RefundRow[];
  /** What the receipt of a final refund prints; NOT_FINAL while its outcome is open. */
  receipt(refundRequestId: string): Result<ReceiptView, 'NOT_FOUND' | 'NOT_FINAL'>;
  close(): void;
}

export function openLedger(dbPath: string, opts: LedgerOptions = {}): Ledger {
  const clock = opts.clock ?? (() => new Date());
  const timeZone = opts.timeZone ?? 'UTC';
  const db = openDatabase(dbPath);
  try {
    migrate(db);
  } catch (e) {
    db.close();
    throw e;
  }
  const audit = new AuditLog(db, clock);
  const refunds = new RefundStore(db, audit, clock, timeZone);
  const payments = new PaymentCache(db, clock);
  const users = new UserStore(db, audit, clock);
  const settings = new SettingsStore(db, audit, clock);
  const otherRefunds = new OtherRefundStore(db, audit, refunds, clock, timeZone);

  const rowsOn = (date: string, tz: string): RefundRow[] =>
    tz === timeZone ? refunds.list({ date }) : new RefundStore(db, audit, clock, tz).list({ date });

  const ledger: Ledger = {
    db,
    clock,
    timeZone,
    refunds,
    payments,
    users,
    audit,
    settings,
    otherRefunds,
    schemaVersion: () => schemaVersion(db),
    transaction<T>(fn: () => T): T {
      const t = db.transaction(fn);
      return db.inTransaction ? t() : t.immediate();
    },
    verifyPin: (name, pin) => users.verifyPin(name, pin),
    refundableBalance(paymentId) {
      const p = payments.get(paymentId);
      if (p === null) return null;
      return { value: Math.max(0, p.amount.value - refunds.committedAmount(paymentId)), currency: p.amount.currency };
    },
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
    dailyReport: (date, tz) => buildDailyReport(date, rowsOn(date, tz ?? timeZone), ledger.view, otherRefunds.list({ date, tz: tz ?? timeZone })),
    dailyReportCsv: (date, tz) =>
      buildDailyCsv(
        rowsOn(date, tz ?? timeZone),
        {
          approvals: (id) => refunds.approvals(id),
          paymentMethod: (id) => payments.get(id)?.paymentMethod ?? null,
        },
        otherRefunds.list({ date, tz: tz ?? timeZone }),
      ),
    listRefunds: (filter) => refunds.list(filter),
    receipt(refundRequestId) {
      const row = refunds.get(refundRequestId);
      if (row === null) return err('NOT_FOUND', 'No such refund.');
      if (!isFinal(row.state)) return err('NOT_FINAL', 'This refund is not final yet: its receipt can be printed once the outcome is known.');
      const p = payments.get(row.payment_id);
      const store = settings.store();
      return ok({
        refund: ledger.view(row),
        payment: p === null ? null : { amount: p.amount, paymentMethod: p.paymentMethod, paidAt: p.paidAt },
        storeName: store.storeName,
        register: store.register,
        timeZone,
      });
    },
    close: () => {
      if (db.open) db.close();
    },
  };
  return ledger;
}

export { localDate };

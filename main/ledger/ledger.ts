/**
 * The durable store of the refund terminal: one SQLite file shared by the app
 * and the CLI. `openLedger` applies pragmas and migrations and wires the parts
 * (journal, payments cache, users, policy, audit, reports) to one connection.
 */
import type { Database } from 'better-sqlite3';
import path from 'node:path';
import type { Money } from '../../preload/contract/money';
import type { RefundView } from '../../preload/contract/refunds';
import { err, ok, type Result } from '../../preload/contract/result';
import type { AuditVerifyView, DailyReportView, ReceiptView } from '../../preload/contract/views';
import { AuditLog } from './audit';
import { computeBalance, type Balance } from './balance';
import { MethodCapabilities } from './method-capabilities';
import { openDatabase } from './db';
import { DEFAULT_MIN_FREE_BYTES, measureJournalSpace, type JournalSpace, type StatFs } from './disk-space';
import { isValidTimeZone, localDate } from './local-date';
import { migrate, schemaVersion } from './migrations';
import { PaymentCache } from './payment-cache';
import { DEFAULT_POLICY, PolicySchema, TAMPERED_POLICY, type Policy } from './policy';
import { RowSeals, type RowProblem } from './row-mac';
import { buildDailyCsv, buildDailyReport } from './reports';
import { RefundStore, type RefundFilter } from './refund-store';
import { parseRow, PolicyBodySchema, type RefundRow } from './rows';
import { OtherRefundStore } from './other-refunds';
import { SettingsStore } from './store-settings';
import { isFinal } from './state-machine';
import { UserStore, type User, type VerifyPinError } from './users';
import { PinHasher } from './pin-hasher';
import type { PinPolicy } from './pin-policy';
import { PUBLIC_TEST_KEYS, type LedgerKeys } from '../secrets/ledger-keys';
import { parseHead } from './audit';
import { secureLedgerFiles } from '../security/file-modes';
import { toRefundView } from './views';

export interface LedgerOptions {
  readonly clock?: () => Date;
  /** IANA zone of the shop, for "today" and daily reports. Default UTC. */
  readonly timeZone?: string;
  /**
   * Audit key and PIN pepper from the secret store (loadLedgerKeys). Every
   * production open passes them; without them the ledger uses public test keys.
   */
  readonly keys?: LedgerKeys;
  /**
   * True only when the keys were just created: entries written before the
   * chain was keyed are then signed once (an upgrade). Later, an unsigned
   * entry is tampering and `audit verify` says so. Default: true without
   * `keys` (tests), false with them.
   */
  readonly adoptUnsignedAudit?: boolean;
  readonly pinPolicy?: PinPolicy;
  /** Free-space floor of the journal's filesystem below which no new refund starts (disk-space.ts). */
  readonly minFreeBytes?: number;
  /** Free-space probe; tests inject a full disk. Default fs.statfsSync. */
  readonly statfs?: StatFs;
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
  readonly settings: SettingsStore;
  readonly otherRefunds: OtherRefundStore;
  schemaVersion(): number;
  /** Runs `fn` in one IMMEDIATE transaction (all-or-nothing across the parts). */
  transaction<T>(fn: () => T): T;
  verifyPin(name: string, pin: string, opts?: { newPin?: string }): Promise<Result<User, VerifyPinError>>;
  /** What can still be refunded (this journal and what Antom reported); null if the payment was never looked up. */
  refundableBalance(paymentId: string): Money | null;
  /** The balance with where it comes from; null if the payment was never looked up. */
  balance(paymentId: string): Balance | null;
  readonly capabilities: MethodCapabilities;
  view(row: RefundRow): RefundView;
  getPolicy(): Policy;
  setPolicy(policy: unknown, actor: string): Result<Policy, 'INVALID_INPUT'>;
  /** `expectedHead`: a head written down earlier (`SEQ:HASH` or the hash); refused as INVALID when unreadable. */
  verifyAudit(opts?: { expectedHead?: string }): AuditVerifyView;
  dailyReport(date: string, tz?: string): DailyReportView;
  dailyReportCsv(date: string, tz?: string): string;
  listRefunds(filter?: RefundFilter): RefundRow[];
  /** Free space on the journal's filesystem against the floor (measured now). */
  space(): JournalSpace;
  /** What the receipt of a final refund prints; NOT_FINAL while its outcome is open. */
  receipt(refundRequestId: string): Result<ReceiptView, 'NOT_FOUND' | 'NOT_FINAL'>;
  close(): void;
}

export function openLedger(dbPath: string, opts: LedgerOptions = {}): Ledger {
  const clock = opts.clock ?? (() => new Date());
  let timeZone = opts.timeZone ?? 'UTC';
  const keys = opts.keys ?? PUBLIC_TEST_KEYS;
  // The file is created 0600 before SQLite opens it, so its -wal and -shm inherit that mode.
  secureLedgerFiles(dbPath);
  const db = openDatabase(dbPath);
  const audit = new AuditLog(db, clock, keys.auditKey);
  const seals = new RowSeals(db, keys.auditKey);
  try {
    // The upgrade that adds the seals adopts the rows it finds, like unsigned audit entries (attack F4).
    const sealsAdded = !RowSeals.present(db);
    migrate(db);
    const adopt = opts.adoptUnsignedAudit ?? opts.keys === undefined;
    if (adopt) audit.adoptUnsigned();
    if (adopt || sealsAdded) seals.adoptUnsealed();
  } catch (e) {
    db.close();
    throw e;
  }
  secureLedgerFiles(dbPath);
  const judgePolicy = (raw: Record<string, unknown>): Policy => {
    // Edited outside the app (attack F4): not applied. Not the default either (deleting
    // limits would then be as good as lowering them): every refund needs a manager.
    if (!seals.policyValid(raw)) return TAMPERED_POLICY;
    let body: unknown;
    try {
      body = JSON.parse(parseRow(PolicyBodySchema, raw, 'policy').body);
    } catch {
      body = null;
    }
    const parsed = PolicySchema.safeParse(body);
    // A corrupted policy must not silently disable approvals: fall back to the strict default.
    return parsed.success ? parsed.data : DEFAULT_POLICY;
  };
  let policyMemo: { key: string; policy: Policy } | null = null;
  const refunds = new RefundStore(db, audit, clock, () => timeZone);
  const payments = new PaymentCache(db, clock);
  const users = new UserStore(db, audit, clock, new PinHasher(keys.pinPepper), opts.pinPolicy, seals);
  const capabilities = new MethodCapabilities(db, clock);
  const settings = new SettingsStore(db, audit, clock, seals);
  const otherRefunds = new OtherRefundStore(db, audit, refunds, clock, () => timeZone);

  const rowsOn = (date: string, tz: string): RefundRow[] => (tz === timeZone ? refunds.list({ date }) : new RefundStore(db, audit, clock, tz).list({ date }));

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
    settings,
    otherRefunds,
    schemaVersion: () => schemaVersion(db),
    transaction<T>(fn: () => T): T {
      const t = db.transaction(fn);
      return db.inTransaction ? t() : t.immediate();
    },
    verifyPin: (name, pin, o) => users.verifyPin(name, pin, o),
    refundableBalance(paymentId) {
      return ledger.balance(paymentId)?.refundable ?? null;
    },
    balance(paymentId) {
      const p = payments.row(paymentId);
      return p === null ? null : computeBalance(p, refunds.list({ paymentId }), refunds.otherRefundedAmount(paymentId));
    },
    capabilities,
    view: (row) => toRefundView(row, refunds.approvals(row.refund_request_id)),
    getPolicy() {
      const raw = db.prepare('SELECT * FROM policy WHERE id = 1').get();
      if (raw === undefined) return DEFAULT_POLICY;
      // Read at every refund: the seal check and the parse are redone only when the row (its seal
      // included) is not the one judged last time; the answer is a function of the row alone.
      const key = JSON.stringify(raw);
      if (policyMemo?.key === key) return policyMemo.policy;
      const policy = judgePolicy(raw as Record<string, unknown>);
      policyMemo = { key, policy };
      return policy;
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
        seals.sealPolicy();
        audit.append(actor, 'config.policy', { before, after: parsed.data });
      });
      return ok(parsed.data);
    },
    verifyAudit: (o) => {
      let expectedHead: { seq: number | null; hash: string } | undefined;
      if (o?.expectedHead !== undefined) {
        const h = parseHead(o.expectedHead);
        if (h === null) throw new RangeError('a head is SEQ:HASH (as printed by audit verify) or the 64-hex hash');
        expectedHead = h;
      }
      return withRowProblems(audit.verify(expectedHead === undefined ? {} : { expectedHead }), seals.verify());
    },
    dailyReport: (date, tz) => ({
      ...buildDailyReport(date, rowsOn(date, tz ?? timeZone), ledger.view, otherRefunds.list({ date, tz: tz ?? timeZone })),
      auditHead: audit.head(),
    }),
    dailyReportCsv: (date, tz) =>
      buildDailyCsv(
        rowsOn(date, tz ?? timeZone),
        {
          approvals: (id) => refunds.approvals(id),
          paymentMethod: (id) => payments.get(id)?.paymentMethod ?? null,
        },
        otherRefunds.list({ date, tz: tz ?? timeZone }),
        tz ?? timeZone,
        audit.head(),
      ),
    listRefunds: (filter) => refunds.list(filter),
    space: () => measureJournalSpace(path.dirname(path.resolve(dbPath)), opts.minFreeBytes ?? DEFAULT_MIN_FREE_BYTES, opts.statfs),
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

/** The chain's verdict, made a failure when a sealed row (user, policy, setting) was edited outside the app. */
function withRowProblems(v: AuditVerifyView, rows: readonly RowProblem[]): AuditVerifyView {
  if (rows.length === 0) return v;
  const first = rows[0] as RowProblem;
  const why = `${rows.length} user/policy/settings row(s) were edited outside the app (first: ${first.table} ${first.key})`;
  const rowProblems = rows.map((r) => ({ table: r.table, key: r.key, problem: r.problem }));
  if (!v.ok) return { ...v, reason: `${v.reason}; ${why}`, rowProblems };
  return { ok: false, count: v.count, firstBrokenSeq: v.head.seq + 1, reason: why, head: v.head, refundProblems: v.refundProblems, rowProblems };
}

export { localDate };

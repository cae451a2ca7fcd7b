/**
 * The embedded engine behind the store ports (./store-port.ts): thin async
 * adapters over the sync classes of one counter's SQLite ledger. Nothing is
 * reimplemented here; every rule stays where it was (users.ts, audit.ts, ...).
 * The one counter is the only register: every refund is this register's.
 */
import { z } from 'zod';
import { err, ok, type Result } from '../../preload/contract/result';
import type { AuditHeadView } from '../../preload/contract/views';
import { buildDailyCsv, buildDailyReport } from './reports';
import type { Ledger } from './ledger';
import { RefundStore } from './refund-store';
import { relaxedCommit, sqliteJournal } from './sqlite-journal';
import type { Language, StoreLedger, StoreUser } from './store-port';
import type { User } from './users';

const LanguageRow = z.object({ language: z.enum(['en', 'zh']).nullable() });
const PendingRow = z.object({
  refund_request_id: z.string(),
  cashier: z.string(),
  amount_value: z.number().int(),
  currency: z.string(),
  payment_id: z.string(),
  created_at: z.string(),
});

/**
 * One counter's SQLite ledger with every store port and the journal: the
 * wiring twin of openStoreLedger. Takes a ledger already opened the one
 * production way (services/data-ledger.ts, keys from the secret store).
 */
export function sqliteStoreLedger(ledger: Ledger, register: string): StoreLedger {
  const db = ledger.db;
  const language = (name: string): Language | null => {
    const raw = db.prepare('SELECT language FROM users WHERE name = ?').get(name);
    return raw === undefined ? null : LanguageRow.parse(raw).language;
  };
  const withLanguage = (u: User): StoreUser => ({ ...u, language: language(u.name) });
  const mapUser = <E extends string>(r: Result<User, E>): Result<StoreUser, E> => (r.ok ? ok(withLanguage(r.value)) : r);
  const approvalListeners = new Set<(id: string) => void>();
  // This process's writes: a refund entering or leaving AWAITING_APPROVAL shows in the journal's change notices.
  const waiting = new Set<string>();
  const journal = sqliteJournal(ledger, (id, state) => {
    const now = state === 'AWAITING_APPROVAL';
    if (now || waiting.has(id)) for (const l of [...approvalListeners]) l(id);
    if (now) waiting.add(id);
    else waiting.delete(id);
  });
  const head = (): AuditHeadView => ledger.audit.head();
  const tzOf = (tz?: string): string => tz ?? ledger.timeZone;
  const registerMatches = (want?: string): boolean => want === undefined || want === register;

  return {
    engine: 'sqlite',
    register,
    journal,
    people: {
      get: async (name) => {
        const u = ledger.users.get(name);
        return u === null ? null : withLanguage(u);
      },
      list: async () => ledger.users.list().map((u) => ({ ...u, language: language(u.name) })),
      async add(input, actor) {
        const r = await ledger.users.add(input, actor);
        if (r.ok && input.language !== undefined && input.language !== null)
          db.prepare('UPDATE users SET language = ? WHERE name = ?').run(input.language, r.value.name);
        return mapUser(r);
      },
      disable: async (name, actor) => mapUser(ledger.users.disable(name, actor)),
      enable: async (name, actor) => mapUser(ledger.users.enable(name, actor)),
      unlock: async (name, actor) => mapUser(ledger.users.unlock(name, actor)),
      async setLanguage(name, lang) {
        if (lang !== null && lang !== 'en' && lang !== 'zh') return err('INVALID_INPUT', 'Language must be en or zh.');
        // A screen preference, not a security event: not audited (as UserStore.setLanguage).
        const done = db.prepare('UPDATE users SET language = ? WHERE name = ?').run(lang, name).changes > 0;
        const u = ledger.users.get(name);
        return done && u !== null ? ok(withLanguage(u)) : err('USER_NOT_FOUND', `No user named ${name}.`);
      },
      setRole: async (name, role, actor) => mapUser(ledger.users.setRole(name, role, actor)),
      async resetPin(name, actor) {
        const r = await ledger.users.resetPin(name, actor);
        return r.ok ? ok({ user: withLanguage(r.value.user), oneTimePin: r.value.oneTimePin }) : r;
      },
      verifyPin: async (name, pin, o) => mapUser(await ledger.verifyPin(name, pin, o)),
    },
    audit: {
      append: async (actor, kind, detail) => {
        const r = ledger.audit.append(actor, kind, detail);
        return { seq: r.seq, hash: r.hash };
      },
      head: async () => head(),
      list: async (q) => ledger.audit.list(q),
      verify: async (o) => ledger.verifyAudit(o),
    },
    settings: {
      getPolicy: async () => ledger.getPolicy(),
      setPolicy: async (p, actor) => ledger.setPolicy(p, actor),
      store: async () => ledger.settings.store(),
      setStore: async (s, actor) => ledger.settings.setStore(s, actor),
      reasons: async () => ledger.settings.reasons(),
      setReasons: async (r, actor) => ledger.settings.setReasons(r, actor),
      activeReason: async (code) => ledger.settings.activeReason(code),
      // One counter: the zone lives in config.json and is handed to the ledger at open.
      timeZone: async () => ledger.timeZone,
      setTimeZone: async (tz, actor) => ledger.setTimeZone(tz, actor),
    },
    otherRefunds: {
      record: async (n, actor) => ledger.otherRefunds.record(n, actor),
      list: async (f) => ledger.otherRefunds.list(f),
    },
    payments: {
      // A lookup's copy of Antom's payment: relaxed, like every write before the refund's own durable commit (durability.ts).
      upsert: async (p) => relaxedCommit(ledger, () => ledger.payments.upsert(p)),
      get: async (id) => ledger.payments.get(id),
      row: async (id) => ledger.payments.row(id),
      balance: async (id) => ledger.balance(id),
      refundableBalance: async (id) => ledger.refundableBalance(id),
      markRefusedAt: async (id, v) => ledger.payments.markRefusedAt(id, v),
      lowerRefusedBound: async (id, by) => ledger.payments.lowerRefusedBound(id, by),
      markPartialRefused: async (id) => ledger.payments.markPartialRefused(id),
      recent: async (limit) => ledger.payments.recent(limit),
      search: async (q) => ledger.payments.search(q),
      facets: async () => ledger.payments.facets(),
      markClosed: async (id, code) => ledger.payments.markClosed(id, code),
      capability: async (m) => ledger.capabilities.get(m),
      learnPartialRefused: async (m, code) => ledger.capabilities.learnPartialRefused(m, code),
      learnWindowExceeded: async (m, days, code) => ledger.capabilities.learnWindowExceeded(m, days, code),
    },
    approvals: {
      async pending() {
        const rows = z.array(PendingRow).parse(db.prepare("SELECT * FROM refunds WHERE state = 'AWAITING_APPROVAL' ORDER BY created_at, rowid").all());
        return rows.map((r) => ({
          refundRequestId: r.refund_request_id,
          register,
          cashier: r.cashier,
          amount: { value: r.amount_value, currency: r.currency },
          paymentId: r.payment_id,
          createdAt: r.created_at,
        }));
      },
      record: async (a) => ledger.refunds.recordApproval(a),
      decisions: async (id) => ledger.refunds.approvals(id),
      onApprovalChange(listener) {
        approvalListeners.add(listener);
        return () => approvalListeners.delete(listener);
      },
    },
    reports: {
      async dailyReport(date, q = {}) {
        const tz = tzOf(q.tz);
        const report = ledger.dailyReport(date, tz);
        const any = report.totals.length > 0 || report.otherRefunds.length > 0;
        if (registerMatches(q.register)) return { ...report, registers: any ? [register] : [] };
        return { ...buildDailyReport(date, [], ledger.view, []), auditHead: head(), registers: any ? [register] : [] };
      },
      async dailyReportCsv(date, q = {}) {
        const tz = tzOf(q.tz);
        const mine = registerMatches(q.register);
        return buildDailyCsv(
          mine ? new RefundStore(db, ledger.audit, ledger.clock, tz).list({ date }) : [],
          {
            approvals: (id) => ledger.refunds.approvals(id),
            paymentMethod: (id) => ledger.payments.get(id)?.paymentMethod ?? null,
            registerOf: () => register,
          },
          mine ? ledger.otherRefunds.list({ date, tz }) : [],
          tz,
          head(),
        );
      },
      async view(id) {
        const row = ledger.refunds.get(id);
        return row === null ? null : ledger.view(row);
      },
      referenceReplays: async (limit) => ledger.refunds.referenceReplays(limit),
    },
    close: async () => ledger.close(),
  };
}

/**
 * Everything of the ledger besides the refund journal, as asynchronous ports:
 * people and PINs, the audit trail, store settings (policy, reasons, receipt
 * header, time zone), refunds made another way, the payment cache with its
 * balance and method capabilities, approvals and reports. Two engines
 * implement them: SQLite (one counter, adapters over the sync classes in this
 * folder, ./sqlite-store.ts) and PostgreSQL (store mode, every counter of a
 * store on one database, ./pg/pg-store.ts). Both pass one contract suite per
 * port (test/unit/ledger/store-contract.ts).
 *
 * In store mode each guarantee holds store-wide because PostgreSQL enforces
 * it, not this process: see the "Store mode" section of docs/ledger.md.
 */
import type { Money } from '../../preload/contract/money';
import type { RefundView } from '../../preload/contract/refunds';
import type { Result } from '../../preload/contract/result';
import type { AuditEntryView, AuditHeadView, AuditVerifyView, DailyReportView, RefundReasonView, Role, StoreSettingsView } from '../../preload/contract/views';
import type { AntomPaymentInfo } from '../refunds/ports';
import type { Balance } from './balance';
import type { RefundJournal } from './journal-port';
import type { MethodCapability } from './method-capabilities';
import type { NewOtherRefund, RecordOtherError } from './other-refunds';
import type { PaymentQuery, PaymentRecord, PaymentSearchFacets } from './payment-cache';
import type { Policy } from './policy';
import type { ApprovalRow, OtherRefundRow, PaymentRow, RefundRow } from './rows';
import type { AddUserError, ManageUserError, VerifyPinError } from './users';

/** A person's display language; null = the counter's default. */
export type Language = 'en' | 'zh';

export interface StoreUser {
  readonly name: string;
  readonly role: Role;
  readonly disabled: boolean;
  readonly lockedUntil: string | null;
  readonly language: Language | null;
}

export interface PeoplePort {
  get(name: string): Promise<StoreUser | null>;
  list(): Promise<StoreUser[]>;
  add(input: { name: string; role: string; pin: string; language?: Language | null }, actor: string): Promise<Result<StoreUser, AddUserError>>;
  disable(name: string, actor: string): Promise<Result<StoreUser, 'USER_NOT_FOUND'>>;
  enable(name: string, actor: string): Promise<Result<StoreUser, 'USER_NOT_FOUND'>>;
  unlock(name: string, actor: string): Promise<Result<StoreUser, 'USER_NOT_FOUND'>>;
  setLanguage(name: string, language: Language | null, actor: string): Promise<Result<StoreUser, 'USER_NOT_FOUND' | 'INVALID_INPUT'>>;
  /** Nobody changes their own role, and the store's last active manager stays one (checked store-wide). */
  setRole(name: string, role: Role, actor: string): Promise<Result<StoreUser, ManageUserError>>;
  /** A random one-time PIN, returned once, to be replaced at the next sign-in; also lifts a lockout. */
  resetPin(name: string, actor: string): Promise<Result<{ user: StoreUser; oneTimePin: string }, ManageUserError>>;
  /**
   * At most MAX_FAILED_PINS wrong PINs are ever evaluated per lockout window,
   * however many arrive at once from however many counters: each attempt is
   * counted in the database before its hash is checked.
   */
  verifyPin(name: string, pin: string, opts?: { newPin?: string }): Promise<Result<StoreUser, VerifyPinError>>;
}

export interface AuditListQuery {
  readonly limit?: number;
  readonly beforeSeq?: number;
  readonly kinds?: readonly string[];
  readonly actor?: string;
  /** YYYY-MM-DD in `timeZone` (default UTC). */
  readonly date?: string;
  readonly timeZone?: string;
}

export interface AuditPort {
  /** One chain for the whole ledger (store-wide in store mode), MAC-keyed with the ledger's audit key. */
  append(actor: string, kind: string, detail: Record<string, unknown>): Promise<AuditHeadView>;
  head(): Promise<AuditHeadView>;
  /** Newest first. */
  list(q?: AuditListQuery): Promise<AuditEntryView[]>;
  /** Chain, MACs and (where the engine audits row content) the refunds table; `expectedHead` as in `audit verify --head`. */
  verify(opts?: { expectedHead?: string }): Promise<AuditVerifyView>;
}

export interface SettingsPort {
  getPolicy(): Promise<Policy>;
  setPolicy(policy: unknown, actor: string): Promise<Result<Policy, 'INVALID_INPUT'>>;
  store(): Promise<StoreSettingsView>;
  setStore(settings: StoreSettingsView, actor: string): Promise<StoreSettingsView>;
  reasons(): Promise<RefundReasonView[]>;
  setReasons(reasons: readonly RefundReasonView[], actor: string): Promise<RefundReasonView[]>;
  activeReason(code: string): Promise<{ code: string; text: string } | null>;
  /** The store's IANA zone; null = never set (each counter then uses its own PC's zone). */
  timeZone(): Promise<string | null>;
  setTimeZone(tz: string, actor: string): Promise<Result<string, 'INVALID_INPUT'>>;
}

export interface OtherRefundsPort {
  /** Checked against the one balance and inserted under the payment's lock, so it cannot spend what a refund at another counter is spending. */
  record(n: NewOtherRefund, actor: string): Promise<Result<OtherRefundRow, RecordOtherError>>;
  list(filter?: { date?: string; paymentId?: string; tz?: string }): Promise<OtherRefundRow[]>;
}

export interface PaymentsPort {
  /** Records a lookup, including what Antom reported as refunded (kept when a lookup says nothing). */
  upsert(p: AntomPaymentInfo): Promise<PaymentRecord>;
  get(paymentId: string): Promise<PaymentRecord | null>;
  row(paymentId: string): Promise<PaymentRow | null>;
  /** computeBalance (balance.ts) over every refund of the payment and what was refunded another way; null if never looked up. */
  balance(paymentId: string): Promise<Balance | null>;
  refundableBalance(paymentId: string): Promise<Money | null>;
  markRefusedAt(paymentId: string, value: number): Promise<void>;
  /** A refund of ours succeeded: an earlier "less than X" bound moves down with it. */
  lowerRefusedBound(paymentId: string, by: number): Promise<void>;
  markPartialRefused(paymentId: string): Promise<void>;
  /** Most recently looked-up payments first (the cashier's "recent" list; store-wide in store mode). */
  recent(limit?: number): Promise<PaymentRecord[]>;
  /** Search over the payments seen (looked up, listed or refunded), newest payment first. */
  search(q: PaymentQuery): Promise<PaymentRecord[]>;
  facets(): Promise<PaymentSearchFacets>;
  markClosed(paymentId: string, resultCode: string): Promise<void>;
  capability(paymentMethod: string): Promise<MethodCapability>;
  learnPartialRefused(paymentMethod: string, resultCode: string): Promise<void>;
  learnWindowExceeded(paymentMethod: string, ageDays: number, resultCode: string): Promise<void>;
}

export interface PendingApproval {
  readonly refundRequestId: string;
  readonly register: string;
  readonly cashier: string;
  readonly amount: Money;
  readonly paymentId: string;
  readonly createdAt: string;
}

export interface ApprovalsPort {
  /** Every refund waiting for a manager, from every counter, oldest first. */
  pending(): Promise<PendingApproval[]>;
  /** Writes a manager's decision with its audit entry (the state change itself is the journal's compare-and-set). */
  record(a: { refundRequestId: string; manager: string; decision: 'APPROVED' | 'DECLINED'; reason: string }): Promise<void>;
  decisions(refundRequestId: string): Promise<ApprovalRow[]>;
  /**
   * Pushed whenever a refund starts or stops waiting for a manager, at any
   * counter (PostgreSQL: LISTEN/NOTIFY from a trigger; SQLite: this process's
   * writes). Returns an unsubscribe function.
   */
  onApprovalChange(listener: (refundRequestId: string) => void): () => void;
}

export interface ReportQuery {
  readonly tz?: string;
  /** Only this register's refunds (store mode); absent = the whole store. */
  readonly register?: string;
}

export interface StoreDailyReport extends DailyReportView {
  /** Registers seen that day (before the filter), for the report's register picker. */
  readonly registers: readonly string[];
}

export interface ReportsPort {
  dailyReport(date: string, q?: ReportQuery): Promise<StoreDailyReport>;
  /** The daily CSV with a `register` column appended (old spreadsheets keep their letters). */
  dailyReportCsv(date: string, q?: ReportQuery): Promise<string>;
  /** The refund as screens show it (approvals included). */
  view(refundRequestId: string): Promise<RefundView | null>;
  /** Refunds stopped because a terminal replayed another refund's reference, newest first (diagnostics; store-wide in store mode). */
  referenceReplays(limit?: number): Promise<RefundRow[]>;
}

/** Everything a counter needs from the ledger, whichever engine holds it. */
export interface StoreLedger {
  readonly engine: 'sqlite' | 'postgres';
  /** This counter's register name. */
  readonly register: string;
  readonly journal: RefundJournal;
  readonly people: PeoplePort;
  readonly audit: AuditPort;
  readonly settings: SettingsPort;
  readonly otherRefunds: OtherRefundsPort;
  readonly payments: PaymentsPort;
  readonly approvals: ApprovalsPort;
  readonly reports: ReportsPort;
  /**
   * Store mode: the live change feeds' connections (LISTEN), for health; a feed
   * nobody subscribed to yet is absent. Absent on the embedded engine (in-process).
   */
  feeds?(): readonly FeedStatus[];
  close(): Promise<void>;
}

/** One LISTEN connection of the store ledger (pg/pg-listen.ts): it reconnects by itself and catches up. */
export interface FeedStatus {
  readonly channel: string;
  readonly state: 'connecting' | 'listening' | 'reconnecting' | 'closed';
  /** When the state last changed (ISO, this process's clock). */
  readonly since: string;
  /** Successful connects after the first one. */
  readonly reconnects: number;
  readonly lastError: string | null;
}

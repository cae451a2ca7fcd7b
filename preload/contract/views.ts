/** Views for sessions, reports, audit, policy, users and configuration. */
import { z } from 'zod';
import type { Money } from './money';
import type { PaymentView, RefundView } from './refunds';

const ShortText = z.string().trim().min(1).max(60);

/** What a manager sets for the store's receipts. */
export const StoreSettingsSchema = z
  .object({
    storeName: ShortText.nullable(),
    /** The checkout / register this PC is (e.g. "Counter 2"). */
    register: ShortText.nullable(),
  })
  .strict();
export type StoreSettingsView = z.infer<typeof StoreSettingsSchema>;

/**
 * The reasons every install starts with, and their English wording as journaled
 * with a refund (screens show them in the reader's language by code).
 */
export const BUILT_IN_REASON_TEXT: Readonly<Record<string, string>> = {
  RETURNED_GOODS: 'Returned goods',
  WRONG_AMOUNT: 'Wrong amount charged',
  DUPLICATE_PAYMENT: 'Duplicate payment',
  CHANGED_MIND: 'Customer changed mind',
  DAMAGED_ITEM: 'Damaged item',
  OTHER: 'Other',
};
export const BUILT_IN_REASON_CODES: readonly string[] = Object.keys(BUILT_IN_REASON_TEXT);

/** One refund reason a manager offers the cashiers. */
export const RefundReasonSchema = z
  .object({
    code: z.string().regex(/^[A-Z0-9_]{1,32}$/, 'a reason code is 1 to 32 capital letters, digits or _'),
    /** The store's own wording; null = the built-in wording of a built-in code, in the reader's language. */
    label: ShortText.nullable(),
    /** Retired reasons stay for old refunds but are no longer offered. */
    active: z.boolean(),
  })
  .strict()
  .refine((r) => r.label !== null || BUILT_IN_REASON_CODES.includes(r.code), { message: 'a reason of the store needs a label' });
export type RefundReasonView = z.infer<typeof RefundReasonSchema>;

export const RefundReasonsSchema = z
  .object({
    reasons: z
      .array(RefundReasonSchema)
      .min(1)
      .max(20)
      .refine((list) => new Set(list.map((r) => r.code)).size === list.length, { message: 'each reason code only once' })
      .refine((list) => list.some((r) => r.active), { message: 'at least one reason must be offered' }),
  })
  .strict();

/** Result of a payment search over what this install has seen, with what the filters can offer. */
export interface PaymentSearchView {
  readonly payments: readonly PaymentView[];
  readonly methods: readonly string[];
  readonly currencies: readonly string[];
  /** How many payments this install knows at all (the search cannot find others). */
  readonly seen: number;
}

/** Everything a refund receipt prints, read from the journal (reprints show the same facts). */
export interface ReceiptView {
  readonly refund: RefundView;
  /** The original payment as this install last saw it; null if it is no longer cached. */
  readonly payment: { readonly amount: Money; readonly paymentMethod: string; readonly paidAt: string } | null;
  readonly storeName: string | null;
  readonly register: string | null;
  /** IANA zone of the store: receipt times are printed in it, whatever the PC's clock zone. */
  readonly timeZone: string;
}

export const Role = z.enum(['cashier', 'manager', 'technician']);
export type Role = z.infer<typeof Role>;

export interface AppInfo {
  readonly version: string;
  readonly demo: boolean;
  readonly hostKind: 'electron' | 'browser';
  readonly secretProtection: string;
  /** Shown on every screen when secrets are not protected by the OS keychain. */
  readonly secretWarning: string | null;
  /** Demo only: which seeded payments exist and the demo users' names (never PINs of real users). */
  /** The shop's IANA time zone: "today", daily reports and CSV dates use it. */
  readonly timeZone: string;
  readonly demoHints: {
    readonly payments: readonly { id: string; label: string }[];
    readonly users: readonly { name: string; role: Role; pin: string }[];
  } | null;
}

/** The journal's alarms (docs/ledger.md, "Low disk"). Shown on every screen while `alarm` is true. */
export interface JournalHealthView {
  /** True while the disk is below the floor, an Antom answer is not in the journal yet, or an answer was not believed. */
  readonly alarm: boolean;
  /** Bytes free on the journal's disk (null: unknown) and the floor below which no new refund starts. */
  readonly freeBytes: number | null;
  readonly floorBytes: number;
  readonly lowDisk: boolean;
  /** Refunds Antom answered whose answer could not be journaled yet (this process or an earlier one). */
  readonly unrecorded: readonly {
    readonly refundRequestId: string;
    readonly answer: 'SUCCESS' | 'FAILED' | 'PENDING';
    readonly since: string;
    readonly lastError: string;
  }[];
  /** Unfinished refunds whose last Antom answer did not match the question (or was not a signed 2xx): pending, a technician should look. */
  readonly untrusted: readonly { readonly refundRequestId: string; readonly resultCode: string }[];
  /** Store mode: why the store's PostgreSQL ledger is unreachable right now (no new refund starts), or null / absent. */
  readonly storeUnreachable?: string | null;
}

/** The screen languages (#17): kept per person on their user record. */
export const ScreenLanguage = z.enum(['en', 'zh']);
export type ScreenLanguage = z.infer<typeof ScreenLanguage>;

export interface SessionView {
  readonly userName: string;
  readonly role: Role;
  /** The person's own screen language, applied at sign-in; null until they have chosen one. */
  readonly language: ScreenLanguage | null;
  readonly signedInAt: string;
  readonly idleLockSeconds: number;
}

export interface DailyReportView {
  readonly date: string;
  readonly totals: readonly { currency: string; status: string; count: number; amount: Money }[];
  readonly byCashier: readonly { cashier: string; currency: string; count: number; amount: Money }[];
  readonly pending: readonly RefundView[];
  /** The audit chain's head when the report was made: write it down, `audit verify --head` checks it later. */
  readonly auditHead?: AuditHeadView;
  /** Refunds the store made another way (cash, store credit): not Antom refunds, never in `totals`. */
  readonly otherTotals: readonly { currency: string; method: OtherRefundMethod; count: number; amount: Money }[];
  readonly otherRefunds: readonly OtherRefundView[];
  /** Registers (counters) with refunds that day, before any register filter: the report's picker. Absent from older producers. */
  readonly registers?: readonly string[];
  /** The register the report is limited to; absent = the whole store. */
  readonly register?: string;
  /** Register of each pending refund by refundRequestId (store mode shows where it waits). */
  readonly pendingRegisters?: Readonly<Record<string, string>>;
}

/** A refund waiting for a manager, at whichever counter of the store asked. */
export interface PendingApprovalView {
  readonly refundRequestId: string;
  readonly register: string;
  readonly cashier: string;
  readonly amount: Money;
  readonly paymentId: string;
  readonly createdAt: string;
}

export const OtherRefundMethod = z.enum(['CASH', 'STORE_CREDIT']);
export type OtherRefundMethod = z.infer<typeof OtherRefundMethod>;

/** A refund the store gave outside Antom (cash or store credit), recorded by a manager against the payment. */
export interface OtherRefundView {
  readonly id: string;
  readonly paymentId: string;
  readonly method: OtherRefundMethod;
  readonly amount: Money;
  readonly note: string;
  /** The Antom refund that could not be made, when recorded from it. */
  readonly relatedRefundRequestId: string | null;
  readonly recordedBy: string;
  readonly createdAt: string;
}

export interface AuditEntryView {
  readonly seq: number;
  readonly at: string;
  readonly actor: string;
  readonly kind: string;
  readonly detail: Record<string, unknown>;
}

export interface AuditHeadView {
  readonly seq: number;
  readonly hash: string;
}
/** A refund row that does not match the audit trail (deleted, added behind the app's back, or edited). */
export interface RefundProblemView {
  readonly refundRequestId: string;
  readonly problem: string;
}
/** `head` is what to write down (also printed on the daily report and CSV); `refundProblems` names every refund row that does not match. */
export type AuditVerifyView =
  | { readonly ok: true; readonly count: number; readonly head: AuditHeadView; readonly refundProblems: readonly RefundProblemView[] }
  | {
      readonly ok: false;
      readonly count: number;
      readonly firstBrokenSeq: number;
      readonly reason: string;
      readonly head: AuditHeadView;
      readonly refundProblems: readonly RefundProblemView[];
      /** Users, policy or settings rows edited outside the app (their seal does not match). */
      readonly rowProblems?: readonly { readonly table: string; readonly key: string; readonly problem: string }[];
    };

export const PolicySchema = z
  .object({
    /** Amount at or above which a manager approves, per currency, in minor units. */
    amountThresholds: z.record(z.string().regex(/^[A-Z]{3}$/), z.number().int().min(0).max(2_147_483_647)),
    approveAnyPartial: z.boolean(),
    /** Payments older than this many days need approval; null = never. */
    paymentOlderThanDays: z.number().int().min(0).max(3650).nullable(),
    /** A cashier's refund total today above which a manager approves, per currency. */
    cashierDailyTotals: z.record(z.string().regex(/^[A-Z]{3}$/), z.number().int().min(0).max(2_147_483_647)),
    /**
     * All refunds of one payment together, at or above which a manager approves,
     * per currency. A currency not listed uses its single-refund threshold, so
     * splitting one payment's refund (99.99 + 99.99 + 0.02) does not escape it.
     */
    paymentTotals: z.record(z.string().regex(/^[A-Z]{3}$/), z.number().int().min(0).max(2_147_483_647)).default({}),
    /** May a manager approve a refund they asked for themselves? Off by default; every such approval is audited. */
    allowSelfApproval: z.boolean().default(false),
  })
  .strict();
export type PolicyView = z.infer<typeof PolicySchema>;

/** The store's time zone setting (issue #13): what is in use and where it comes from. */
export interface TimeZoneSettingView {
  /** In use now. */
  readonly timeZone: string;
  /** Saved in config.json; null = none saved, the PC's zone is used. */
  readonly configured: string | null;
  readonly systemTimeZone: string;
}

/** What `refunds:evaluate` answers: whether a manager is needed before the button is pressed, and why. */
export interface RefundEvaluationView {
  readonly needsApproval: boolean;
  readonly reasons: readonly { readonly code: string; readonly text: string; readonly params?: Readonly<Record<string, string>> }[];
  /** The amount the refund would be for (for a full refund: what is left). */
  readonly amount: Money;
  readonly refundable: Money;
  /** Policy switch: may the cashier, if a manager, approve their own refund. */
  readonly selfApprovalAllowed: boolean;
}

export interface UserView {
  readonly name: string;
  readonly role: Role;
  readonly disabled: boolean;
  readonly lockedUntil: string | null;
}

export interface AntomConfigView {
  readonly mode: 'demo-sandbox' | 'configured' | 'unconfigured';
  readonly baseUrl: string | null;
  readonly clientId: string | null;
  readonly keyVersion: number | null;
  readonly hasMerchantPrivateKey: boolean;
  readonly hasAntomPublicKey: boolean;
  /** Fingerprints only (SHA-256 of the public part), never key material. */
  readonly merchantKeyFingerprint: string | null;
  /** The first (oldest) Antom key's fingerprint; every key is in antomKeys. */
  readonly antomKeyFingerprint: string | null;
  /** The documented region of baseUrl (ANTOM_REGIONS id), null for a typed URL. */
  readonly region: string | null;
  /** Exact refund URL the terminal posts to (origin + /ams/api or /ams/sandbox/api + /v2/payments/refund). */
  readonly refundEndpoint: string | null;
  /** Antom public keys in use, with the key version Antom names each by (null: not recorded). */
  readonly antomKeys: readonly { readonly keyVersion: number | null; readonly fingerprint: string }[];
  /** Which key verified the last answer Antom sent since this app started; null before any. */
  readonly lastVerifiedBy: {
    readonly keyVersion: number | null;
    readonly namedVersion: number | null;
    readonly fingerprint: string;
    readonly at: string;
    readonly path: string;
  } | null;
  readonly antomKeyRotationDate: string | null;
  readonly inquiryPaymentKey: 'paymentId' | 'paymentRequestId' | 'both';
  /** Saved settings that wait for a restart (leaving demo mode) or could not be used yet (why). */
  readonly pending: { readonly restartNeeded: boolean; readonly problem: string | null } | null;
}

/** The technician's connection test: a harmless signed payment inquiry. */
export interface AntomTestView {
  readonly reachable: boolean;
  readonly signatureValid: boolean;
  readonly detail: string;
  /** The exact URL called. */
  readonly path?: string;
  /** False when Antom answered but refused the lookup's parameters (inquiry key setting). */
  readonly lookupOk?: boolean;
}

export interface DiagnosticsBundle {
  readonly fileName: string;
  /** JSON text without secrets. */
  readonly json: string;
}

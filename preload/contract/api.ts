/**
 * The single source of truth for what the renderer may ask of main.
 *
 * Each entry is one named operation with its own channel string, a zod schema
 * for its request (main validates every payload with it, in Electron IPC and
 * in the browser host alike) and the TypeScript type of its success value.
 * The preload script exposes exactly these methods on `window.refundTerminal`;
 * the browser host serves exactly these paths. Adding an operation means adding
 * an entry here, its role in main/features/access.ts and its handler in the
 * feature module of its group (main/features/<group>/), and nothing else.
 */
import { z } from 'zod';
import type { Result } from './result';
import { MoneySchema, PaymentId, RefundRequestId, type PaymentView, type RefundView, type RefundState } from './refunds';
import type { LinkStatusView, TerminalCandidateView, PingView } from './terminal';
import type {
  AppInfo,
  SessionView,
  DailyReportView,
  AuditEntryView,
  AuditVerifyView,
  PolicyView,
  UserView,
  AntomConfigView,
  AntomTestView,
  DiagnosticsBundle,
  JournalHealthView,
  OtherRefundView,
  PaymentSearchView,
  PendingApprovalView,
  ReceiptView,
  RefundEvaluationView,
  RefundReasonView,
  StoreSettingsView,
  TimeZoneSettingView,
} from './views';
import { OtherRefundMethod, PolicySchema, RefundReasonsSchema, Role, ScreenLanguage, StoreSettingsSchema } from './views';

/** Error codes any operation may answer with, plus operation-specific ones. */
export type ApiErrorCode =
  | 'INVALID_REQUEST' // payload failed its schema
  | 'NOT_SIGNED_IN'
  | 'FORBIDDEN' // signed in, but the role may not do this
  | 'INTERNAL' // unexpected: logged in main, never a stack trace to the renderer
  | 'PAYMENT_NOT_FOUND'
  | 'UNAVAILABLE'
  | 'LOOKUP_MISCONFIGURED' // Antom answered but refused the payment lookup's parameters: a technician's fix
  | 'REFUND_IN_FLIGHT'
  | 'AMOUNT_EXCEEDS_REFUNDABLE'
  | 'NOT_FOUND'
  | 'NOT_AWAITING_APPROVAL'
  | 'PIN_INVALID'
  | 'USER_LOCKED'
  | 'NOT_A_MANAGER'
  | 'NOT_RETRYABLE'
  | 'INVALID_INPUT'
  | 'TERMINAL_ERROR'
  | 'TERMINAL_DOWN' // the paired terminal is known to be down: a new refund was not started
  | 'CONFIG_INVALID'
  | 'RATE_LIMITED' // too many PIN attempts at once: wait a moment
  | 'PIN_CHANGE_REQUIRED' // the PIN was right but is one-time (or too weak now): sign in again with `newPin`
  | 'SELF_APPROVAL' // the manager approving is the cashier who asked (policy forbids it)
  | 'BALANCE_CHANGED' // what is left changed since the screen showed it (details.payment = the payment now)
  | 'JOURNAL_LOW_DISK' // the journal's disk is below its free-space floor: nothing was journaled or sent
  | 'STORE_UNAVAILABLE' // store mode: the store's PostgreSQL ledger cannot be reached (nothing started, or it stays pending)
  | 'NOT_FINAL'; // a receipt is only for a refund whose outcome is final

// A phantom marker carrying the success type of an operation.
declare const successType: unique symbol;
interface Op<Req extends z.ZodType, Res> {
  readonly channel: string;
  readonly request: Req;
  readonly [successType]?: Res;
}
function op<Res>() {
  return <Req extends z.ZodType>(channel: string, request: Req): Op<Req, Res> => ({ channel, request });
}

const Empty = z.object({}).strict();
const IsoDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'date must be YYYY-MM-DD');
/** A counter's register name as config takes it (main/config/store-config.ts): letters, digits, space, dot, dash, underscore. */
const RegisterName = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9][A-Za-z0-9 _.-]*$/, 'not a register name');
const Pin = z.string().regex(/^\d{4,8}$/, 'PIN is 4 to 8 digits');
const UserName = z
  .string()
  .trim()
  .min(1)
  .max(40)
  .regex(/^[\p{L}\p{N}._-]+$/u, 'user name has unexpected characters');
const IsoInstant = z
  .string()
  .max(40)
  .regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2})$/, 'time must be ISO 8601 with a zone');
const Reason = z.string().trim().min(1).max(256);

export const operations = {
  getAppInfo: op<AppInfo>()('app:info', Empty),
  /** Low disk and Antom answers not yet journaled: the alarm banner on every screen polls this. */
  getJournalHealth: op<JournalHealthView>()('journal:health', Empty),

  getSession: op<SessionView | null>()('session:get', Empty),
  /** `newPin` replaces a one-time PIN (or one the policy no longer accepts) after PIN_CHANGE_REQUIRED. */
  signIn: op<SessionView>()('session:sign-in', z.object({ userName: UserName, pin: Pin, newPin: Pin.optional() }).strict()),
  signOut: op<null>()('session:sign-out', Empty),
  /** #17: the signed-in person keeps their own screen language (their next sign-in anywhere shows it). */
  setMyLanguage: op<SessionView>()('session:set-language', z.object({ language: ScreenLanguage }).strict()),

  lookupPayment: op<PaymentView>()('payments:lookup', z.object({ paymentId: PaymentId }).strict()),
  listRecentPayments: op<PaymentView[]>()('payments:recent', Empty),
  /** Search the payments this install has seen (never Antom: it has no search by amount or time). */
  searchPayments: op<PaymentSearchView>()(
    'payments:search',
    z
      .object({
        amount: MoneySchema.optional(),
        from: IsoInstant.optional(),
        to: IsoInstant.optional(),
        method: z
          .string()
          .regex(/^[A-Za-z0-9_.-]{1,64}$/)
          .optional(),
        idSuffix: z
          .string()
          .regex(/^[A-Za-z0-9_\-*]{1,64}$/)
          .optional(),
        limit: z.number().int().min(1).max(200).optional(),
      })
      .strict(),
  ),

  submitRefund: op<RefundView>()(
    'refunds:submit',
    z
      .object({
        /** Made by the renderer when the confirm screen is shown: a second click re-sends the same one. */
        intentId: z.string().regex(/^[A-Za-z0-9-]{8,64}$/),
        paymentId: PaymentId,
        mode: z.enum(['FULL', 'PARTIAL']),
        amount: MoneySchema.optional(),
        /** FULL only: the remainder shown on the button; main refuses with BALANCE_CHANGED if it moved. */
        expectedAmount: MoneySchema.optional(),
        memo: z.string().max(256).optional(),
        /** One of the store's refund reasons (listRefundReasons). */
        reasonCode: z
          .string()
          .regex(/^[A-Z0-9_]{1,32}$/)
          .optional(),
      })
      .strict()
      .refine((r) => (r.mode === 'PARTIAL') === (r.amount !== undefined), {
        message: 'a partial refund needs an amount; a full refund takes none',
      })
      .refine((r) => r.mode === 'FULL' || r.expectedAmount === undefined, { message: 'expectedAmount is for a full refund only' }),
  ),
  /** Before the button: would this refund need a manager, and why (the rules submit applies). */
  evaluateRefund: op<RefundEvaluationView>()(
    'refunds:evaluate',
    z
      .object({ paymentId: PaymentId, mode: z.enum(['FULL', 'PARTIAL']), amount: MoneySchema.optional() })
      .strict()
      .refine((r) => (r.mode === 'PARTIAL') === (r.amount !== undefined), { message: 'a partial refund needs an amount; a full refund takes none' }),
  ),
  getRefund: op<RefundView>()('refunds:get', z.object({ refundRequestId: RefundRequestId }).strict()),
  listRefunds: op<RefundView[]>()('refunds:list', z.object({ date: IsoDate.optional(), states: z.array(z.string().max(32)).max(16).optional() }).strict()),
  approveRefund: op<RefundView>()(
    'refunds:approve',
    // manager omitted = the manager signed in at the counter (PIN only); reason optional for an approval.
    z.object({ refundRequestId: RefundRequestId, manager: UserName.optional(), pin: Pin, reason: Reason.optional() }).strict(),
  ),
  declineRefund: op<RefundView>()('refunds:decline', z.object({ refundRequestId: RefundRequestId, manager: UserName, pin: Pin, reason: Reason }).strict()),
  retryRefundAsNew: op<RefundView>()('refunds:retry-as-new', z.object({ refundRequestId: RefundRequestId }).strict()),
  /** The receipt of a final refund (first print and every reprint). */
  getReceipt: op<ReceiptView>()('refunds:receipt', z.object({ refundRequestId: RefundRequestId }).strict()),

  /** A manager records a cash / store-credit refund the store gave when Antom could not refund (nothing goes to Antom). */
  recordOtherRefund: op<OtherRefundView>()(
    'refunds:record-other',
    z
      .object({
        /** Made by the screen once per entry: a double click records it once. */
        entryId: z.string().regex(/^[A-Za-z0-9-]{8,64}$/),
        paymentId: PaymentId,
        method: OtherRefundMethod,
        amount: MoneySchema.refine((m) => m.value > 0, 'the amount must be more than zero'),
        note: z.string().trim().min(1).max(256),
        relatedRefundRequestId: RefundRequestId.optional(),
      })
      .strict(),
  ),
  listOtherRefunds: op<OtherRefundView[]>()('refunds:list-other', z.object({ date: IsoDate.optional(), paymentId: PaymentId.optional() }).strict()),

  getTerminalStatus: op<LinkStatusView>()('terminal:status', Empty),
  listTerminalDevices: op<TerminalCandidateView[]>()('terminal:devices', Empty),
  beginPairing: op<null>()('terminal:pair-begin', z.object({ port: z.string().min(1).max(256) }).strict()),
  confirmPairing: op<{ serial: string; model: string }>()('terminal:pair-confirm', z.object({ code: z.string().regex(/^\d{6}$/) }).strict()),
  unpairTerminal: op<null>()('terminal:unpair', Empty),
  pingTerminal: op<PingView>()('terminal:ping', z.object({ count: z.number().int().min(1).max(20) }).strict()),

  /** `register` omitted = the whole store (store mode: every counter); given = that counter's refunds only. */
  getDailyReport: op<DailyReportView>()('reports:daily', z.object({ date: IsoDate, register: RegisterName.optional() }).strict()),
  exportDailyReportCsv: op<{ fileName: string; csv: string }>()('reports:daily-csv', z.object({ date: IsoDate, register: RegisterName.optional() }).strict()),
  /** Every refund waiting for a manager, at any counter of the store, oldest first, each with its register. */
  listPendingApprovals: op<PendingApprovalView[]>()('approvals:pending', Empty),
  listAudit: op<AuditEntryView[]>()(
    'audit:list',
    z
      .object({
        limit: z.number().int().min(1).max(1000),
        /** Paging: entries older than this seq (the last one of the previous page). */
        beforeSeq: z.number().int().min(1).max(2_147_483_647).optional(),
        kinds: z
          .array(z.string().regex(/^[a-z_.]{1,40}$/))
          .max(64)
          .optional(),
        actor: UserName.optional(),
        /** A calendar day in the store's zone. */
        date: IsoDate.optional(),
      })
      .strict(),
  ),
  verifyAudit: op<AuditVerifyView>()('audit:verify', Empty),

  getTimeZoneSetting: op<TimeZoneSettingView>()('settings:time-zone-get', Empty),
  /** IANA zone such as Asia/Singapore; main checks it is one it knows. */
  setTimeZone: op<TimeZoneSettingView>()(
    'settings:time-zone',
    z
      .object({
        timeZone: z
          .string()
          .min(1)
          .max(64)
          .regex(/^[A-Za-z0-9_+\-/]+$/, 'not a time zone name'),
      })
      .strict(),
  ),
  getPolicy: op<PolicyView>()('policy:get', Empty),
  setPolicy: op<PolicyView>()('policy:set', PolicySchema),
  getStoreSettings: op<StoreSettingsView>()('store:get', Empty),
  setStoreSettings: op<StoreSettingsView>()('store:set', StoreSettingsSchema),
  listRefundReasons: op<RefundReasonView[]>()('reasons:list', Empty),
  setRefundReasons: op<RefundReasonView[]>()('reasons:set', RefundReasonsSchema),
  listUsers: op<UserView[]>()('users:list', Empty),
  addUser: op<UserView>()('users:add', z.object({ name: UserName, role: Role, pin: Pin }).strict()),
  disableUser: op<UserView>()('users:disable', z.object({ name: UserName }).strict()),
  enableUser: op<UserView>()('users:enable', z.object({ name: UserName }).strict()),
  unlockUser: op<UserView>()('users:unlock', z.object({ name: UserName }).strict()),
  /** A random one-time PIN, shown once to the manager, changed by the person at the next sign-in. */
  resetUserPin: op<{ user: UserView; oneTimePin: string }>()('users:reset-pin', z.object({ name: UserName }).strict()),
  setUserRole: op<UserView>()('users:set-role', z.object({ name: UserName, role: Role }).strict()),

  getAntomConfig: op<AntomConfigView>()('antom:config-get', Empty),
  setAntomConfig: op<AntomConfigView>()(
    'antom:config-set',
    z
      .object({
        baseUrl: z.string().url().max(512),
        clientId: z.string().min(1).max(128),
        keyVersion: z.number().int().min(1).max(1000),
        /** PEM text, only ever travelling renderer -> main, never back. */
        merchantPrivateKeyPem: z.string().max(16_384).optional(),
        /** Replaces every stored Antom key with this one (use addAntomPublicKey to add the next key). */
        antomPublicKeyPem: z.string().max(16_384).optional(),
        /** The key version Antom signs with antomPublicKeyPem; omitted = not recorded. */
        antomPublicKeyVersion: z.number().int().min(1).max(999).optional(),
        inquiryPaymentKey: z.enum(['paymentId', 'paymentRequestId', 'both']).optional(),
        /** Announced date of Antom's next key rotation (doctor warns close to it); null clears it. */
        antomKeyRotationDate: IsoDate.nullable().optional(),
      })
      .strict(),
  ),
  /** Adds the next Antom public key before a rotation; answers signed with either key verify. */
  addAntomPublicKey: op<AntomConfigView>()(
    'antom:key-add',
    z.object({ keyVersion: z.number().int().min(1).max(999), pem: z.string().min(1).max(16_384) }).strict(),
  ),
  /** Removes a retired Antom public key by its fingerprint (never the last one). */
  removeAntomPublicKey: op<AntomConfigView>()('antom:key-remove', z.object({ fingerprint: z.string().regex(/^[0-9a-f]{32}$/) }).strict()),
  testAntomConnection: op<AntomTestView>()('antom:test', Empty),
  getDiagnosticsBundle: op<DiagnosticsBundle>()('diagnostics:bundle', Empty),
} as const;

export type Operations = typeof operations;
export type OperationName = keyof Operations;
export type RequestOf<N extends OperationName> = z.input<Operations[N]['request']>;
export type SuccessOf<N extends OperationName> = Exclude<Operations[N][typeof successType], undefined>;
export type ResponseOf<N extends OperationName> = Result<SuccessOf<N>, ApiErrorCode>;

/** Pushes from main to the renderer. */
export interface ApiEvents {
  terminalStatus: LinkStatusView;
  /** A receipt scanned by the terminal's own scanner (evt.scan). */
  terminalScan: { raw: string; paymentId: string | null };
  refundUpdated: RefundView;
  /** A refund started or stopped waiting for a manager, at this or (store mode) any counter: manager screens reload their lists. */
  approvalsChanged: { refundRequestId: string };
}
export type ApiEventName = keyof ApiEvents;
export const EVENT_CHANNELS: { readonly [E in ApiEventName]: string } = {
  terminalStatus: 'event:terminal-status',
  terminalScan: 'event:terminal-scan',
  refundUpdated: 'event:refund-updated',
  approvalsChanged: 'event:approvals-changed',
};

/** What `window.refundTerminal` looks like, in Electron and in the browser host. */
export type RefundTerminalApi = {
  readonly [N in OperationName]: (request: RequestOf<N>) => Promise<ResponseOf<N>>;
} & {
  on<E extends ApiEventName>(event: E, listener: (payload: ApiEvents[E]) => void): () => void;
};

export type { RefundState };

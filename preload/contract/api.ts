/**
 * The single source of truth for what the renderer may ask of main.
 *
 * Each entry is one named operation with its own channel string, a zod schema
 * for its request (main validates every payload with it, in Electron IPC and
 * in the browser host alike) and the TypeScript type of its success value.
 * The preload script exposes exactly these methods on `window.refundTerminal`;
 * the browser host serves exactly these paths. Adding an operation means adding
 * an entry here, a handler in main/services/api-handlers.ts, and nothing else.
 */
import { z } from 'zod';
import type { Result } from './result';
import { MoneySchema, PaymentId, RefundRequestId, type PaymentView, type RefundView, type RefundState } from './refunds';
import type { LinkStatusView, TerminalCandidateView, PingView } from './terminal';
import type { AppInfo, SessionView, DailyReportView, AuditEntryView, AuditVerifyView, PolicyView, UserView, AntomConfigView, DiagnosticsBundle, OtherRefundView, PaymentSearchView, ReceiptView, RefundReasonView, StoreSettingsView } from './views';
import { OtherRefundMethod, PolicySchema, RefundReasonsSchema, Role, StoreSettingsSchema } from './views';

/** Error codes any operation may answer with, plus operation-specific ones. */
export type ApiErrorCode =
  | 'INVALID_REQUEST' // payload failed its schema
  | 'NOT_SIGNED_IN'
  | 'FORBIDDEN' // signed in, but the role may not do this
  | 'INTERNAL' // unexpected: logged in main, never a stack trace to the renderer
  | 'PAYMENT_NOT_FOUND'
  | 'UNAVAILABLE'
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
  | 'CONFIG_INVALID'
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
const Pin = z.string().regex(/^\d{4,8}$/, 'PIN is 4 to 8 digits');
const UserName = z.string().trim().min(1).max(40).regex(/^[\p{L}\p{N}._-]+$/u, 'user name has unexpected characters');
const IsoInstant = z
  .string()
  .max(40)
  .regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2})$/, 'time must be ISO 8601 with a zone');
const Reason = z.string().trim().min(1).max(256);

export const operations = {
  getAppInfo: op<AppInfo>()('app:info', Empty),

  getSession: op<SessionView | null>()('session:get', Empty),
  signIn: op<SessionView>()('session:sign-in', z.object({ userName: UserName, pin: Pin }).strict()),
  signOut: op<null>()('session:sign-out', Empty),

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
        method: z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/).optional(),
        idSuffix: z.string().regex(/^[A-Za-z0-9_\-*]{1,64}$/).optional(),
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
        memo: z.string().max(256).optional(),
        /** One of the store's refund reasons (listRefundReasons). */
        reasonCode: z.string().regex(/^[A-Z0-9_]{1,32}$/).optional(),
      })
      .strict()
      .refine((r) => (r.mode === 'PARTIAL') === (r.amount !== undefined), {
        message: 'a partial refund needs an amount; a full refund takes none',
      }),
  ),
  getRefund: op<RefundView>()('refunds:get', z.object({ refundRequestId: RefundRequestId }).strict()),
  listRefunds: op<RefundView[]>()(
    'refunds:list',
    z.object({ date: IsoDate.optional(), states: z.array(z.string().max(32)).max(16).optional() }).strict(),
  ),
  approveRefund: op<RefundView>()(
    'refunds:approve',
    z.object({ refundRequestId: RefundRequestId, manager: UserName, pin: Pin, reason: Reason }).strict(),
  ),
  declineRefund: op<RefundView>()(
    'refunds:decline',
    z.object({ refundRequestId: RefundRequestId, manager: UserName, pin: Pin, reason: Reason }).strict(),
  ),
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

  getDailyReport: op<DailyReportView>()('reports:daily', z.object({ date: IsoDate }).strict()),
  exportDailyReportCsv: op<{ fileName: string; csv: string }>()('reports:daily-csv', z.object({ date: IsoDate }).strict()),
  listAudit: op<AuditEntryView[]>()(
    'audit:list',
    z
      .object({
        limit: z.number().int().min(1).max(1000),
        /** Paging: entries older than this seq (the last one of the previous page). */
        beforeSeq: z.number().int().min(1).max(2_147_483_647).optional(),
        kinds: z.array(z.string().regex(/^[a-z_.]{1,40}$/)).max(30).optional(),
        actor: UserName.optional(),
        /** A calendar day in the store's zone. */
        date: IsoDate.optional(),
      })
      .strict(),
  ),
  verifyAudit: op<AuditVerifyView>()('audit:verify', Empty),

  getPolicy: op<PolicyView>()('policy:get', Empty),
  setPolicy: op<PolicyView>()('policy:set', PolicySchema),
  getStoreSettings: op<StoreSettingsView>()('store:get', Empty),
  setStoreSettings: op<StoreSettingsView>()('store:set', StoreSettingsSchema),
  listRefundReasons: op<RefundReasonView[]>()('reasons:list', Empty),
  setRefundReasons: op<RefundReasonView[]>()('reasons:set', RefundReasonsSchema),
  listUsers: op<UserView[]>()('users:list', Empty),
  addUser: op<UserView>()('users:add', z.object({ name: UserName, role: Role, pin: Pin }).strict()),
  disableUser: op<UserView>()('users:disable', z.object({ name: UserName }).strict()),

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
        antomPublicKeyPem: z.string().max(16_384).optional(),
      })
      .strict(),
  ),
  testAntomConnection: op<{ reachable: boolean; signatureValid: boolean; detail: string }>()('antom:test', Empty),
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
}
export type ApiEventName = keyof ApiEvents;
export const EVENT_CHANNELS: { readonly [E in ApiEventName]: string } = {
  terminalStatus: 'event:terminal-status',
  terminalScan: 'event:terminal-scan',
  refundUpdated: 'event:refund-updated',
};

/** What `window.refundTerminal` looks like, in Electron and in the browser host. */
export type RefundTerminalApi = {
  readonly [N in OperationName]: (request: RequestOf<N>) => Promise<ResponseOf<N>>;
} & {
  on<E extends ApiEventName>(event: E, listener: (payload: ApiEvents[E]) => void): () => void;
};

export type { RefundState };

/**
 * The renderer-facing operations, implemented over narrow service ports.
 * Authorisation lives here (who may do what); validation already happened in
 * api-dispatch; business rules live in the engine and the ledger.
 */
import type { ApiErrorCode, OperationName, ResponseOf } from '../../preload/contract/api';
import type { PaymentView, RefundView } from '../../preload/contract/refunds';
import { err, ok, type Err, type Result } from '../../preload/contract/result';
import type { LinkStatusView, PingView, TerminalCandidateView } from '../../preload/contract/terminal';
import type {
  AntomConfigView,
  AntomTestView,
  AppInfo,
  AuditEntryView,
  AuditVerifyView,
  DailyReportView,
  DiagnosticsBundle,
  JournalHealthView,
  OtherRefundView,
  PaymentSearchView,
  PolicyView,
  ReceiptView,
  RefundEvaluationView,
  RefundReasonView,
  Role,
  ScreenLanguage,
  StoreSettingsView,
  TimeZoneSettingView,
  UserView,
} from '../../preload/contract/views';
import type { ApiHandlers, ValidRequestOf } from './api-dispatch';
import type { CounterSession, SignedInUser } from './session';

type Res<T> = Promise<Result<T, ApiErrorCode>>;

export interface HandlerDeps {
  info(): AppInfo;
  journalHealth(): JournalHealthView;
  readonly session: CounterSession;
  readonly users: {
    verifyPin(name: string, pin: string, newPin?: string): Res<SignedInUser>;
    list(): Res<UserView[]>;
    add(name: string, role: Role, pin: string, actor: string): Res<UserView>;
    disable(name: string, actor: string): Res<UserView>;
    enable(name: string, actor: string): Res<UserView>;
    unlock(name: string, actor: string): Res<UserView>;
    resetPin(name: string, actor: string): Res<{ user: UserView; oneTimePin: string }>;
    setRole(name: string, role: Role, actor: string): Res<UserView>;
    setLanguage(name: string, language: ScreenLanguage): Res<ScreenLanguage>;
  };
  readonly refunds: {
    lookupPayment(paymentId: string): Res<PaymentView>;
    recentPayments(): Res<PaymentView[]>;
    searchPayments(q: ValidRequestOf<'searchPayments'>): Res<PaymentSearchView>;
    submit(input: ValidRequestOf<'submitRefund'> & { cashier: string }): Res<RefundView>;
    evaluate(input: ValidRequestOf<'evaluateRefund'> & { cashier: string }): Res<RefundEvaluationView>;
    get(refundRequestId: string): Res<RefundView>;
    list(filter: { date?: string; states?: string[] }): Res<RefundView[]>;
    approve(input: { refundRequestId: string; manager: string; pin: string; reason: string }): Res<RefundView>;
    decline(input: { refundRequestId: string; manager: string; pin: string; reason: string }): Res<RefundView>;
    retryAsNew(input: { refundRequestId: string; actor: string }): Res<RefundView>;
    receipt(refundRequestId: string): Res<ReceiptView>;
    recordOther(input: ValidRequestOf<'recordOtherRefund'>, actor: string): Res<OtherRefundView>;
    listOther(filter: { date?: string; paymentId?: string }): Res<OtherRefundView[]>;
  };
  readonly store: {
    get(): Res<StoreSettingsView>;
    set(settings: StoreSettingsView, actor: string): Res<StoreSettingsView>;
    reasons(): Res<RefundReasonView[]>;
    setReasons(reasons: RefundReasonView[], actor: string): Res<RefundReasonView[]>;
  };
  readonly terminal: {
    status(): LinkStatusView;
    devices(): Res<TerminalCandidateView[]>;
    pairBegin(port: string, actor: string): Res<null>;
    pairConfirm(code: string, actor: string): Res<{ serial: string; model: string }>;
    unpair(actor: string): Res<null>;
    ping(count: number): Res<PingView>;
  };
  readonly reports: {
    daily(date: string): Res<DailyReportView>;
    dailyCsv(date: string): Res<{ fileName: string; csv: string }>;
  };
  readonly audit: {
    list(filter: ValidRequestOf<'listAudit'>): Res<AuditEntryView[]>;
    verify(): Res<AuditVerifyView>;
    record(actor: string, kind: string, detail: Record<string, unknown>): void;
  };
  readonly storeSettings: {
    get(): Res<TimeZoneSettingView>;
    setTimeZone(timeZone: string, actor: string): Res<TimeZoneSettingView>;
  };
  readonly policy: {
    get(): Res<PolicyView>;
    set(policy: PolicyView, actor: string): Res<PolicyView>;
  };
  readonly antom: {
    view(): Res<AntomConfigView>;
    set(input: ValidRequestOf<'setAntomConfig'>, actor: string): Res<AntomConfigView>;
    addKey(input: ValidRequestOf<'addAntomPublicKey'>, actor: string): Res<AntomConfigView>;
    removeKey(fingerprint: string, actor: string): Res<AntomConfigView>;
    test(): Res<AntomTestView>;
  };
  diagnostics(): Res<DiagnosticsBundle>;
}

const NOT_SIGNED_IN = err<ApiErrorCode>('NOT_SIGNED_IN', 'Please sign in with your name and PIN first.');

const anyone: readonly Role[] = ['cashier', 'manager', 'technician'];
const counter: readonly Role[] = ['cashier', 'manager'];
const managers: readonly Role[] = ['manager'];
const tech: readonly Role[] = ['technician', 'manager'];

/**
 * Who may call what: the one table both the early gate (before the payload is
 * read or validated, so a refused role learns nothing of the request format)
 * and the handlers themselves consult. 'public' needs no sign-in.
 */
export const OPERATION_ACCESS: { readonly [N in OperationName]: 'public' | readonly Role[] } = {
  getAppInfo: 'public',
  getSession: 'public',
  signIn: 'public',
  signOut: 'public',
  setMyLanguage: anyone,
  lookupPayment: counter,
  listRecentPayments: counter,
  submitRefund: counter,
  getRefund: anyone,
  listRefunds: anyone,
  // The approving manager proves presence with their own PIN; whoever is signed in at the counter may hand over.
  approveRefund: counter,
  declineRefund: counter,
  retryRefundAsNew: counter,
  getTerminalStatus: 'public',
  // The journal alarm shows on every screen, the sign-in screen included.
  getJournalHealth: 'public',
  evaluateRefund: counter,
  getTimeZoneSetting: anyone,
  searchPayments: counter,
  getReceipt: counter,
  recordOtherRefund: managers,
  listOtherRefunds: managers,
  getStoreSettings: counter,
  setStoreSettings: managers,
  listRefundReasons: counter,
  setRefundReasons: managers,
  setTimeZone: managers,
  listTerminalDevices: tech,
  beginPairing: tech,
  confirmPairing: tech,
  unpairTerminal: tech,
  pingTerminal: anyone,
  getDailyReport: managers,
  exportDailyReportCsv: managers,
  listAudit: managers,
  verifyAudit: managers,
  getPolicy: anyone,
  setPolicy: managers,
  listUsers: managers,
  addUser: managers,
  disableUser: managers,
  enableUser: managers,
  unlockUser: managers,
  resetUserPin: managers,
  setUserRole: managers,
  getAntomConfig: tech,
  setAntomConfig: tech,
  testAntomConnection: tech,
  addAntomPublicKey: tech,
  removeAntomPublicKey: tech,
  getDiagnosticsBundle: tech,
};

/** The refusal for `name` given who is signed in now, or null when they may call it. Does not count as activity. */
export function authorizeOperation(session: CounterSession, name: OperationName): Err<ApiErrorCode> | null {
  const roles = OPERATION_ACCESS[name];
  if (roles === 'public') return null;
  const user = session.current(false);
  if (!user) return NOT_SIGNED_IN;
  if (!roles.includes(user.role)) return err<ApiErrorCode>('FORBIDDEN', `Only a ${roles.join(' or ')} can do this. Ask one to sign in.`);
  return null;
}

export function createApiHandlers(deps: HandlerDeps): ApiHandlers {
  /** Runs `fn` for a signed-in user whose role is one of `roles`. */
  function as<T>(roles: readonly Role[], fn: (user: SignedInUser) => Res<T>): Res<T> {
    const user = deps.session.current();
    if (!user) return Promise.resolve(NOT_SIGNED_IN);
    if (!roles.includes(user.role)) {
      return Promise.resolve(err<ApiErrorCode>('FORBIDDEN', `Only a ${roles.join(' or ')} can do this. Ask one to sign in.`));
    }
    return fn(user);
  }

  const handlers: { [N in OperationName]: (req: ValidRequestOf<N>) => Promise<ResponseOf<N>> } = {
    getAppInfo: async () => ok(deps.info()),
    // No sign-in needed: the alarm is shown on every screen, the sign-in screen included.
    getJournalHealth: async () => ok(deps.journalHealth()),
    getSession: async () => ok(deps.session.view()),
    signIn: async ({ userName, pin, newPin }) => {
      const verified = await deps.users.verifyPin(userName, pin, newPin);
      // Failed PINs and lockouts are audited by the user store itself.
      if (!verified.ok) return verified;
      deps.audit.record(verified.value.name, 'auth.sign_in', { role: verified.value.role });
      return ok(deps.session.signIn(verified.value));
    },
    setMyLanguage: ({ language }) =>
      as(anyone, async (user) => {
        const saved = await deps.users.setLanguage(user.name, language);
        if (!saved.ok) return saved;
        deps.session.setLanguage(saved.value);
        const view = deps.session.view();
        return view ? ok(view) : NOT_SIGNED_IN;
      }),
    signOut: async () => {
      const previous = deps.session.signOut();
      if (previous) deps.audit.record(previous.name, 'auth.sign_out', {});
      return ok(null);
    },

    lookupPayment: ({ paymentId }) => as(counter, () => deps.refunds.lookupPayment(paymentId)),
    listRecentPayments: () => as(counter, () => deps.refunds.recentPayments()),
    searchPayments: (q) => as(counter, () => deps.refunds.searchPayments(q)),
    submitRefund: (req) => as(counter, (user) => deps.refunds.submit({ ...req, cashier: user.name })),
    getRefund: ({ refundRequestId }) => as(anyone, () => deps.refunds.get(refundRequestId)),
    listRefunds: (filter) => as(anyone, () => deps.refunds.list(filter)),
    // The approving manager proves presence with their own PIN; whoever is signed in at the counter may hand over.
    evaluateRefund: (req) => as(counter, (user) => deps.refunds.evaluate({ ...req, cashier: user.name })),
    approveRefund: (req) =>
      as(counter, (user) => {
        // No name typed: the manager signed in at this counter approves with their PIN alone.
        const manager = req.manager ?? (user.role === 'manager' ? user.name : null);
        if (manager === null) return Promise.resolve(err<ApiErrorCode>('INVALID_INPUT', "Type the approving manager's name and PIN."));
        return deps.refunds.approve({ refundRequestId: req.refundRequestId, manager, pin: req.pin, reason: req.reason ?? 'Approved at the counter.' });
      }),
    declineRefund: (req) => as(counter, () => deps.refunds.decline(req)),
    retryRefundAsNew: ({ refundRequestId }) => as(counter, (user) => deps.refunds.retryAsNew({ refundRequestId, actor: user.name })),
    getReceipt: ({ refundRequestId }) => as(counter, () => deps.refunds.receipt(refundRequestId)),
    recordOtherRefund: (req) => as(managers, (user) => deps.refunds.recordOther(req, user.name)),
    listOtherRefunds: (filter) => as(managers, () => deps.refunds.listOther(filter)),

    getTerminalStatus: async () => ok(deps.terminal.status()),
    listTerminalDevices: () => as(tech, () => deps.terminal.devices()),
    beginPairing: ({ port }) => as(tech, (user) => deps.terminal.pairBegin(port, user.name)),
    confirmPairing: ({ code }) => as(tech, (user) => deps.terminal.pairConfirm(code, user.name)),
    unpairTerminal: () => as(tech, (user) => deps.terminal.unpair(user.name)),
    pingTerminal: ({ count }) => as(anyone, () => deps.terminal.ping(count)),

    getDailyReport: ({ date }) => as(managers, () => deps.reports.daily(date)),
    exportDailyReportCsv: ({ date }) => as(managers, () => deps.reports.dailyCsv(date)),
    listAudit: (filter) => as(managers, () => deps.audit.list(filter)),
    verifyAudit: () => as(managers, () => deps.audit.verify()),

    getTimeZoneSetting: () => as(anyone, () => deps.storeSettings.get()),
    setTimeZone: ({ timeZone }) => as(managers, (user) => deps.storeSettings.setTimeZone(timeZone, user.name)),
    getPolicy: () => as(anyone, () => deps.policy.get()),
    setPolicy: (policy) => as(managers, (user) => deps.policy.set(policy, user.name)),
    getStoreSettings: () => as(counter, () => deps.store.get()),
    setStoreSettings: (settings) => as(managers, (user) => deps.store.set(settings, user.name)),
    listRefundReasons: () => as(counter, () => deps.store.reasons()),
    setRefundReasons: ({ reasons }) => as(managers, (user) => deps.store.setReasons(reasons, user.name)),
    listUsers: () => as(managers, () => deps.users.list()),
    addUser: ({ name, role, pin }) => as(managers, (user) => deps.users.add(name, role, pin, user.name)),
    disableUser: ({ name }) => as(managers, (user) => deps.users.disable(name, user.name)),
    enableUser: ({ name }) => as(managers, (user) => deps.users.enable(name, user.name)),
    unlockUser: ({ name }) => as(managers, (user) => deps.users.unlock(name, user.name)),
    resetUserPin: ({ name }) => as(managers, (user) => deps.users.resetPin(name, user.name)),
    setUserRole: ({ name, role }) => as(managers, (user) => deps.users.setRole(name, role, user.name)),

    getAntomConfig: () => as(tech, () => deps.antom.view()),
    setAntomConfig: (req) => as(tech, (user) => deps.antom.set(req, user.name)),
    addAntomPublicKey: (req) => as(tech, (user) => deps.antom.addKey(req, user.name)),
    removeAntomPublicKey: ({ fingerprint }) => as(tech, (user) => deps.antom.removeKey(fingerprint, user.name)),
    testAntomConnection: () => as(tech, () => deps.antom.test()),
    getDiagnosticsBundle: () => as(tech, () => deps.diagnostics()),
  };
  return handlers;
}

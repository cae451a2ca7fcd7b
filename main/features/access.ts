/**
 * Who may call what: the one table of every operation's role rule. The early
 * gate in dispatch() (before the payload is read or validated, so a refused
 * role learns nothing of the request format) and the handler registry (which
 * wraps every feature's handler in the same rule) both read it, so a feature
 * can neither skip the check nor choose its own. Kept in one place so a
 * security review reads one table, not one per feature. 'public' needs no sign-in.
 */
import type { ApiErrorCode, OperationName } from '../../preload/contract/api';
import { err, type Err } from '../../preload/contract/result';
import type { Role } from '../../preload/contract/views';
import type { CounterSession, SignedInUser } from '../services/session';

export type AccessRule = 'public' | readonly Role[];

const anyone: readonly Role[] = ['cashier', 'manager', 'technician'];
const counter: readonly Role[] = ['cashier', 'manager'];
const managers: readonly Role[] = ['manager'];
const tech: readonly Role[] = ['technician', 'manager'];

export const OPERATION_ACCESS = {
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
  listPendingApprovals: managers,
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
} as const satisfies { readonly [N in OperationName]: AccessRule };

/** Whom a handler of `N` is called for: nobody in particular for a public operation, else the signed-in user. */
export type CallerOf<N extends OperationName> = (typeof OPERATION_ACCESS)[N] extends 'public' ? null : SignedInUser;

export const NOT_SIGNED_IN = err<ApiErrorCode>('NOT_SIGNED_IN', 'Please sign in with your name and PIN first.');

export function forbidden(roles: readonly Role[]): Err<ApiErrorCode> {
  return err<ApiErrorCode>('FORBIDDEN', `Only a ${roles.join(' or ')} can do this. Ask one to sign in.`);
}

/** The refusal for `name` given who is signed in now, or null when they may call it. Does not count as activity. */
export function authorizeOperation(session: CounterSession, name: OperationName): Err<ApiErrorCode> | null {
  const roles: AccessRule = OPERATION_ACCESS[name];
  if (roles === 'public') return null;
  const user = session.current(false);
  if (!user) return NOT_SIGNED_IN;
  if (!roles.includes(user.role)) return forbidden(roles);
  return null;
}

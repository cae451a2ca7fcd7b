/**
 * Audit entries as sentences a manager reads: who did what, amounts formatted
 * with their currency's exponent, refund states and roles in the reader's
 * language. The raw detail stays available in a fold for support.
 */
import { isKnownCurrency, type Money } from '../../../preload/contract/money';
import type { AuditEntryView } from '../../../preload/contract/views';
import { fmtMoney, type Language } from './format';
import { decisionReasonText } from './words';

type T = (key: string, options?: Record<string, unknown>) => string;

/** The event filter's groups; sign-ins are hidden unless asked for. */
export const AUDIT_GROUPS: Readonly<Record<string, readonly string[]>> = {
  refunds: [
    'refund.intent',
    'refund.transition',
    'refund.updated',
    'refund.snapshot',
    'refund.amount_from_antom',
    'refund.retry_as_new',
    'refund.note',
    'refund.slip',
    'recovery.run',
    'cli.refund',
  ],
  approvals: ['refund.approved', 'refund.declined', 'refund.self_approved'],
  other: ['refund.other_recorded'],
  people: [
    'user.added',
    'user.disabled',
    'user.enabled',
    'user.unlocked',
    'user.pin_reset',
    'user.pin_changed',
    'user.pin_rekeyed',
    'user.role_changed',
    'auth.pin_failed',
    'auth.locked',
  ],
  signIns: ['auth.sign_in', 'auth.sign_out'],
  settings: ['config.policy', 'config.change', 'config.store', 'config.reasons', 'config.time_zone'],
  terminal: ['terminal.pairing', 'terminal.reference_reused'],
};
/** Everything except sign-ins: the default view. */
export const AUDIT_DEFAULT_KINDS: readonly string[] = Object.entries(AUDIT_GROUPS)
  .filter(([g]) => g !== 'signIns')
  .flatMap(([, kinds]) => kinds);

export function isMoney(v: unknown): v is Money {
  if (typeof v !== 'object' || v === null) return false;
  const m = v as Record<string, unknown>;
  return typeof m['value'] === 'number' && Number.isInteger(m['value']) && typeof m['currency'] === 'string' && isKnownCurrency(m['currency']);
}

/** A long refund request id cut to its recognisable end (the full one is in the details fold). */
export function shortRef(v: unknown): string {
  const s = typeof v === 'string' ? v : '';
  return s.length > 12 ? `…${s.slice(-8)}` : s;
}

const str = (v: unknown): string => (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean' ? String(v) : '');

/** Who did it, in words: the service and the demo's seed by role, a CLI user as such, people by name. */
export function actorName(actor: string, t: T): string {
  if (actor === 'system') return t('auditText.system');
  if (actor === 'demo-seed') return t('auditText.demoSeed');
  if (actor.startsWith('cli:')) return t('auditText.cliUser', { name: actor.slice(4) });
  return actor;
}

export function auditSentence(e: AuditEntryView, t: T, lang: Language): string {
  const d = e.detail;
  const actor = actorName(e.actor, t);
  const money = (v: unknown): string => (isMoney(v) ? fmtMoney(v, lang) : '');
  const state = (v: unknown): string => (typeof v === 'string' && v !== '' ? t(`refundState.${v}`, { defaultValue: v }) : '');
  const role = (v: unknown): string => (typeof v === 'string' ? t(`roles.${v}`, { defaultValue: v }) : '');
  const p = { actor, ref: shortRef(d['refundRequestId']), paymentId: str(d['paymentId']), reason: decisionReasonText(str(d['reason']), t) };
  const curMoney = (v: unknown): string => (typeof v === 'number' ? money({ value: v, currency: str(d['currency']) }) || String(v) : '');
  switch (e.kind) {
    case 'auth.sign_in':
      return t('auditText.signIn', { ...p, role: role(d['role']) });
    case 'auth.sign_out':
      return t('auditText.signOut', p);
    case 'auth.pin_failed':
      return t('auditText.pinFailed', { ...p, name: str(d['name']), failed: str(d['failed']) });
    case 'auth.locked':
      return t('auditText.locked', { ...p, name: str(d['name']) });
    case 'user.added':
      return t('auditText.userAdded', { ...p, name: str(d['name']), role: role(d['role']) });
    case 'user.disabled':
      return t('auditText.userDisabled', { ...p, name: str(d['name']) });
    case 'refund.intent':
      return t(d['state'] === 'AWAITING_APPROVAL' ? 'auditText.intentApproval' : 'auditText.intent', { ...p, amount: money(d['amount']) });
    case 'refund.transition':
      return t('auditText.transition', { ...p, from: state(d['from']), to: state(d['to']) });
    case 'refund.approved':
      return t('auditText.approved', p);
    case 'refund.self_approved':
      return t('auditText.selfApproved', p);
    case 'refund.updated':
      return t('auditText.updated', { ...p, state: state(d['state']) });
    case 'refund.snapshot':
      return t('auditText.snapshot', p);
    case 'refund.amount_from_antom':
      return t('auditText.amountFromAntom', { ...p, journaled: curMoney(d['journaled']), antom: curMoney(d['antomRefunded']) });
    case 'cli.refund':
      return t('auditText.cliRefund', { ...p, cashier: str(d['cashier']) });
    case 'user.enabled':
      return t('auditText.userEnabled', { ...p, name: str(d['name']) });
    case 'user.unlocked':
      return t('auditText.userUnlocked', { ...p, name: str(d['name']) });
    case 'user.pin_reset':
      return t('auditText.pinReset', { ...p, name: str(d['name']) });
    case 'user.pin_changed':
      return t('auditText.pinChanged', p);
    case 'user.pin_rekeyed':
      return t('auditText.pinRekeyed', { ...p, name: str(d['name']) || str(d['user']) });
    case 'user.role_changed':
      return t('auditText.roleChanged', { ...p, name: str(d['name']), from: role(d['from']), to: role(d['to']) });
    case 'config.time_zone':
      return t('auditText.timeZone', { ...p, after: str(d['after']) });
    case 'terminal.reference_reused':
      return t('auditText.referenceReused', p);
    case 'refund.declined':
      return t('auditText.declined', p);
    case 'refund.retry_as_new':
      return t('auditText.retry', { ...p, from: shortRef(d['from']), to: shortRef(d['to']) });
    case 'refund.note':
      return t('auditText.note', { ...p, state: state(d['state']) });
    case 'refund.slip':
      return t(d['printed'] === true ? 'auditText.slipPrinted' : 'auditText.slipNotPrinted', p);
    case 'refund.other_recorded':
      return t('auditText.other', { ...p, amount: money(d['amount']), method: t(`other.method.${str(d['method'])}`, { defaultValue: str(d['method']) }) });
    case 'recovery.run':
      return t('auditText.recovery', { ...p, examined: str(d['examined']), final: str(d['final']), pending: str(d['pending']) });
    case 'terminal.pairing':
      return (
        t(`auditText.pairing.${str(d['step']) || 'begin'}`, { ...p, defaultValue: t('auditText.pairing.begin', p) }) +
        (d['ok'] === false ? ` ${t('auditText.failedSuffix')}` : '') +
        // Written before the terminal was asked (main/features/audited-change.ts); the outcome follows.
        (d['requested'] === true ? ` ${t('auditText.requestedSuffix')}` : '')
      );
    case 'config.policy':
      return t('auditText.policy', p);
    case 'config.change':
      return t('auditText.antom', p);
    case 'config.store':
      return t('auditText.store', p);
    case 'config.reasons':
      return t('auditText.reasons', p);
    default:
      return t('auditText.unknown', { ...p, kind: e.kind });
  }
}

/** The fold's lines: key and value, amounts formatted, nested objects as compact JSON. */
export function auditDetailLines(detail: Record<string, unknown>, lang: Language): { key: string; value: string }[] {
  return Object.entries(detail).map(([key, v]) => ({
    key,
    value: isMoney(v) ? fmtMoney(v, lang) : typeof v === 'object' && v !== null ? JSON.stringify(v) : String(v),
  }));
}

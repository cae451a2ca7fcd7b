import type { ApiFailure } from '../api/client';
import { useT } from '../hooks/i18n';

const SHOW_DETAIL = new Set([
  'INVALID_INPUT',
  'INVALID_REQUEST',
  'CONFIG_INVALID',
  'TERMINAL_ERROR',
  'TERMINAL_DOWN',
  'UNAVAILABLE',
  'LOOKUP_MISCONFIGURED',
  'FORBIDDEN',
]);

/** Only short, single-line, non-technical looking server sentences (no stack, JSON, command or path) are shown as details. */
export function safeDetail(message: string): string | null {
  const m = message.trim();
  if (m === '' || m.length > 240 || /[{}[\]<>]|\n|\bat\s+\S+\s*\(/.test(m)) return null;
  // Commands and file paths are for the technician (Diagnostics, doctor), not for a counter screen.
  if (/`|\brefund-terminal\s|\bsudo\b|(^|[\s(])\/(dev|tmp|etc|home|var|usr)\/|[A-Za-z]:\\|\.(pty|sqlite|json|pem)\b/.test(m)) return null;
  return m;
}

/** An API error as a sentence: what happened and what to do. Never raw JSON or a stack. */
export function ErrorNotice(props: { error: ApiFailure | null; testId?: string }) {
  const { t, lang } = useT();
  if (!props.error) return null;
  const { code, message, details } = props.error;
  // A precise sentence when the operation says more (the payment device's own code, a known reason).
  const specific = [
    typeof details?.['terminalCode'] === 'string' ? `errors.terminal.${details['terminalCode']}` : null,
    typeof details?.['reason'] === 'string' ? `errors.reason.${details['reason']}` : null,
    // The loser of two managers deciding at once: whose decision won, so nobody decides twice.
    code === 'NOT_AWAITING_APPROVAL' && typeof details?.['decidedBy'] === 'string' ? `errors.decidedBy.${String(details['decision'])}` : null,
  ].find((k): k is string => k !== null && t(k) !== k);
  const key = specific ?? `errors.${code}`;
  const params = typeof details?.['decidedBy'] === 'string' ? { manager: details['decidedBy'] } : undefined;
  const known = t(key, params) !== key;
  const detail = SHOW_DETAIL.has(code) ? safeDetail(message) : null;
  return (
    <div className="notice notice-error" role="alert" data-testid={props.testId ?? 'error-notice'} data-error-code={code}>
      <p>{known ? t(key, params) : t('errors.UNKNOWN')}</p>
      {detail && lang === 'en' ? <p className="notice-detail">{t('errors.detail', { detail })}</p> : null}
      {detail && lang !== 'en' ? (
        // The service's own sentence is English: folded, for whoever needs the exact words (support).
        <details className="details-fold">
          <summary>{t('errors.detailFold')}</summary>
          <span lang="en">{detail}</span>
        </details>
      ) : null}
    </div>
  );
}

import { useTerminal } from '../stores/terminal';
import { useT } from '../hooks/i18n';

/**
 * Always visible: is the payment terminal there and paired? Live from the terminalStatus event.
 * The link's technical reason (ports, files, commands) is on the technician's Diagnostics screen only.
 */
export function TerminalIndicator() {
  const { t } = useT();
  const status = useTerminal((s) => s.status);
  const state = status?.state ?? 'unknown';
  const tone = state === 'authenticated' ? 'ok' : state === 'connecting' || state === 'unknown' ? 'wait' : 'bad';
  const label = t(`terminal.state.${state}`);
  return (
    <div className={`terminal-indicator tone-${tone}`} role="status" data-testid="terminal-status" data-state={state}>
      <span className="dot" aria-hidden="true" />
      {/* The state never gives way; the description after it does (ellipsis) on a narrow header. */}
      <span className="terminal-state">
        {t('terminal.label')}: <strong>{label}</strong>
      </span>
      <span className="terminal-more">
        {status?.virtual ? <span className="muted"> ({t('terminal.virtual')})</span> : null}
        {status?.terminal ? (
          <span className="muted">
            {' '}
            · {status.terminal.model} {status.terminal.serial}
          </span>
        ) : null}
      </span>
    </div>
  );
}

import type { TerminalCandidateView } from '../../../preload/contract/terminal';
import { useT } from '../hooks/i18n';

const hex = (n: number | undefined): string => (n === undefined ? '—' : n.toString(16).padStart(4, '0'));

/** Candidate terminals with their problem and its fix; `onPick` adds a pairing button. */
export function DeviceList(props: { devices: readonly TerminalCandidateView[]; onPick?: (d: TerminalCandidateView) => void; busy?: boolean }) {
  const { t, lang } = useT();
  if (props.devices.length === 0)
    return (
      <p className="notice notice-info" data-testid="no-devices">
        {t('pairing.noDevices')}
      </p>
    );
  return (
    <ul className="row-list" data-testid="device-list">
      {props.devices.map((d) => (
        <li key={d.path} className="panel" data-testid="device" data-path={d.path} data-accessible={d.accessible}>
          <p>
            <code>{d.path}</code> <span className="muted">({t(`devices.source.${d.source}`, { defaultValue: d.source })})</span>
          </p>
          <p className="muted">
            {d.source === 'virtual' ? t('devices.virtualMaker') : (d.manufacturer ?? t('pairing.unknownMaker'))} · {t('devices.vendor')} {hex(d.vendorId)} ·{' '}
            {t('devices.product')} {hex(d.productId)}
            {d.serialNumber ? ` · ${t('pairing.serial')} ${d.serialNumber}` : ''}
          </p>
          {d.problem ? (
            <div className="problem" role="note" data-testid="device-problem" data-code={d.problem.code}>
              {lang === 'en' ? (
                <>
                  <p>
                    <strong>{t('pairing.problem')}</strong> {d.problem.message}
                  </p>
                  <p>
                    <strong>{t('pairing.fix')}</strong> {d.problem.fix}
                  </p>
                </>
              ) : (
                // The discovery's own sentences carry paths and commands to copy: said in the reader's language, the exact words folded.
                <>
                  <p>
                    <strong>{t('pairing.problem')}</strong> {t(`devices.problem.${d.problem.code}`, { defaultValue: t('devices.problem.OTHER') })}
                  </p>
                  <p>
                    <strong>{t('pairing.fix')}</strong> {t(`devices.fix.${d.problem.code}`, { defaultValue: t('devices.fix.OTHER') })}
                  </p>
                  <details className="details-fold">
                    <summary>{t('diagnostics.reasonFold')}</summary>
                    <code>{d.problem.message}</code> <code>{d.problem.fix}</code>
                  </details>
                </>
              )}
            </div>
          ) : null}
          {props.onPick ? (
            <div className="actions">
              <button
                type="button"
                className="btn btn-primary"
                disabled={!d.accessible || props.busy}
                onClick={() => props.onPick?.(d)}
                data-testid="pair-device"
              >
                {t('pairing.pickThis')}
              </button>
              {!d.accessible ? <span className="hint">{t('pairing.fixFirst')}</span> : null}
            </div>
          ) : null}
        </li>
      ))}
    </ul>
  );
}

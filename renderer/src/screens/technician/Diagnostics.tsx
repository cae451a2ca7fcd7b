import { useState } from 'react';
import type { PingView } from '../../../../preload/contract/terminal';
import { api, type ApiFailure } from '../../api/client';
import { useT } from '../../hooks/i18n';
import { useLoad } from '../../hooks/load';
import { Screen } from '../../components/Screen';
import { ErrorNotice } from '../../components/ErrorNotice';
import { DeviceList } from '../../components/DeviceList';
import { PingResult } from '../../components/PingResult';
import { useTerminal } from '../../stores/terminal';
import { useSettings } from '../../stores/settings';
import { downloadText } from '../../lib/download';

export function Diagnostics() {
  const { t } = useT();
  const status = useTerminal((s) => s.status);
  const appInfo = useSettings((s) => s.appInfo);
  const devices = useLoad(() => api().listTerminalDevices({}), []);
  const [ping, setPing] = useState<PingView | null>(null);
  const [count, setCount] = useState(10);
  const [pingBusy, setPingBusy] = useState(false);
  const [pingError, setPingError] = useState<ApiFailure | null>(null);
  const [bundleError, setBundleError] = useState<ApiFailure | null>(null);
  const [bundleBusy, setBundleBusy] = useState(false);

  const runPing = async (): Promise<void> => {
    setPingBusy(true);
    setPingError(null);
    const r = await api().pingTerminal({ count });
    setPingBusy(false);
    if (r.ok) setPing(r.value);
    else setPingError(r.error);
  };
  const bundle = async (): Promise<void> => {
    setBundleBusy(true);
    setBundleError(null);
    const r = await api().getDiagnosticsBundle({});
    setBundleBusy(false);
    if (!r.ok) return setBundleError(r.error);
    downloadText(r.value.fileName, r.value.json, 'application/json');
  };
  const problems = (devices.data ?? []).filter((d) => d.problem);

  return (
    <Screen title={t('diagnostics.title')} testId="screen-diagnostics">
      <section aria-labelledby="link-title">
        <h2 id="link-title">{t('diagnostics.link')}</h2>
        <dl className="details" data-testid="link-state" data-state={status?.state ?? 'unknown'}>
          <div>
            <dt>{t('diagnostics.state')}</dt>
            <dd className="big">{t(`terminal.state.${status?.state ?? 'unknown'}`)}</dd>
          </div>
          <div>
            <dt>{t('diagnostics.reason')}</dt>
            <dd>
              {status?.reason ? (
                // The link's own words (ports, files, what to run): technical, kept as written for support.
                <details className="details-fold" data-testid="link-reason">
                  <summary>{t('diagnostics.reasonFold')}</summary>
                  <code>{status.reason}</code>
                </details>
              ) : (
                '—'
              )}
            </dd>
          </div>
          <div>
            <dt>{t('diagnostics.port')}</dt>
            <dd>{status?.port ? <code>{status.port}</code> : '—'}</dd>
          </div>
          <div>
            <dt>{t('diagnostics.terminal')}</dt>
            <dd>
              {status?.terminal ? `${status.terminal.model} · ${status.terminal.serial} · ${t('diagnostics.firmware')} ${status.terminal.firmware}` : '—'}
            </dd>
          </div>
          <div>
            <dt>{t('diagnostics.virtual')}</dt>
            <dd>{status?.virtual ? t('common.yes') : t('common.no')}</dd>
          </div>
          <div>
            <dt>{t('diagnostics.app')}</dt>
            <dd>
              {appInfo
                ? `${appInfo.version} · ${t(`diagnostics.hostKind.${appInfo.hostKind}`)} · ${t('diagnostics.secrets')}: ${t(`diagnostics.protection.${appInfo.secretProtection}`, { defaultValue: appInfo.secretProtection })}`
                : '—'}
            </dd>
          </div>
        </dl>
      </section>

      <section aria-labelledby="ping-title">
        <h2 id="ping-title">{t('diagnostics.roundTrip')}</h2>
        <div className="toolbar">
          <div className="field">
            <label htmlFor="ping-count">{t('diagnostics.pingCount')}</label>
            <select id="ping-count" value={count} onChange={(e) => setCount(Number(e.target.value))}>
              {[1, 5, 10, 20].map((n) => (
                <option key={n} value={n}>
                  {n}
                </option>
              ))}
            </select>
          </div>
          <button type="button" className="btn btn-primary" onClick={() => void runPing()} disabled={pingBusy} data-testid="run-ping">
            {pingBusy ? t('pairing.testing') : t('diagnostics.runPing')}
          </button>
        </div>
        <ErrorNotice error={pingError} />
        {ping ? <PingResult ping={ping} /> : null}
      </section>

      <section aria-labelledby="perm-title">
        <h2 id="perm-title">{t('diagnostics.devices')}</h2>
        <ErrorNotice error={devices.error} />
        {devices.data ? (
          <>
            <p
              className={problems.length ? 'notice notice-error' : 'notice notice-ok'}
              role="status"
              data-testid="device-problems"
              data-count={problems.length}
            >
              {problems.length ? t('diagnostics.problems', { n: problems.length }) : t('diagnostics.noProblems')}
            </p>
            <DeviceList devices={devices.data} />
          </>
        ) : null}
        <div className="toolbar">
          <button type="button" className="btn" onClick={devices.reload}>
            {t('pairing.rescan')}
          </button>
        </div>
      </section>

      <section aria-labelledby="bundle-title">
        <h2 id="bundle-title">{t('diagnostics.bundle')}</h2>
        <p className="hint">{t('diagnostics.bundleHint')}</p>
        <ErrorNotice error={bundleError} />
        <button type="button" className="btn btn-primary" onClick={() => void bundle()} disabled={bundleBusy} data-testid="download-diagnostics">
          {t('diagnostics.downloadBundle')}
        </button>
      </section>
    </Screen>
  );
}

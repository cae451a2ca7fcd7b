import { useEffect, useRef, useState, type FormEvent } from 'react';
import type { PingView, TerminalCandidateView } from '../../../../preload/contract/terminal';
import { api, type ApiFailure } from '../../api/client';
import { useT } from '../../hooks/i18n';
import { useLoad } from '../../hooks/load';
import { useAutoFocus } from '../../hooks/focus';
import { Screen } from '../../components/Screen';
import { ErrorNotice } from '../../components/ErrorNotice';
import { DeviceList } from '../../components/DeviceList';
import { PingResult } from '../../components/PingResult';
import { useTerminal } from '../../stores/terminal';

type Step = 'devices' | 'code' | 'test' | 'done';
const STEPS: readonly Step[] = ['devices', 'code', 'test', 'done'];

export function PairingWizard() {
  const { t } = useT();
  const [step, setStep] = useState<Step>('devices');
  const [device, setDevice] = useState<TerminalCandidateView | null>(null);
  const [paired, setPaired] = useState<{ serial: string; model: string } | null>(null);
  return (
    <Screen title={t('pairing.title')} testId="screen-pairing">
      <ol className="wizard-steps" aria-label={t('pairing.progress')}>
        {STEPS.map((s, i) => (
          <li key={s} aria-current={s === step ? 'step' : undefined}>
            {i + 1}. {t(`pairing.step.${s}`)}
          </li>
        ))}
      </ol>
      {step === 'devices' ? (
        <DevicesStep
          onBegun={(d) => {
            setDevice(d);
            setStep('code');
          }}
        />
      ) : null}
      {step === 'code' && device ? (
        <CodeStep
          device={device}
          onBack={() => setStep('devices')}
          onPaired={(p) => {
            setPaired(p);
            setStep('test');
          }}
        />
      ) : null}
      {step === 'test' ? <TestStep paired={paired} onDone={() => setStep('done')} /> : null}
      {step === 'done' ? <DoneStep paired={paired} onAgain={() => setStep('devices')} /> : null}
    </Screen>
  );
}

function CurrentLink() {
  const { t } = useT();
  const status = useTerminal((s) => s.status);
  const [confirm, setConfirm] = useState(false);
  const [error, setError] = useState<ApiFailure | null>(null);
  if (!status || status.state !== 'authenticated') return null;
  const unpair = async (): Promise<void> => {
    const r = await api().unpairTerminal({});
    setConfirm(false);
    if (!r.ok) setError(r.error);
    else void useTerminal.getState().refresh();
  };
  return (
    <div className="notice notice-ok" data-testid="current-pairing">
      <p>{t('pairing.alreadyPaired', { model: status.terminal?.model ?? '', serial: status.terminal?.serial ?? '', port: status.port ?? '' })}</p>
      <ErrorNotice error={error} />
      {confirm ? (
        <div className="actions">
          <button type="button" className="btn btn-danger" onClick={() => void unpair()} data-testid="confirm-unpair">
            {t('pairing.confirmUnpair')}
          </button>
          <button type="button" className="btn" onClick={() => setConfirm(false)}>
            {t('common.cancel')}
          </button>
        </div>
      ) : (
        <button type="button" className="btn" onClick={() => setConfirm(true)} data-testid="unpair">
          {t('pairing.unpair')}
        </button>
      )}
    </div>
  );
}

function DevicesStep(props: { onBegun(d: TerminalCandidateView): void }) {
  const { t } = useT();
  const devices = useLoad(() => api().listTerminalDevices({}), []);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiFailure | null>(null);
  const pick = async (d: TerminalCandidateView): Promise<void> => {
    setBusy(true);
    setError(null);
    const r = await api().beginPairing({ port: d.path });
    setBusy(false);
    if (!r.ok) return setError(r.error);
    void useTerminal.getState().refresh();
    props.onBegun(d);
  };
  return (
    <section aria-labelledby="devices-title">
      <CurrentLink />
      <h2 id="devices-title">{t('pairing.pickDevice')}</h2>
      <p className="hint">{t('pairing.pickHint')}</p>
      <div className="toolbar">
        <button type="button" className="btn" onClick={devices.reload} data-testid="refresh-devices">
          {t('pairing.rescan')}
        </button>
      </div>
      <ErrorNotice error={devices.error} />
      <ErrorNotice error={error} />
      {busy ? (
        <p role="status" className="notice notice-info">
          {t('pairing.starting')}
        </p>
      ) : null}
      {devices.data ? (
        <DeviceList devices={devices.data} onPick={(d) => void pick(d)} busy={busy} />
      ) : devices.loading ? (
        <p className="muted">{t('common.loading')}</p>
      ) : null}
    </section>
  );
}

function CodeStep(props: { device: TerminalCandidateView; onBack(): void; onPaired(p: { serial: string; model: string }): void }) {
  const { t } = useT();
  const [code, setCode] = useState('');
  const [problem, setProblem] = useState<string | null>(null);
  const [error, setError] = useState<ApiFailure | null>(null);
  const [busy, setBusy] = useState(false);
  const ref = useAutoFocus<HTMLInputElement>();
  const virtualCode = useTerminal((s) => s.status?.virtualPairingCode ?? null);
  const onSubmit = async (e: FormEvent): Promise<void> => {
    e.preventDefault();
    if (!/^\d{6}$/.test(code)) {
      setProblem(t('pairing.codeInvalid'));
      ref.current?.focus();
      return;
    }
    setProblem(null);
    setError(null);
    setBusy(true);
    const r = await api().confirmPairing({ code });
    setBusy(false);
    if (!r.ok) {
      setError(r.error);
      setCode('');
      ref.current?.focus();
      return;
    }
    void useTerminal.getState().refresh();
    props.onPaired(r.value);
  };
  return (
    <section aria-labelledby="code-title">
      <h2 id="code-title">{t('pairing.codeTitle')}</h2>
      <p>{t('pairing.codeExplain', { port: props.device.path })}</p>
      {virtualCode ? (
        <p className="notice notice-info" data-testid="virtual-pairing-code">
          {t('pairing.virtualCode', { code: virtualCode })}
        </p>
      ) : null}
      <form onSubmit={(e) => void onSubmit(e)} noValidate className="stack">
        <div className="field">
          <label htmlFor="pairing-code">{t('pairing.codeLabel')}</label>
          <input
            id="pairing-code"
            ref={ref}
            className="code-input"
            inputMode="numeric"
            autoComplete="one-time-code"
            maxLength={6}
            value={code}
            aria-invalid={problem ? true : undefined}
            onChange={(e) => setCode(e.target.value.replace(/\D/g, '').slice(0, 6))}
            data-testid="pairing-code"
          />
          {problem ? (
            <p className="field-error" role="alert">
              {problem}
            </p>
          ) : null}
        </div>
        <ErrorNotice error={error} />
        <div className="actions">
          <button type="button" className="btn" onClick={props.onBack}>
            {t('common.back')}
          </button>
          <button type="submit" className="btn btn-primary btn-large" disabled={busy} data-testid="confirm-pairing">
            {busy ? t('pairing.checking') : t('pairing.confirm')}
          </button>
        </div>
      </form>
    </section>
  );
}

function TestStep(props: { paired: { serial: string; model: string } | null; onDone(): void }) {
  const { t } = useT();
  const [ping, setPing] = useState<PingView | null>(null);
  const [error, setError] = useState<ApiFailure | null>(null);
  const [busy, setBusy] = useState(false);
  const started = useRef(false);
  const run = async (): Promise<void> => {
    setBusy(true);
    setError(null);
    const r = await api().pingTerminal({ count: 5 });
    setBusy(false);
    if (r.ok) setPing(r.value);
    else setError(r.error);
  };
  useEffect(() => {
    if (started.current) return;
    started.current = true;
    void run();
  }, []);
  return (
    <section aria-labelledby="test-title">
      <h2 id="test-title">{t('pairing.testTitle')}</h2>
      {props.paired ? <p className="notice notice-ok">{t('pairing.pairedWith', props.paired)}</p> : null}
      {busy ? (
        <p role="status" className="notice notice-info">
          {t('pairing.testing')}
        </p>
      ) : null}
      <ErrorNotice error={error} />
      {ping ? <PingResult ping={ping} /> : null}
      <div className="actions">
        <button type="button" className="btn" onClick={() => void run()} disabled={busy} data-testid="ping-again">
          {t('pairing.testAgain')}
        </button>
        <button type="button" className="btn btn-primary btn-large" onClick={props.onDone} disabled={busy} data-testid="pairing-finish">
          {t('pairing.finish')}
        </button>
      </div>
    </section>
  );
}

function DoneStep(props: { paired: { serial: string; model: string } | null; onAgain(): void }) {
  const { t } = useT();
  const ref = useAutoFocus<HTMLHeadingElement>();
  return (
    <section aria-labelledby="done-title" data-testid="pairing-done">
      <h2 id="done-title" ref={ref} tabIndex={-1}>
        {t('pairing.doneTitle')}
      </h2>
      <p>{props.paired ? t('pairing.pairedWith', props.paired) : null}</p>
      <button type="button" className="btn" onClick={props.onAgain}>
        {t('pairing.pairAnother')}
      </button>
    </section>
  );
}

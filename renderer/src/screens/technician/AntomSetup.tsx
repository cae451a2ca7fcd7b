import { useEffect, useRef, useState, type ChangeEvent, type FormEvent } from 'react';
import type { AntomConfigView } from '../../../../preload/contract/views';
import { api, type ApiFailure } from '../../api/client';
import { useT } from '../../hooks/i18n';
import { useLoad } from '../../hooks/load';
import { Screen } from '../../components/Screen';
import { ErrorNotice } from '../../components/ErrorNotice';
import { Field } from '../../components/Field';

const PEM_MAX = 16_384;

interface PemFile {
  readonly name: string;
  readonly size: number;
  readonly text: string;
}

function readText(file: File): Promise<string> {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(typeof reader.result === 'string' ? reader.result : '');
    reader.onerror = () => reject(reader.error ?? new Error('read failed'));
    reader.readAsText(file);
  });
}

export function AntomSetup() {
  const { t } = useT();
  const loaded = useLoad(() => api().getAntomConfig({}), []);
  const [config, setConfig] = useState<AntomConfigView | null>(null);
  const [baseUrl, setBaseUrl] = useState('');
  const [clientId, setClientId] = useState('');
  const [keyVersion, setKeyVersion] = useState('1');
  const [merchantKey, setMerchantKey] = useState<PemFile | null>(null);
  const [antomKey, setAntomKey] = useState<PemFile | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const [error, setError] = useState<ApiFailure | null>(null);
  const [saved, setSaved] = useState(false);
  const [busy, setBusy] = useState(false);
  const [test, setTest] = useState<{ reachable: boolean; signatureValid: boolean; detail: string } | null>(null);
  const [testError, setTestError] = useState<ApiFailure | null>(null);
  const [testBusy, setTestBusy] = useState(false);
  const merchantInput = useRef<HTMLInputElement>(null);
  const antomInput = useRef<HTMLInputElement>(null);

  const apply = (c: AntomConfigView): void => {
    setConfig(c);
    setBaseUrl(c.baseUrl ?? '');
    setClientId(c.clientId ?? '');
    setKeyVersion(String(c.keyVersion ?? 1));
  };
  useEffect(() => {
    if (loaded.data) apply(loaded.data);
  }, [loaded.data]);

  const onFile = (which: 'merchant' | 'antom') => async (e: ChangeEvent<HTMLInputElement>): Promise<void> => {
    const file = e.target.files?.[0];
    const set = which === 'merchant' ? setMerchantKey : setAntomKey;
    setProblem(null);
    if (!file) return set(null);
    if (file.size > PEM_MAX) {
      set(null);
      e.target.value = '';
      return setProblem(t('antom.fileTooBig', { name: file.name }));
    }
    const text = await readText(file);
    if (!/-----BEGIN [A-Z ]+-----/.test(text)) {
      set(null);
      e.target.value = '';
      return setProblem(t('antom.notPem', { name: file.name }));
    }
    set({ name: file.name, size: file.size, text });
  };

  const onSubmit = async (e: FormEvent): Promise<void> => {
    e.preventDefault();
    setSaved(false);
    setError(null);
    let url: URL | null = null;
    try {
      url = new URL(baseUrl.trim());
    } catch {
      url = null;
    }
    if (!url || (url.protocol !== 'https:' && url.protocol !== 'http:')) return setProblem(t('antom.urlInvalid'));
    if (clientId.trim() === '') return setProblem(t('antom.clientIdMissing'));
    const version = Number(keyVersion);
    if (!Number.isInteger(version) || version < 1 || version > 1000) return setProblem(t('antom.keyVersionInvalid'));
    setProblem(null);
    setBusy(true);
    const r = await api().setAntomConfig({
      baseUrl: baseUrl.trim(),
      clientId: clientId.trim(),
      keyVersion: version,
      ...(merchantKey ? { merchantPrivateKeyPem: merchantKey.text } : {}),
      ...(antomKey ? { antomPublicKeyPem: antomKey.text } : {}),
    });
    setBusy(false);
    if (!r.ok) return setError(r.error);
    // Key material leaves the page as soon as main has it.
    setMerchantKey(null);
    setAntomKey(null);
    if (merchantInput.current) merchantInput.current.value = '';
    if (antomInput.current) antomInput.current.value = '';
    apply(r.value);
    setSaved(true);
  };

  const runTest = async (): Promise<void> => {
    setTestBusy(true);
    setTestError(null);
    setTest(null);
    const r = await api().testAntomConnection({});
    setTestBusy(false);
    if (r.ok) setTest(r.value);
    else setTestError(r.error);
  };

  return (
    <Screen title={t('antom.title')} testId="screen-antom">
      <ErrorNotice error={loaded.error} />
      {config ? (
        <dl className="details" data-testid="antom-config" data-mode={config.mode}>
          <div>
            <dt>{t('antom.mode')}</dt>
            <dd className="big">{t(`antom.modes.${config.mode}`)}</dd>
          </div>
          <div>
            <dt>{t('antom.merchantKey')}</dt>
            <dd>{config.hasMerchantPrivateKey ? <span className="mono">{t('antom.stored', { fp: config.merchantKeyFingerprint ?? '—' })}</span> : t('antom.missing')}</dd>
          </div>
          <div>
            <dt>{t('antom.antomKey')}</dt>
            <dd>{config.hasAntomPublicKey ? <span className="mono">{t('antom.stored', { fp: config.antomKeyFingerprint ?? '—' })}</span> : t('antom.missing')}</dd>
          </div>
        </dl>
      ) : null}
      <form className="stack" onSubmit={(e) => void onSubmit(e)} noValidate>
        <Field label={t('antom.baseUrl')} type="url" value={baseUrl} onChange={(e) => setBaseUrl(e.target.value)} spellCheck={false} data-testid="antom-base-url" hint={t('antom.baseUrlHint')} />
        <Field label={t('antom.clientId')} value={clientId} onChange={(e) => setClientId(e.target.value)} spellCheck={false} autoComplete="off" data-testid="antom-client-id" />
        <Field label={t('antom.keyVersion')} inputMode="numeric" value={keyVersion} onChange={(e) => setKeyVersion(e.target.value.replace(/\D/g, ''))} data-testid="antom-key-version" />
        <div className="field">
          <label htmlFor="merchant-key-file">{t('antom.merchantKeyFile')}</label>
          <input id="merchant-key-file" ref={merchantInput} type="file" accept=".pem,.key,.txt" onChange={(e) => void onFile('merchant')(e)} data-testid="antom-merchant-key" aria-describedby="merchant-key-state" />
          <p id="merchant-key-state" className="hint">
            {merchantKey ? t('antom.fileReady', { name: merchantKey.name, size: merchantKey.size }) : t('antom.keepCurrent')}
          </p>
        </div>
        <div className="field">
          <label htmlFor="antom-key-file">{t('antom.antomKeyFile')}</label>
          <input id="antom-key-file" ref={antomInput} type="file" accept=".pem,.key,.txt" onChange={(e) => void onFile('antom')(e)} data-testid="antom-public-key" aria-describedby="antom-key-state" />
          <p id="antom-key-state" className="hint">
            {antomKey ? t('antom.fileReady', { name: antomKey.name, size: antomKey.size }) : t('antom.keepCurrent')}
          </p>
        </div>
        <p className="hint">{t('antom.neverShown')}</p>
        {problem ? (
          <p className="field-error" role="alert">
            {problem}
          </p>
        ) : null}
        <ErrorNotice error={error} />
        {saved ? (
          <p className={config?.pending?.problem ? 'notice notice-error' : 'notice notice-ok'} role="status" data-testid="antom-saved">
            {config?.pending?.restartNeeded
              ? t('antom.savedRestart')
              : config?.pending?.problem
                ? t('antom.savedNotUsable', { problem: config.pending.problem })
                : t('antom.savedInUse')}
          </p>
        ) : null}
        <div className="actions">
          <button type="submit" className="btn btn-primary btn-large" disabled={busy} data-testid="antom-save">
            {t('common.save')}
          </button>
          <button type="button" className="btn btn-large" onClick={() => void runTest()} disabled={testBusy} data-testid="antom-test">
            {testBusy ? t('antom.testing') : t('antom.test')}
          </button>
        </div>
      </form>
      <ErrorNotice error={testError} />
      {test ? (
        <div className={`notice ${test.reachable && test.signatureValid ? 'notice-ok' : 'notice-error'}`} role="status" data-testid="antom-test-result">
          <p>
            {t('antom.reachable')}: <strong>{test.reachable ? t('common.yes') : t('common.no')}</strong> · {t('antom.signatureValid')}:{' '}
            <strong>{test.signatureValid ? t('common.yes') : t('common.no')}</strong>
          </p>
          <p className="notice-detail">{test.detail}</p>
        </div>
      ) : null}
    </Screen>
  );
}

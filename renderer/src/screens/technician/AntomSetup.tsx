import { useEffect, useRef, useState, type ChangeEvent, type FormEvent } from 'react';
import { ANTOM_REGIONS, parseAntomBaseUrl } from '../../../../preload/contract/antom-endpoint';
import type { AntomConfigView, AntomTestView } from '../../../../preload/contract/views';
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

type InquiryKey = AntomConfigView['inquiryPaymentKey'];
const INQUIRY_KEYS: readonly InquiryKey[] = ['paymentId', 'paymentRequestId', 'both'];
const CUSTOM = 'custom';

function regionOf(url: string): string {
  const parsed = parseAntomBaseUrl(url);
  return parsed.ok && parsed.value.region ? parsed.value.region : CUSTOM;
}

export function AntomSetup() {
  const { t } = useT();
  const loaded = useLoad(() => api().getAntomConfig({}), []);
  const [config, setConfig] = useState<AntomConfigView | null>(null);
  const [baseUrl, setBaseUrl] = useState('');
  const [region, setRegion] = useState<string>(ANTOM_REGIONS[0].id);
  const [inquiryKey, setInquiryKey] = useState<InquiryKey>('paymentId');
  const [antomKeyVersion, setAntomKeyVersion] = useState('');
  const [rotationDate, setRotationDate] = useState('');
  const [nextKey, setNextKey] = useState<PemFile | null>(null);
  const [nextKeyVersion, setNextKeyVersion] = useState('');
  const [keyError, setKeyError] = useState<ApiFailure | null>(null);
  const [keyProblem, setKeyProblem] = useState<string | null>(null);
  const nextKeyInput = useRef<HTMLInputElement>(null);
  const [clientId, setClientId] = useState('');
  const [keyVersion, setKeyVersion] = useState('1');
  const [merchantKey, setMerchantKey] = useState<PemFile | null>(null);
  const [antomKey, setAntomKey] = useState<PemFile | null>(null);
  const [problem, setFormProblem] = useState<string | null>(null);
  const setProblem = setFormProblem;
  const [error, setError] = useState<ApiFailure | null>(null);
  const [saved, setSaved] = useState(false);
  const [busy, setBusy] = useState(false);
  const [test, setTest] = useState<AntomTestView | null>(null);
  const [testError, setTestError] = useState<ApiFailure | null>(null);
  const [testBusy, setTestBusy] = useState(false);
  const merchantInput = useRef<HTMLInputElement>(null);
  const antomInput = useRef<HTMLInputElement>(null);

  const apply = (c: AntomConfigView): void => {
    setConfig(c);
    setBaseUrl(c.baseUrl ?? '');
    setRegion(c.baseUrl ? regionOf(c.baseUrl) : ANTOM_REGIONS[0].id);
    setInquiryKey(c.inquiryPaymentKey);
    setRotationDate(c.antomKeyRotationDate ?? '');
    setClientId(c.clientId ?? '');
    setKeyVersion(String(c.keyVersion ?? 1));
  };
  useEffect(() => {
    if (loaded.data) apply(loaded.data);
  }, [loaded.data]);

  const onFile =
    (which: 'merchant' | 'antom' | 'next') =>
    async (e: ChangeEvent<HTMLInputElement>): Promise<void> => {
      const file = e.target.files?.[0];
      const set = which === 'merchant' ? setMerchantKey : which === 'antom' ? setAntomKey : setNextKey;
      const setProblem = which === 'next' ? setKeyProblem : setFormProblem;
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
    // The same rule main applies: domain only (an old ".../ams/api" is dropped), https, a real host.
    const chosen = region === CUSTOM ? baseUrl.trim() : (ANTOM_REGIONS.find((r) => r.id === region)?.domain ?? '');
    const endpoint = parseAntomBaseUrl(chosen);
    if (!endpoint.ok) return setProblem(endpoint.error.message);
    if (clientId.trim() === '') return setProblem(t('antom.clientIdMissing'));
    const version = Number(keyVersion);
    if (!Number.isInteger(version) || version < 1 || version > 1000) return setProblem(t('antom.keyVersionInvalid'));
    const antomVersion = antomKeyVersion === '' ? undefined : Number(antomKeyVersion);
    if (antomVersion !== undefined && (!Number.isInteger(antomVersion) || antomVersion < 1 || antomVersion > 999))
      return setProblem(t('antom.keyVersionInvalid'));
    setProblem(null);
    setBusy(true);
    const r = await api().setAntomConfig({
      baseUrl: endpoint.value.origin,
      clientId: clientId.trim(),
      keyVersion: version,
      inquiryPaymentKey: inquiryKey,
      antomKeyRotationDate: rotationDate === '' ? null : rotationDate,
      ...(merchantKey ? { merchantPrivateKeyPem: merchantKey.text } : {}),
      ...(antomKey ? { antomPublicKeyPem: antomKey.text, ...(antomVersion !== undefined ? { antomPublicKeyVersion: antomVersion } : {}) } : {}),
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

  const addNextKey = async (): Promise<void> => {
    setKeyError(null);
    const version = Number(nextKeyVersion);
    if (!nextKey) return setKeyProblem(t('antom.nextKeyMissing'));
    if (nextKeyVersion === '' || !Number.isInteger(version) || version < 1 || version > 999) return setKeyProblem(t('antom.keyVersionInvalid'));
    setKeyProblem(null);
    const r = await api().addAntomPublicKey({ keyVersion: version, pem: nextKey.text });
    if (!r.ok) return setKeyError(r.error);
    setNextKey(null);
    setNextKeyVersion('');
    if (nextKeyInput.current) nextKeyInput.current.value = '';
    setConfig(r.value);
  };

  const removeKey = async (fingerprint: string): Promise<void> => {
    setKeyError(null);
    const r = await api().removeAntomPublicKey({ fingerprint });
    if (!r.ok) return setKeyError(r.error);
    setConfig(r.value);
  };

  const runTest = async (): Promise<void> => {
    setTestBusy(true);
    setTestError(null);
    setTest(null);
    const r = await api().testAntomConnection({});
    setTestBusy(false);
    if (r.ok) setTest(r.value);
    else setTestError(r.error);
    // The test's answer may have been verified by another key: show which.
    const fresh = await api().getAntomConfig({});
    if (fresh.ok) setConfig(fresh.value);
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
            <dd>
              {config.hasMerchantPrivateKey ? (
                <span className="mono">{t('antom.stored', { fp: config.merchantKeyFingerprint ?? '—' })}</span>
              ) : (
                t('antom.missing')
              )}
            </dd>
          </div>
          <div>
            <dt>{t('antom.refundEndpoint')}</dt>
            <dd className="mono" data-testid="antom-endpoint">
              {config.refundEndpoint ?? '—'}
            </dd>
          </div>
          <div>
            <dt>{t('antom.antomKeys')}</dt>
            <dd>
              {config.antomKeys.length === 0 ? (
                t('antom.missing')
              ) : (
                <ul data-testid="antom-keys">
                  {config.antomKeys.map((k) => {
                    const verified = config.lastVerifiedBy?.fingerprint === k.fingerprint;
                    return (
                      <li key={k.fingerprint} data-testid="antom-key" data-key-version={k.keyVersion ?? ''} data-verified={verified ? 'true' : 'false'}>
                        <span className="mono">
                          {k.keyVersion === null ? t('antom.versionUnknown') : t('antom.version', { n: k.keyVersion })} · {k.fingerprint}
                        </span>
                        {verified ? <strong> · {t('antom.verifiedLast', { at: config.lastVerifiedBy?.at ?? '' })}</strong> : null}{' '}
                        {config.mode !== 'demo-sandbox' && config.antomKeys.length > 1 ? (
                          <button type="button" className="btn" onClick={() => void removeKey(k.fingerprint)} data-testid="antom-key-remove">
                            {t('antom.removeKey', { n: k.keyVersion ?? '?' })}
                          </button>
                        ) : null}
                      </li>
                    );
                  })}
                </ul>
              )}
              {config.antomKeys.length > 0 && config.lastVerifiedBy === null ? <p className="hint">{t('antom.notVerifiedYet')}</p> : null}
              {config.antomKeys.length === 1 ? (
                <p className="hint" data-testid="antom-single-key">
                  {t('antom.singleKey')}
                </p>
              ) : null}
            </dd>
          </div>
        </dl>
      ) : null}
      {config && config.mode !== 'demo-sandbox' ? (
        <section className="stack" aria-labelledby="antom-next-key-title" data-testid="antom-next-key">
          <h2 id="antom-next-key-title">{t('antom.nextKeyTitle')}</h2>
          <p className="hint">{t('antom.nextKeyHint')}</p>
          <div className="field">
            <label htmlFor="antom-next-key-file">{t('antom.nextKeyFile')}</label>
            <input
              id="antom-next-key-file"
              ref={nextKeyInput}
              type="file"
              accept=".pem,.key,.txt"
              onChange={(e) => void onFile('next')(e)}
              data-testid="antom-next-key-file"
            />
          </div>
          <Field
            label={t('antom.antomKeyVersion')}
            inputMode="numeric"
            value={nextKeyVersion}
            onChange={(e) => setNextKeyVersion(e.target.value.replace(/\D/g, ''))}
            data-testid="antom-next-key-version"
          />
          {keyProblem ? (
            <p className="field-error" role="alert">
              {keyProblem}
            </p>
          ) : null}
          <ErrorNotice error={keyError} />
          <div className="actions">
            <button type="button" className="btn btn-large" onClick={() => void addNextKey()} data-testid="antom-next-key-add">
              {t('antom.addKey')}
            </button>
          </div>
        </section>
      ) : null}
      <form className="stack" onSubmit={(e) => void onSubmit(e)} noValidate>
        <div className="field">
          <label htmlFor="antom-region">{t('antom.region')}</label>
          <select id="antom-region" value={region} onChange={(e) => setRegion(e.target.value)} data-testid="antom-region">
            {ANTOM_REGIONS.map((r) => (
              <option key={r.id} value={r.id}>
                {t(`antom.regions.${r.id}`, { defaultValue: r.label })} — {r.domain}
              </option>
            ))}
            <option value={CUSTOM}>{t('antom.regionCustom')}</option>
          </select>
        </div>
        {region === CUSTOM ? (
          <Field
            label={t('antom.baseUrl')}
            type="url"
            value={baseUrl}
            onChange={(e) => setBaseUrl(e.target.value)}
            spellCheck={false}
            data-testid="antom-base-url"
            hint={t('antom.baseUrlHint')}
          />
        ) : null}
        <Field
          label={t('antom.clientId')}
          value={clientId}
          onChange={(e) => setClientId(e.target.value)}
          spellCheck={false}
          autoComplete="off"
          data-testid="antom-client-id"
        />
        <Field
          label={t('antom.keyVersion')}
          inputMode="numeric"
          value={keyVersion}
          onChange={(e) => setKeyVersion(e.target.value.replace(/\D/g, ''))}
          data-testid="antom-key-version"
        />
        <div className="field">
          <label htmlFor="antom-inquiry-key">{t('antom.inquiryKey')}</label>
          <select
            id="antom-inquiry-key"
            value={inquiryKey}
            onChange={(e) => setInquiryKey(e.target.value as InquiryKey)}
            data-testid="antom-inquiry-key"
            aria-describedby="antom-inquiry-key-hint"
          >
            {INQUIRY_KEYS.map((k) => (
              <option key={k} value={k}>
                {t(`antom.inquiryKeys.${k}`)}
              </option>
            ))}
          </select>
          <p id="antom-inquiry-key-hint" className="hint">
            {t('antom.inquiryKeyHint')}
          </p>
        </div>
        <Field
          label={t('antom.rotationDate')}
          type="date"
          value={rotationDate}
          onChange={(e) => setRotationDate(e.target.value)}
          data-testid="antom-rotation-date"
          hint={t('antom.rotationDateHint')}
        />
        <div className="field">
          <label htmlFor="merchant-key-file">{t('antom.merchantKeyFile')}</label>
          <input
            id="merchant-key-file"
            ref={merchantInput}
            type="file"
            accept=".pem,.key,.txt"
            onChange={(e) => void onFile('merchant')(e)}
            data-testid="antom-merchant-key"
            aria-describedby="merchant-key-state"
          />
          <p id="merchant-key-state" className="hint">
            {merchantKey ? t('antom.fileReady', { name: merchantKey.name, size: merchantKey.size }) : t('antom.keepCurrent')}
          </p>
        </div>
        <div className="field">
          <label htmlFor="antom-key-file">{t('antom.antomKeyFile')}</label>
          <input
            id="antom-key-file"
            ref={antomInput}
            type="file"
            accept=".pem,.key,.txt"
            onChange={(e) => void onFile('antom')(e)}
            data-testid="antom-public-key"
            aria-describedby="antom-key-state"
          />
          <p id="antom-key-state" className="hint">
            {antomKey ? t('antom.replacesKeys', { name: antomKey.name, size: antomKey.size }) : t('antom.keepCurrent')}
          </p>
        </div>
        {antomKey ? (
          <Field
            label={t('antom.antomKeyVersion')}
            inputMode="numeric"
            value={antomKeyVersion}
            onChange={(e) => setAntomKeyVersion(e.target.value.replace(/\D/g, ''))}
            data-testid="antom-public-key-version"
          />
        ) : null}
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
        <div
          className={`notice ${test.reachable && test.signatureValid && test.lookupOk !== false ? 'notice-ok' : 'notice-error'}`}
          role="status"
          data-testid="antom-test-result"
        >
          <p>
            {t('antom.reachable')}: <strong>{test.reachable ? t('common.yes') : t('common.no')}</strong> · {t('antom.signatureValid')}:{' '}
            <strong>{test.signatureValid ? t('common.yes') : t('common.no')}</strong>
          </p>
          {test.lookupOk === false ? <p>{t('antom.lookupMisconfigured')}</p> : null}
          <details className="details-fold" data-testid="antom-test-detail">
            <summary>{t('antom.testDetail')}</summary>
            <code>{test.detail}</code>
          </details>
          {test.path ? (
            <p className="notice-detail mono" data-testid="antom-test-path">
              {test.path}
            </p>
          ) : null}
        </div>
      ) : null}
    </Screen>
  );
}

import { useEffect, useState, type FormEvent } from 'react';
import type { RefundReasonView } from '../../../../preload/contract/views';
import { api, type ApiFailure } from '../../api/client';
import { useT } from '../../hooks/i18n';
import { useLoad } from '../../hooks/load';
import { Screen } from '../../components/Screen';
import { ErrorNotice } from '../../components/ErrorNotice';
import { Field } from '../../components/Field';
import { listedReasonLabel } from '../../lib/reasons';

const MAX = 60;

/** The manager's store settings: what the receipts print (and, below, the refund reasons). */
export function StoreSettings() {
  const { t } = useT();
  const loaded = useLoad(() => api().getStoreSettings({}), []);
  const [storeName, setStoreName] = useState('');
  const [register, setRegister] = useState('');
  const [error, setError] = useState<ApiFailure | null>(null);
  const [saved, setSaved] = useState(false);
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    if (!loaded.data) return;
    setStoreName(loaded.data.storeName ?? '');
    setRegister(loaded.data.register ?? '');
  }, [loaded.data]);

  const save = async (e: FormEvent): Promise<void> => {
    e.preventDefault();
    setBusy(true);
    setSaved(false);
    setError(null);
    const clean = (v: string): string | null => (v.trim() === '' ? null : v.trim());
    const r = await api().setStoreSettings({ storeName: clean(storeName), register: clean(register) });
    setBusy(false);
    if (!r.ok) return setError(r.error);
    setSaved(true);
  };

  return (
    <Screen title={t('store.title')} testId="screen-store">
      <ErrorNotice error={loaded.error} />
      <form onSubmit={(e) => void save(e)} aria-labelledby="store-receipt-title" noValidate>
        <h2 id="store-receipt-title">{t('store.receiptTitle')}</h2>
        <Field label={t('store.storeName')} value={storeName} maxLength={MAX} onChange={(e) => setStoreName(e.target.value)} data-testid="store-name" />
        <Field label={t('store.register')} value={register} maxLength={MAX} onChange={(e) => setRegister(e.target.value)} data-testid="store-register" />
        <ErrorNotice error={error} testId="store-error" />
        {saved ? (
          <p role="status" className="notice notice-info" data-testid="store-saved">
            {t('store.saved')}
          </p>
        ) : null}
        <div className="actions">
          <button type="submit" className="btn btn-primary" disabled={busy} data-testid="store-save">
            {t('store.save')}
          </button>
        </div>
      </form>
      <ReasonsEditor />
    </Screen>
  );
}

/** Store-made reason codes: CUSTOM_1, CUSTOM_2, ... (the wording is the label). */
function nextCustomCode(list: readonly RefundReasonView[]): string {
  let n = 1;
  while (list.some((r) => r.code === `CUSTOM_${n}`)) n += 1;
  return `CUSTOM_${n}`;
}

/** The list of refund reasons cashiers choose from: rename, retire, add, reorder by number keys' order. */
function ReasonsEditor() {
  const { t } = useT();
  const loaded = useLoad(() => api().listRefundReasons({}), []);
  const [list, setList] = useState<RefundReasonView[]>([]);
  const [newLabel, setNewLabel] = useState('');
  const [error, setError] = useState<ApiFailure | null>(null);
  const [saved, setSaved] = useState(false);
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    if (loaded.data) setList(loaded.data);
  }, [loaded.data]);

  const change = (code: string, patch: Partial<RefundReasonView>): void => {
    setSaved(false);
    setList((l) => l.map((r) => (r.code === code ? { ...r, ...patch } : r)));
  };
  const add = (e: FormEvent): void => {
    e.preventDefault();
    const label = newLabel.trim();
    if (label === '') return;
    setSaved(false);
    setList((l) => [...l, { code: nextCustomCode(l), label: label.slice(0, MAX), active: true }]);
    setNewLabel('');
  };
  const save = async (): Promise<void> => {
    setBusy(true);
    setSaved(false);
    setError(null);
    const r = await api().setRefundReasons({ reasons: list });
    setBusy(false);
    if (!r.ok) return setError(r.error);
    setList(r.value);
    setSaved(true);
  };

  return (
    <section aria-labelledby="reasons-title" className="reasons-editor">
      <h2 id="reasons-title">{t('store.reasonsTitle')}</h2>
      <p className="hint">{t('store.reasonsHint')}</p>
      <ErrorNotice error={loaded.error} />
      <ol className="reasons-list" data-testid="reasons-list">
        {list.map((r) => (
          <li key={r.code} data-testid="reason-row" data-reason-code={r.code}>
            <label className="check">
              <input type="checkbox" checked={r.active} onChange={(e) => change(r.code, { active: e.target.checked })} data-testid="reason-active" />{' '}
              {t('store.reasonOffered')}
            </label>
            <Field
              label={t('store.reasonWording')}
              value={r.label ?? ''}
              placeholder={listedReasonLabel({ code: r.code, label: null }, t)}
              maxLength={MAX}
              onChange={(e) => change(r.code, { label: e.target.value.trim() === '' && !r.code.startsWith('CUSTOM_') ? null : e.target.value })}
              data-testid="reason-label"
            />
          </li>
        ))}
      </ol>
      <form onSubmit={add} className="toolbar" noValidate>
        <Field label={t('store.newReason')} value={newLabel} maxLength={MAX} onChange={(e) => setNewLabel(e.target.value)} data-testid="new-reason" />
        <button type="submit" className="btn" data-testid="add-reason">
          {t('store.addReason')}
        </button>
      </form>
      <ErrorNotice error={error} testId="reasons-error" />
      {saved ? (
        <p role="status" className="notice notice-info" data-testid="reasons-saved">
          {t('store.reasonsSaved')}
        </p>
      ) : null}
      <div className="actions">
        <button type="button" className="btn btn-primary" disabled={busy} onClick={() => void save()} data-testid="reasons-save">
          {t('store.saveReasons')}
        </button>
      </div>
    </section>
  );
}

import { useEffect, useState, type FormEvent } from 'react';
import { api, type ApiFailure } from '../../api/client';
import { useT } from '../../hooks/i18n';
import { useLoad } from '../../hooks/load';
import { Screen } from '../../components/Screen';
import { ErrorNotice } from '../../components/ErrorNotice';
import { Field } from '../../components/Field';

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
    </Screen>
  );
}

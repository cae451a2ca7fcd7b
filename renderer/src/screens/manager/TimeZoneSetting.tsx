import { useEffect, useState, type FormEvent } from 'react';
import { api, type ApiFailure } from '../../api/client';
import { useT } from '../../hooks/i18n';
import { useLoad } from '../../hooks/load';
import { ErrorNotice } from '../../components/ErrorNotice';
import { useSettings } from '../../stores/settings';

/** Zones the browser knows, for suggestions; main validates whatever is typed. */
function knownZones(): string[] {
  const intl = Intl as unknown as { supportedValuesOf?: (key: string) => string[] };
  try {
    return intl.supportedValuesOf ? intl.supportedValuesOf('timeZone') : [];
  } catch {
    return [];
  }
}

/** The shop's time zone: decides "Today", the daily report and CSV dates. */
export function TimeZoneSetting() {
  const { t } = useT();
  const loaded = useLoad(() => api().getTimeZoneSetting({}), []);
  const [zone, setZone] = useState('');
  const [error, setError] = useState<ApiFailure | null>(null);
  const [saved, setSaved] = useState(false);
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    // Never overwrite what the manager has started typing.
    if (loaded.data) setZone((typed) => (typed === '' ? (loaded.data?.timeZone ?? '') : typed));
  }, [loaded.data]);

  const onSubmit = async (e: FormEvent): Promise<void> => {
    e.preventDefault();
    setSaved(false);
    setError(null);
    setBusy(true);
    const r = await api().setTimeZone({ timeZone: zone.trim() });
    setBusy(false);
    if (!r.ok) return setError(r.error);
    setZone(r.value.timeZone);
    setSaved(true);
    await useSettings.getState().loadAppInfo();
  };

  return (
    <form onSubmit={(e) => void onSubmit(e)} noValidate className="stack" data-testid="time-zone-form">
      <fieldset className="stack">
        <legend>{t('timeZone.title')}</legend>
        <p className="hint">{t('timeZone.explain', { system: loaded.data?.systemTimeZone ?? '' })}</p>
        <ErrorNotice error={loaded.error} />
        <div className="field">
          <label htmlFor="time-zone-input">{t('timeZone.label')}</label>
          <input
            id="time-zone-input"
            list="time-zones"
            value={zone}
            onChange={(e) => setZone(e.target.value)}
            autoComplete="off"
            maxLength={64}
            data-testid="time-zone-input"
          />
          <datalist id="time-zones">
            {knownZones().map((z) => (
              <option key={z} value={z} />
            ))}
          </datalist>
        </div>
        <ErrorNotice error={error} testId="time-zone-error" />
        {saved ? (
          <p className="notice notice-ok" role="status" data-testid="time-zone-saved">
            {t('timeZone.saved', { zone })}
          </p>
        ) : null}
        <div className="actions">
          <button type="submit" className="btn" disabled={busy || zone.trim() === ''} data-testid="time-zone-save">
            {t('timeZone.save')}
          </button>
        </div>
      </fieldset>
    </form>
  );
}

import { useEffect, useState, type FormEvent } from 'react';
import { CURRENCY_EXPONENTS, toMajorString } from '../../../../preload/contract/money';
import type { PolicyView } from '../../../../preload/contract/views';
import { api, type ApiFailure } from '../../api/client';
import { useT } from '../../hooks/i18n';
import { useLoad } from '../../hooks/load';
import { Screen } from '../../components/Screen';
import { ErrorNotice } from '../../components/ErrorNotice';
import { amountErrorParams, parseThreshold } from '../../lib/amount';
import { TimeZoneSetting } from './TimeZoneSetting';
import type { Language } from '../../lib/format';

interface Row {
  readonly key: number;
  readonly currency: string;
  readonly text: string;
}
const CURRENCIES = Object.keys(CURRENCY_EXPONENTS).sort();
let nextKey = 1;

function toRows(record: Record<string, number>): Row[] {
  return Object.entries(record)
    .filter(([c]) => c in CURRENCY_EXPONENTS)
    .map(([currency, minor]) => ({ key: nextKey++, currency, text: toMajorString({ value: minor, currency }) }));
}

type RowErrors = Record<number, string>;

/** Rows -> exact minor units per currency; errors keyed by row. */
function toRecord(
  rows: readonly Row[],
  t: (k: string, o?: Record<string, unknown>) => string,
  lang: Language,
): { record: Record<string, number>; errors: RowErrors } {
  const record: Record<string, number> = {};
  const errors: RowErrors = {};
  for (const row of rows) {
    if (row.currency in record) {
      errors[row.key] = t('policy.duplicateCurrency', { currency: row.currency });
      continue;
    }
    // The same parser as the cashier's amount field: "5,00" is five, never five hundred.
    const r = parseThreshold(row.text, row.currency, lang);
    if (r.ok) record[row.currency] = r.minor;
    else
      errors[row.key] = t(`amount.error.${r.code}`, amountErrorParams(r.details, { currency: row.currency, decimals: CURRENCY_EXPONENTS[row.currency] ?? 0 }));
  }
  return { record, errors };
}

export function PolicySettings() {
  const { t, lang } = useT();
  const loaded = useLoad(() => api().getPolicy({}), []);
  const [amountRows, setAmountRows] = useState<Row[]>([]);
  const [dailyRows, setDailyRows] = useState<Row[]>([]);
  const [totalRows, setTotalRows] = useState<Row[]>([]);
  const [selfApproval, setSelfApproval] = useState(false);
  const [anyPartial, setAnyPartial] = useState(false);
  const [olderThan, setOlderThan] = useState('');
  const [errors, setErrors] = useState<RowErrors>({});
  const [olderError, setOlderError] = useState<string | null>(null);
  const [saveError, setSaveError] = useState<ApiFailure | null>(null);
  const [saved, setSaved] = useState(false);
  const [busy, setBusy] = useState(false);

  const apply = (p: PolicyView): void => {
    setAmountRows(toRows(p.amountThresholds));
    setDailyRows(toRows(p.cashierDailyTotals));
    setTotalRows(toRows(p.paymentTotals));
    setSelfApproval(p.allowSelfApproval);
    setAnyPartial(p.approveAnyPartial);
    setOlderThan(p.paymentOlderThanDays === null ? '' : String(p.paymentOlderThanDays));
  };
  useEffect(() => {
    if (loaded.data) apply(loaded.data);
  }, [loaded.data]);

  const onSubmit = async (e: FormEvent): Promise<void> => {
    e.preventDefault();
    setSaved(false);
    setSaveError(null);
    const a = toRecord(amountRows, t, lang);
    const d = toRecord(dailyRows, t, lang);
    const pt = toRecord(totalRows, t, lang);
    const allErrors = { ...a.errors, ...d.errors, ...pt.errors };
    let days: number | null = null;
    let dayError: string | null = null;
    if (olderThan.trim() !== '') {
      if (!/^\d{1,4}$/.test(olderThan.trim()) || Number(olderThan) > 3650) dayError = t('policy.daysInvalid');
      else days = Number(olderThan);
    }
    setErrors(allErrors);
    setOlderError(dayError);
    if (Object.keys(allErrors).length > 0 || dayError) return;
    setBusy(true);
    const r = await api().setPolicy({
      amountThresholds: a.record,
      cashierDailyTotals: d.record,
      paymentTotals: pt.record,
      allowSelfApproval: selfApproval,
      approveAnyPartial: anyPartial,
      paymentOlderThanDays: days,
    });
    setBusy(false);
    if (!r.ok) return setSaveError(r.error);
    apply(r.value);
    setSaved(true);
  };

  return (
    <Screen title={t('policy.title')} testId="screen-policy">
      <TimeZoneSetting />
      <p className="hint">{t('policy.explain')}</p>
      <ErrorNotice error={loaded.error} />
      {loaded.data ? (
        <form onSubmit={(e) => void onSubmit(e)} noValidate>
          <ThresholdRows
            title={t('policy.amountThresholds')}
            hint={t('policy.amountHint')}
            rows={amountRows}
            setRows={setAmountRows}
            errors={errors}
            testId="policy-amount"
          />
          <ThresholdRows
            title={t('policy.paymentTotals')}
            hint={t('policy.paymentTotalsHint')}
            rows={totalRows}
            setRows={setTotalRows}
            errors={errors}
            testId="policy-payment-total"
          />
          <ThresholdRows
            title={t('policy.dailyTotals')}
            hint={t('policy.dailyHint')}
            rows={dailyRows}
            setRows={setDailyRows}
            errors={errors}
            testId="policy-daily"
          />
          <fieldset className="stack">
            <legend>{t('policy.other')}</legend>
            <label className="checkbox">
              <input type="checkbox" checked={anyPartial} onChange={(e) => setAnyPartial(e.target.checked)} data-testid="policy-any-partial" />
              {t('policy.anyPartial')}
            </label>
            <label className="checkbox">
              <input type="checkbox" checked={selfApproval} onChange={(e) => setSelfApproval(e.target.checked)} data-testid="policy-self-approval" />
              {t('policy.selfApproval')}
            </label>
            <div className="field">
              <label htmlFor="policy-days">{t('policy.olderThan')}</label>
              <input
                id="policy-days"
                inputMode="numeric"
                value={olderThan}
                onChange={(e) => setOlderThan(e.target.value)}
                aria-describedby="policy-days-hint"
                aria-invalid={olderError ? true : undefined}
                data-testid="policy-days"
              />
              <p id="policy-days-hint" className="hint">
                {t('policy.olderThanHint')}
              </p>
              {olderError ? (
                <p className="field-error" role="alert">
                  {olderError}
                </p>
              ) : null}
            </div>
          </fieldset>
          <ErrorNotice error={saveError} />
          {saved ? (
            <p className="notice notice-ok" role="status" data-testid="policy-saved">
              {t('common.saved')}
            </p>
          ) : null}
          <div className="actions">
            <button type="submit" className="btn btn-primary btn-large" disabled={busy} data-testid="policy-save">
              {t('common.save')}
            </button>
          </div>
        </form>
      ) : loaded.loading ? (
        <p className="muted">{t('common.loading')}</p>
      ) : null}
    </Screen>
  );
}

function ThresholdRows(props: { title: string; hint: string; rows: Row[]; setRows: (rows: Row[]) => void; errors: RowErrors; testId: string }) {
  const { t } = useT();
  const update = (key: number, patch: Partial<Row>): void => props.setRows(props.rows.map((r) => (r.key === key ? { ...r, ...patch } : r)));
  const used = new Set(props.rows.map((r) => r.currency));
  const add = (): void => props.setRows([...props.rows, { key: nextKey++, currency: CURRENCIES.find((c) => !used.has(c)) ?? 'SGD', text: '' }]);
  return (
    <fieldset className="stack" data-testid={props.testId}>
      <legend>{props.title}</legend>
      <p className="hint">{props.hint}</p>
      {props.rows.length === 0 ? <p className="muted">{t('policy.noRows')}</p> : null}
      {props.rows.map((row) => {
        const err = props.errors[row.key];
        return (
          <div key={row.key} className="toolbar">
            <div className="field">
              <label htmlFor={`cur-${row.key}`}>{t('dashboard.currency')}</label>
              <select id={`cur-${row.key}`} value={row.currency} onChange={(e) => update(row.key, { currency: e.target.value })}>
                {CURRENCIES.map((c) => (
                  <option key={c} value={c}>
                    {c}
                  </option>
                ))}
              </select>
            </div>
            <div className="field">
              <label htmlFor={`amt-${row.key}`}>{t('policy.amountMajor', { currency: row.currency })}</label>
              <input
                id={`amt-${row.key}`}
                inputMode="decimal"
                className="num"
                value={row.text}
                aria-invalid={err ? true : undefined}
                aria-describedby={err ? `amt-${row.key}-err` : undefined}
                onChange={(e) => update(row.key, { text: e.target.value })}
                data-testid={`${props.testId}-${row.currency}`}
              />
              {err ? (
                <p id={`amt-${row.key}-err`} className="field-error" role="alert">
                  {err}
                </p>
              ) : null}
            </div>
            <button type="button" className="btn" onClick={() => props.setRows(props.rows.filter((r) => r.key !== row.key))}>
              {t('policy.remove', { currency: row.currency })}
            </button>
          </div>
        );
      })}
      <div>
        <button type="button" className="btn" onClick={add} data-testid={`${props.testId}-add`}>
          {t('policy.addCurrency')}
        </button>
      </div>
    </fieldset>
  );
}

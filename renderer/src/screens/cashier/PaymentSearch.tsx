import { useEffect, useRef, useState, type FormEvent, type KeyboardEvent as ReactKeyboardEvent } from 'react';
import { parseAmount, currencyExponent } from '../../../../preload/contract/money';
import type { PaymentSearchView } from '../../../../preload/contract/views';
import { api, type ApiFailure } from '../../api/client';
import { useCashier } from '../../stores/cashier';
import { useT } from '../../hooks/i18n';
import { ErrorNotice } from '../../components/ErrorNotice';
import { fmtMoney, fmtWhen } from '../../lib/format';
import { methodName } from '../../lib/words';

/** datetime-local text (the PC's clock) to an ISO instant, or undefined when empty or not a time. */
function instant(local: string): string | undefined {
  if (local.trim() === '') return undefined;
  const d = new Date(local);
  return Number.isNaN(d.getTime()) ? undefined : d.toISOString();
}

/**
 * Find a payment without its QR code: by the last digits of its ID, amount,
 * time range and method, over the payments this terminal has already seen.
 * Keyboard-first: F3 opens it with focus in the first field, Enter searches,
 * Tab / arrow keys walk the results, Enter opens one.
 */
export function PaymentSearch() {
  const { t, lang } = useT();
  const lookup = useCashier((s) => s.lookup);
  const [open, setOpen] = useState(false);
  const [suffix, setSuffix] = useState('');
  const [amountText, setAmountText] = useState('');
  const [currency, setCurrency] = useState('');
  const [from, setFrom] = useState('');
  const [to, setTo] = useState('');
  const [method, setMethod] = useState('');
  const [amountError, setAmountError] = useState(false);
  const [result, setResult] = useState<PaymentSearchView | null>(null);
  const [facets, setFacets] = useState<Pick<PaymentSearchView, 'methods' | 'currencies' | 'seen'> | null>(null);
  const [error, setError] = useState<ApiFailure | null>(null);
  const first = useRef<HTMLInputElement>(null);
  const list = useRef<HTMLUListElement>(null);

  useEffect(() => {
    const onKey = (e: KeyboardEvent): void => {
      if (e.key !== 'F3') return;
      e.preventDefault();
      setOpen(true);
      setTimeout(() => first.current?.focus(), 0);
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);

  useEffect(() => {
    if (!open || facets) return;
    void api()
      .searchPayments({ limit: 1 })
      .then((r) => {
        if (!r.ok) return;
        setFacets({ methods: r.value.methods, currencies: r.value.currencies, seen: r.value.seen });
        setCurrency((c) => c || (r.value.currencies[0] ?? ''));
      });
  }, [open, facets]);

  const search = async (e: FormEvent): Promise<void> => {
    e.preventDefault();
    let amount: { value: number; currency: string } | undefined;
    if (amountText.trim() !== '' && currency !== '') {
      // The one parser for typed amounts: exact minor units in the chosen currency.
      const parsed = parseAmount(amountText, currency);
      if (!parsed.ok) return setAmountError(true);
      amount = { value: parsed.value, currency };
    }
    setAmountError(false);
    setError(null);
    const fromIso = instant(from);
    const toIso = instant(to);
    const r = await api().searchPayments({
      ...(amount ? { amount } : {}),
      ...(fromIso ? { from: fromIso } : {}),
      ...(toIso ? { to: toIso } : {}),
      ...(method ? { method } : {}),
      ...(suffix.trim() ? { idSuffix: suffix.trim() } : {}),
      limit: 50,
    });
    if (!r.ok) return setError(r.error);
    setResult(r.value);
  };

  /** Up / Down move between results. */
  const onListKey = (e: ReactKeyboardEvent<HTMLUListElement>): void => {
    if (e.key !== 'ArrowDown' && e.key !== 'ArrowUp') return;
    const buttons = [...(list.current?.querySelectorAll<HTMLButtonElement>('button') ?? [])];
    const i = buttons.indexOf(document.activeElement as HTMLButtonElement);
    const next = buttons[e.key === 'ArrowDown' ? Math.min(i + 1, buttons.length - 1) : Math.max(i - 1, 0)];
    if (next) {
      e.preventDefault();
      next.focus();
    }
  };

  if (!open) {
    return (
      <div className="actions">
        <button
          type="button"
          className="btn"
          data-testid="open-payment-search"
          onClick={() => {
            setOpen(true);
            setTimeout(() => first.current?.focus(), 0);
          }}
        >
          {t('search.open')}
        </button>
      </div>
    );
  }
  const decimals = currency ? currencyExponent(currency) : 2;
  return (
    <section className="panel payment-search" aria-labelledby="payment-search-title" data-testid="payment-search">
      <h2 id="payment-search-title">{t('search.title')}</h2>
      <p className="hint" data-testid="search-scope">
        {t('search.scope', { count: facets?.seen ?? 0 })}
      </p>
      <form onSubmit={(e) => void search(e)} noValidate className="search-grid">
        <div className="field">
          <label htmlFor="search-suffix">{t('search.suffix')}</label>
          <input
            id="search-suffix"
            ref={first}
            value={suffix}
            maxLength={64}
            autoComplete="off"
            onChange={(e) => setSuffix(e.target.value)}
            data-testid="search-suffix"
          />
        </div>
        <div className="field">
          <label htmlFor="search-amount">{t('search.amount')}</label>
          <div className="inline">
            <input
              id="search-amount"
              value={amountText}
              inputMode="decimal"
              autoComplete="off"
              aria-invalid={amountError ? true : undefined}
              aria-describedby={amountError ? 'search-amount-error' : undefined}
              onChange={(e) => {
                setAmountText(e.target.value);
                setAmountError(false);
              }}
              data-testid="search-amount"
            />
            <select aria-label={t('search.currency')} value={currency} onChange={(e) => setCurrency(e.target.value)} data-testid="search-currency">
              {(facets?.currencies ?? []).map((c) => (
                <option key={c} value={c}>
                  {c}
                </option>
              ))}
            </select>
          </div>
          {amountError ? (
            <p id="search-amount-error" className="field-error" role="alert">
              {decimals === 0 ? t('search.amountErrorWhole', { currency }) : t('search.amountError', { currency, decimals })}
            </p>
          ) : null}
        </div>
        <div className="field">
          <label htmlFor="search-from">{t('search.from')}</label>
          <input id="search-from" type="datetime-local" value={from} onChange={(e) => setFrom(e.target.value)} data-testid="search-from" />
        </div>
        <div className="field">
          <label htmlFor="search-to">{t('search.to')}</label>
          <input id="search-to" type="datetime-local" value={to} onChange={(e) => setTo(e.target.value)} data-testid="search-to" />
        </div>
        <div className="field">
          <label htmlFor="search-method">{t('search.method')}</label>
          <select id="search-method" value={method} onChange={(e) => setMethod(e.target.value)} data-testid="search-method">
            <option value="">{t('search.anyMethod')}</option>
            {(facets?.methods ?? []).map((m) => (
              <option key={m} value={m}>
                {methodName(m, t)}
              </option>
            ))}
          </select>
        </div>
        <div className="actions">
          <button type="submit" className="btn btn-primary" data-testid="search-submit">
            {t('search.submit')}
          </button>
          <button type="button" className="btn" onClick={() => setOpen(false)}>
            {t('search.close')}
          </button>
        </div>
      </form>
      <ErrorNotice error={error} testId="search-error" />
      {result ? (
        result.payments.length === 0 ? (
          <p className="muted" role="status" data-testid="search-none">
            {t('search.none')}
          </p>
        ) : (
          <>
            <p className="visually-hidden" role="status">
              {t('search.found', { count: result.payments.length })}
            </p>
            <ul className="row-list" data-testid="search-results" ref={list} onKeyDown={onListKey}>
              {result.payments.map((p) => (
                <li key={p.paymentId}>
                  <button
                    type="button"
                    className="row-button"
                    data-testid="search-result"
                    data-payment-id={p.paymentId}
                    onClick={() => void lookup(p.paymentId)}
                  >
                    <span className="row-time">{fmtWhen(p.paidAt, lang)}</span>
                    <span className="row-amount num">{fmtMoney(p.amount, lang)}</span>
                    <span className="row-id">{p.paymentId}</span>
                    <span className="muted">{methodName(p.paymentMethod, t)}</span>
                  </button>
                </li>
              ))}
            </ul>
          </>
        )
      ) : null}
    </section>
  );
}

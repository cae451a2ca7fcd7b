import { useCallback, useEffect, useRef, useState, type FormEvent } from 'react';
import type { PaymentView, RefundView } from '../../../../preload/contract/refunds';
import { api } from '../../api/client';
import { useCashier } from '../../stores/cashier';
import { useSettings } from '../../stores/settings';
import { useT } from '../../hooks/i18n';
import { Screen } from '../../components/Screen';
import { ErrorNotice } from '../../components/ErrorNotice';
import { RefundList } from '../../components/RefundList';
import { fmtMoney, fmtWhen, todayIso } from '../../lib/format';
import { PaymentSearch } from './PaymentSearch';
import { PendingApprovals } from '../../components/PendingApprovals';
import { useSession } from '../../stores/session';
import { demoLabelText, methodName } from '../../lib/words';

/** One shared empty list: a selector returning a fresh [] re-renders forever outside demo mode (React #185). */
const NO_DEMO_PAYMENTS: readonly never[] = [];

// Every refund not yet final (the progress screen promises "shows up under Pending refunds"), including one waiting on the terminal.
const OPEN_STATES = ['APPROVED', 'REFERENCE_REQUESTED', 'REFERENCE_OBTAINED', 'SUBMITTING', 'PENDING_IN_PROCESS', 'PENDING_UNKNOWN', 'AWAITING_APPROVAL'];

export function ScanScreen() {
  const { t } = useT();
  const { scanText, scanError, lookupBusy, lookupError, setScanText, submitScan } = useCashier();
  // A manager's counter screen lists every refund waiting for a manager in the store, live.
  const isManager = useSession((s) => s.session?.role === 'manager');
  const inputRef = useRef<HTMLInputElement>(null);

  useEffect(() => {
    inputRef.current?.focus();
  }, []);

  // Not found: the typed text stays, focused and selected, so it can be corrected (arrows) or replaced by a new scan.
  useEffect(() => {
    if (lookupError === null) return;
    inputRef.current?.focus();
    inputRef.current?.select();
  }, [lookupError]);

  // A keyboard-wedge scanner types wherever focus is: send stray printable keys to the scan field.
  useEffect(() => {
    const onKey = (e: KeyboardEvent): void => {
      if (e.ctrlKey || e.metaKey || e.altKey || e.key.length !== 1) return;
      const target = e.target as HTMLElement | null;
      const tag = target?.tagName ?? '';
      if (tag === 'INPUT' || tag === 'TEXTAREA' || tag === 'SELECT' || target?.isContentEditable) return;
      if (e.key === ' ' && tag === 'BUTTON') return;
      inputRef.current?.focus();
    };
    window.addEventListener('keydown', onKey, true);
    return () => window.removeEventListener('keydown', onKey, true);
  }, []);

  const onSubmit = (e: FormEvent): void => {
    e.preventDefault();
    // An Enter on the empty field (say, a second Enter after Done) is not a failed scan.
    if (scanText === '') {
      inputRef.current?.focus();
      return;
    }
    void submitScan();
  };

  return (
    <Screen title={t('scan.title')} testId="screen-scan" focusHeading={false}>
      <form className="scan-form" onSubmit={onSubmit} noValidate>
        <label htmlFor="scan-input" className="scan-label">
          {t('scan.label')}
        </label>
        <div className="scan-row">
          <input
            id="scan-input"
            ref={inputRef}
            className="scan-input"
            data-testid="scan-input"
            autoComplete="off"
            autoCapitalize="off"
            spellCheck={false}
            value={scanText}
            maxLength={200}
            aria-describedby="scan-hint"
            aria-invalid={scanError ? true : undefined}
            onChange={(e) => setScanText(e.target.value)}
          />
          <button type="submit" className="btn btn-primary btn-large" data-testid="scan-submit" disabled={lookupBusy}>
            {t('scan.lookUp')}
          </button>
        </div>
        <p id="scan-hint" className="hint">
          {t('scan.hint')}
        </p>
        {lookupBusy ? (
          <p role="status" className="notice notice-info" data-testid="lookup-busy">
            {t('scan.lookingUp')}
          </p>
        ) : null}
        {scanError ? (
          <p role="alert" className="field-error" data-testid="scan-error">
            {t(`scan.error.${scanError}`)}
          </p>
        ) : null}
        <ErrorNotice error={lookupError} testId="lookup-error" />
      </form>
      <PaymentSearch />
      <div className="panels">
        <RecentPayments />
        <div className="panel-column">
          {isManager ? <PendingApprovals /> : null}
          <OpenRefunds />
          <TodaysRefunds />
        </div>
      </div>
    </Screen>
  );
}

function useRefundsReload(load: () => void): void {
  useEffect(() => {
    load();
    let timer: ReturnType<typeof setTimeout> | null = null;
    const later = (): void => {
      if (timer !== null) clearTimeout(timer);
      timer = setTimeout(load, 300);
    };
    const off = api().on('refundUpdated', later);
    // A refund waiting (or no longer waiting) at another counter of the store changes the open list too.
    const offApprovals = api().on('approvalsChanged', later);
    return () => {
      off();
      offApprovals();
      if (timer !== null) clearTimeout(timer);
    };
  }, [load]);
}

function RecentPayments() {
  const { t, lang } = useT();
  const lookup = useCashier((s) => s.lookup);
  const demoPayments = useSettings((s) => s.appInfo?.demoHints?.payments ?? NO_DEMO_PAYMENTS);
  const [payments, setPayments] = useState<readonly PaymentView[] | null>(null);
  const load = useCallback(() => {
    void api()
      .listRecentPayments({})
      .then((r) => setPayments(r.ok ? r.value : []));
  }, []);
  useRefundsReload(load);
  const [filter, setFilter] = useState('');
  const demoLabel = (id: string): string | undefined => {
    const label = demoPayments.find((p) => p.id === id)?.label;
    return label === undefined ? undefined : demoLabelText(label, t);
  };
  // Newest payment first, then narrowed by what the cashier types (ID, amount, method).
  const needle = filter.trim().toLowerCase();
  const shown = (payments ?? [])
    .slice()
    .sort((a, b) => Date.parse(b.paidAt) - Date.parse(a.paidAt))
    .filter(
      (p) =>
        needle === '' ||
        [p.paymentId, p.paymentMethod, methodName(p.paymentMethod, t), fmtMoney(p.amount, lang), demoLabel(p.paymentId) ?? ''].some((x) =>
          x.toLowerCase().includes(needle),
        ),
    );
  // Demo payments that are not in today's list (older ones, for example) get their own buttons.
  const otherDemo = payments === null ? [] : demoPayments.filter((d) => !payments.some((p) => p.paymentId === d.id));
  return (
    <section className="panel" aria-labelledby="recent-payments-title">
      <h2 id="recent-payments-title">{t('scan.todaysPayments')}</h2>
      {payments === null ? (
        <p className="muted">{t('common.loading')}</p>
      ) : payments.length === 0 ? (
        <p className="muted">{t('scan.noPayments')}</p>
      ) : (
        <>
          <div className="field">
            <label htmlFor="recent-filter">{t('search.filterRecent')}</label>
            <input
              id="recent-filter"
              value={filter}
              maxLength={64}
              autoComplete="off"
              onChange={(e) => setFilter(e.target.value)}
              data-testid="recent-filter"
            />
          </div>
          {shown.length === 0 ? <p className="muted">{t('search.none')}</p> : null}
          <ul className="row-list" data-testid="recent-payments">
            {shown.map((p) => (
              <li key={p.paymentId}>
                <button
                  type="button"
                  className="row-button"
                  data-testid="recent-payment"
                  data-payment-id={p.paymentId}
                  onClick={() => void lookup(p.paymentId)}
                >
                  <span className="row-time">{fmtWhen(p.paidAt, lang)}</span>
                  <span className="row-amount num">{fmtMoney(p.amount, lang)}</span>
                  <span className="row-id">{p.paymentId}</span>
                  <span className="muted">{demoLabel(p.paymentId) ?? methodName(p.paymentMethod, t)}</span>
                </button>
              </li>
            ))}
          </ul>
        </>
      )}
      {otherDemo.length > 0 ? <h3>{t('scan.demoPayments')}</h3> : null}
      {otherDemo.length > 0 ? (
        <ul className="row-list" data-testid="demo-payments">
          {otherDemo.map((p) => (
            <li key={p.id}>
              <button type="button" className="row-button" data-testid="demo-payment" data-payment-id={p.id} onClick={() => void lookup(p.id)}>
                <span className="row-id">{p.id}</span>
                <span className="muted">{demoLabelText(p.label, t)}</span>
              </button>
            </li>
          ))}
        </ul>
      ) : null}
    </section>
  );
}

function OpenRefunds() {
  const { t } = useT();
  const openRefund = useCashier((s) => s.openRefund);
  const [refunds, setRefunds] = useState<readonly RefundView[] | null>(null);
  const load = useCallback(() => {
    void api()
      .listRefunds({ states: OPEN_STATES })
      .then((r) => setRefunds(r.ok ? r.value : []));
  }, []);
  useRefundsReload(load);
  return (
    <section className="panel" aria-labelledby="pending-refunds-title">
      <h2 id="pending-refunds-title">
        {t('scan.pendingRefunds')} {refunds && refunds.length > 0 ? <span className="count-badge">{refunds.length}</span> : null}
      </h2>
      {refunds === null ? (
        <p className="muted">{t('common.loading')}</p>
      ) : (
        <RefundList refunds={refunds} onOpen={openRefund} testId="pending-refunds" emptyText={t('scan.noPending')} />
      )}
    </section>
  );
}

function TodaysRefunds() {
  const { t } = useT();
  const openRefund = useCashier((s) => s.openRefund);
  const [refunds, setRefunds] = useState<readonly RefundView[] | null>(null);
  const load = useCallback(() => {
    void api()
      .listRefunds({ date: todayIso() })
      .then((r) => setRefunds(r.ok ? r.value.slice(0, 20) : []));
  }, []);
  useRefundsReload(load);
  return (
    <section className="panel" aria-labelledby="todays-refunds-title">
      <h2 id="todays-refunds-title">{t('scan.todaysRefunds')}</h2>
      {refunds === null ? (
        <p className="muted">{t('common.loading')}</p>
      ) : (
        <RefundList refunds={refunds} onOpen={openRefund} testId="recent-refunds" emptyText={t('scan.noRefunds')} />
      )}
    </section>
  );
}

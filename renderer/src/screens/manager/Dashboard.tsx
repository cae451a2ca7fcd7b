import { useEffect, useState } from 'react';
import type { DailyReportView } from '../../../../preload/contract/views';
import { api, type ApiFailure } from '../../api/client';
import { useT } from '../../hooks/i18n';
import { useLoad } from '../../hooks/load';
import { Screen } from '../../components/Screen';
import { ErrorNotice } from '../../components/ErrorNotice';
import { RefundList } from '../../components/RefundList';
import { fmtDay, fmtMoney, fmtTime, todayIso } from '../../lib/format';
import { downloadText } from '../../lib/download';
import { useCashier } from '../../stores/cashier';
import { useNav } from '../../stores/nav';
import type { RefundView } from '../../../../preload/contract/refunds';
import { journaledReasonLabel } from '../../lib/reasons';
import { decisionReasonText, humanise } from '../../lib/words';
import { OtherRefundForm } from '../../components/OtherRefundForm';
import { PendingApprovals } from '../../components/PendingApprovals';

export function ManagerDashboard() {
  const { t, lang } = useT();
  const [date, setDate] = useState(todayIso());
  // The wording follows the chosen day: "Today's refunds" only for today.
  const isToday = date === todayIso();
  const noneText = isToday ? t('scan.noRefunds') : t('dashboard.noRefundsOn', { date: fmtDay(date, lang) });
  // '' = the whole store (every register); else one register's refunds.
  const [register, setRegister] = useState('');
  const scope = register === '' ? {} : { register };
  const report = useLoad(() => api().getDailyReport({ date, ...scope }), [date, register]);
  const refunds = useLoad(() => api().listRefunds({ date }), [date]);
  const [csvError, setCsvError] = useState<ApiFailure | null>(null);
  const [csvBusy, setCsvBusy] = useState(false);
  const openRefund = useCashier((s) => s.openRefund);
  const go = useNav((s) => s.go);

  const exportCsv = async (): Promise<void> => {
    setCsvBusy(true);
    setCsvError(null);
    const r = await api().exportDailyReportCsv({ date, ...scope });
    setCsvBusy(false);
    if (!r.ok) return setCsvError(r.error);
    downloadText(r.value.fileName, r.value.csv, 'text/csv;charset=utf-8');
  };
  const open = (r: RefundView): void => {
    openRefund(r);
    go('refund');
  };
  // A refund starting or stopping to wait at any counter changes the pending list: reload on the push.
  const reloadReport = report.reload;
  useEffect(() => api().on('approvalsChanged', () => reloadReport()), [reloadReport]);
  const registers = report.data?.registers ?? [];

  return (
    <Screen title={isToday ? t('dashboard.title') : t('dashboard.titleOn', { date: fmtDay(date, lang) })} testId="screen-dashboard">
      <div className="toolbar">
        <div className="field">
          <label htmlFor="report-date">{t('dashboard.date')}</label>
          <input
            id="report-date"
            type="date"
            value={date}
            max={todayIso()}
            onChange={(e) => e.target.value && setDate(e.target.value)}
            data-testid="report-date"
          />
        </div>
        {registers.length > 1 || register !== '' ? (
          <div className="field">
            <label htmlFor="report-register">{t('dashboard.register')}</label>
            <select id="report-register" value={register} onChange={(e) => setRegister(e.target.value)} data-testid="report-register">
              <option value="">{t('dashboard.allRegisters')}</option>
              {[...new Set([...registers, ...(register !== '' ? [register] : [])])].map((r) => (
                <option key={r} value={r}>
                  {r}
                </option>
              ))}
            </select>
          </div>
        ) : null}
        <button
          type="button"
          className="btn"
          onClick={() => {
            report.reload();
            refunds.reload();
          }}
        >
          {t('common.refresh')}
        </button>
        <button type="button" className="btn btn-primary" onClick={() => void exportCsv()} disabled={csvBusy} data-testid="export-csv">
          {t('dashboard.exportCsv')}
        </button>
      </div>
      <ErrorNotice error={csvError} />
      <ErrorNotice error={report.error} />
      {report.data ? <Totals report={report.data} noneText={noneText} /> : report.loading ? <p className="muted">{t('common.loading')}</p> : null}
      {report.data?.auditHead ? (
        <p className="muted" data-testid="dashboard-audit-head">
          {t('audit.head', { head: `${report.data.auditHead.seq}:${report.data.auditHead.hash}` })}
        </p>
      ) : null}
      <PendingApprovals onOpened={() => go('refund')} />
      {report.data ? (
        <section aria-labelledby="pending-title">
          <h2 id="pending-title">{t('dashboard.pending')}</h2>
          <RefundList
            refunds={report.data.pending}
            onOpen={open}
            testId="dashboard-pending"
            emptyText={t('scan.noPending')}
            showCashier
            registerOf={registers.length > 1 || register !== '' ? (id) => report.data?.pendingRegisters?.[id] : undefined}
          />
        </section>
      ) : null}
      {report.data ? <OtherRefunds report={report.data} onChange={report.reload} /> : null}
      <section aria-labelledby="all-refunds-title">
        <h2 id="all-refunds-title">{t('dashboard.refunds')}</h2>
        <ErrorNotice error={refunds.error} />
        {refunds.data ? <RefundTable refunds={refunds.data} noneText={noneText} onOpen={open} /> : null}
      </section>
    </Screen>
  );
}

function Totals(props: { report: DailyReportView; noneText: string }) {
  const { t, lang } = useT();
  const { totals, byCashier } = props.report;
  return (
    <div className="grid-2">
      <section aria-labelledby="totals-title">
        <h2 id="totals-title">{t('dashboard.totals')}</h2>
        {totals.length === 0 ? (
          <p className="muted" data-testid="totals-empty">
            {props.noneText}
          </p>
        ) : (
          <div className="table-wrap">
            <table data-testid="report-totals">
              <thead>
                <tr>
                  <th scope="col">{t('dashboard.currency')}</th>
                  <th scope="col">{t('dashboard.status')}</th>
                  <th scope="col" className="num">
                    {t('dashboard.count')}
                  </th>
                  <th scope="col" className="num">
                    {t('dashboard.amount')}
                  </th>
                </tr>
              </thead>
              <tbody>
                {totals.map((row) => (
                  <tr key={`${row.currency}-${row.status}`}>
                    <td>{row.currency}</td>
                    {/* The report's status is the journal state: one vocabulary with the refund list. */}
                    <td>{t(`refundState.${row.status}`, { defaultValue: humanise(row.status) })}</td>
                    <td className="num">{row.count}</td>
                    <td className="num big">{fmtMoney(row.amount, lang)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>
      <section aria-labelledby="by-cashier-title">
        <h2 id="by-cashier-title">{t('dashboard.byCashier')}</h2>
        {byCashier.length === 0 ? (
          <p className="muted">{t('common.none')}</p>
        ) : (
          <div className="table-wrap">
            <table data-testid="report-by-cashier">
              <thead>
                <tr>
                  <th scope="col">{t('dashboard.cashier')}</th>
                  <th scope="col" className="num">
                    {t('dashboard.count')}
                  </th>
                  <th scope="col" className="num">
                    {t('dashboard.amount')}
                  </th>
                </tr>
              </thead>
              <tbody>
                {byCashier.map((row) => (
                  <tr key={`${row.cashier}-${row.currency}`}>
                    <td>{row.cashier}</td>
                    <td className="num">{row.count}</td>
                    <td className="num">{fmtMoney(row.amount, lang)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>
    </div>
  );
}

function RefundTable(props: { refunds: readonly RefundView[]; noneText: string; onOpen: (r: RefundView) => void }) {
  const { t, lang } = useT();
  if (props.refunds.length === 0) return <p className="muted">{props.noneText}</p>;
  return (
    <div className="table-wrap">
      <table data-testid="dashboard-refunds">
        <thead>
          <tr>
            <th scope="col">{t('dashboard.time')}</th>
            <th scope="col">{t('payment.id')}</th>
            <th scope="col" className="num">
              {t('dashboard.amount')}
            </th>
            <th scope="col">{t('dashboard.status')}</th>
            <th scope="col">{t('dashboard.cashier')}</th>
            <th scope="col">{t('dashboard.reason')}</th>
            <th scope="col">{t('dashboard.approvedBy')}</th>
            <th scope="col">{t('outcome.technicalDetails')}</th>
            <th scope="col">
              <span className="visually-hidden">{t('dashboard.openRefund')}</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {props.refunds.map((r) => {
            const decision = r.approvals[r.approvals.length - 1];
            return (
              <tr key={r.refundRequestId} data-state={r.state} data-testid="dashboard-refund">
                <td>{fmtTime(r.createdAt, lang)}</td>
                <td className="mono">{r.paymentId}</td>
                <td className="num">{r.amount ? fmtMoney(r.amount, lang) : t('refund.fullAmount')}</td>
                <td>{t(`refundState.${r.state}`)}</td>
                <td>{r.cashier}</td>
                <td data-testid="dashboard-reason">
                  {journaledReasonLabel(r.reason, t)}
                  {r.memo ? <span className="muted"> — {r.memo}</span> : null}
                </td>
                <td data-testid="dashboard-approval">{decision ? `${decision.manager}: ${decisionReasonText(decision.reason, t)}` : ''}</td>
                <td>
                  {r.resultCode ? (
                    <details className="details-fold">
                      <summary>{t('outcome.technicalDetails')}</summary>
                      <code>{r.resultCode}</code>
                    </details>
                  ) : null}
                </td>
                <td>
                  {/* The refund's own screen: outcome, receipt reprint, and (failed) a refund made another way. */}
                  <button type="button" className="btn btn-small" data-testid="dashboard-open" onClick={() => props.onOpen(r)}>
                    {t('dashboard.openRefund')}
                  </button>
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}

/** Refunds the store made another way (cash, store credit): their own category, never mixed with Antom totals. */
function OtherRefunds(props: { report: DailyReportView; onChange: () => void }) {
  const { t, lang } = useT();
  const [open, setOpen] = useState(false);
  const { otherTotals, otherRefunds } = props.report;
  return (
    <section aria-labelledby="other-refunds-title" data-testid="other-refunds">
      <h2 id="other-refunds-title">{t('other.sectionTitle')}</h2>
      <p className="hint">{t('other.sectionHint')}</p>
      {otherRefunds.length === 0 ? (
        <p className="muted">{t('other.none')}</p>
      ) : (
        <div className="table-wrap">
          <table data-testid="other-refunds-table">
            <thead>
              <tr>
                <th scope="col">{t('dashboard.time')}</th>
                <th scope="col">{t('payment.id')}</th>
                <th scope="col">{t('other.how')}</th>
                <th scope="col" className="num">
                  {t('dashboard.amount')}
                </th>
                <th scope="col">{t('other.recordedBy')}</th>
                <th scope="col">{t('other.note')}</th>
              </tr>
            </thead>
            <tbody>
              {otherRefunds.map((o) => (
                <tr key={o.id} data-testid="other-refund-row">
                  <td>{fmtTime(o.createdAt, lang)}</td>
                  <td className="mono">{o.paymentId}</td>
                  <td>{t(`other.method.${o.method}`)}</td>
                  <td className="num">{fmtMoney(o.amount, lang)}</td>
                  <td>{o.recordedBy}</td>
                  <td>{o.note}</td>
                </tr>
              ))}
            </tbody>
            <tfoot>
              {otherTotals.map((x) => (
                <tr key={`${x.currency}-${x.method}`} data-testid="other-total">
                  <th scope="row" colSpan={3}>
                    {t('other.total', { method: t(`other.method.${x.method}`), count: x.count })}
                  </th>
                  <td className="num">{fmtMoney(x.amount, lang)}</td>
                  <td colSpan={2} />
                </tr>
              ))}
            </tfoot>
          </table>
        </div>
      )}
      {open ? (
        <OtherRefundForm
          onCancel={() => setOpen(false)}
          onDone={() => {
            props.onChange();
          }}
        />
      ) : (
        <button type="button" className="btn" data-testid="record-other-payment" onClick={() => setOpen(true)}>
          {t('other.forPayment')}
        </button>
      )}
    </section>
  );
}

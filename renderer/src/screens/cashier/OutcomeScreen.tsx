import type { RefundView } from '../../../../preload/contract/refunds';
import { useState } from 'react';
import { useCashier } from '../../stores/cashier';
import { useSession } from '../../stores/session';
import { OtherRefundForm } from '../../components/OtherRefundForm';
import { useT } from '../../hooks/i18n';
import { useAutoFocus, useEscape } from '../../hooks/focus';
import { usePoll } from '../../hooks/poll';
import { Screen } from '../../components/Screen';
import { ErrorNotice } from '../../components/ErrorNotice';
import { fmtDateTime, fmtMoney } from '../../lib/format';
import { outcomeOf } from '../../lib/refund-state';
import { refundMessage } from '../../lib/messages';
import { ReceiptPanel, SlipNotice } from '../../components/ReceiptPanel';
import { ApprovalPanel } from './ApprovalPanel';
import { ShortId } from '../../components/ShortId';
import { approvalReasonText } from '../../lib/words';

export function OutcomeScreen() {
  const refund = useCashier((s) => s.refund);
  const refreshRefund = useCashier((s) => s.refreshRefund);
  const reset = useCashier((s) => s.reset);
  const outcome = refund ? outcomeOf(refund.state) : null;
  usePoll(() => void refreshRefund(), 3000, outcome === 'pending' || outcome === 'awaiting-approval');
  useEscape(reset);
  if (!refund) return null;
  switch (outcome) {
    case 'success':
      return <Success refund={refund} />;
    case 'failed':
      return <Failed refund={refund} />;
    case 'declined':
      return <Declined refund={refund} />;
    case 'pending':
      return <Pending refund={refund} />;
    case 'awaiting-approval':
      return <AwaitingApproval refund={refund} />;
    default:
      return null;
  }
}

function DoneButton(props: { focus: boolean; label?: string; secondary?: boolean }) {
  const { t } = useT();
  const reset = useCashier((s) => s.reset);
  const ref = useAutoFocus<HTMLButtonElement>(props.focus);
  return (
    <button ref={ref} type="button" className={`btn btn-large ${props.secondary ? '' : 'btn-primary'}`} data-testid="done-button" onClick={reset}>
      {props.label ?? t('outcome.done')}
    </button>
  );
}

function Facts(props: { refund: RefundView }) {
  const { t, lang } = useT();
  const r = props.refund;
  return (
    <>
      <dl className="details">
        <div>
          <dt>{t('payment.id')}</dt>
          <dd>
            <ShortId id={r.paymentId} />
          </dd>
        </div>
        {r.refundId ? (
          <div>
            <dt>{t('outcome.refundId')}</dt>
            <dd>
              <ShortId id={r.refundId} testId="refund-id" />
            </dd>
          </div>
        ) : null}
        <div>
          <dt>{t('outcome.requestId')}</dt>
          <dd>
            <ShortId id={r.refundRequestId} testId="refund-request-id" />
          </dd>
        </div>
        <div>
          <dt>{t('outcome.updated')}</dt>
          <dd>{fmtDateTime(r.updatedAt, lang)}</dd>
        </div>
      </dl>
      {r.resultCode ? (
        // Antom's and the terminal's codes are for support, not for the counter: folded away.
        <details className="details-fold" data-testid="result-details">
          <summary>{t('outcome.technicalDetails')}</summary>
          <dl className="details">
            <div>
              <dt>{t('outcome.resultCode')}</dt>
              <dd className="mono" data-testid="result-code">
                {r.resultCode}
              </dd>
            </div>
          </dl>
        </details>
      ) : null}
    </>
  );
}

function Amount(props: { refund: RefundView }) {
  const { t, lang } = useT();
  return (
    <p className="num huge" data-testid="refund-amount">
      {props.refund.amount ? fmtMoney(props.refund.amount, lang) : t('refund.fullAmount')}
    </p>
  );
}

function Success(props: { refund: RefundView }) {
  const { t, lang } = useT();
  return (
    <Screen title={t('outcome.success.title')} testId="outcome-success" focusHeading={false} className="outcome outcome-ok">
      <Amount refund={props.refund} />
      <p className="lead">{refundMessage(props.refund, lang) ?? t('outcome.success.text')}</p>
      <SlipNotice refund={props.refund} />
      <Facts refund={props.refund} />
      <div className="actions action-bar">
        <DoneButton focus />
      </div>
      <ReceiptPanel refund={props.refund} />
    </Screen>
  );
}

function Failed(props: { refund: RefundView }) {
  const { t, lang } = useT();
  const { retryAsNew, actionBusy, actionError, backToPayment, payment } = useCashier();
  const r = props.refund;
  const fresh = payment !== null && payment.paymentId === r.paymentId ? payment : null;
  const lowerBalance = r.resultCode === 'DPOS_REFUND_REFUND_AMOUNT_EXCEED';
  const fullOnly = r.resultCode === 'DPOS_REFUND_PARTIAL_REFUND_NOT_SUPPORTED';
  return (
    <Screen title={t('outcome.failed.title')} testId="outcome-failed" focusHeading={false} className="outcome outcome-bad">
      <Amount refund={r} />
      <p className="lead" data-testid="outcome-message">
        {refundMessage(r, lang) ?? t('outcome.failed.text')}
      </p>
      {lowerBalance && fresh ? (
        <p className="notice notice-info" role="status" data-testid="balance-lower">
          {t('outcome.failed.lowerBalance', { left: fmtMoney(fresh.refundable, lang) })}
        </p>
      ) : null}
      <p className="next-action" data-testid="next-action" data-next-action={r.nextAction}>
        <strong>{t('outcome.nextActionLabel')}</strong> {t(`nextAction.${r.nextAction}`)}
      </p>
      {r.printed !== null ? <SlipNotice refund={r} /> : null}
      <Facts refund={r} />
      <ErrorNotice error={actionError} testId="retry-error" />
      <div className="actions action-bar">
        {r.nextAction === 'NEW_REQUEST_ID' ? (
          <button type="button" className="btn btn-large" data-testid="retry-new" disabled={actionBusy} onClick={() => void retryAsNew()}>
            {t('outcome.failed.retryNew')}
          </button>
        ) : null}
        {r.nextAction === 'FIX_INPUT' && fresh && fresh.refundable.value > 0 ? (
          // A different amount fixes it: a new refund from the freshly looked-up payment, not a "retry" of this one.
          <button type="button" className="btn btn-large" data-testid="back-to-payment" onClick={backToPayment}>
            {fullOnly
              ? t('outcome.failed.fullOnly', { amount: fmtMoney(fresh.refundable, lang) })
              : lowerBalance
                ? t('outcome.failed.refundRest', { amount: fmtMoney(fresh.refundable, lang) })
                : t('outcome.failed.backToPayment')}
          </button>
        ) : null}
        <DoneButton focus />
      </div>
      <RecordOtherWay refund={r} />
      <ReceiptPanel refund={r} />
    </Screen>
  );
}

/** When Antom could not refund, a manager records the cash or store credit the store gave instead. */
function RecordOtherWay(props: { refund: RefundView }) {
  const { t } = useT();
  const role = useSession((s) => s.session?.role);
  const [open, setOpen] = useState(false);
  if (role !== 'manager') return null;
  if (!open) {
    return (
      <div className="actions">
        <button type="button" className="btn" data-testid="record-other" onClick={() => setOpen(true)}>
          {t('other.open')}
        </button>
      </div>
    );
  }
  return (
    <OtherRefundForm
      paymentId={props.refund.paymentId}
      relatedRefundRequestId={props.refund.refundRequestId}
      suggested={props.refund.amount}
      onCancel={() => setOpen(false)}
    />
  );
}

function Declined(props: { refund: RefundView }) {
  const { t, lang } = useT();
  const decision = [...props.refund.approvals].reverse().find((a) => a.decision === 'DECLINED');
  return (
    <Screen title={t('outcome.declined.title')} testId="outcome-declined" focusHeading={false} className="outcome outcome-bad">
      <Amount refund={props.refund} />
      <p className="lead">{t('outcome.declined.text')}</p>
      {decision ? (
        <p data-testid="declined-by">{t('outcome.declined.by', { manager: decision.manager, reason: decision.reason, at: fmtDateTime(decision.at, lang) })}</p>
      ) : null}
      <Facts refund={props.refund} />
      <div className="actions action-bar">
        <DoneButton focus />
      </div>
      <ReceiptPanel refund={props.refund} />
    </Screen>
  );
}

function Pending(props: { refund: RefundView }) {
  const { t, lang } = useT();
  const r = props.refund;
  return (
    <Screen title={t('outcome.pending.title')} testId="outcome-pending" focusHeading={false} className="outcome outcome-wait">
      <Amount refund={r} />
      <div role="status" aria-live="polite" className="progress-status" data-testid="pending-status" data-state={r.state}>
        <span className="spinner" aria-hidden="true" />
        <span>{t(`refundState.${r.state}`)}</span>
      </div>
      <p className="lead">{refundMessage(r, lang) ?? t('outcome.pending.text')}</p>
      <p>{t('outcome.pending.canLeave')}</p>
      <p className="next-action" data-testid="next-action" data-next-action={r.nextAction}>
        <strong>{t('outcome.nextActionLabel')}</strong> {t(`nextAction.${r.nextAction}`)}
      </p>
      <Facts refund={r} />
      <div className="actions action-bar">
        <DoneButton focus label={t('outcome.pending.leave')} />
      </div>
    </Screen>
  );
}

function AwaitingApproval(props: { refund: RefundView }) {
  const { t, lang } = useT();
  const r = props.refund;
  return (
    <Screen title={t('outcome.approval.title')} testId="outcome-awaiting-approval" focusHeading={false} className="outcome outcome-wait">
      <Amount refund={r} />
      <p className="lead">{t('outcome.approval.text')}</p>
      {r.approvalReasons.length > 0 ? (
        <ul className="reasons" data-testid="approval-reasons">
          {(r.approvalReasonDetails ?? r.approvalReasons.map((text) => ({ code: '', text }))).map((reason) => (
            <li key={`${reason.code}:${reason.text}`}>{approvalReasonText(reason, t, lang)}</li>
          ))}
        </ul>
      ) : null}
      <ApprovalPanel />
      <div className="actions">
        <DoneButton focus={false} secondary label={t('outcome.approval.later')} />
      </div>
    </Screen>
  );
}

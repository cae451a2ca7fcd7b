import { useEffect, useRef } from 'react';
import { useCashier } from '../../stores/cashier';
import { useTerminal } from '../../stores/terminal';
import { useT } from '../../hooks/i18n';
import { useEscape } from '../../hooks/focus';
import { usePoll } from '../../hooks/poll';
import { Screen } from '../../components/Screen';
import { ErrorNotice } from '../../components/ErrorNotice';
import { PaymentDetails } from '../../components/PaymentDetails';
import { RefundHistory } from '../../components/RefundHistory';
import { fmtDateTime, fmtMoney } from '../../lib/format';
import { MEMO_MAX } from '../../lib/amount';
import { ReasonPicker } from '../../components/ReasonPicker';
import { approvalReasonText, methodName, paymentStatusText } from '../../lib/words';

/** Antom payment states that can never be refunded (the engine refuses them too). */
const NOT_REFUNDABLE_STATUSES = new Set(['FAIL', 'FAILED', 'PROCESSING', 'CANCELLED', 'CLOSED', 'PENDING']);
/** Errors after which pressing Refund again (same intentId) is the right move. */
const RETRYABLE_ERRORS = new Set(['UNAVAILABLE', 'INTERNAL', 'TERMINAL_ERROR', 'TERMINAL_DOWN']);
/** Link states in which the terminal is known to be down (main refuses a new refund then: TERMINAL_DOWN). */
const TERMINAL_DOWN_STATES = new Set(['down', 'disconnected', 'unpaired']);

/**
 * The payment and what will happen, on one screen: full refund is preselected
 * and the confirm button has focus, so scan + Enter + Enter refunds in full.
 */
export function ReviewScreen() {
  const { t, lang } = useT();
  const s = useCashier();
  const terminalState = useTerminal((x) => x.status?.state ?? null);
  const confirmRef = useRef<HTMLButtonElement>(null);
  useEscape(s.submitting ? null : s.back);
  // While another refund of this payment runs (another tab or counter), keep the screen true.
  usePoll(() => void s.refreshShownPayment(), 3000, s.payment?.inFlight != null && !s.submitting);

  const payment = s.payment;
  useEffect(() => {
    confirmRef.current?.focus();
  }, [s.mode, s.partialAmount]);
  if (!payment) return null;

  const amount = s.mode === 'PARTIAL' ? s.partialAmount : payment.refundable;
  const nothingLeft = payment.refundable.value === 0;
  const notCompleted = NOT_REFUNDABLE_STATUSES.has(payment.status.toUpperCase());
  const memoTooLong = s.memo.length > MEMO_MAX;
  const windowClosed = payment.refundClosedCode !== null;
  const busyElsewhere = payment.inFlight !== null;
  const canConfirm = !busyElsewhere && !windowClosed && !nothingLeft && !notCompleted && amount !== null && s.intent !== null && !s.submitting && !memoTooLong;
  const partialAllowed = payment.supportsPartialRefund !== false && !nothingLeft && !notCompleted;

  return (
    <Screen title={t('review.title')} testId="screen-review" focusHeading={false}>
      <PaymentDetails payment={payment} />
      <div className="mode-switch" role="group" aria-label={t('review.mode')}>
        <button
          type="button"
          className="btn btn-large"
          aria-pressed={s.mode === 'FULL'}
          data-testid="refund-full"
          onClick={s.chooseFull}
          disabled={nothingLeft}
        >
          {payment.refundable.value < payment.amount.value
            ? t('review.rest', { amount: fmtMoney(payment.refundable, lang) })
            : t('review.full', { amount: fmtMoney(payment.refundable, lang) })}
        </button>
        <button
          type="button"
          className="btn btn-large"
          aria-pressed={s.mode === 'PARTIAL'}
          data-testid="refund-partial"
          onClick={s.choosePartial}
          disabled={!partialAllowed}
        >
          {s.mode === 'PARTIAL' && s.partialAmount ? t('review.changeAmount') : t('review.partial')}
        </button>
      </div>
      {payment.supportsPartialRefund === false ? <p className="hint">{t('review.noPartial')}</p> : null}
      {notCompleted ? (
        <p className="notice notice-error" role="alert" data-testid="payment-not-refundable">
          {t('review.notCompleted', { status: paymentStatusText(payment.status, t) })}
        </p>
      ) : null}
      {payment.inFlight ? (
        <p className="notice notice-warn" role="status" data-testid="in-flight-notice">
          {t('review.inFlight', {
            cashier: payment.inFlight.cashier,
            amount: fmtMoney(payment.inFlight.amount, lang),
            at: fmtDateTime(payment.inFlight.startedAt, lang),
            where: payment.inFlight.where,
          })}
        </p>
      ) : null}
      {payment.refundWindowExpired ? (
        <p className={`notice ${windowClosed ? 'notice-error' : 'notice-warn'}`} role="alert" data-testid="window-expired">
          {windowClosed
            ? t('review.windowClosed')
            : t('review.windowExpired', { days: payment.refundWindowDays ?? '', until: fmtDateTime(payment.refundWindowEndsAt, lang) })}
        </p>
      ) : null}
      {nothingLeft ? (
        <p className="notice notice-info" role="status" data-testid="nothing-refundable">
          {t('review.nothingLeft')}
        </p>
      ) : null}
      <RefundHistory payment={payment} />
      <ReasonPicker />
      <div className="field">
        <label htmlFor="memo-input">{t('review.memo')}</label>
        <input
          id="memo-input"
          data-testid="memo-input"
          value={s.memo}
          maxLength={MEMO_MAX + 50}
          aria-invalid={memoTooLong ? true : undefined}
          aria-describedby="memo-count"
          onChange={(e) => s.setMemo(e.target.value)}
        />
        <p id="memo-count" className={memoTooLong ? 'field-error' : 'hint'}>
          {memoTooLong ? t('review.memoTooLong', { max: MEMO_MAX }) : t('review.memoCount', { length: s.memo.length, max: MEMO_MAX })}
        </p>
      </div>
      {amount && !nothingLeft ? (
        <p className="summary" data-testid="confirm-summary" aria-live="polite">
          {t('review.summary', {
            amount: fmtMoney(amount, lang),
            total: fmtMoney(payment.amount, lang),
            method: methodName(payment.paymentMethod, t),
            paymentId: payment.paymentId,
          })}
        </p>
      ) : null}
      {terminalState !== null && TERMINAL_DOWN_STATES.has(terminalState) ? (
        <p className="notice notice-error" role="alert" data-testid="review-terminal-down" data-state={terminalState}>
          {t('review.terminalDown', { state: t(`terminal.state.${terminalState}`) })}
        </p>
      ) : null}
      {amount && !nothingLeft && s.evaluation && s.evaluationFor === s.intent?.intentId ? (
        s.evaluation.needsApproval ? (
          <div className="notice notice-info" role="status" data-testid="approval-needed">
            <p>{t('review.approvalNeeded')}</p>
            <ul className="reasons">
              {s.evaluation.reasons.map((r) => (
                <li key={r.code} data-testid="approval-reason" data-code={r.code}>
                  {approvalReasonText(r, t, lang)}
                </li>
              ))}
            </ul>
          </div>
        ) : (
          <p className="hint" data-testid="approval-not-needed">
            {t('review.noApprovalNeeded')}
          </p>
        )
      ) : null}
      <ErrorNotice error={s.submitError} testId="submit-error" />
      {s.submitError && RETRYABLE_ERRORS.has(s.submitError.code) ? <p className="hint">{t('review.retrySafe')}</p> : null}
      <div className="actions action-bar">
        <button type="button" className="btn btn-large" data-testid="back-button" onClick={s.back} disabled={s.submitting}>
          {t('common.back')}
        </button>
        <button
          ref={confirmRef}
          type="button"
          className="btn btn-primary btn-large"
          data-testid="confirm-refund"
          data-intent-id={s.intent?.intentId}
          disabled={!canConfirm}
          aria-disabled={!canConfirm}
          onClick={() => void s.submit()}
        >
          {s.submitting ? t('review.sending') : amount ? t('review.confirm', { amount: fmtMoney(amount, lang) }) : t('review.confirmPlain')}
        </button>
      </div>
    </Screen>
  );
}

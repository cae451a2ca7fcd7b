import type { ReceiptView } from '../../../preload/contract/views';
import { useT } from '../hooks/i18n';
import { fmtDateTimeIn, fmtMoney } from '../lib/format';
import { journaledReasonLabel } from '../lib/reasons';
import { methodName } from '../lib/words';

/**
 * The refund receipt as printed: one narrow column that fits an 80 mm roll and
 * reads as a normal document on A4 (the print stylesheet sizes the page).
 */
export function Receipt(props: { receipt: ReceiptView }) {
  const { t, lang } = useT();
  const { refund: r, payment, timeZone } = props.receipt;
  const approval = [...r.approvals].reverse().find((a) => a.decision === 'APPROVED');
  const declined = [...r.approvals].reverse().find((a) => a.decision === 'DECLINED');
  const title = r.state === 'SUCCEEDED' ? t('receipt.titleRefunded') : t('receipt.titleNotRefunded');
  const row = (label: string, value: string, testId?: string, mono = false) => (
    <div className="receipt-row">
      <dt>{label}</dt>
      <dd className={mono ? 'mono' : undefined} data-testid={testId}>
        {value}
      </dd>
    </div>
  );
  return (
    <article className="receipt" data-testid="receipt" data-state={r.state} aria-label={t('receipt.label')}>
      <header className="receipt-head">
        <p className="receipt-store" data-testid="receipt-store">
          {props.receipt.storeName ?? t('receipt.noStoreName')}
        </p>
        {props.receipt.register ? <p data-testid="receipt-register">{t('receipt.register', { register: props.receipt.register })}</p> : null}
        <p className="receipt-title">{title}</p>
      </header>
      <p className="receipt-amount num" data-testid="receipt-amount">
        {r.amount ? fmtMoney(r.amount, lang) : t('refund.fullAmount')}
      </p>
      <dl className="receipt-lines">
        {row(t('receipt.time'), fmtDateTimeIn(r.updatedAt, lang, timeZone), 'receipt-time')}
        {row(t('receipt.cashier'), r.cashier, 'receipt-cashier')}
        {row(t('receipt.status'), t(`refundState.${r.state}`), 'receipt-status')}
        {row(t('payment.id'), r.paymentId, 'receipt-payment-id', true)}
        {payment ? row(t('receipt.paid'), fmtMoney(payment.amount, lang), 'receipt-paid') : null}
        {payment ? row(t('payment.method'), methodName(payment.paymentMethod, t), 'receipt-method') : null}
        {payment ? row(t('payment.paidAt'), fmtDateTimeIn(payment.paidAt, lang, timeZone)) : null}
        {r.refundId ? row(t('outcome.refundId'), r.refundId, 'receipt-refund-id', true) : null}
        {row(t('outcome.requestId'), r.refundRequestId, 'receipt-request-id', true)}
        {r.reason ? row(t('receipt.reason'), journaledReasonLabel(r.reason, t), 'receipt-reason') : null}
        {approval ? row(t('receipt.approvedBy'), t('receipt.approval', { manager: approval.manager, reason: approval.reason }), 'receipt-approval') : null}
        {declined ? row(t('receipt.declinedBy'), t('receipt.approval', { manager: declined.manager, reason: declined.reason }), 'receipt-approval') : null}
        {r.memo ? row(t('receipt.note'), r.memo, 'receipt-note') : null}
      </dl>
      <p className="receipt-foot">{r.state === 'SUCCEEDED' ? t('receipt.footRefunded') : t('receipt.footNotRefunded')}</p>
    </article>
  );
}

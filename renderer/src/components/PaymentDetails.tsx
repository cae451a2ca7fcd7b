import type { PaymentView } from '../../../preload/contract/refunds';
import { useT } from '../hooks/i18n';
import { fmtDateTime, fmtMoney } from '../lib/format';
import { methodName, paymentStatusText } from '../lib/words';

export function PaymentDetails(props: { payment: PaymentView }) {
  const { t, lang } = useT();
  const p = props.payment;
  return (
    <dl className="details payment-details" data-testid="payment-details">
      <div>
        <dt>{t('payment.amount')}</dt>
        <dd className="num big" data-testid="payment-amount">
          {fmtMoney(p.amount, lang)}
        </dd>
      </div>
      <div>
        <dt>{t('payment.refundable')}</dt>
        <dd className="num big" data-testid="payment-refundable">
          {fmtMoney(p.refundable, lang)}
        </dd>
        <dd className="hint" data-testid="balance-source" data-source={p.balanceSource}>
          {p.refusedAt
            ? t('payment.balanceRefused', { refused: fmtMoney(p.refusedAt, lang) })
            : p.balanceSource === 'ANTOM' && p.refundedAtAntom
              ? t('payment.balanceFromAntom', { antom: fmtMoney(p.refundedAtAntom, lang), here: fmtMoney(p.refundedHere, lang) })
              : t('payment.balanceFromHere', { here: fmtMoney(p.refundedHere, lang) })}
        </dd>
      </div>
      <div>
        <dt>{t('payment.method')}</dt>
        <dd data-testid="payment-method" data-code={p.paymentMethod}>
          {methodName(p.paymentMethod, t)}
        </dd>
        <dd className="hint" data-testid="method-capability">
          {[
            p.refundWindowDays !== null && p.refundWindowEndsAt !== null
              ? t('payment.window', { days: p.refundWindowDays, until: fmtDateTime(p.refundWindowEndsAt, lang) })
              : t('payment.windowUnknown'),
            p.syncRefund === true ? t('payment.sync') : p.syncRefund === false ? t('payment.async') : '',
            p.supportsPartialRefund === false ? t('payment.fullOnly') : '',
          ]
            .filter((x) => x !== '')
            .join(' ')}
        </dd>
      </div>
      <div>
        <dt>{t('payment.paidAt')}</dt>
        <dd data-testid="payment-paid-at">{fmtDateTime(p.paidAt, lang)}</dd>
      </div>
      <div>
        <dt>{t('payment.id')}</dt>
        <dd className="mono" data-testid="payment-id">
          {p.paymentId}
        </dd>
      </div>
      <div>
        <dt>{t('payment.status')}</dt>
        <dd data-testid="payment-status" data-code={p.status}>
          {paymentStatusText(p.status, t)}
        </dd>
      </div>
    </dl>
  );
}

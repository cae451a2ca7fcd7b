import type { PaymentView } from '../../../preload/contract/refunds';
import { useT } from '../hooks/i18n';
import { fmtDateTime, fmtMoney } from '../lib/format';
import { humanise } from '../lib/words';

/** Every refund of the payment: made here (who) or elsewhere (Antom told us), when, how much, status. */
export function RefundHistory(props: { payment: PaymentView }) {
  const { t, lang } = useT();
  const h = props.payment.history;
  return (
    <section aria-labelledby="refund-history-title" data-testid="refund-history">
      <h3 id="refund-history-title">{t('history.title')}</h3>
      {h.length === 0 ? (
        <p className="muted" data-testid="refund-history-empty">
          {t('history.none')}
        </p>
      ) : (
        <table className="table">
          <thead>
            <tr>
              <th scope="col">{t('history.when')}</th>
              <th scope="col">{t('history.who')}</th>
              <th scope="col">{t('history.amount')}</th>
              <th scope="col">{t('history.status')}</th>
            </tr>
          </thead>
          <tbody>
            {h.map((e, i) => (
              <tr key={`${e.refundRequestId ?? 'x'}-${i}`} data-testid="history-row" data-where={e.where}>
                <td>{fmtDateTime(e.at, lang)}</td>
                <td>{e.where === 'ELSEWHERE' ? t('history.elsewhere') : e.who}</td>
                <td className="num">{fmtMoney(e.amount, lang)}</td>
                <td>{t(`history.statusName.${e.status}`, { defaultValue: humanise(e.status) })}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

import type { RefundView } from '../../../preload/contract/refunds';
import { useT } from '../hooks/i18n';
import { fmtMoney, fmtTime } from '../lib/format';
import { outcomeOf } from '../lib/refund-state';

/** A compact list of refunds; rows are buttons when `onOpen` is given. */
export function RefundList(props: {
  refunds: readonly RefundView[];
  onOpen?: (r: RefundView) => void;
  testId: string;
  emptyText: string;
  showCashier?: boolean;
  /** Store mode: the register each refund belongs to, shown when known. */
  registerOf?: (refundRequestId: string) => string | undefined;
}) {
  const { t, lang } = useT();
  const registerText = (id: string) => {
    const reg = props.registerOf?.(id);
    return reg === undefined ? null : (
      <span className="row-register" data-testid="refund-row-register">
        {t('dashboard.register')}: {reg}
      </span>
    );
  };
  if (props.refunds.length === 0)
    return (
      <p className="muted" data-testid={`${props.testId}-empty`}>
        {props.emptyText}
      </p>
    );
  return (
    <ul className="row-list" data-testid={props.testId}>
      {props.refunds.map((r) => {
        const content = (
          <>
            <span className="row-time">{fmtTime(r.createdAt, lang)}</span>
            <span className="row-amount num">{r.amount ? fmtMoney(r.amount, lang) : t('refund.fullAmount')}</span>
            <span className="row-id">{r.paymentId}</span>
            {props.showCashier ? <span className="row-cashier">{r.cashier}</span> : null}
            {registerText(r.refundRequestId)}
            <StateBadge refund={r} />
          </>
        );
        return (
          <li key={r.refundRequestId} data-testid="refund-row" data-refund-id={r.refundRequestId} data-state={r.state}>
            {props.onOpen ? (
              <button type="button" className="row-button" onClick={() => props.onOpen?.(r)}>
                {content}
              </button>
            ) : (
              <div className="row-static">{content}</div>
            )}
          </li>
        );
      })}
    </ul>
  );
}

export function StateBadge(props: { refund: RefundView }) {
  const { t } = useT();
  const outcome = outcomeOf(props.refund.state);
  return <span className={`badge badge-${outcome}`}>{t(`refundState.${props.refund.state}`)}</span>;
}

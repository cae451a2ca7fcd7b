import { useCallback, useEffect, useState } from 'react';
import type { PendingApprovalView } from '../../../preload/contract/views';
import { api, type ApiFailure } from '../api/client';
import { useT } from '../hooks/i18n';
import { fmtMoney, fmtTime } from '../lib/format';
import { useCashier } from '../stores/cashier';
import { ErrorNotice } from './ErrorNotice';

/**
 * Refunds waiting for a manager at any register of the store. Reloaded when
 * main pushes `approvalsChanged` (a refund started or stopped waiting at any
 * counter), never on a timer; "Decide" opens the refund's approval screen here.
 */
export function PendingApprovals(props: { onOpened?: () => void }) {
  const { t, lang } = useT();
  const openRefund = useCashier((s) => s.openRefund);
  const [items, setItems] = useState<readonly PendingApprovalView[] | null>(null);
  const [error, setError] = useState<ApiFailure | null>(null);
  const load = useCallback(() => {
    void api()
      .listPendingApprovals({})
      .then((r) => {
        if (r.ok) {
          setItems(r.value);
          setError(null);
        } else setError(r.error);
      });
  }, []);
  useEffect(() => {
    load();
    // Several changes at once (a burst of counters) coalesce into one reload.
    let timer: ReturnType<typeof setTimeout> | null = null;
    const off = api().on('approvalsChanged', () => {
      if (timer !== null) clearTimeout(timer);
      timer = setTimeout(load, 100);
    });
    return () => {
      off();
      if (timer !== null) clearTimeout(timer);
    };
  }, [load]);

  const decide = async (id: string): Promise<void> => {
    const r = await api().getRefund({ refundRequestId: id });
    if (!r.ok) return setError(r.error);
    openRefund(r.value);
    props.onOpened?.();
  };

  return (
    <section className="panel" aria-labelledby="waiting-approvals-title" data-testid="pending-approvals">
      <h2 id="waiting-approvals-title">
        {t('dashboard.waiting')} {items && items.length > 0 ? <span className="count-badge">{items.length}</span> : null}
      </h2>
      <ErrorNotice error={error} />
      {items === null ? (
        <p className="muted">{t('common.loading')}</p>
      ) : items.length === 0 ? (
        <p className="muted" data-testid="pending-approvals-empty">
          {t('dashboard.waitingNone')}
        </p>
      ) : (
        <ul className="row-list">
          {items.map((p) => (
            <li key={p.refundRequestId} data-testid="pending-approval" data-refund-id={p.refundRequestId} data-register={p.register}>
              <button
                type="button"
                className="row-button"
                onClick={() => void decide(p.refundRequestId)}
                aria-label={`${t('dashboard.decide')} ${p.paymentId}`}
              >
                <span className="row-time">{fmtTime(p.createdAt, lang)}</span>
                <span className="row-amount num">{fmtMoney(p.amount, lang)}</span>
                <span className="row-id">{p.paymentId}</span>
                <span className="row-cashier">{p.cashier}</span>
                <span className="badge" data-testid="pending-approval-register">
                  {t('dashboard.register')}: {p.register}
                </span>
              </button>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

import { useEffect, useState } from 'react';
import type { RefundView } from '../../../preload/contract/refunds';
import type { ReceiptView } from '../../../preload/contract/views';
import { api, type ApiFailure } from '../api/client';
import { useT } from '../hooks/i18n';
import { ErrorNotice } from './ErrorNotice';
import { Receipt } from './Receipt';

export type Paper = '80mm' | 'a4';

/**
 * Prints with the browser's own print (window.print(), in Electron and in the
 * browser host alike). The print stylesheet shows only the receipt; the paper
 * chosen here picks its named @page (80 mm roll or A4).
 */
export function printReceipt(paper: Paper): void {
  document.documentElement.dataset.paper = paper;
  window.print();
}

/** Receipt actions on the outcome screen of a final refund: view, print on 80 mm or A4, reprint any time. */
export function ReceiptPanel(props: { refund: RefundView }) {
  const { t } = useT();
  const [receipt, setReceipt] = useState<ReceiptView | null>(null);
  const [error, setError] = useState<ApiFailure | null>(null);
  const [shown, setShown] = useState(false);
  const id = props.refund.refundRequestId;
  const state = props.refund.state;
  const printed = props.refund.printed;
  useEffect(() => {
    let live = true;
    void api()
      .getReceipt({ refundRequestId: id })
      .then((r) => {
        if (!live) return;
        if (r.ok) {
          setReceipt(r.value);
          setError(null);
        } else setError(r.error);
      });
    return () => {
      live = false;
    };
    // The receipt follows the journal: reload when the refund (or its slip answer) changes.
  }, [id, state, printed]);
  return (
    <section className="receipt-panel" aria-labelledby="receipt-panel-title">
      <h2 id="receipt-panel-title" className="visually-hidden">
        {t('receipt.label')}
      </h2>
      <ErrorNotice error={error} testId="receipt-error" />
      <div className="actions receipt-actions">
        <button type="button" className="btn" aria-expanded={shown} data-testid="receipt-toggle" onClick={() => setShown((v) => !v)} disabled={!receipt}>
          {shown ? t('receipt.hide') : t('receipt.show')}
        </button>
        <button type="button" className="btn" data-testid="print-80mm" onClick={() => printReceipt('80mm')} disabled={!receipt}>
          {t('receipt.print80')}
        </button>
        <button type="button" className="btn" data-testid="print-a4" onClick={() => printReceipt('a4')} disabled={!receipt}>
          {t('receipt.printA4')}
        </button>
      </div>
      {receipt ? (
        <div className={`receipt-print ${shown ? '' : 'receipt-closed'}`} data-testid="receipt-preview">
          <Receipt receipt={receipt} />
        </div>
      ) : null}
    </section>
  );
}

/** What the payment terminal said about its own slip (`refund.result` -> printed). */
export function SlipNotice(props: { refund: RefundView }) {
  const { t } = useT();
  const p = props.refund.printed;
  const key = p === true ? 'receipt.slipPrinted' : p === false ? 'receipt.slipNotPrinted' : 'receipt.slipUnknown';
  return (
    <p className={`notice ${p === true ? 'notice-info' : 'notice-warn'}`} data-testid="slip-notice" data-printed={p === null ? 'unknown' : String(p)}>
      {t(key)}
    </p>
  );
}

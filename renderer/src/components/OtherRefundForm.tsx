import { useState, type FormEvent } from 'react';
import { toMajorString, type Money } from '../../../preload/contract/money';
import type { PaymentView } from '../../../preload/contract/refunds';
import type { OtherRefundMethod, OtherRefundView } from '../../../preload/contract/views';
import { api, type ApiFailure } from '../api/client';
import { useT } from '../hooks/i18n';
import { checkRefundAmount, type AmountError } from '../lib/amount';
import { fmtMoney } from '../lib/format';
import { newIntentId } from '../stores/cashier';
import { currencyExponent } from '../../../preload/contract/money';
import { ErrorNotice } from './ErrorNotice';
import { Field } from './Field';

/**
 * A manager records what the store gave when Antom could not refund: cash or
 * store credit, against the payment. Nothing goes to Antom or the terminal.
 * The entry id is made once per form, so pressing Record twice records once.
 */
export function OtherRefundForm(props: {
  paymentId?: string;
  relatedRefundRequestId?: string;
  suggested?: Money | null;
  onDone?: (v: OtherRefundView) => void;
  onCancel?: () => void;
}) {
  const { t, lang } = useT();
  const [entryId] = useState(newIntentId);
  const [paymentId, setPaymentId] = useState(props.paymentId ?? '');
  const [payment, setPayment] = useState<PaymentView | null>(null);
  const [method, setMethod] = useState<OtherRefundMethod>('CASH');
  const [amountText, setAmountText] = useState(props.suggested ? toMajorString(props.suggested) : '');
  const [amountError, setAmountError] = useState<AmountError | null>(null);
  const [note, setNote] = useState('');
  const [noteMissing, setNoteMissing] = useState(false);
  const [error, setError] = useState<ApiFailure | null>(null);
  const [busy, setBusy] = useState(false);
  const [done, setDone] = useState<OtherRefundView | null>(null);

  const look = async (): Promise<PaymentView | null> => {
    setError(null);
    const r = await api().lookupPayment({ paymentId: paymentId.trim() });
    if (!r.ok) {
      setError(r.error);
      return null;
    }
    setPayment(r.value);
    return r.value;
  };

  const submit = async (e: FormEvent): Promise<void> => {
    e.preventDefault();
    if (busy || done) return;
    setBusy(true);
    const p = payment ?? (await look());
    if (!p) return setBusy(false);
    const amount = checkRefundAmount(amountText, p.refundable);
    setAmountError(amount.ok ? null : amount.code);
    setNoteMissing(note.trim() === '');
    if (!amount.ok || note.trim() === '') return setBusy(false);
    const r = await api().recordOtherRefund({
      entryId,
      paymentId: p.paymentId,
      method,
      amount: amount.amount,
      note: note.trim(),
      ...(props.relatedRefundRequestId ? { relatedRefundRequestId: props.relatedRefundRequestId } : {}),
    });
    setBusy(false);
    if (!r.ok) return setError(r.error);
    setDone(r.value);
    props.onDone?.(r.value);
  };

  if (done) {
    return (
      <p role="status" className="notice notice-info" data-testid="other-refund-recorded">
        {t('other.recorded', { amount: fmtMoney(done.amount, lang), method: t(`other.method.${done.method}`), paymentId: done.paymentId })}
      </p>
    );
  }
  const decimals = payment ? currencyExponent(payment.refundable.currency) : 2;
  return (
    <form className="other-refund-form panel" onSubmit={(e) => void submit(e)} noValidate aria-labelledby="other-refund-title" data-testid="other-refund-form">
      <h3 id="other-refund-title">{t('other.title')}</h3>
      <p className="hint">{t('other.explain')}</p>
      {props.paymentId ? (
        <p>
          {t('payment.id')}: <span className="mono">{props.paymentId}</span>
        </p>
      ) : (
        <div className="toolbar">
          <Field
            label={t('payment.id')}
            value={paymentId}
            maxLength={64}
            onChange={(e) => {
              setPaymentId(e.target.value);
              setPayment(null);
            }}
            data-testid="other-payment-id"
          />
          <button type="button" className="btn" onClick={() => void look()} data-testid="other-lookup">
            {t('scan.lookUp')}
          </button>
        </div>
      )}
      {payment ? <p data-testid="other-refundable">{t('other.refundable', { amount: fmtMoney(payment.refundable, lang) })}</p> : null}
      <fieldset className="other-method">
        <legend>{t('other.how')}</legend>
        {(['CASH', 'STORE_CREDIT'] as const).map((m) => (
          <label key={m} className="check">
            <input type="radio" name={`other-method-${entryId}`} checked={method === m} onChange={() => setMethod(m)} data-testid={`other-method-${m}`} />{' '}
            {t(`other.method.${m}`)}
          </label>
        ))}
      </fieldset>
      <Field
        label={t('other.amount')}
        value={amountText}
        inputMode="decimal"
        onChange={(e) => {
          setAmountText(e.target.value);
          setAmountError(null);
        }}
        error={
          amountError
            ? t(`amount.error.${amountError}`, {
                currency: payment?.refundable.currency ?? '',
                decimals,
                max: payment ? fmtMoney(payment.refundable, lang) : '',
              })
            : null
        }
        data-testid="other-amount"
      />
      <Field
        label={t('other.note')}
        value={note}
        maxLength={256}
        onChange={(e) => {
          setNote(e.target.value);
          setNoteMissing(false);
        }}
        error={noteMissing ? t('other.noteMissing') : null}
        data-testid="other-note"
      />
      <ErrorNotice error={error} testId="other-error" />
      <div className="actions">
        {props.onCancel ? (
          <button type="button" className="btn" onClick={props.onCancel}>
            {t('common.cancel')}
          </button>
        ) : null}
        <button type="submit" className="btn btn-primary" disabled={busy} data-testid="other-submit">
          {t('other.submit')}
        </button>
      </div>
    </form>
  );
}

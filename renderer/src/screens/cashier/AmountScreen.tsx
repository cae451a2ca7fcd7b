import { type FormEvent } from 'react';
import { currencyExponent, decimalMarkOf } from '../../../../preload/contract/money';
import { useCashier } from '../../stores/cashier';
import { useT } from '../../hooks/i18n';
import { useAutoFocus, useEscape } from '../../hooks/focus';
import { Screen } from '../../components/Screen';
import { fmtMoney } from '../../lib/format';
import { amountErrorParams } from '../../lib/amount';
import { KeypadToggle, NumberPad } from '../../components/NumberPad';

export function AmountScreen() {
  const { t, lang } = useT();
  const s = useCashier();
  const inputRef = useAutoFocus<HTMLInputElement>();
  useEscape(s.back);
  const payment = s.payment;
  if (!payment) return null;
  const currency = payment.refundable.currency;
  const decimals = currencyExponent(currency);
  const max = fmtMoney(payment.refundable, lang);

  const onSubmit = (e: FormEvent): void => {
    e.preventDefault();
    if (!s.reviewPartial()) inputRef.current?.focus();
  };

  return (
    <Screen title={t('amount.title')} testId="screen-amount" focusHeading={false}>
      <p className="lead">
        {t('amount.refundableIs')} <strong className="num big">{max}</strong>
      </p>
      <form onSubmit={onSubmit} noValidate className="stack amount-form">
        <div className="field">
          <label htmlFor="amount-input">{t('amount.label', { currency })}</label>
          <input
            id="amount-input"
            ref={inputRef}
            className="amount-input num"
            data-testid="amount-input"
            inputMode={decimals === 0 ? 'numeric' : 'decimal'}
            autoComplete="off"
            value={s.amountText}
            aria-invalid={s.amountError ? true : undefined}
            aria-describedby="amount-hint amount-error"
            onChange={(e) => s.setAmountText(e.target.value)}
          />
          <p id="amount-hint" className="hint" data-testid="amount-hint">
            {decimals === 0 ? t('amount.hintWhole', { max }) : t('amount.hint', { max, decimals })}
          </p>
          <p id="amount-error" className="field-error" role="alert" data-testid="amount-error">
            {s.amountError === 'TOO_MANY_DECIMALS' && decimals === 0
              ? t('amount.wholeOnly', { currency })
              : s.amountError
                ? t(`amount.error.${s.amountError}`, amountErrorParams(s.amountErrorDetails ?? undefined, { max, decimals, currency }))
                : ''}
          </p>
        </div>
        <div className="keypad-row">
          <NumberPad targets={[inputRef]} decimal={decimals === 0 ? null : decimalMarkOf(lang)} label={t('keypad.amountLabel')} testId="amount-pad" />
          <KeypadToggle />
        </div>
        <div className="actions action-bar">
          <button type="button" className="btn btn-large" data-testid="amount-back" onClick={s.back}>
            {t('common.back')}
          </button>
          <button type="button" className="btn btn-large" data-testid="refund-full" onClick={s.chooseFull}>
            {t('amount.fullInstead')}
          </button>
          <button type="submit" className="btn btn-primary btn-large" data-testid="amount-continue">
            {t('amount.continue')}
          </button>
        </div>
      </form>
    </Screen>
  );
}

import { useT } from '../hooks/i18n';

const DIGITS = ['1', '2', '3', '4', '5', '6', '7', '8', '9'];

/** On-screen keypad for touch screens; the keyboard works too. Buttons are skipped by Tab to keep the order short. */
export function PinPad(props: { onDigit(d: string): void; onBackspace(): void; onClear(): void }) {
  const { t } = useT();
  return (
    <div className="pin-pad" role="group" aria-label={t('signIn.keypad')}>
      {DIGITS.map((d) => (
        <button key={d} type="button" tabIndex={-1} className="btn pin-key" onClick={() => props.onDigit(d)}>
          {d}
        </button>
      ))}
      <button type="button" tabIndex={-1} className="btn pin-key" onClick={props.onClear} aria-label={t('signIn.clear')}>
        C
      </button>
      <button type="button" tabIndex={-1} className="btn pin-key" onClick={() => props.onDigit('0')}>
        0
      </button>
      <button type="button" tabIndex={-1} className="btn pin-key" onClick={props.onBackspace} aria-label={t('signIn.backspace')}>
        ⌫
      </button>
    </div>
  );
}

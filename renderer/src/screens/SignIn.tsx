import { useRef, useState, type FormEvent } from 'react';
import { useSession } from '../stores/session';
import { useSettings } from '../stores/settings';
import { useT } from '../hooks/i18n';
import { Screen } from '../components/Screen';
import { Field } from '../components/Field';
import { PinField } from '../components/PinField';
import { ErrorNotice } from '../components/ErrorNotice';
import { KeypadToggle, NumberPad } from '../components/NumberPad';

/** One shared empty list: a selector returning a fresh [] re-renders forever outside demo mode (React #185). */
const NO_DEMO_USERS: readonly never[] = [];
/** A new PIN the policy refused keeps the change form open (the old PIN was right). */
function changeStarted(error: { code: string } | null): boolean {
  return error?.code === 'INVALID_INPUT';
}

export function SignIn() {
  const { t } = useT();
  const { signIn, busy, error, lockReason } = useSession();
  const demoUsers = useSettings((s) => s.appInfo?.demoHints?.users ?? NO_DEMO_USERS);
  const [userName, setUserName] = useState('');
  const [pin, setPin] = useState('');
  const [newPin, setNewPin] = useState('');
  const [newPin2, setNewPin2] = useState('');
  const [localError, setLocalError] = useState<string | null>(null);
  // The PIN was right but must be replaced (one-time after a reset, or too weak for the policy now).
  const changing = error?.code === 'PIN_CHANGE_REQUIRED' || (changeStarted(error) && pin !== '');
  const newPinRef = useRef<HTMLInputElement>(null);
  const userRef = useRef<HTMLInputElement>(null);
  const pinRef = useRef<HTMLInputElement>(null);
  const newPin2Ref = useRef<HTMLInputElement>(null);
  const submitRef = useRef<HTMLButtonElement>(null);

  const onSubmit = async (e: FormEvent): Promise<void> => {
    e.preventDefault();
    if (userName.trim() === '') {
      setLocalError(t('signIn.needUser'));
      userRef.current?.focus();
      return;
    }
    if (!/^\d{4,8}$/.test(pin)) {
      setLocalError(t('signIn.needPin'));
      pinRef.current?.focus();
      return;
    }
    if (changing) {
      if (!/^\d{4,8}$/.test(newPin)) {
        setLocalError(t('signIn.needPin'));
        newPinRef.current?.focus();
        return;
      }
      if (newPin !== newPin2) {
        setLocalError(t('users.pinMismatch'));
        newPinRef.current?.focus();
        return;
      }
    }
    setLocalError(null);
    const ok = await signIn(userName, pin, changing ? newPin : undefined);
    if (ok) {
      setNewPin('');
      setNewPin2('');
      return;
    }
    const code = useSession.getState().error?.code;
    if (code === 'PIN_CHANGE_REQUIRED' || (changing && code === 'INVALID_INPUT')) {
      // Keep the (correct) old PIN; ask for a new one.
      setNewPin('');
      setNewPin2('');
      setTimeout(() => newPinRef.current?.focus(), 0);
      return;
    }
    setPin('');
    pinRef.current?.focus();
  };

  return (
    <Screen title={t('signIn.title')} testId="screen-sign-in" focusHeading={false} className="sign-in">
      {lockReason ? (
        <p className="notice notice-info" role="status" data-testid="lock-notice">
          {t(`signIn.locked.${lockReason}`)}
        </p>
      ) : null}
      <form onSubmit={(e) => void onSubmit(e)} noValidate className="stack">
        <Field
          label={t('signIn.userName')}
          inputRef={userRef}
          autoFocus
          autoComplete="username"
          autoCapitalize="off"
          spellCheck={false}
          value={userName}
          maxLength={40}
          onChange={(e) => setUserName(e.target.value)}
          data-testid="signin-user"
        />
        <PinField
          label={t('signIn.pin')}
          inputRef={pinRef}
          autoComplete="current-password"
          pattern="[0-9]*"
          value={pin}
          onChange={setPin}
          data-testid="signin-pin"
          hint={t('signIn.pinHint')}
        />
        {changing ? (
          <div className="stack" data-testid="signin-change-pin">
            <p className="notice notice-info" role="status">
              {t('signIn.changeHint')}
            </p>
            <PinField
              label={t('signIn.newPin')}
              inputRef={newPinRef}
              autoComplete="new-password"
              value={newPin}
              onChange={setNewPin}
              data-testid="signin-new-pin"
            />
            <PinField
              label={t('signIn.newPinAgain')}
              inputRef={newPin2Ref}
              autoComplete="new-password"
              value={newPin2}
              onChange={setNewPin2}
              data-testid="signin-new-pin2"
            />
          </div>
        ) : null}
        <div className="keypad-row">
          <NumberPad targets={[pinRef, newPinRef, newPin2Ref]} label={t('keypad.pinLabel')} testId="signin-pad" />
          <KeypadToggle />
        </div>
        {localError ? (
          <p className="field-error" role="alert">
            {localError}
          </p>
        ) : null}
        <ErrorNotice error={error} testId="signin-error" />
        <button ref={submitRef} type="submit" className="btn btn-primary btn-large" disabled={busy} data-testid="signin-submit">
          {busy ? t('signIn.signingIn') : t('signIn.submit')}
        </button>
      </form>
      {demoUsers.length > 0 ? (
        <section className="demo-users" aria-labelledby="demo-users-title" data-testid="demo-users">
          <h2 id="demo-users-title">{t('signIn.demoUsers')}</h2>
          <p className="hint">{t('signIn.demoUsersHint')}</p>
          <ul className="chip-list">
            {demoUsers.map((u) => (
              <li key={u.name}>
                <button
                  type="button"
                  className="btn"
                  data-testid={`demo-user-${u.name}`}
                  onClick={() => {
                    setUserName(u.name);
                    setPin(u.pin);
                    submitRef.current?.focus();
                  }}
                >
                  {u.name} · {t(`roles.${u.role}`)} · {t('signIn.pinIs', { pin: u.pin })}
                </button>
              </li>
            ))}
          </ul>
        </section>
      ) : null}
    </Screen>
  );
}

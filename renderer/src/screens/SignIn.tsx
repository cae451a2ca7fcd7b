import { useRef, useState, type FormEvent } from 'react';
import { useSession } from '../stores/session';
import { useSettings } from '../stores/settings';
import { useT } from '../hooks/i18n';
import { Screen } from '../components/Screen';
import { Field } from '../components/Field';
import { ErrorNotice } from '../components/ErrorNotice';
import { PinPad } from '../components/PinPad';

/** One shared empty list: a selector returning a fresh [] re-renders forever outside demo mode (React #185). */
const NO_DEMO_USERS: readonly never[] = [];

export function SignIn() {
  const { t } = useT();
  const { signIn, busy, error, lockReason } = useSession();
  const demoUsers = useSettings((s) => s.appInfo?.demoHints?.users ?? NO_DEMO_USERS);
  const [userName, setUserName] = useState('');
  const [pin, setPin] = useState('');
  const [localError, setLocalError] = useState<string | null>(null);
  const userRef = useRef<HTMLInputElement>(null);
  const pinRef = useRef<HTMLInputElement>(null);
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
    setLocalError(null);
    const ok = await signIn(userName, pin);
    if (!ok) {
      setPin('');
      pinRef.current?.focus();
    }
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
        <Field
          label={t('signIn.pin')}
          inputRef={pinRef}
          type="password"
          inputMode="numeric"
          autoComplete="current-password"
          pattern="[0-9]*"
          maxLength={8}
          value={pin}
          onChange={(e) => setPin(e.target.value.replace(/\D/g, ''))}
          data-testid="signin-pin"
          hint={t('signIn.pinHint')}
        />
        <PinPad
          onDigit={(d) => setPin((p) => (p.length < 8 ? p + d : p))}
          onBackspace={() => setPin((p) => p.slice(0, -1))}
          onClear={() => setPin('')}
        />
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

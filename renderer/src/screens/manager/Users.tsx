import { useState, type FormEvent } from 'react';
import type { Role } from '../../../../preload/contract/views';
import { api, type ApiFailure } from '../../api/client';
import { useT } from '../../hooks/i18n';
import { useLoad } from '../../hooks/load';
import { Screen } from '../../components/Screen';
import { ErrorNotice } from '../../components/ErrorNotice';
import { Field } from '../../components/Field';
import { PinField } from '../../components/PinField';
import { fmtDateTime } from '../../lib/format';
import { useSession } from '../../stores/session';

const ROLES: readonly Role[] = ['cashier', 'manager', 'technician'];

export function UsersScreen() {
  const { t, lang } = useT();
  const users = useLoad(() => api().listUsers({}), []);
  const me = useSession((s) => s.session?.userName);
  const [confirming, setConfirming] = useState<string | null>(null);
  const [actionError, setActionError] = useState<ApiFailure | null>(null);

  const [notice, setNotice] = useState<string | null>(null);
  const disable = async (name: string): Promise<void> => {
    setActionError(null);
    setNotice(null);
    const r = await api().disableUser({ name });
    setConfirming(null);
    if (!r.ok) return setActionError(r.error);
    users.reload();
  };
  /** Unlock, enable, change role: each audited by main with the signed-in manager as actor. */
  const act = async (name: string, run: () => Promise<{ ok: true } | { ok: false; error: ApiFailure }>): Promise<void> => {
    setActionError(null);
    setNotice(null);
    const r = await run();
    if (!r.ok) return setActionError(r.error);
    setNotice(t('users.done', { name }));
    users.reload();
  };
  const resetPin = async (name: string): Promise<void> => {
    setActionError(null);
    setNotice(null);
    const r = await api().resetUserPin({ name });
    if (!r.ok) return setActionError(r.error);
    setNotice(t('users.oneTimePin', { name, pin: r.value.oneTimePin }));
    users.reload();
  };

  return (
    <Screen title={t('users.title')} testId="screen-users">
      <ErrorNotice error={users.error} />
      <ErrorNotice error={actionError} />
      {notice ? (
        <p className="notice notice-info" role="status" data-testid="users-notice">
          {notice}
        </p>
      ) : null}
      {users.data ? (
        <div className="table-wrap">
          <table data-testid="users-table">
            <thead>
              <tr>
                <th scope="col">{t('users.name')}</th>
                <th scope="col">{t('users.role')}</th>
                <th scope="col">{t('users.status')}</th>
                <th scope="col">
                  <span className="visually-hidden">{t('users.actions')}</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {users.data.map((u) => (
                <tr key={u.name} data-testid="user-row" data-user={u.name}>
                  <td>{u.name}</td>
                  <td>{t(`roles.${u.role}`)}</td>
                  <td>
                    {u.disabled
                      ? t('users.disabled')
                      : u.lockedUntil && new Date(u.lockedUntil).getTime() > Date.now()
                        ? t('users.lockedUntil', { at: fmtDateTime(u.lockedUntil, lang) })
                        : t('users.active')}
                  </td>
                  <td>
                    <span className="actions">
                      {u.lockedUntil && new Date(u.lockedUntil).getTime() > Date.now() ? (
                        <button
                          type="button"
                          className="btn"
                          onClick={() => void act(u.name, () => api().unlockUser({ name: u.name }))}
                          data-testid={`unlock-${u.name}`}
                        >
                          {t('users.unlock', { name: u.name })}
                        </button>
                      ) : null}
                      {u.disabled ? (
                        <button
                          type="button"
                          className="btn"
                          onClick={() => void act(u.name, () => api().enableUser({ name: u.name }))}
                          data-testid={`enable-${u.name}`}
                        >
                          {t('users.enable', { name: u.name })}
                        </button>
                      ) : null}
                      {u.name !== me ? (
                        <>
                          <button type="button" className="btn" onClick={() => void resetPin(u.name)} data-testid={`reset-pin-${u.name}`}>
                            {t('users.resetPin', { name: u.name })}
                          </button>
                          <label className="visually-hidden" htmlFor={`role-${u.name}`}>
                            {t('users.roleFor', { name: u.name })}
                          </label>
                          <select
                            id={`role-${u.name}`}
                            value={u.role}
                            data-testid={`role-${u.name}`}
                            onChange={(e) => void act(u.name, () => api().setUserRole({ name: u.name, role: e.target.value as Role }))}
                          >
                            {ROLES.map((r) => (
                              <option key={r} value={r}>
                                {t(`roles.${r}`)}
                              </option>
                            ))}
                          </select>
                        </>
                      ) : null}
                      {!u.disabled && u.name !== me ? (
                        confirming === u.name ? (
                          <>
                            <button type="button" className="btn btn-danger" onClick={() => void disable(u.name)} data-testid={`confirm-disable-${u.name}`}>
                              {t('users.confirmDisable', { name: u.name })}
                            </button>
                            <button type="button" className="btn" onClick={() => setConfirming(null)}>
                              {t('common.cancel')}
                            </button>
                          </>
                        ) : (
                          <button type="button" className="btn" onClick={() => setConfirming(u.name)} data-testid={`disable-${u.name}`}>
                            {t('users.disable', { name: u.name })}
                          </button>
                        )
                      ) : null}
                    </span>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
      <AddUser onAdded={users.reload} />
    </Screen>
  );
}

function AddUser(props: { onAdded(): void }) {
  const { t } = useT();
  const [name, setName] = useState('');
  const [role, setRole] = useState<Role>('cashier');
  const [pin, setPin] = useState('');
  const [pin2, setPin2] = useState('');
  const [problem, setProblem] = useState<string | null>(null);
  const [error, setError] = useState<ApiFailure | null>(null);
  const [added, setAdded] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const onSubmit = async (e: FormEvent): Promise<void> => {
    e.preventDefault();
    setAdded(null);
    setError(null);
    if (!/^[\p{L}\p{N}._-]{1,40}$/u.test(name.trim())) return setProblem(t('users.nameInvalid'));
    if (!/^\d{4,8}$/.test(pin)) return setProblem(t('signIn.needPin'));
    if (pin !== pin2) return setProblem(t('users.pinMismatch'));
    setProblem(null);
    setBusy(true);
    const r = await api().addUser({ name: name.trim(), role, pin });
    setBusy(false);
    if (!r.ok) return setError(r.error);
    setAdded(r.value.name);
    setName('');
    setPin('');
    setPin2('');
    props.onAdded();
  };

  return (
    <section aria-labelledby="add-user-title">
      <h2 id="add-user-title">{t('users.add')}</h2>
      <form className="stack" onSubmit={(e) => void onSubmit(e)} noValidate>
        <Field label={t('users.name')} value={name} maxLength={40} autoComplete="off" onChange={(e) => setName(e.target.value)} data-testid="new-user-name" />
        <div className="field">
          <label htmlFor="new-user-role">{t('users.role')}</label>
          <select id="new-user-role" value={role} onChange={(e) => setRole(e.target.value as Role)} data-testid="new-user-role">
            {ROLES.map((r) => (
              <option key={r} value={r}>
                {t(`roles.${r}`)}
              </option>
            ))}
          </select>
        </div>
        <PinField label={t('users.pin')} autoComplete="new-password" value={pin} onChange={setPin} data-testid="new-user-pin" />
        <PinField label={t('users.pinAgain')} autoComplete="new-password" value={pin2} onChange={setPin2} data-testid="new-user-pin2" />
        {problem ? (
          <p className="field-error" role="alert">
            {problem}
          </p>
        ) : null}
        <ErrorNotice error={error} />
        {added ? (
          <p className="notice notice-ok" role="status">
            {t('users.added', { name: added })}
          </p>
        ) : null}
        <div>
          <button type="submit" className="btn btn-primary" disabled={busy} data-testid="add-user">
            {t('users.addButton')}
          </button>
        </div>
      </form>
    </section>
  );
}

/**
 * People: signing in and out at the counter, and the manager's user list
 * (add, disable, enable, unlock, reset PIN, change role), and one's own screen language. The people port keeps
 * the rules (PIN policy, lockouts counted store-wide in store mode, audit of failed PINs); this module words
 * its refusals for the screens.
 */
import type { ApiErrorCode } from '../../../preload/contract/api';
import { err, ok, type Result } from '../../../preload/contract/result';
import type { UserView } from '../../../preload/contract/views';
import { SIGN_IN_REFUSED } from '../../ledger';
import type { AuditPort, PeoplePort, StoreUser } from '../../ledger/store-port';
import type { CounterSession } from '../../services/session';
import { NOT_SIGNED_IN } from '../access';
import type { HandlerRegistry } from '../registry';

export interface PeopleDeps {
  readonly session: CounterSession;
  /** The store's people (one counter: this data folder's users; store mode: every counter's). */
  readonly people: PeoplePort;
  readonly audit: Pick<AuditPort, 'append'>;
}

function toUserView(u: StoreUser): UserView {
  return { name: u.name, role: u.role, disabled: u.disabled, lockedUntil: u.lockedUntil };
}

function userResult(r: Result<StoreUser, 'USER_NOT_FOUND' | 'INVALID_INPUT' | 'FORBIDDEN'>): Result<UserView, ApiErrorCode> {
  if (r.ok) return ok(toUserView(r.value));
  return err(r.error.code === 'USER_NOT_FOUND' ? 'NOT_FOUND' : r.error.code, r.error.message);
}

export function registerPeople(registry: HandlerRegistry, deps: PeopleDeps): void {
  const { session, people, audit } = deps;

  registry.handle('getSession', async () => ok(session.view()));
  registry.handle('signIn', async ({ userName, pin, newPin }) => {
    const r = await people.verifyPin(userName, pin, newPin !== undefined ? { newPin } : {});
    // Failed PINs and lockouts are audited by the people port itself.
    if (!r.ok) {
      switch (r.error.code) {
        case 'USER_LOCKED':
        case 'RATE_LIMITED':
        case 'PIN_CHANGE_REQUIRED':
        case 'INVALID_INPUT': // the new PIN does not meet the policy (the old one was right)
          return err(r.error.code, r.error.message, r.error.details);
        default:
          // No user enumeration: unknown and disabled users read as a wrong PIN.
          return err('PIN_INVALID', SIGN_IN_REFUSED);
      }
    }
    await audit.append(r.value.name, 'auth.sign_in', { role: r.value.role });
    return ok(session.signIn({ name: r.value.name, role: r.value.role, language: r.value.language }));
  });
  registry.handle('signOut', async () => {
    const previous = session.signOut();
    if (previous) await audit.append(previous.name, 'auth.sign_out', {});
    return ok(null);
  });
  // Only ever the signed-in person's own record: the language follows them to any PC or browser (#17).
  registry.handle('setMyLanguage', async ({ language }, user) => {
    const saved = await people.setLanguage(user.name, language, user.name);
    if (!saved.ok || saved.value.language === null) return err('NOT_FOUND', saved.ok ? `No language saved for ${user.name}.` : saved.error.message);
    session.setLanguage(saved.value.language);
    const view = session.view();
    return view ? ok(view) : NOT_SIGNED_IN;
  });

  registry.handle('listUsers', async () => ok((await people.list()).map(toUserView)));
  registry.handle('addUser', async ({ name, role, pin }, user) => {
    const r = await people.add({ name, role, pin }, user.name);
    if (!r.ok) {
      // The screen words a taken name as such, not as a refused refund.
      return r.error.code === 'USER_EXISTS' ? err('INVALID_INPUT', r.error.message, { reason: 'USER_EXISTS' }) : err(r.error.code, r.error.message);
    }
    return ok({ name: r.value.name, role: r.value.role, disabled: false, lockedUntil: null });
  });
  registry.handle('disableUser', async ({ name }, user) => userResult(await people.disable(name, user.name)));
  registry.handle('enableUser', async ({ name }, user) => userResult(await people.enable(name, user.name)));
  registry.handle('unlockUser', async ({ name }, user) => userResult(await people.unlock(name, user.name)));
  registry.handle('setUserRole', async ({ name, role }, user) => userResult(await people.setRole(name, role, user.name)));
  registry.handle('resetUserPin', async ({ name }, user) => {
    const r = await people.resetPin(name, user.name);
    if (!r.ok) return err(r.error.code === 'USER_NOT_FOUND' ? 'NOT_FOUND' : r.error.code, r.error.message);
    return ok({ user: toUserView(r.value.user), oneTimePin: r.value.oneTimePin });
  });
}

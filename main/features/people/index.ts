/**
 * People: signing in and out at the counter, and the manager's user list
 * (add, disable, enable, unlock, reset PIN, change role), and one's own screen language. The user store keeps
 * the rules (PIN policy, lockouts, audit of failed PINs); this module words
 * its refusals for the screens.
 */
import type { ApiErrorCode } from '../../../preload/contract/api';
import { err, ok, type Result } from '../../../preload/contract/result';
import type { UserView } from '../../../preload/contract/views';
import { SIGN_IN_REFUSED, type Ledger, type User } from '../../ledger';
import type { AuditLog } from '../../ledger/audit';
import type { UserStore } from '../../ledger/users';
import type { CounterSession } from '../../services/session';
import { NOT_SIGNED_IN } from '../access';
import type { HandlerRegistry } from '../registry';

export interface PeopleDeps {
  readonly session: CounterSession;
  readonly pins: Pick<Ledger, 'verifyPin'>;
  readonly users: Pick<UserStore, 'list' | 'add' | 'disable' | 'enable' | 'unlock' | 'setRole' | 'resetPin' | 'language' | 'setLanguage'>;
  readonly audit: Pick<AuditLog, 'append'>;
}

function toUserView(u: User): UserView {
  return { name: u.name, role: u.role, disabled: u.disabled, lockedUntil: u.lockedUntil };
}

function userResult(r: Result<User, 'USER_NOT_FOUND' | 'INVALID_INPUT' | 'FORBIDDEN'>): Result<UserView, ApiErrorCode> {
  if (r.ok) return ok(toUserView(r.value));
  return err(r.error.code === 'USER_NOT_FOUND' ? 'NOT_FOUND' : r.error.code, r.error.message);
}

export function registerPeople(registry: HandlerRegistry, deps: PeopleDeps): void {
  const { session, pins, users, audit } = deps;

  registry.handle('getSession', async () => ok(session.view()));
  registry.handle('signIn', async ({ userName, pin, newPin }) => {
    const r = await pins.verifyPin(userName, pin, newPin !== undefined ? { newPin } : {});
    // Failed PINs and lockouts are audited by the user store itself.
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
    audit.append(r.value.name, 'auth.sign_in', { role: r.value.role });
    return ok(session.signIn({ name: r.value.name, role: r.value.role, language: users.language(r.value.name) }));
  });
  registry.handle('signOut', async () => {
    const previous = session.signOut();
    if (previous) audit.append(previous.name, 'auth.sign_out', {});
    return ok(null);
  });
  // Only ever the signed-in person's own record: the language follows them to any PC or browser (#17).
  registry.handle('setMyLanguage', async ({ language }, user) => {
    const saved = users.setLanguage(user.name, language);
    if (!saved.ok) return err('NOT_FOUND', saved.error.message);
    session.setLanguage(saved.value);
    const view = session.view();
    return view ? ok(view) : NOT_SIGNED_IN;
  });

  registry.handle('listUsers', async () => ok(users.list()));
  registry.handle('addUser', async ({ name, role, pin }, user) => {
    const r = await users.add({ name, role, pin }, user.name);
    if (!r.ok) {
      // The screen words a taken name as such, not as a refused refund.
      return r.error.code === 'USER_EXISTS' ? err('INVALID_INPUT', r.error.message, { reason: 'USER_EXISTS' }) : err(r.error.code, r.error.message);
    }
    return ok({ name: r.value.name, role: r.value.role, disabled: false, lockedUntil: null });
  });
  registry.handle('disableUser', async ({ name }, user) => userResult(users.disable(name, user.name)));
  registry.handle('enableUser', async ({ name }, user) => userResult(users.enable(name, user.name)));
  registry.handle('unlockUser', async ({ name }, user) => userResult(users.unlock(name, user.name)));
  registry.handle('setUserRole', async ({ name, role }, user) => userResult(users.setRole(name, role, user.name)));
  registry.handle('resetUserPin', async ({ name }, user) => {
    const r = await users.resetPin(name, user.name);
    if (!r.ok) return err(r.error.code === 'USER_NOT_FOUND' ? 'NOT_FOUND' : r.error.code, r.error.message);
    return ok({ user: toUserView(r.value.user), oneTimePin: r.value.oneTimePin });
  });
}

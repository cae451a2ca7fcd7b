/**
 * People lifecycle (issue #14, item 6) through dispatch() and the real
 * services: a manager unlocks, resets a PIN (one-time, changed at the next
 * sign-in), re-enables and changes the role of a person; every change is
 * audited with the manager as actor; nobody changes their own role; a cashier
 * can do none of it. On the original code none of these operations existed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from './helpers';

let h: Harness;
beforeAll(async () => {
  h = await startHarness('rt-people-');
}, 60_000);
afterAll(async () => h.close());

const code = (r: { ok: boolean; error?: { code: string } }) => (r.ok ? 'OK' : (r.error?.code ?? '?'));

async function as(name: string, pin: string): Promise<void> {
  await h.call('signOut', {});
  const r = await h.call('signIn', { userName: name, pin });
  if (!r.ok) throw new Error(`${name}: ${r.error.code}`);
}

describe('people lifecycle', () => {
  it('a manager unlocks a locked-out cashier', async () => {
    await h.call('signOut', {});
    for (let i = 0; i < 5; i++) await h.call('signIn', { userName: 'alice', pin: '9182' });
    expect(code(await h.call('signIn', { userName: 'alice', pin: '1470' }))).toBe('USER_LOCKED');
    await as('maria', '246813');
    expect(code(await h.call('unlockUser', { name: 'alice' }))).toBe('OK');
    await h.call('signOut', {});
    expect(code(await h.call('signIn', { userName: 'alice', pin: '1470' }))).toBe('OK');
  });

  it('a cashier can do none of it', async () => {
    await as('alice', '1470');
    for (const [op, req] of [
      ['unlockUser', { name: 'tom' }],
      ['enableUser', { name: 'tom' }],
      ['resetUserPin', { name: 'tom' }],
      ['setUserRole', { name: 'alice', role: 'manager' }],
    ] as const) {
      expect([op, code(await h.call(op, req))]).toEqual([op, 'FORBIDDEN']);
    }
  });

  it('reset PIN: one-time, must be changed at the next sign-in to one the policy accepts', async () => {
    await as('maria', '246813');
    const reset = await h.call('resetUserPin', { name: 'tom' });
    if (!reset.ok) throw new Error(reset.error.message);
    const once = reset.value.oneTimePin;
    expect(once).toMatch(/^\d{8}$/);
    await h.call('signOut', {});
    expect(code(await h.call('signIn', { userName: 'tom', pin: '135792' }))).toBe('PIN_INVALID');
    expect(code(await h.call('signIn', { userName: 'tom', pin: once }))).toBe('PIN_CHANGE_REQUIRED');
    // Nobody is signed in on a one-time PIN.
    expect(await h.call('getSession', {})).toMatchObject({ ok: true, value: null });
    expect(code(await h.call('signIn', { userName: 'tom', pin: once, newPin: '4829' }))).toBe('INVALID_INPUT'); // technician: 6+
    expect(code(await h.call('signIn', { userName: 'tom', pin: once, newPin: '713590' }))).toBe('OK');
    await h.call('signOut', {});
    expect(code(await h.call('signIn', { userName: 'tom', pin: once }))).toBe('PIN_INVALID');
    expect(code(await h.call('signIn', { userName: 'tom', pin: '713590' }))).toBe('OK');
  });

  it('disable and re-enable; change a role, never one’s own; every change audited by the manager', async () => {
    await as('maria', '246813');
    expect(code(await h.call('disableUser', { name: 'alice' }))).toBe('OK');
    expect(code(await h.call('enableUser', { name: 'alice' }))).toBe('OK');
    expect(code(await h.call('setUserRole', { name: 'maria', role: 'technician' }))).toBe('FORBIDDEN');
    const promoted = await h.call('setUserRole', { name: 'alice', role: 'manager' });
    expect(promoted).toMatchObject({ ok: true, value: { name: 'alice', role: 'manager' } });
    // alice's 4-digit PIN is too short for a manager: she must choose a new one.
    await h.call('signOut', {});
    expect(code(await h.call('signIn', { userName: 'alice', pin: '1470' }))).toBe('PIN_CHANGE_REQUIRED');
    expect(code(await h.call('signIn', { userName: 'alice', pin: '1470', newPin: '582917' }))).toBe('OK');
    // The only other manager may now be demoted by alice (two managers), but not the last one.
    expect(code(await h.call('setUserRole', { name: 'maria', role: 'cashier' }))).toBe('OK');
    expect(h.services.core.ledger.users.setRole('alice', 'cashier', 'tom').ok).toBe(false);

    const entries = h.services.core.ledger.audit.list({ limit: 200 });
    const byKind = (kind: string) => entries.filter((e) => e.kind === kind).map((e) => `${e.actor}:${String(e.detail['name'])}`);
    expect(byKind('user.unlocked')).toEqual(['maria:alice']);
    expect(byKind('user.pin_reset')).toEqual(['maria:tom']);
    expect(byKind('user.pin_changed')).toEqual(expect.arrayContaining(['tom:tom', 'alice:alice']));
    expect(byKind('user.disabled')).toEqual(['maria:alice']);
    expect(byKind('user.enabled')).toEqual(['maria:alice']);
    expect(byKind('user.role_changed')).toEqual(['alice:maria', 'maria:alice']);
    expect(JSON.stringify(entries)).not.toMatch(/582917|713590/);
  });
});

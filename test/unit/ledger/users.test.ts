import { afterEach, describe, expect, it } from 'vitest';
import { seedDemoUsers } from '../../../main/ledger/demo-seed';
import { TestClock } from '../refunds/fakes';
import { tempLedger } from './helpers';

const cleanups: (() => void)[] = [];
afterEach(() => cleanups.splice(0).forEach((c) => c()));

function setup() {
  const clock = new TestClock();
  const t = tempLedger(clock.now);
  cleanups.push(t.cleanup);
  return { ...t, clock };
}

describe('users and PINs', () => {
  it('stores argon2id hashes, never the PIN, and verifies', async () => {
    const { ledger } = setup();
    const added = await ledger.users.add({ name: 'bob', role: 'cashier', pin: '4829' }, 'tom');
    expect(added.ok).toBe(true);
    const hash = (ledger.db.prepare("SELECT pin_hash FROM users WHERE name = 'bob'").get() as { pin_hash: string }).pin_hash;
    expect(hash.startsWith('$argon2id$')).toBe(true);
    expect(hash).not.toContain('4829');
    const ok = await ledger.verifyPin('bob', '4829');
    expect(ok.ok && ok.value.role).toBe('cashier');
    expect(JSON.stringify(ledger.users.list())).not.toContain('argon2');
    const audit = JSON.stringify(ledger.audit.list({ limit: 100 }));
    expect(audit).not.toContain('4829');
  });

  it('validates names, roles and PIN format and refuses duplicates', async () => {
    const { ledger } = setup();
    expect((await ledger.users.add({ name: 'x', role: 'cashier', pin: '12' }, 't')).ok).toBe(false);
    expect((await ledger.users.add({ name: 'x', role: 'cashier', pin: '123456789' }, 't')).ok).toBe(false);
    expect((await ledger.users.add({ name: 'x', role: 'boss', pin: '1234' }, 't')).ok).toBe(false);
    expect((await ledger.users.add({ name: 'a b', role: 'cashier', pin: '1234' }, 't')).ok).toBe(false);
    expect((await ledger.users.add({ name: 'x', role: 'cashier', pin: '48291736' }, 't')).ok).toBe(true);
    const dup = await ledger.users.add({ name: 'x', role: 'manager', pin: '482917' }, 't');
    expect(dup.ok ? null : dup.error.code).toBe('USER_EXISTS');
  });

  it('does not reveal whether a name exists', async () => {
    const { ledger } = setup();
    await ledger.users.add({ name: 'bob', role: 'cashier', pin: '4829' }, 'tom');
    const unknown = await ledger.verifyPin('nobody', '4829');
    const wrong = await ledger.verifyPin('bob', '0000');
    expect(unknown.ok ? null : unknown.error.code).toBe('USER_NOT_FOUND');
    expect(wrong.ok ? null : wrong.error.code).toBe('PIN_INVALID');
    expect(unknown.ok ? '' : unknown.error.message).toBe(wrong.ok ? 'x' : wrong.error.message);
  });

  it('locks after 5 wrong PINs for 5 minutes, then lets the right PIN in', async () => {
    const { ledger, clock } = setup();
    await ledger.users.add({ name: 'bob', role: 'manager', pin: '482917' }, 'tom');
    for (let i = 0; i < 5; i += 1) {
      const r = await ledger.verifyPin('bob', '0000');
      expect(r.ok ? null : r.error.code).toBe('PIN_INVALID');
    }
    const locked = await ledger.verifyPin('bob', '482917');
    expect(locked.ok ? null : locked.error.code).toBe('USER_LOCKED');
    clock.advance(4 * 60_000 + 59_000);
    const still = await ledger.verifyPin('bob', '482917');
    expect(still.ok ? null : still.error.code).toBe('USER_LOCKED');
    clock.advance(2_000);
    expect((await ledger.verifyPin('bob', '482917')).ok).toBe(true);
    // the count starts again from zero
    for (let i = 0; i < 4; i += 1) await ledger.verifyPin('bob', '0000');
    expect((await ledger.verifyPin('bob', '482917')).ok).toBe(true);
    const kinds = ledger.audit.list({ limit: 100 }).map((a) => a.kind);
    expect(kinds).toContain('auth.locked');
  });

  it('refuses disabled users', async () => {
    const { ledger } = setup();
    await ledger.users.add({ name: 'bob', role: 'cashier', pin: '4829' }, 'tom');
    expect(ledger.users.disable('bob', 'tom').ok).toBe(true);
    const r = await ledger.verifyPin('bob', '4829');
    expect(r.ok ? null : r.error.code).toBe('USER_DISABLED');
    expect(ledger.users.disable('ghost', 'tom').ok).toBe(false);
  });

  it('seeds the demo users idempotently with a default policy', async () => {
    const { ledger } = setup();
    await seedDemoUsers(ledger);
    await seedDemoUsers(ledger);
    expect(ledger.users.list().map((u) => `${u.name}:${u.role}`)).toEqual(['alice:cashier', 'maria:manager', 'tom:technician']);
    expect((await ledger.verifyPin('maria', '246813')).ok).toBe(true);
    expect((await ledger.verifyPin('alice', '1470')).ok).toBe(true);
    expect((await ledger.verifyPin('tom', '135792')).ok).toBe(true);
    expect(ledger.getPolicy().amountThresholds).toEqual({ SGD: 10_000, JPY: 10_000, KWD: 30_000 });
  });
});

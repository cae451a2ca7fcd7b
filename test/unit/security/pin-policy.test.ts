/**
 * PIN policy and keyed hashes (issue #14, item 5). On the original code a
 * manager could be given 1234, and the journal alone was enough to brute-force
 * every PIN offline (plain argon2id, no secret).
 */
import argon2 from 'argon2';
import BetterSqlite3 from 'better-sqlite3';
import { copyFileSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openLedger } from '../../../main/ledger/ledger';
import { pinProblem } from '../../../main/ledger/pin-policy';
import { openDataLedger } from '../../../main/services/data-ledger';
import { tempDir, tempLedger } from '../ledger/helpers';

const cleanups: (() => void)[] = [];
afterEach(() => cleanups.splice(0).forEach((c) => c()));

describe('PIN policy', () => {
  it('managers and technicians need 6+ digits; cashiers 4+ by default, configurable', () => {
    expect(pinProblem('4829', 'cashier')).toBeNull();
    expect(pinProblem('4829', 'manager')).toMatch(/6 to 8 digits/);
    expect(pinProblem('48291', 'technician')).toMatch(/6 to 8 digits/);
    expect(pinProblem('482917', 'manager')).toBeNull();
    expect(pinProblem('4829', 'cashier', { cashierMinLength: 6 })).toMatch(/6 to 8 digits/);
    expect(pinProblem('482917', 'cashier', { cashierMinLength: 6 })).toBeNull();
    expect(pinProblem('123456789', 'cashier')).not.toBeNull();
  });

  it('refuses repeats, runs, repeated blocks and the commonest PINs for every role', () => {
    for (const pin of [
      '1111',
      '0000',
      '1112',
      '1234',
      '9876',
      '8901',
      '1212',
      '2580',
      '1004',
      '123456',
      '654321',
      '111111',
      '123123',
      '121212',
      '112233',
      '999990',
      '24682468',
    ]) {
      for (const role of ['cashier', 'manager'] as const) {
        if (pin.length >= (role === 'manager' ? 6 : 4)) expect([pin, role, pinProblem(pin, role)]).not.toEqual([pin, role, null]);
      }
    }
    for (const pin of ['1470', '4829', '246813', '135792', '58291734'])
      expect([pin, pinProblem(pin, pin.length >= 6 ? 'manager' : 'cashier')]).toEqual([pin, null]);
  });

  it('users.add applies it', async () => {
    const t = tempLedger();
    cleanups.push(t.cleanup);
    const weak = await t.ledger.users.add({ name: 'boss', role: 'manager', pin: '1234' }, 'test');
    expect(weak.ok ? null : weak.error.code).toBe('INVALID_INPUT');
    expect((await t.ledger.users.add({ name: 'boss', role: 'manager', pin: '4829' }, 'test')).ok).toBe(false);
    expect((await t.ledger.users.add({ name: 'boss', role: 'manager', pin: '482917' }, 'test')).ok).toBe(true);
    const strict = openLedger(path.join(path.dirname(t.dbPath), 'other.sqlite'), { pinPolicy: { cashierMinLength: 6 } });
    cleanups.push(() => strict.close());
    expect((await strict.users.add({ name: 'c', role: 'cashier', pin: '4829' }, 'test')).ok).toBe(false);
  });
});

describe('keyed PIN hashes', () => {
  it('the journal alone does not verify a PIN: the pepper is in the secret store, not in the ledger', async () => {
    const t = tempDir();
    cleanups.push(t.cleanup);
    const { ledger, secrets } = await openDataLedger(t.dir);
    expect((await ledger.users.add({ name: 'bob', role: 'manager', pin: '482917' }, 'test')).ok).toBe(true);
    const hash = (ledger.db.prepare("SELECT pin_hash FROM users WHERE name = 'bob'").get() as { pin_hash: string }).pin_hash;
    expect((await ledger.verifyPin('bob', '482917')).ok).toBe(true);
    ledger.close();

    // An attacker with a copy of ledger.sqlite: plain argon2 (what cracked it before) finds nothing...
    expect(await argon2.verify(hash, '482917')).toBe(false);
    // ...nor does the app opened on the copy without this folder's secret store.
    const stolen = path.join(t.dir, 'stolen.sqlite');
    copyFileSync(path.join(t.dir, 'ledger.sqlite'), stolen);
    const copy = openLedger(stolen);
    cleanups.push(() => copy.close());
    expect((await copy.verifyPin('bob', '482917')).ok).toBe(false);
    // The pepper lives encrypted in secrets.json, never in the ledger file.
    const pepper = await secrets.get('ledger.pinPepper');
    expect(pepper).not.toBeNull();
    expect(readFileSync(path.join(t.dir, 'ledger.sqlite')).includes(Buffer.from(pepper as string))).toBe(false);
    expect(readFileSync(path.join(t.dir, 'secrets.json'), 'utf8')).not.toContain(pepper as string);
    // And it is stable across opens.
    const again = await openDataLedger(t.dir);
    expect((await again.ledger.verifyPin('bob', '482917')).ok).toBe(true);
    again.ledger.close();
  });

  it('an unkeyed hash from before is re-keyed at the next successful sign-in; a PIN the policy now refuses must be changed', async () => {
    const t = tempLedger();
    cleanups.push(t.cleanup);
    const legacy = async (name: string, role: string, pin: string) =>
      t.ledger.db
        .prepare(
          "INSERT INTO users (name, role, pin_hash, disabled, failed_attempts, locked_until, created_at) VALUES (?, ?, ?, 0, 0, NULL, '2026-01-01T00:00:00Z')",
        )
        .run(name, role, await argon2.hash(pin, { type: argon2.argon2id }));
    await legacy('carol', 'cashier', '4829');
    await legacy('maria', 'manager', '2468');
    // Rows from before the seals (attack F4) are adopted when the ledger is opened, as on an upgrade.
    const l = openLedger(t.dbPath);
    cleanups.push(() => l.close());
    const row = (name: string) =>
      t.ledger.db.prepare('SELECT pin_hash, pin_keyed, must_change_pin FROM users WHERE name = ?').get(name) as { pin_hash: string; pin_keyed: number };

    expect((await l.verifyPin('carol', '4829')).ok).toBe(true);
    expect(row('carol').pin_keyed).toBe(1);
    expect(await argon2.verify(row('carol').pin_hash, '4829')).toBe(false);
    expect((await l.verifyPin('carol', '4829')).ok).toBe(true);

    const old = await l.verifyPin('maria', '2468');
    expect(old.ok ? null : old.error.code).toBe('PIN_CHANGE_REQUIRED');
    const weak = await l.verifyPin('maria', '2468', { newPin: '123456' });
    expect(weak.ok ? null : weak.error.code).toBe('INVALID_INPUT');
    expect((await l.verifyPin('maria', '2468', { newPin: '582917' })).ok).toBe(true);
    expect((await l.verifyPin('maria', '582917')).ok).toBe(true);
    expect((await l.verifyPin('maria', '2468')).ok).toBe(false);
    expect(row('maria').pin_keyed).toBe(1);
    const kinds = t.ledger.audit.list({ limit: 50 }).map((e) => e.kind);
    expect(kinds).toEqual(expect.arrayContaining(['user.pin_rekeyed', 'user.pin_changed']));
    // (raw connection only to prove nothing else can read the hash back)
    const raw = new BetterSqlite3(t.dbPath, { readonly: true });
    expect(JSON.stringify(raw.prepare('SELECT * FROM audit').all())).not.toContain('582917');
    raw.close();
  });
});

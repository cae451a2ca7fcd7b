/**
 * #17 language per person: a person's screen language lives on their user
 * record, so a sign-in anywhere (another PC, a new browser profile) gets it
 * back; each person keeps their own; the operation only sets one's own.
 */
import { afterEach, describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import path from 'node:path';
import { MIGRATIONS } from '../../../main/ledger/migrations';
import { signInAs, startHarness, type Harness } from '../security/helpers';
import { OPERATION_ACCESS } from '../../../main/features/access';

const harnesses: Harness[] = [];
afterEach(async () => {
  for (const h of harnesses.splice(0)) await h.close();
});
async function harness(): Promise<Harness> {
  const h = await startHarness('rt-lang-');
  harnesses.push(h);
  return h;
}

describe('language per person', () => {
  it('is null until chosen, kept on the user record, and given back at the next sign-in', async () => {
    const h = await harness();
    const first = await h.call('signIn', { userName: 'maria', pin: '246813' });
    expect(first.ok && first.value.language).toBe(null);

    const set = await h.call('setMyLanguage', { language: 'zh' });
    expect(set.ok && set.value.language).toBe('zh');
    const session = await h.call('getSession', {});
    expect(session.ok && session.value?.language).toBe('zh');

    await h.call('signOut', {});
    const again = await h.call('signIn', { userName: 'maria', pin: '246813' });
    expect(again.ok && again.value.language).toBe('zh');

    // Someone else's choice is theirs: alice is still unset.
    await h.call('signOut', {});
    const alice = await h.call('signIn', { userName: 'alice', pin: '1470' });
    expect(alice.ok && alice.value.language).toBe(null);

    // On the record itself, in SQLite (survives a restart of the app).
    const db = new Database(path.join(h.dataDir, 'ledger.sqlite'), { readonly: true });
    try {
      const rows = db.prepare('SELECT name, language FROM users ORDER BY name').all();
      expect(rows).toEqual([
        { name: 'alice', language: null },
        { name: 'maria', language: 'zh' },
        { name: 'tom', language: null },
      ]);
    } finally {
      db.close();
    }
  });

  it('needs a sign-in, is open to every role, and refuses a language that is not offered', async () => {
    const h = await harness();
    const anonymous = await h.call('setMyLanguage', { language: 'zh' });
    expect(anonymous.ok ? null : anonymous.error.code).toBe('NOT_SIGNED_IN');
    expect(OPERATION_ACCESS.setMyLanguage).toEqual(['cashier', 'manager', 'technician']);
    for (const [name, pin] of [
      ['alice', '1470'],
      ['tom', '135792'],
    ] as const) {
      await signInAs(h, name, pin);
      const r = await h.call('setMyLanguage', { language: 'en' });
      expect(r.ok && r.value.userName).toBe(name);
    }
    const bad = await h.call('setMyLanguage', { language: 'fr' });
    expect(bad.ok ? null : bad.error.code).toBe('INVALID_REQUEST');
    const extra = await h.call('setMyLanguage', { language: 'zh', userName: 'maria' });
    expect(extra.ok ? null : extra.error.code).toBe('INVALID_REQUEST');
  });

  it('the column is a migration of its own (never edited into an older one) and refuses other values', () => {
    const at = MIGRATIONS.findIndex((m) => m.includes('ADD COLUMN language'));
    expect(at).toBeGreaterThan(8); // after v9 (other refunds): an upgrade of an existing journal adds it
    expect(MIGRATIONS.filter((m) => m.includes('ADD COLUMN language'))).toHaveLength(1);
    const db = new Database(':memory:');
    try {
      for (const sql of MIGRATIONS) db.exec(sql);
      db.prepare(
        "INSERT INTO users (name, role, pin_hash, disabled, failed_attempts, locked_until, created_at) VALUES ('x', 'cashier', 'h', 0, 0, NULL, 'now')",
      ).run();
      expect(() => db.prepare("UPDATE users SET language = 'fr' WHERE name = 'x'").run()).toThrow(/CHECK/);
      db.prepare("UPDATE users SET language = 'zh' WHERE name = 'x'").run();
    } finally {
      db.close();
    }
  });
});

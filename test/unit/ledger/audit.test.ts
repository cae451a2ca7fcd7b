import BetterSqlite3 from 'better-sqlite3';
import fs from 'node:fs';
import { entryHash } from '../../../main/ledger/audit';
import { afterEach, describe, expect, it } from 'vitest';
import { openLedger } from '../../../main/ledger/ledger';
import { tempLedger } from './helpers';

const cleanups: (() => void)[] = [];
afterEach(() => cleanups.splice(0).forEach((c) => c()));

function withEntries(n = 5) {
  const t = tempLedger();
  cleanups.push(t.cleanup);
  for (let i = 1; i <= n; i += 1) t.ledger.audit.append(`user${i}`, 'config.change', { i, nested: { b: 2, a: 1 } });
  expect(t.ledger.verifyAudit()).toMatchObject({ ok: true, count: n });
  t.ledger.close();
  return t;
}

/** Tampering as an attacker with the file would: a raw connection, triggers dropped. */
function tamper(dbPath: string, sql: string): void {
  const raw = new BetterSqlite3(dbPath);
  raw.exec('DROP TRIGGER audit_no_update; DROP TRIGGER audit_no_delete;');
  raw.exec(sql);
  raw.close();
}

describe('audit trail', () => {
  it('refuses UPDATE and DELETE through SQLite triggers', () => {
    const t = tempLedger();
    cleanups.push(t.cleanup);
    t.ledger.audit.append('maria', 'auth.sign_in', {});
    expect(() => t.ledger.db.exec("UPDATE audit SET actor = 'eve'")).toThrow(/append-only/);
    expect(() => t.ledger.db.exec('DELETE FROM audit')).toThrow(/append-only/);
  });

  it('lists newest first with parsed detail', () => {
    const t = tempLedger();
    cleanups.push(t.cleanup);
    t.ledger.audit.append('maria', 'auth.sign_in', { station: 1 });
    t.ledger.audit.append('maria', 'auth.sign_out', {});
    const list = t.ledger.audit.list({ limit: 10 });
    expect(list.map((e) => e.seq)).toEqual([2, 1]);
    expect(list[1]?.detail).toEqual({ station: 1 });
  });

  it('detects an edited row', () => {
    const t = withEntries();
    tamper(t.dbPath, "UPDATE audit SET actor = 'eve' WHERE seq = 3");
    const l = openLedger(t.dbPath);
    expect(l.verifyAudit()).toMatchObject({ ok: false, firstBrokenSeq: 3, count: 2 });
    l.close();
  });

  it('detects an edited detail even when the attacker recomputes that row hash', () => {
    const t = withEntries();
    const l0 = openLedger(t.dbPath);
    const row3 = l0.db.prepare('SELECT * FROM audit WHERE seq = 3').get() as { prev_hash: string; at: string };
    l0.close();
    // recompute row 3's own hash correctly: its MAC no longer matches (and row 4 still links to the old hash)
    const detail = '{"i":99}';
    const h = entryHash(row3.prev_hash, { seq: 3, at: row3.at, actor: 'user3', kind: 'config.change', detail });
    tamper(t.dbPath, `UPDATE audit SET detail = '${detail}', hash = '${h}' WHERE seq = 3`);
    const l = openLedger(t.dbPath);
    expect(l.verifyAudit()).toMatchObject({ ok: false, firstBrokenSeq: 3, reason: expect.stringMatching(/audit key/) });
    l.close();
  });

  it('detects a deleted row', () => {
    const t = withEntries();
    tamper(t.dbPath, 'DELETE FROM audit WHERE seq = 2');
    const l = openLedger(t.dbPath);
    expect(l.verifyAudit()).toMatchObject({ ok: false, firstBrokenSeq: 2, count: 1 });
    l.close();
  });

  it('detects a deleted row with the rest renumbered', () => {
    const t = withEntries();
    tamper(t.dbPath, 'DELETE FROM audit WHERE seq = 2; UPDATE audit SET seq = seq - 1 WHERE seq > 2');
    const l = openLedger(t.dbPath);
    expect(l.verifyAudit()).toMatchObject({ ok: false, firstBrokenSeq: 2 });
    l.close();
  });

  it('detects reordered rows', () => {
    const t = withEntries();
    tamper(t.dbPath, 'UPDATE audit SET seq = 100 WHERE seq = 2; UPDATE audit SET seq = 2 WHERE seq = 3; UPDATE audit SET seq = 3 WHERE seq = 100;');
    const l = openLedger(t.dbPath);
    expect(l.verifyAudit()).toMatchObject({ ok: false, firstBrokenSeq: 2 });
    l.close();
  });

  it('detects a raw byte edit of the file', () => {
    const t = withEntries();
    // checkpoint the WAL into the main file so the bytes are there to edit
    const raw = new BetterSqlite3(t.dbPath);
    raw.pragma('wal_checkpoint(TRUNCATE)');
    raw.close();
    const buf = fs.readFileSync(t.dbPath);
    const at = buf.indexOf(Buffer.from('user4'));
    expect(at).toBeGreaterThan(0);
    buf.write('userX', at);
    fs.writeFileSync(t.dbPath, buf);
    const l = openLedger(t.dbPath);
    expect(l.verifyAudit()).toMatchObject({ ok: false, firstBrokenSeq: 4 });
    l.close();
  });
});

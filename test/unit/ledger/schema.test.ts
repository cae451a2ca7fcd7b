import BetterSqlite3 from 'better-sqlite3';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openLedger } from '../../../main/ledger/ledger';
import { LATEST_VERSION, migrate, schemaVersion } from '../../../main/ledger/migrations';
import { tempDir } from './helpers';

const cleanups: (() => void)[] = [];
afterEach(() => cleanups.splice(0).forEach((c) => c()));

describe('ledger schema and migrations', () => {
  it('opens an empty file with WAL, synchronous=FULL, busy_timeout and the latest schema', () => {
    const t = tempDir();
    cleanups.push(t.cleanup);
    const ledger = openLedger(path.join(t.dir, 'l.sqlite'));
    cleanups.push(() => ledger.close());
    expect(ledger.db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(ledger.db.pragma('synchronous', { simple: true })).toBe(2);
    expect(ledger.db.pragma('busy_timeout', { simple: true })).toBeGreaterThanOrEqual(1000);
    expect(ledger.schemaVersion()).toBe(LATEST_VERSION);
    expect(LATEST_VERSION).toBeGreaterThanOrEqual(2);
    const tables = (ledger.db.prepare("SELECT name FROM sqlite_master WHERE type='table'").all() as { name: string }[]).map((r) => r.name);
    for (const t of ['payments', 'refunds', 'refund_transitions', 'users', 'approvals', 'policy', 'audit']) expect(tables).toContain(t);
  });

  it('migrates a v1 file with data to the latest version, keeping the rows', () => {
    const t = tempDir();
    cleanups.push(t.cleanup);
    const file = path.join(t.dir, 'old.sqlite');
    const raw = new BetterSqlite3(file);
    expect(migrate(raw, 1)).toBe(1);
    raw
      .prepare(
        "INSERT INTO payments (payment_id, amount_value, currency, payment_method, paid_at, status, supports_partial, fetched_at) VALUES ('P1', 500, 'SGD', 'ALIPAY_CN', '2026-01-01T00:00:00Z', 'SUCCESS', 1, '2026-01-01T00:00:00Z')",
      )
      .run();
    raw
      .prepare(
        `INSERT INTO refunds (refund_request_id, intent_id, payment_id, mode, amount_value, currency, memo, state, message, next_action, cashier, created_at, updated_at)
         VALUES ('RR1', 'I1', 'P1', 'FULL', 500, 'SGD', NULL, 'SUBMITTING', 'm', 'WAIT', 'alice', '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z')`,
      )
      .run();
    const cols = (raw.prepare('PRAGMA table_info(refunds)').all() as { name: string }[]).map((c) => c.name);
    expect(cols).not.toContain('next_check_at');
    raw.close();

    const ledger = openLedger(file);
    cleanups.push(() => ledger.close());
    expect(ledger.schemaVersion()).toBe(LATEST_VERSION);
    const row = ledger.refunds.get('RR1');
    expect(row).not.toBeNull();
    expect(row?.attempts).toBe(0);
    expect(row?.next_check_at).toBeNull();
    expect(row?.root_intent_id).toBe('I1');
    expect(ledger.refunds.nonFinal().map((r) => r.refund_request_id)).toEqual(['RR1']);
    expect(ledger.getPolicy().amountThresholds['SGD']).toBeDefined();
  });

  it('migrates from the previous version (LATEST - 1) with data', () => {
    const t = tempDir();
    cleanups.push(t.cleanup);
    const file = path.join(t.dir, 'prev.sqlite');
    const raw = new BetterSqlite3(file);
    expect(migrate(raw, LATEST_VERSION - 1)).toBe(LATEST_VERSION - 1);
    raw
      .prepare(
        "INSERT INTO payments (payment_id, amount_value, currency, payment_method, paid_at, status, supports_partial, fetched_at) VALUES ('P1', 500, 'SGD', 'ALIPAY_CN', '2026-01-01T00:00:00Z', 'SUCCESS', 1, '2026-01-01T00:00:00Z')",
      )
      .run();
    raw
      .prepare(
        `INSERT INTO refunds (refund_request_id, intent_id, root_intent_id, payment_id, mode, amount_value, currency, memo, state, message, next_action, cashier, attempts, next_check_at, created_at, updated_at)
         VALUES ('RR2', 'I2', 'I2', 'P1', 'FULL', 500, 'SGD', NULL, 'PENDING_UNKNOWN', 'm', 'INQUIRE', 'alice', 3, '2026-01-01T00:01:00Z', '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z')`,
      )
      .run();
    raw.close();
    const ledger = openLedger(file);
    cleanups.push(() => ledger.close());
    expect(ledger.schemaVersion()).toBe(LATEST_VERSION);
    expect(ledger.refunds.get('RR2')).toMatchObject({ state: 'PENDING_UNKNOWN', attempts: 3, next_check_at: '2026-01-01T00:01:00Z', lease_owner: null });
  });

  it('is idempotent when opened again and refuses a newer schema', () => {
    const t = tempDir();
    cleanups.push(t.cleanup);
    const file = path.join(t.dir, 'l.sqlite');
    openLedger(file).close();
    const again = openLedger(file);
    expect(again.schemaVersion()).toBe(LATEST_VERSION);
    again.db.pragma(`user_version = ${LATEST_VERSION + 1}`);
    again.close();
    expect(() => openLedger(file)).toThrow(/newer/);
    const raw = new BetterSqlite3(file);
    expect(schemaVersion(raw)).toBe(LATEST_VERSION + 1);
    raw.close();
  });
});

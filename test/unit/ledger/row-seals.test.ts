/**
 * Attack F4: SQL edits of the users, policy and settings rows (role, PIN hash,
 * approval limits) are caught by `audit verify` and refused where the row is used.
 */
import BetterSqlite3 from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { openLedger, type Ledger } from '../../../main/ledger/ledger';
import { DEFAULT_POLICY, TAMPERED_POLICY } from '../../../main/ledger/policy';
import { LATEST_VERSION } from '../../../main/ledger/migrations';
import { PUBLIC_TEST_KEYS } from '../../../main/secrets/ledger-keys';
import { newRefund, seedPayment, tempLedger } from './helpers';

const cleanups: (() => void)[] = [];
afterEach(() => cleanups.splice(0).forEach((c) => c()));

/** An existing terminal: its keys exist, so nothing is adopted on open. */
function reopen(dbPath: string): Ledger {
  const l = openLedger(dbPath, { keys: PUBLIC_TEST_KEYS, adoptUnsignedAudit: false });
  cleanups.push(() => l.close());
  return l;
}

function sql(dbPath: string, text: string): void {
  const raw = new BetterSqlite3(dbPath);
  raw.exec(text);
  raw.close();
}

async function shop(): Promise<string> {
  const t = tempLedger();
  cleanups.push(t.cleanup);
  const l = t.ledger;
  expect((await l.users.add({ name: 'maria', role: 'manager', pin: '246813' }, 'setup')).ok).toBe(true);
  expect((await l.users.add({ name: 'alice', role: 'cashier', pin: '582914' }, 'setup')).ok).toBe(true);
  expect((await l.users.add({ name: 'tom', role: 'cashier', pin: '730462' }, 'setup')).ok).toBe(true);
  expect(l.setPolicy({ ...DEFAULT_POLICY, amountThresholds: { SGD: 5_000 } }, 'maria').ok).toBe(true);
  l.settings.setStore({ ...l.settings.store(), storeName: 'Orchard' }, 'maria');
  l.close();
  return t.dbPath;
}

describe('row seals (attack F4)', () => {
  it('an untouched ledger verifies, across a reopen with the real keys', async () => {
    const dbPath = await shop();
    const l = reopen(dbPath);
    expect(l.verifyAudit()).toMatchObject({ ok: true });
    expect((await l.verifyPin('tom', '730462')).ok).toBe(true);
    expect(l.getPolicy().amountThresholds).toEqual({ SGD: 5_000 });
    expect(l.settings.store().storeName).toBe('Orchard');
  });

  it('a cashier made manager by SQL is named by audit verify', async () => {
    const dbPath = await shop();
    sql(dbPath, "UPDATE users SET role = 'manager' WHERE name = 'alice'");
    const v = reopen(dbPath).verifyAudit();
    expect(v.ok).toBe(false);
    if (v.ok) return;
    expect(v.reason).toMatch(/users alice/);
    expect(v.rowProblems).toEqual([expect.objectContaining({ table: 'users', key: 'alice' })]);
  });

  it("a manager's PIN hash copied onto another user signs nobody in as that user", async () => {
    const dbPath = await shop();
    sql(dbPath, "UPDATE users SET pin_hash = (SELECT pin_hash FROM users WHERE name = 'maria') WHERE name = 'tom'");
    const l = reopen(dbPath);
    expect((await l.verifyPin('tom', '246813')).ok).toBe(false);
    expect(l.verifyAudit()).toMatchObject({ ok: false, rowProblems: [expect.objectContaining({ table: 'users', key: 'tom' })] });
    // The others are unaffected.
    expect((await l.verifyPin('maria', '246813')).ok).toBe(true);
  });

  it('a row whose seal was removed is not adopted on a later open', async () => {
    const dbPath = await shop();
    sql(dbPath, "UPDATE users SET role = 'manager', row_mac = NULL WHERE name = 'alice'");
    const l = reopen(dbPath);
    expect(l.verifyAudit()).toMatchObject({ ok: false, rowProblems: [expect.objectContaining({ key: 'alice' })] });
    expect((await l.verifyPin('alice', '582914')).ok).toBe(false);
  });

  it('an emptied policy is reported and not applied: every refund needs a manager', async () => {
    const dbPath = await shop();
    const loose = JSON.stringify({ ...DEFAULT_POLICY, amountThresholds: {}, cashierDailyTotals: {}, paymentOlderThanDays: 3650, allowSelfApproval: true });
    sql(dbPath, `UPDATE policy SET body = '${loose}' WHERE id = 1`);
    const l = reopen(dbPath);
    expect(l.getPolicy()).toEqual(TAMPERED_POLICY);
    expect(l.verifyAudit()).toMatchObject({ ok: false, rowProblems: [expect.objectContaining({ table: 'policy', key: '1' })] });
    // A manager setting the policy again through the app re-seals it.
    expect(l.setPolicy(DEFAULT_POLICY, 'maria').ok).toBe(true);
    expect(l.getPolicy()).toEqual(DEFAULT_POLICY);
    expect(l.verifyAudit()).toMatchObject({ ok: true });
  });

  it('a policy edited while the ledger is open, after it was read, is not applied either', async () => {
    const dbPath = await shop();
    const l = reopen(dbPath);
    expect(l.getPolicy().amountThresholds).toEqual({ SGD: 5_000 });
    const loose = JSON.stringify({ ...DEFAULT_POLICY, amountThresholds: {}, cashierDailyTotals: {} });
    sql(dbPath, `UPDATE policy SET body = '${loose}' WHERE id = 1`);
    expect(l.getPolicy()).toEqual(TAMPERED_POLICY);
  });

  it('an edited setting falls back to the default and is reported', async () => {
    const dbPath = await shop();
    sql(dbPath, `UPDATE settings SET body = json_set(body, '$.storeName', 'Evil') WHERE key = 'store'`);
    const l = reopen(dbPath);
    expect(l.settings.store().storeName).not.toBe('Evil');
    expect(l.verifyAudit()).toMatchObject({ ok: false, rowProblems: [expect.objectContaining({ table: 'settings', key: 'store' })] });
  });

  it('the upgrade that adds the seals adopts the rows it finds, once', async () => {
    const dbPath = await shop();
    const probe = new BetterSqlite3(dbPath);
    expect(probe.pragma('user_version', { simple: true })).toBe(LATEST_VERSION);
    probe.close();
    // What a ledger from before the seals (v11) looks like: no row_mac columns, nothing of later versions, at v10.
    sql(
      dbPath,
      `ALTER TABLE users DROP COLUMN row_mac; ALTER TABLE policy DROP COLUMN row_mac; ALTER TABLE settings DROP COLUMN row_mac;
       DROP INDEX IF EXISTS refunds_cashier_created; PRAGMA user_version = 10;`,
    );
    const l = reopen(dbPath);
    expect(l.verifyAudit()).toMatchObject({ ok: true });
    expect((await l.verifyPin('tom', '730462')).ok).toBe(true);
    l.close();
    sql(dbPath, "UPDATE users SET role = 'manager' WHERE name = 'tom'");
    expect(reopen(dbPath).verifyAudit()).toMatchObject({ ok: false });
  });

  it('an approval row forged, re-attributed or removed with SQL is named by audit verify', async () => {
    const t = tempLedger();
    cleanups.push(t.cleanup);
    seedPayment(t.ledger);
    seedPayment(t.ledger, 'PAY2');
    expect(t.ledger.refunds.insert(newRefund({ refundRequestId: 'AP1' }), 'alice').ok).toBe(true);
    expect(t.ledger.refunds.insert(newRefund({ refundRequestId: 'AP2', paymentId: 'PAY2' }), 'alice').ok).toBe(true);
    t.ledger.refunds.recordApproval({ refundRequestId: 'AP1', manager: 'maria', decision: 'APPROVED', reason: 'ok' });
    t.ledger.close();
    expect(reopen(t.dbPath).verifyAudit()).toMatchObject({ ok: true });
    sql(t.dbPath, "UPDATE approvals SET manager = 'bob' WHERE refund_request_id = 'AP1'");
    sql(t.dbPath, "INSERT INTO approvals (refund_request_id, manager, decision, reason, at) VALUES ('AP2', 'maria', 'APPROVED', 'x', '2026-01-01T00:00:00Z')");
    const v = reopen(t.dbPath).verifyAudit();
    expect(v.ok).toBe(false);
    expect(v.refundProblems.map((p) => [p.refundRequestId, p.problem.startsWith('approvals edited')])).toEqual([
      ['AP1', true],
      ['AP2', true],
    ]);
  });
});

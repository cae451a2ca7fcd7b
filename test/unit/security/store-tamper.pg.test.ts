/**
 * Store mode against someone with SQL access to the store database (issue
 * #16): each attack is made with plain SQL on its own connection, and
 * `audit verify` is run from ANOTHER counter's connection, which must name
 * it (table, key, problem); a forged row must be refused where it is used.
 * Real PostgreSQL (throwaway cluster), a fresh database per test.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStoreLedger } from '../../../main/ledger/pg/pg-store';
import { PgJournal } from '../../../main/ledger/pg/pg-journal';
import { pgMigrate } from '../../../main/ledger/pg/pg-migrations';
import { entryHash, entryMac, GENESIS_HASH } from '../../../main/ledger/audit';
import { TAMPERED_POLICY } from '../../../main/ledger/policy';
import type { StoreLedger } from '../../../main/ledger/store-port';
import { pgAvailable, startPgCluster, type PgCluster } from '../../helpers/pg-cluster';
import { journalRefund } from '../store/notify-helpers';

const KEYS = { auditKey: Buffer.alloc(32, 0x51), pinPepper: Buffer.alloc(32, 0x52) };
const BOSS_PIN = '482193';
const TOM_PIN = '7302';

let cluster: PgCluster | null = null;
let n = 0;

interface Store {
  url: string;
  a: StoreLedger;
  b: StoreLedger;
  sql(text: string, params?: unknown[]): Promise<pg.QueryResult>;
  close(): Promise<void>;
}

/** Two counters of one store (c1 writes, c2 verifies) and a raw SQL connection (the attacker). */
async function store(): Promise<Store> {
  if (cluster === null) throw new Error('no cluster');
  n += 1;
  const name = `tamper_${process.pid}_${n}`;
  cluster.createDatabase(name);
  const url = cluster.url(name);
  const a = await openStoreLedger(url, { register: 'c1', keys: KEYS });
  const b = await openStoreLedger(url, { register: 'c2', keys: KEYS });
  const raw = new pg.Client({ connectionString: url });
  await raw.connect();
  return {
    url,
    a,
    b,
    sql: (text, params) => raw.query(text, params),
    async close() {
      await raw.end();
      await a.close();
      await b.close();
    },
  };
}

async function people(s: Store): Promise<void> {
  expect((await s.a.people.add({ name: 'boss', role: 'manager', pin: BOSS_PIN }, 'setup')).ok).toBe(true);
  expect((await s.a.people.add({ name: 'tom', role: 'cashier', pin: TOM_PIN }, 'boss')).ok).toBe(true);
}

describe.skipIf(!pgAvailable)('store mode: SQL tampering is named by audit verify at every counter, and refused where used', () => {
  beforeAll(async () => {
    cluster = await startPgCluster();
  }, 60_000);
  afterAll(async () => {
    await cluster?.stop();
  }, 30_000);

  it('the legitimate write paths keep the store verifying: people, settings, every refund path', async () => {
    const s = await store();
    await people(s);
    await s.a.people.disable('tom', 'boss');
    await s.a.people.enable('tom', 'boss');
    await s.a.people.unlock('tom', 'boss');
    await s.a.people.setRole('tom', 'technician', 'boss');
    const reset = await s.a.people.resetPin('tom', 'boss');
    if (!reset.ok) throw new Error(reset.error.message);
    expect(await s.b.people.verifyPin('tom', reset.value.oneTimePin, { newPin: '719346' })).toMatchObject({ ok: true });
    await s.a.settings.setPolicy({ ...TAMPERED_POLICY, approveAnyPartial: false }, 'boss');
    await s.a.settings.setTimeZone('Asia/Singapore', 'boss');
    const j = s.a.journal;
    await journalRefund(j, 'RR-OK-1', 'PAY-OK-1', 'SUCCEEDED');
    expect((await j.recordAntomAmount('RR-OK-1', 900, 'system')).ok).toBe(true);
    await journalRefund(j, 'RR-OK-2', 'PAY-OK-2', 'PENDING_UNKNOWN');
    expect((await j.update('RR-OK-2', 'PENDING_UNKNOWN', { refundId: 'ANTOM-2', message: 'x' })).ok).toBe(true);
    await j.recordChecks([{ refundRequestId: 'RR-OK-2', expected: 'PENDING_UNKNOWN', patch: { refundId: 'ANTOM-2b', attempts: 2 } }], 'me');
    await j.recordSlip('RR-OK-1', true);
    expect(await j.claimLeases(['RR-OK-2'], 'me', 60_000, () => true)).toEqual(new Set(['RR-OK-2']));
    await journalRefund(j, 'RR-OK-3', 'PAY-OK-3', 'FAILED');
    expect((await j.transition('RR-OK-3', 'FAILED', 'SUCCEEDED', { actor: 'notify', lateSuccess: true, patch: { refundId: 'LATE' } })).ok).toBe(true);
    await j.upsertPayment({
      paymentId: 'PAY-OK-4',
      amount: { value: 10_000, currency: 'SGD' },
      paymentMethod: 'EXPRESS_BANKTRANSFER',
      paidAt: '2026-12-01T08:00:00.000Z',
      status: 'SUCCESS',
      supportsPartialRefund: true,
    });
    const asked = await j.insert(
      {
        refundRequestId: 'RR-OK-4',
        intentId: 'intent-RR-OK-4',
        paymentId: 'PAY-OK-4',
        mode: 'PARTIAL',
        amount: { value: 2_000, currency: 'SGD' },
        memo: 'big one',
        state: 'AWAITING_APPROVAL',
        cashier: 'tom',
        message: 'm',
        nextAction: 'WAIT',
        approvalReasons: [],
      },
      'tom',
    );
    expect(asked.ok).toBe(true);
    expect((await s.b.journal.decide('RR-OK-4', { decision: 'APPROVED', manager: 'boss', reason: 'ok' })).ok).toBe(true);
    const verdict = await s.b.audit.verify();
    expect(verdict).toMatchObject({ ok: true, refundProblems: [] });
    expect(verdict).not.toHaveProperty('rowProblems');
    // Every legitimate append moved the head record with it; every refund's content is in the chain.
    expect((await s.sql('SELECT seq FROM audit_head')).rows).toEqual([{ seq: String(verdict.head.seq) }]);
    const covered = await s.sql(`SELECT DISTINCT detail::json->>'refundRequestId' AS id FROM audit WHERE detail LIKE '%"row":%' ORDER BY 1`);
    expect(covered.rows.map((r: { id: string }) => r.id)).toEqual(['RR-OK-1', 'RR-OK-2', 'RR-OK-3', 'RR-OK-4']);
    await s.close();
  }, 60_000);

  it('a cashier made manager by SQL: named at the other counter, and cannot sign in (so cannot approve)', async () => {
    const s = await store();
    await people(s);
    await s.sql("UPDATE users SET role = 'manager' WHERE name = 'tom'");
    const v = await s.b.audit.verify();
    expect(v).toMatchObject({ ok: false, rowProblems: [{ table: 'users', key: 'tom', problem: expect.stringContaining('edited outside the app') }] });
    expect(await s.b.people.verifyPin('tom', TOM_PIN)).toMatchObject({ ok: false, error: { code: 'USER_DISABLED' } });
    // The forged manager does not count as one: the store's only real manager cannot be demoted on its strength.
    expect(await s.b.people.setRole('boss', 'cashier', 'tom')).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
    // Nothing blesses the forged row: a role change on it is refused; a PIN reset repairs it as a cashier.
    expect(await s.b.people.setRole('tom', 'manager', 'boss')).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
    const reset = await s.b.people.resetPin('tom', 'boss');
    expect(reset).toMatchObject({ ok: true, value: { user: { role: 'cashier' } } });
    expect(await s.a.audit.verify()).toMatchObject({ ok: true });
    await s.close();
  }, 60_000);

  it("a manager's PIN hash replaced by a cashier's (whose PIN the attacker knows): named, and the cashier's PIN does not open the manager", async () => {
    const s = await store();
    await people(s);
    await s.sql("UPDATE users SET pin_hash = (SELECT pin_hash FROM users WHERE name = 'tom') WHERE name = 'boss'");
    expect(await s.b.audit.verify()).toMatchObject({ ok: false, rowProblems: [expect.objectContaining({ table: 'users', key: 'boss' })] });
    expect(await s.b.people.verifyPin('boss', TOM_PIN)).toMatchObject({ ok: false, error: { code: 'USER_DISABLED' } });
    // Copying the seal along with the hash does not help: the seal covers the name.
    await s.sql("UPDATE users SET row_mac = (SELECT row_mac FROM users WHERE name = 'tom') WHERE name = 'boss'");
    expect(await s.b.people.verifyPin('boss', TOM_PIN)).toMatchObject({ ok: false, error: { code: 'USER_DISABLED' } });
    await s.close();
  }, 60_000);

  it('a demoted manager whose old sealed row is put back: named as replaced (the chain recorded a later seal)', async () => {
    const s = await store();
    await people(s);
    await s.a.people.add({ name: 'ann', role: 'manager', pin: '571938' }, 'boss');
    const old = (await s.sql("SELECT role, row_mac FROM users WHERE name = 'ann'")).rows[0] as { role: string; row_mac: string };
    expect((await s.a.people.setRole('ann', 'cashier', 'boss')).ok).toBe(true);
    await s.sql("UPDATE users SET role = $1, row_mac = $2 WHERE name = 'ann'", [old.role, old.row_mac]);
    expect(await s.b.audit.verify()).toMatchObject({
      ok: false,
      rowProblems: [{ table: 'users', key: 'ann', problem: expect.stringContaining('replaced with an earlier version') }],
    });
    await s.close();
  }, 60_000);

  it('approval limits lifted by editing the policy body: named, and the other counter applies the strict tampered policy', async () => {
    const s = await store();
    await s.a.settings.setPolicy({ ...TAMPERED_POLICY, amountThresholds: { SGD: 5_000, JPY: 5_000, KWD: 5_000 } }, 'boss');
    const lax = JSON.stringify({ ...TAMPERED_POLICY, amountThresholds: { SGD: 99_999_999, JPY: 99_999_999, KWD: 99_999_999 }, allowSelfApproval: true });
    await s.sql("UPDATE settings SET body = $1 WHERE key = 'policy'", [lax]);
    expect(await s.b.audit.verify()).toMatchObject({ ok: false, rowProblems: [expect.objectContaining({ table: 'settings', key: 'policy' })] });
    expect(await s.b.settings.getPolicy()).toEqual(TAMPERED_POLICY);
    // Deleting the row (the default policy is laxer than the one set) is named as well.
    await s.sql("DELETE FROM settings WHERE key = 'policy'");
    expect(await s.b.audit.verify()).toMatchObject({
      ok: false,
      rowProblems: [{ table: 'settings', key: 'policy', problem: expect.stringContaining('deleted') }],
    });
    await s.close();
  }, 60_000);

  it("a refund's amount and state edited, a refund row deleted, a fake refund inserted: each named from the other counter", async () => {
    const s = await store();
    const j = s.a.journal;
    await journalRefund(j, 'RR-1', 'PAY-1', 'SUCCEEDED');
    await journalRefund(j, 'RR-2', 'PAY-2', 'FAILED');
    await journalRefund(j, 'RR-3', 'PAY-3', 'SUCCEEDED');
    await journalRefund(j, 'RR-4', 'PAY-4', 'SUCCEEDED');
    expect(await s.b.audit.verify()).toMatchObject({ ok: true });
    await s.sql("UPDATE refunds SET amount_value = 9000 WHERE refund_request_id = 'RR-1'");
    await s.sql("UPDATE refunds SET state = 'SUCCEEDED' WHERE refund_request_id = 'RR-2'");
    await s.sql("DELETE FROM refund_transitions WHERE refund_request_id = 'RR-3'");
    await s.sql("DELETE FROM refunds WHERE refund_request_id = 'RR-3'");
    await s.sql(
      `INSERT INTO refunds (refund_request_id, intent_id, payment_id, register, mode, amount_value, currency, state, message, next_action, cashier)
       VALUES ('RR-FAKE', 'intent-fake', 'PAY-1', 'c1', 'PARTIAL', 500, 'SGD', 'FAILED', 'm', 'WAIT', 'bob')`,
    );
    // An approval nobody gave, inserted next to a refund: the approvals table no longer matches the decisions audited.
    await s.sql("INSERT INTO approvals (refund_request_id, manager, decision, reason) VALUES ('RR-4', 'boss', 'APPROVED', 'forged')");
    const v = await s.b.audit.verify();
    expect(v.ok).toBe(false);
    const problems = Object.fromEntries(v.refundProblems.map((p) => [p.refundRequestId, p.problem]));
    expect(problems).toEqual({
      'RR-4': expect.stringMatching(/^approvals edited/),
      'RR-1': expect.stringMatching(/^edited: amount_value differ/),
      'RR-2': expect.stringMatching(/^edited: state differ/),
      'RR-3': expect.stringMatching(/^deleted/),
      'RR-FAKE': expect.stringMatching(/^added/),
    });
    // The journal port of the other counter says so too.
    const other = await PgJournal.open({ url: s.url, register: 'c3', auditKey: KEYS.auditKey });
    expect(await other.verifyAudit()).toMatchObject({ intact: false });
    await other.close();
    await s.close();
  }, 60_000);

  it('TRUNCATE of the chain or the refunds is refused; a superuser who drops the guards and cuts the chain is named by the head record', async () => {
    const s = await store();
    await journalRefund(s.a.journal, 'RR-T', 'PAY-T', 'SUCCEEDED');
    await expect(s.sql('TRUNCATE audit')).rejects.toThrow(/cannot be truncated/);
    await expect(s.sql('TRUNCATE refunds CASCADE')).rejects.toThrow(/cannot be truncated/);
    await expect(s.sql('TRUNCATE audit_head')).rejects.toThrow(/cannot be truncated/);
    // A superuser drops the guards and removes the last entries (a valid, shorter chain).
    await s.sql('ALTER TABLE audit DISABLE TRIGGER USER');
    await s.sql('DELETE FROM audit WHERE seq > (SELECT max(seq) - 2 FROM audit)');
    expect(await s.b.audit.verify()).toMatchObject({ ok: false, reason: expect.stringContaining('removed from the end of the chain') });
    // ... or truncates it altogether.
    await s.sql('TRUNCATE audit');
    const v = await s.b.audit.verify();
    expect(v).toMatchObject({ ok: false, reason: expect.stringContaining('head record says') });
    expect(v.refundProblems).toEqual([expect.objectContaining({ refundRequestId: 'RR-T', problem: expect.stringMatching(/^added/) })]);
    await s.close();
  }, 60_000);

  it('V5 seals the rows of a V4 store once, with the key, only if its chain verifies; a row inserted later unsealed stays unsealed', async () => {
    if (cluster === null) throw new Error('no cluster');
    for (const broken of [false, true]) {
      n += 1;
      const name = `tamper_v4_${process.pid}_${n}`;
      cluster.createDatabase(name);
      const url = cluster.url(name);
      const pool = new pg.Pool({ connectionString: url, max: 1 });
      const c = await pool.connect();
      await pgMigrate(c, 4);
      // What a V4 counter wrote: a person, a policy and a refund, and its signed chain (no head record yet).
      await c.query("INSERT INTO users (name, role, pin_hash) VALUES ('old', 'manager', 'x')");
      await c.query("INSERT INTO settings (key, body, updated_by) VALUES ('policy', $1, 'old')", [JSON.stringify(TAMPERED_POLICY)]);
      await c.query(
        "INSERT INTO payments (payment_id, amount_value, currency, payment_method, paid_at, status) VALUES ('PM', 1000, 'SGD', 'ALIPAY_CN', '2026-12-01', 'SUCCESS')",
      );
      await c.query(
        `INSERT INTO refunds (refund_request_id, intent_id, payment_id, register, mode, amount_value, currency, state, message, next_action, cashier)
         VALUES ('RR-V4', 'intent-v4', 'PM', 'c1', 'PARTIAL', 500, 'SGD', 'SUCCEEDED', 'm', 'NONE', 'old')`,
      );
      const e = { seq: 1, at: new Date().toISOString(), actor: 'old', kind: 'user.added', detail: JSON.stringify({ name: 'old' }) };
      const hash = entryHash(GENESIS_HASH, e);
      await c.query('INSERT INTO audit (seq, at, actor, kind, detail, prev_hash, hash, mac) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)', [
        e.seq,
        e.at,
        e.actor,
        e.kind,
        e.detail,
        GENESIS_HASH,
        hash,
        entryMac(KEYS.auditKey, hash),
      ]);
      if (broken) await c.query("ALTER TABLE audit DISABLE TRIGGER audit_no_update; UPDATE audit SET detail = '{}' WHERE seq = 1");
      c.release();
      await pool.end();
      const s = await openStoreLedger(url, { register: 'c1', keys: KEYS });
      const v = await s.audit.verify();
      if (broken) {
        expect(v).toMatchObject({ ok: false, rowProblems: expect.arrayContaining([expect.objectContaining({ table: 'users', key: 'old' })]) });
        expect(await s.settings.getPolicy()).toEqual(TAMPERED_POLICY);
      } else {
        expect(v).toMatchObject({ ok: true });
        // Later, a row inserted without a seal is not adopted by any open: it stays named.
        const raw = new pg.Client({ connectionString: url });
        await raw.connect();
        await raw.query("INSERT INTO users (name, role, pin_hash) VALUES ('mallory', 'manager', 'x')");
        await raw.end();
        const again = await openStoreLedger(url, { register: 'c2', keys: KEYS });
        expect(await again.audit.verify()).toMatchObject({ ok: false, rowProblems: [expect.objectContaining({ table: 'users', key: 'mallory' })] });
        await again.close();
      }
      await s.close();
    }
  }, 60_000);
});

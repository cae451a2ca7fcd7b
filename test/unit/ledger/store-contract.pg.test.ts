/**
 * The store ports' contract against store mode: a real PostgreSQL (throwaway
 * cluster on loopback), each ledger a counter of one store with its own pool
 * and register, each test on a fresh database. Plus what only store mode has:
 * migrations from empty and from each earlier version, and signing a chain
 * written before the store audit was keyed.
 */
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { openStoreLedger, StoreKeysMismatchError } from '../../../main/ledger/pg/pg-store';
import { PG_LATEST_VERSION, pgMigrate } from '../../../main/ledger/pg/pg-migrations';
import { PgJournal } from '../../../main/ledger/pg/pg-journal';
import type { StoreLedger } from '../../../main/ledger/store-port';
import { pgAvailable, pgSuite } from '../../helpers/pg-suite';
import { PUBLIC_TEST_KEYS } from '../../../main/secrets/ledger-keys';
import { storeContract } from './store-contract';

const suite = pgSuite('store');

type PgStoreLedger = StoreLedger & { approvalsReady(): Promise<void> };

describe.skipIf(!pgAvailable)('store mode (PostgreSQL): store ports', () => {
  storeContract(
    'PostgreSQL',
    async (count) => {
      const url = suite.freshUrl();
      const ledgers: StoreLedger[] = [];
      for (let i = 0; i < count; i += 1) ledgers.push(await openStoreLedger(url, { register: `counter-${i + 1}`, keys: PUBLIC_TEST_KEYS }));
      const raw = new pg.Client({ connectionString: url });
      await raw.connect();
      return {
        ledgers,
        raw: async (sql) => void (await raw.query(sql)),
        unguardAudit: async () => void (await raw.query('ALTER TABLE audit DISABLE TRIGGER audit_no_update')),
        async close() {
          await raw.end();
          for (const l of ledgers) await l.close();
        },
      };
    },
    {
      crossConnectionNotices: true,
      distinctRegisters: true,
      sharedTimeZone: true,
      approvalsReady: (l) => (l as PgStoreLedger).approvalsReady(),
    },
  );

  it('migrates from empty and from each earlier version to the latest', async () => {
    for (let from = 0; from < PG_LATEST_VERSION; from += 1) {
      const url = suite.freshUrl();
      const c = new pg.Client({ connectionString: url });
      await c.connect();
      const pool = new pg.Pool({ connectionString: url, max: 1 });
      const client = await pool.connect();
      expect(await pgMigrate(client, from)).toBe(from);
      if (from >= 1) {
        // A refund and an unsigned audit entry written by that version must survive the upgrade.
        await client.query(
          "INSERT INTO payments (payment_id, amount_value, currency, payment_method, paid_at, status) VALUES ('PM', 1000, 'SGD', 'ALIPAY_CN', '2026-12-01', 'SUCCESS')",
        );
      }
      expect(await pgMigrate(client)).toBe(PG_LATEST_VERSION);
      client.release();
      await pool.end();
      const cols = await c.query<{ column_name: string }>("SELECT column_name FROM information_schema.columns WHERE table_name = 'users'");
      expect(cols.rows.map((r) => r.column_name)).toEqual(expect.arrayContaining(['language', 'row_mac']));
      // V5: settings sealed too, the head record, and no TRUNCATE of the chain or the money.
      const settingsCols = await c.query<{ column_name: string }>("SELECT column_name FROM information_schema.columns WHERE table_name = 'settings'");
      expect(settingsCols.rows.map((r) => r.column_name)).toContain('row_mac');
      expect((await c.query('SELECT * FROM audit_head')).rows).toEqual([]);
      await expect(c.query('TRUNCATE audit')).rejects.toThrow(/cannot be truncated/);
      await expect(c.query('TRUNCATE refunds CASCADE')).rejects.toThrow(/cannot be truncated/);
      if (from >= 1) expect((await c.query('SELECT antom_refunds FROM payments')).rows).toEqual([{ antom_refunds: '[]' }]);
      // A terminal reference is unique per register (V_REFERENCE_PER_REGISTER), whichever version it came from.
      const idx = await c.query<{ indexdef: string }>("SELECT indexdef FROM pg_indexes WHERE indexname = 'refunds_reference_once'");
      expect(idx.rows.map((r) => r.indexdef)).toEqual([expect.stringContaining('(register, original_merchant_refund_id)')]);
      await c.end();
    }
  }, 60_000);

  it('signs a store chain written before it was keyed (V3) once, and only if it verifies', async () => {
    const url = suite.freshUrl();
    const pool = new pg.Pool({ connectionString: url, max: 1 });
    const client = await pool.connect();
    await pgMigrate(client, 3);
    // What a V3 counter wrote: an unsigned chain (the V3 PgJournal did not MAC).
    const { entryHash, GENESIS_HASH } = await import('../../../main/ledger/audit');
    let prev = GENESIS_HASH;
    for (let seq = 1; seq <= 3; seq += 1) {
      const e = { seq, at: new Date().toISOString(), actor: 'old', kind: 'test.entry', detail: JSON.stringify({ seq }) };
      const hash = entryHash(prev, e);
      await client.query('INSERT INTO audit (seq, at, actor, kind, detail, prev_hash, hash) VALUES ($1, $2, $3, $4, $5, $6, $7)', [
        seq,
        e.at,
        e.actor,
        e.kind,
        e.detail,
        prev,
        hash,
      ]);
      prev = hash;
    }
    client.release();
    await pool.end();
    const notAdopted = await openStoreLedger(url, { register: 'c1', keys: { auditKey: Buffer.alloc(32, 7), pinPepper: Buffer.alloc(32, 8) } });
    expect(await notAdopted.audit.verify()).toMatchObject({ ok: false, firstBrokenSeq: 1 });
    await notAdopted.close();
    const keys = { auditKey: Buffer.alloc(32, 7), pinPepper: Buffer.alloc(32, 8) };
    const adopted = await openStoreLedger(url, { register: 'c1', keys, adoptUnsignedAudit: true });
    expect(await adopted.audit.verify()).toMatchObject({ ok: true, count: 3 });
    await adopted.audit.append('new', 'test.entry', {});
    // Another counter with another key cannot pass it off: the MACs are the store's key.
    // Since store keys are checked at open, such a counter is refused before it writes anything.
    await expect(openStoreLedger(url, { register: 'c2', keys: { ...keys, auditKey: Buffer.alloc(32, 9) } })).rejects.toThrow(StoreKeysMismatchError);
    expect(await adopted.audit.verify()).toMatchObject({ ok: true, count: 4 });
    await adopted.close();
  }, 30_000);

  it('the refund journal signs its entries with the store key: the journal and the audit port verify one chain', async () => {
    const url = suite.freshUrl();
    const keys = { auditKey: Buffer.alloc(32, 3), pinPepper: Buffer.alloc(32, 4) };
    const store = await openStoreLedger(url, { register: 'c1', keys });
    const journal = await PgJournal.open({ url, register: 'c2', auditKey: keys.auditKey });
    await journal.upsertPayment({
      paymentId: 'PJ',
      amount: { value: 100, currency: 'SGD' },
      paymentMethod: 'ALIPAY_CN',
      paidAt: '2026-12-01',
      status: 'SUCCESS',
      supportsPartialRefund: true,
    });
    await journal.insert(
      {
        refundRequestId: 'RR-J',
        intentId: 'intent-j-1',
        paymentId: 'PJ',
        mode: 'PARTIAL',
        amount: { value: 10, currency: 'SGD' },
        memo: null,
        state: 'APPROVED',
        cashier: 'alice',
        message: 'm',
        nextAction: 'WAIT',
        approvalReasons: [],
      },
      'alice',
    );
    await store.audit.append('boss', 'test.entry', {});
    expect(await store.audit.verify()).toMatchObject({ ok: true, count: 2 });
    expect(await journal.verifyAudit()).toMatchObject({ intact: true, entries: 2 });
    await journal.close();
    await store.close();
  }, 30_000);

  it("terminal ownership: only the refund's register leaves APPROVED / REFERENCE_REQUESTED; any counter approves and finishes the Antom part", async () => {
    const url = suite.freshUrl();
    const one = await openStoreLedger(url, { register: 'counter-1', keys: PUBLIC_TEST_KEYS });
    const two = await openStoreLedger(url, { register: 'counter-2', keys: PUBLIC_TEST_KEYS });
    await one.payments.upsert({
      paymentId: 'PT',
      amount: { value: 1_000, currency: 'SGD' },
      paymentMethod: 'ALIPAY_CN',
      paidAt: '2026-12-01',
      status: 'SUCCESS',
      supportsPartialRefund: true,
    });
    const base = {
      paymentId: 'PT',
      mode: 'PARTIAL' as const,
      amount: { value: 100, currency: 'SGD' },
      memo: null,
      cashier: 'alice',
      message: 'm',
      nextAction: 'WAIT' as const,
      approvalReasons: [],
    };
    expect((await one.journal.insert({ ...base, refundRequestId: 'RR-T1', intentId: 'intent-t-1', state: 'AWAITING_APPROVAL' }, 'alice')).ok).toBe(true);
    // A manager at another counter decides.
    expect((await two.journal.transition('RR-T1', 'AWAITING_APPROVAL', 'APPROVED', { actor: 'boss' })).ok).toBe(true);
    const notMine = await two.journal.transition('RR-T1', 'APPROVED', 'REFERENCE_REQUESTED', { actor: 'system' });
    expect(notMine).toMatchObject({ ok: false, error: { code: 'STALE_STATE', details: { register: 'counter-1' } } });
    expect((await one.journal.transition('RR-T1', 'APPROVED', 'REFERENCE_REQUESTED', { actor: 'system' })).ok).toBe(true);
    expect(
      await two.journal.transition('RR-T1', 'REFERENCE_REQUESTED', 'REFERENCE_OBTAINED', { actor: 'system', patch: { originalMerchantRefundId: 'REF-X' } }),
    ).toMatchObject({ ok: false });
    expect(await two.journal.transition('RR-T1', 'REFERENCE_REQUESTED', 'FAILED', { actor: 'system' })).toMatchObject({ ok: false });
    expect(
      (await one.journal.transition('RR-T1', 'REFERENCE_REQUESTED', 'REFERENCE_OBTAINED', { actor: 'system', patch: { originalMerchantRefundId: 'REF-T1' } }))
        .ok,
    ).toBe(true);
    // The reference is journaled: the Antom part needs only journaled columns, any counter may finish it.
    expect((await two.journal.transition('RR-T1', 'REFERENCE_OBTAINED', 'SUBMITTING', { actor: 'system' })).ok).toBe(true);
    expect((await two.journal.transition('RR-T1', 'SUBMITTING', 'SUCCEEDED', { actor: 'system' })).ok).toBe(true);
    expect((await one.journal.get('RR-T1'))?.state).toBe('SUCCEEDED');
    await one.close();
    await two.close();
  }, 30_000);
});

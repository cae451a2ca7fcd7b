/**
 * The journal contract against store mode: a real PostgreSQL (a throwaway
 * cluster on loopback), two journals = two counters of one store, each test on
 * a fresh database. Plus what only store mode promises: durability settings,
 * the register column, a store-wide audit chain, migrations from empty.
 */
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { PgJournal } from '../../../main/ledger/pg/pg-journal';
import { PG_LATEST_VERSION, pgMigrate, pgSchemaVersion } from '../../../main/ledger/pg/pg-migrations';
import { pgAvailable, pgSuite } from '../../helpers/pg-suite';
import { journalContract } from './journal-contract';

const suite = pgSuite('journal');

describe.skipIf(!pgAvailable)('store mode (PostgreSQL)', () => {
  journalContract(
    'PostgreSQL',
    async () => {
      const url = suite.freshUrl();
      const a = await PgJournal.open({ url, register: 'counter-1' });
      const b = await PgJournal.open({ url, register: 'counter-2' });
      return {
        a,
        b,
        async close() {
          await a.close();
          await b.close();
        },
      };
    },
    { crossProcessNotices: true },
  );

  it('migrates from empty exactly once when several counters start together, and refuses a newer schema', async () => {
    const url = suite.freshUrl();
    const journals = await Promise.all(Array.from({ length: 4 }, (_, i) => PgJournal.open({ url, register: `c${i}` })));
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    const versions = await client.query<{ version: number }>('SELECT version FROM schema_migrations ORDER BY version');
    expect(versions.rows.map((r) => r.version)).toEqual(Array.from({ length: PG_LATEST_VERSION }, (_, i) => i + 1));
    await client.query('INSERT INTO schema_migrations (version) VALUES ($1)', [PG_LATEST_VERSION + 1]);
    await expect(PgJournal.open({ url, register: 'c9' })).rejects.toThrow(/newer than this app/);
    await client.end();
    for (const j of journals) await j.close();
  }, 60_000);

  it('each migration step applies on top of the previous version', async () => {
    const url = suite.freshUrl();
    const pool = new pg.Pool({ connectionString: url, max: 1 });
    const c = await pool.connect();
    for (let v = 1; v <= PG_LATEST_VERSION; v += 1) {
      expect(await pgMigrate(c, v)).toBe(v);
      expect(await pgSchemaVersion(c)).toBe(v);
    }
    c.release();
    await pool.end();
  }, 60_000);

  it('commits synchronously, records the register, keeps one append-only audit chain for the store', async () => {
    const url = suite.freshUrl();
    const a = await PgJournal.open({ url, register: 'counter-1' });
    const b = await PgJournal.open({ url, register: 'counter-2' });
    const payment = {
      paymentId: 'PX',
      amount: { value: 500, currency: 'SGD' },
      paymentMethod: 'ALIPAY_CN',
      paidAt: '2026-12-01T08:00:00Z',
      status: 'SUCCESS',
      supportsPartialRefund: true,
    };
    await a.upsertPayment(payment);
    const base = {
      mode: 'PARTIAL' as const,
      amount: { value: 10, currency: 'SGD' },
      memo: null,
      state: 'APPROVED' as const,
      cashier: 'bob',
      message: 'm',
      nextAction: 'WAIT' as const,
      approvalReasons: [],
    };
    const first = await a.insert({ ...base, refundRequestId: 'RR-PX-1', intentId: 'i-px-1', paymentId: 'PX' }, 'bob');
    expect(first.ok).toBe(true);
    await a.transition('RR-PX-1', 'APPROVED', 'DECLINED', { actor: 'maria' }).catch(() => undefined);
    // APPROVED cannot go to DECLINED: finish it properly, the terminal steps at its own counter
    // (terminal ownership), the Antom part from the other counter.
    for (const [f, t] of [
      ['APPROVED', 'REFERENCE_REQUESTED'],
      ['REFERENCE_REQUESTED', 'REFERENCE_OBTAINED'],
      ['REFERENCE_OBTAINED', 'SUBMITTING'],
      ['SUBMITTING', 'FAILED'],
    ] as const) {
      expect(
        (
          await (f === 'APPROVED' || f === 'REFERENCE_REQUESTED' ? a : b).transition('RR-PX-1', f, t, {
            actor: 'system',
            ...(t === 'REFERENCE_OBTAINED' ? { patch: { originalMerchantRefundId: 'REF-PX-1' } } : {}),
          })
        ).ok,
      ).toBe(true);
    }
    const second = await b.insert({ ...base, refundRequestId: 'RR-PX-2', intentId: 'i-px-2', paymentId: 'PX' }, 'bob');
    expect(second.ok).toBe(true);
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    const regs = await client.query<{ refund_request_id: string; register: string }>(
      'SELECT refund_request_id, register FROM refunds ORDER BY refund_request_id',
    );
    expect(regs.rows).toEqual([
      { refund_request_id: 'RR-PX-1', register: 'counter-1' },
      { refund_request_id: 'RR-PX-2', register: 'counter-2' },
    ]);
    // A reference is single-use per register (each counter's own terminal issues it; TLP/1 promises nothing across
    // terminals), enforced by the database: counter-2's terminal may hand out the string counter-1's did.
    const reuse = await b.transition('RR-PX-2', 'APPROVED', 'REFERENCE_REQUESTED', { actor: 'system' });
    expect(reuse.ok).toBe(true);
    const otherTerminal = await b.transition('RR-PX-2', 'REFERENCE_REQUESTED', 'REFERENCE_OBTAINED', {
      actor: 'system',
      patch: { originalMerchantRefundId: 'REF-PX-1' },
    });
    expect(otherTerminal.ok).toBe(true);
    // Within one register the index is the last word, even for a raw write.
    await a.upsertPayment({ ...payment, paymentId: 'PY' });
    expect((await a.insert({ ...base, refundRequestId: 'RR-PX-3', intentId: 'i-px-3', paymentId: 'PY' }, 'bob')).ok).toBe(true);
    await expect(client.query("UPDATE refunds SET original_merchant_refund_id = 'REF-PX-1' WHERE refund_request_id = 'RR-PX-3'")).rejects.toThrow(
      /refunds_reference_once/,
    );
    // One chain for both counters, and the database refuses to rewrite it.
    expect(await a.verifyAudit()).toMatchObject({ intact: true, entries: 9 });
    await expect(client.query("UPDATE audit SET actor = 'mallory' WHERE seq = 1")).rejects.toThrow(/append-only/);
    const setting = await client.query<{ synchronous_commit: string }>('SHOW synchronous_commit');
    expect(setting.rows[0]?.synchronous_commit).toBe('on');
    await client.end();
    await a.close();
    await b.close();
  }, 60_000);
});

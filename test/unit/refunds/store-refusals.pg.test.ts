/**
 * Store mode, the database is up but refuses this counter (attack 3, finding 16): no connection slot
 * (SQLSTATE 53300, here forced with a role CONNECTION LIMIT 0, the same code as max_connections reached)
 * or the database is gone (3D000). The cashier gets STORE_UNAVAILABLE in the plain sentence, never a raw
 * exception, and nothing is sent to Antom.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_POLICY } from '../../../main/ledger/policy';
import { openStoreLedger } from '../../../main/ledger/pg/pg-store';
import { MSG } from '../../../main/refunds/messages';
import { RefundEngine } from '../../../main/refunds/refund-engine';
import { PUBLIC_TEST_KEYS } from '../../../main/secrets/ledger-keys';
import { pgAvailable, startPgCluster, type PgCluster } from '../../helpers/pg-cluster';
import { FakeAntom, FakeTerminal } from './fakes';

let cluster: PgCluster | null = null;

async function admin(sql: string): Promise<void> {
  if (cluster === null) throw new Error('no cluster');
  const c = new pg.Client({ connectionString: cluster.url('postgres') });
  await c.connect();
  try {
    await c.query(sql);
  } finally {
    await c.end();
  }
}

async function counter(db: string, role: string): Promise<{ engine: RefundEngine; antom: FakeAntom; close(): Promise<void> }> {
  if (cluster === null) throw new Error('no cluster');
  cluster.createDatabase(db);
  await admin(`CREATE ROLE ${role} LOGIN`);
  await admin(`ALTER DATABASE "${db}" OWNER TO ${role}`);
  const store = await openStoreLedger(`postgres://${role}@127.0.0.1:${cluster.port}/${db}`, { register: 'counter-1', keys: PUBLIC_TEST_KEYS });
  const antom = new FakeAntom();
  let n = 0;
  const engine = new RefundEngine({ store, terminal: new FakeTerminal(), antom, newRefundRequestId: () => `RR${db}${++n}` });
  expect((await store.settings.setPolicy({ ...DEFAULT_POLICY, paymentOlderThanDays: null }, 'test')).ok).toBe(true);
  antom.addPayment('P1', { amount: { value: 5_000, currency: 'SGD' } });
  expect((await engine.lookupPayment('P1')).ok).toBe(true);
  return {
    engine,
    antom,
    async close() {
      await engine.stop();
      await store.close().catch(() => undefined);
    },
  };
}

const submit = (e: RefundEngine, intentId: string) =>
  e.submit({ intentId, paymentId: 'P1', mode: 'PARTIAL', amount: { value: 100, currency: 'SGD' }, cashier: 'alice' });

describe.skipIf(!pgAvailable)('store mode (PostgreSQL): a live server refusing the counter', () => {
  beforeAll(async () => {
    cluster = await startPgCluster();
  }, 60_000);
  afterAll(async () => {
    await cluster?.stop();
  }, 30_000);

  it('too many connections (53300): STORE_UNAVAILABLE with the plain sentence, nothing sent; fine again once a slot is free', async () => {
    const c = await counter('limit', 'rt_limit');
    try {
      await admin('ALTER ROLE rt_limit CONNECTION LIMIT 0');
      await admin("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = 'rt_limit'");
      const r = await submit(c.engine, 'lim-1');
      expect(r.ok ? r.value.state : { code: r.error.code, message: r.error.message }).toEqual({ code: 'STORE_UNAVAILABLE', message: MSG.storeUnavailable });
      expect(c.antom.refundCalls).toHaveLength(0);
      await admin('ALTER ROLE rt_limit CONNECTION LIMIT -1');
      const again = await submit(c.engine, 'lim-2');
      expect(again.ok && again.value.state).toBe('SUCCEEDED');
    } finally {
      await admin('ALTER ROLE rt_limit CONNECTION LIMIT -1');
      await c.close();
    }
  }, 60_000);

  it('the database is gone (3D000, renamed by a DBA): STORE_UNAVAILABLE, nothing sent', async () => {
    const c = await counter('gone', 'rt_gone');
    try {
      await admin("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = 'gone'");
      await admin('ALTER DATABASE gone RENAME TO gone_elsewhere');
      const r = await submit(c.engine, 'gone-1');
      expect(r.ok ? r.value.state : r.error.code).toBe('STORE_UNAVAILABLE');
      expect(c.antom.refundCalls).toHaveLength(0);
    } finally {
      await c.close();
    }
  }, 60_000);
});

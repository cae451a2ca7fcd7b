/**
 * The store ledger's live feeds survive the loss of their LISTEN connection
 * (main/ledger/pg/pg-listen.ts). PostgreSQL drops a notice for a session that
 * is not listening when it commits, so the feed must reconnect by itself and
 * then announce again what may have changed unheard.
 *
 * The listener is killed with pg_terminate_backend (what a restart, a
 * failover or a network blip does to it) and, to hold it down while the other
 * counter writes, its role is refused logins meanwhile: the other counter asks
 * for an approval exactly while this counter's feed is disconnected.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JournalRefund } from '../../../main/ledger/journal-port';
import { PgJournal } from '../../../main/ledger/pg/pg-journal';
import { PgListener, type CatchUp } from '../../../main/ledger/pg/pg-listen';
import { openStoreLedger } from '../../../main/ledger/pg/pg-store';
import type { StoreLedger } from '../../../main/ledger/store-port';
import { PUBLIC_TEST_KEYS } from '../../../main/secrets/ledger-keys';
import { pgAvailable, startPgCluster, type PgCluster } from '../../helpers/pg-cluster';

let cluster: PgCluster;
let admin: pg.Client;
let db = 0;

async function waitFor(cond: () => boolean | Promise<boolean>, what: string, ms = 15_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`not within the generous timeout: ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** A fresh database, and a login role of its own for the counter whose feed is cut. */
async function freshStore(): Promise<{ url: string; urlAs: (role: string) => string; role: string }> {
  db += 1;
  const name = `listen_${db}`;
  const role = `counter_b_${db}`;
  cluster.createDatabase(name);
  await admin.query(`CREATE ROLE ${role} LOGIN`);
  await admin.query(`GRANT ALL ON DATABASE ${name} TO ${role}`);
  const url = cluster.url(name);
  return { url, role, urlAs: (r) => url.replace('postgres://postgres@', `postgres://${r}@`) };
}

/** After the first counter migrated: the role may use the store's tables as a counter does. */
async function grantStore(url: string, role: string): Promise<void> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  await c.query(
    `GRANT ALL ON SCHEMA public TO ${role}; GRANT ALL ON ALL TABLES IN SCHEMA public TO ${role}; GRANT ALL ON ALL SEQUENCES IN SCHEMA public TO ${role}`,
  );
  await c.end();
}

async function connectAdmin(): Promise<pg.Client> {
  const c = new pg.Client({ connectionString: cluster.url() });
  // The restart test stops the server under it.
  c.on('error', () => undefined);
  await c.connect();
  return c;
}

/** The backends LISTENing on `channel` as `role` (the feed names its connection). */
async function listeners(role: string, channel: string): Promise<number[]> {
  const r = await admin.query<{ pid: number }>('SELECT pid FROM pg_stat_activity WHERE usename = $1 AND application_name = $2', [
    role,
    `refund-terminal listen ${channel}`,
  ]);
  return r.rows.map((x) => x.pid);
}

/** Cuts the role's LISTEN connection on `channel` and keeps it from coming back until `allow` is called. */
async function cut(role: string, channel: string): Promise<{ allow(): Promise<void> }> {
  const pids = await listeners(role, channel);
  expect(pids).toHaveLength(1);
  await admin.query(`ALTER ROLE ${role} NOLOGIN`);
  await admin.query('SELECT pg_terminate_backend($1)', [pids[0]]);
  return { allow: async () => void (await admin.query(`ALTER ROLE ${role} LOGIN`)) };
}

let n = 0;
function awaitingRefund(paymentId: string): JournalRefund {
  n += 1;
  return {
    refundRequestId: `RR-L-${n}-${Math.random().toString(36).slice(2, 8)}`,
    intentId: `intent-l-${n}-${Math.random().toString(36).slice(2, 8)}`,
    paymentId,
    mode: 'PARTIAL',
    amount: { value: 15_000, currency: 'SGD' },
    memo: null,
    state: 'AWAITING_APPROVAL',
    cashier: 'alice',
    message: 'waiting for a manager',
    nextAction: 'WAIT',
    approvalReasons: [],
  };
}

async function pay(l: StoreLedger, paymentId: string): Promise<void> {
  await l.payments.upsert({
    paymentId,
    amount: { value: 100_000, currency: 'SGD' },
    paymentMethod: 'ALIPAY_CN',
    paidAt: '2026-12-01T08:00:00Z',
    status: 'SUCCESS',
    supportsPartialRefund: true,
  });
}

describe.skipIf(!pgAvailable)('store mode (PostgreSQL): LISTEN feeds reconnect and catch up', () => {
  beforeAll(async () => {
    cluster = await startPgCluster();
    admin = await connectAdmin();
  }, 60_000);
  afterAll(async () => {
    await admin?.end();
    await cluster?.stop();
  }, 30_000);

  it("an approval asked while a counter's feed was cut appears on that counter's feed once it is back", async () => {
    const { url, urlAs, role } = await freshStore();
    // Counter A (asks) migrates the store; counter B (the manager's screen) connects as its own role.
    const a = await openStoreLedger(url, { register: 'counter-a', keys: PUBLIC_TEST_KEYS });
    await grantStore(url, role);
    const b = await openStoreLedger(urlAs(role), { register: 'counter-b', keys: PUBLIC_TEST_KEYS });
    try {
      const heard: string[] = [];
      b.approvals.onApprovalChange((id) => heard.push(id));
      await (b as StoreLedger & { approvalsReady(): Promise<void> }).approvalsReady();
      const feed = () => b.feeds?.().find((f) => f.channel === 'approval_changed');
      expect(feed()?.state).toBe('listening');

      // Live first: heard at once.
      await pay(a, 'PL1');
      const before = awaitingRefund('PL1');
      expect((await a.journal.insert(before, 'alice')).ok).toBe(true);
      await waitFor(() => heard.includes(before.refundRequestId), 'the live notice');

      const gate = await cut(role, 'approval_changed');
      await waitFor(() => feed()?.state === 'reconnecting', 'the feed to notice it was cut');
      // Asked (and another one decided) while counter B's feed is down: PostgreSQL delivers these notices to nobody there.
      await pay(a, 'PL2');
      const during = awaitingRefund('PL2');
      expect((await a.journal.insert(during, 'alice')).ok).toBe(true);
      expect((await a.journal.decide(before.refundRequestId, { decision: 'DECLINED', manager: 'boss', reason: 'no' })).ok).toBe(true);
      // Still down: the role is refused, so nothing could have been heard live.
      expect(feed()?.state).toBe('reconnecting');
      expect(heard).not.toContain(during.refundRequestId);
      const heardBefore = heard.filter((x) => x === before.refundRequestId).length;

      await gate.allow();
      await waitFor(() => heard.includes(during.refundRequestId), 'the approval asked during the outage, after the reconnect');
      // The decision made meanwhile is announced again too, so a screen that still shows it reloads.
      await waitFor(() => heard.filter((x) => x === before.refundRequestId).length > heardBefore, 'the decision made during the outage');
      expect(feed()).toMatchObject({ state: 'listening', reconnects: 1 });
      expect(await listeners(role, 'approval_changed')).toHaveLength(1);

      // And it is live again.
      await pay(a, 'PL3');
      const after = awaitingRefund('PL3');
      expect((await a.journal.insert(after, 'alice')).ok).toBe(true);
      await waitFor(() => heard.includes(after.refundRequestId), 'a live notice after the reconnect');
    } finally {
      await b.close();
      await a.close();
    }
    // Closed for good: nothing reconnects afterwards.
    expect(await listeners(role, 'approval_changed')).toEqual([]);
  }, 60_000);

  it("the journal's change feed reconnects, emits a catch-up, and hears changes again", async () => {
    const { url, role, urlAs } = await freshStore();
    const a = await openStoreLedger(url, { register: 'counter-a', keys: PUBLIC_TEST_KEYS });
    await grantStore(url, role);
    const b = await PgJournal.open({ url: urlAs(role), register: 'counter-b' });
    try {
      const heard: string[] = [];
      let catchUps = 0;
      b.onChange((id) => heard.push(id));
      b.onCatchUp(() => (catchUps += 1));
      await b.ready();
      await waitFor(() => catchUps === 1, 'the catch-up of the first connect');

      const gate = await cut(role, 'refund_changed');
      await waitFor(() => b.feedStatus()?.state === 'reconnecting', 'the feed to notice it was cut');
      await pay(a, 'PJ1');
      const during = awaitingRefund('PJ1');
      expect((await a.journal.insert(during, 'alice')).ok).toBe(true);
      expect(catchUps).toBe(1);
      await gate.allow();
      // The notice itself is lost for good (PostgreSQL's design); the catch-up tells the subscriber to re-read.
      await waitFor(() => catchUps === 2, 'the catch-up after the reconnect');
      expect(heard).not.toContain(during.refundRequestId);
      expect(b.feedStatus()).toMatchObject({ state: 'listening', reconnects: 1 });

      expect((await a.journal.decide(during.refundRequestId, { decision: 'APPROVED', manager: 'boss', reason: 'ok' })).ok).toBe(true);
      await waitFor(() => heard.includes(during.refundRequestId), 'a live notice after the reconnect');
    } finally {
      await b.close();
      await a.close();
    }
  }, 60_000);

  it('backs off while the server is down and catches up when it restarts', async () => {
    const { url } = await freshStore();
    const heard: string[] = [];
    const catchUps: CatchUp[] = [];
    const listener = new PgListener({
      url,
      channel: 'listen_probe',
      onNotify: (p) => heard.push(p),
      onCatchUp: (c) => catchUps.push(c),
      maxDelayMs: 400,
    });
    try {
      await listener.ready();
      expect(catchUps).toEqual([{ downMs: 0, first: true }]);
      await cluster.pause();
      await waitFor(() => listener.status().state === 'reconnecting', 'the listener to notice the server stopped');
      await new Promise((r) => setTimeout(r, 600)); // a few failed attempts, with the server down
      expect(listener.status().state).toBe('reconnecting');
      expect(listener.status().lastError).not.toBeNull();
      await cluster.resume();
      await waitFor(() => catchUps.length === 2, 'the catch-up after the restart');
      expect(catchUps[1]).toMatchObject({ first: false });
      expect(catchUps[1]!.downMs).toBeGreaterThan(0);
      const c = new pg.Client({ connectionString: url });
      await c.connect();
      await c.query("SELECT pg_notify('listen_probe', 'hello')");
      await c.end();
      await waitFor(() => heard.includes('hello'), 'a notice after the restart');
    } finally {
      await listener.close();
      await admin.end().catch(() => undefined);
      admin = await connectAdmin();
    }
  }, 60_000);
});

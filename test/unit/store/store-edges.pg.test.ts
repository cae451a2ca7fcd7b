/**
 * Store mode at the edges a real store meets (attack3 findings 1-5), each
 * against a real PostgreSQL:
 *  1. a counter with keys of its own imports its journal: refused before any
 *     write unless it brings the store's keys; the store chain keeps verifying;
 *  2. the database freezes (no RST: a dropped network path): the cashier gets
 *     the store's sentence within the query timeout, not an endless spinner;
 *  3. the engine's clock in store mode is the database's, whatever the PC's
 *     wall clock says;
 *  4. a DBA owns and migrates the schema and grants what doctor lists: doctor is
 *     green and the counter opens and refunds;
 *  5. Antom's push finishing a FULL refund sets its amount to what Antom refunded;
 *  6. payments rows edited in the counter's file before the import never win over the store's record;
 *  +  the connection lost at the refund's COMMIT: "may be recorded", never "not started";
 *  15. one register name, one data folder (a copied config on a second PC is refused);
 *  11. a store's counter started without its store URL refuses its old local journal
 *     (app, CLI, serve) until `store leave --yes`.
 */
import { execFileSync } from 'node:child_process';
import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { openCoreServices } from '../../../main/services/core-services';
import { openDataLedger } from '../../../main/services/data-ledger';
import { createSilentLogger } from '../../../main/logging/logger';
import { openLedger, type Ledger } from '../../../main/ledger/ledger';
import { DEFAULT_POLICY } from '../../../main/ledger/policy';
import { CommitOutcomeUnknownError } from '../../../main/ledger/pg/pg-errors';
import { PgJournal } from '../../../main/ledger/pg/pg-journal';
import { openStoreLedger } from '../../../main/ledger/pg/pg-store';
import type { StoreLedger } from '../../../main/ledger/store-port';
import { RefundEngine } from '../../../main/refunds/refund-engine';
import { PUBLIC_TEST_KEYS, type LedgerKeys } from '../../../main/secrets/ledger-keys';
import { importSqliteJournal } from '../../../main/store/import-sqlite';
import { applyRefundNotification } from '../../../main/store/notify-apply';
import { storeLedgerChecks } from '../../../main/store/store-doctor';
import { runMain } from '../../helpers/cli-in-process';
import { PG_BIN, pgAvailable, startPgCluster, type PgCluster } from '../../helpers/pg-cluster';
import { FakeAntom, FakeTerminal } from '../refunds/fakes';

const OTHER_KEYS: LedgerKeys = { auditKey: Buffer.alloc(32, 7), pinPepper: Buffer.alloc(32, 9) };

/** One unfinished refund journaled in a counter's own SQLite file (what `store import` then carries). */
function islandRefund(island: Ledger, refundRequestId: string, paymentId: string, value: number): void {
  const ins = island.refunds.insert(
    {
      refundRequestId,
      intentId: `${refundRequestId}-intent`,
      paymentId,
      amount: { value, currency: 'SGD' },
      mode: 'PARTIAL',
      memo: null,
      state: 'APPROVED',
      cashier: 'alice',
      message: 'm',
      nextAction: 'WAIT',
      approvalReasons: [],
    },
    'alice',
  );
  expect(ins.ok).toBe(true);
}

/** The CLI in this process on data folder `dir` (cli-in-process.ts), its two outputs read as one. */
async function cliIn(dir: string, args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number; text: string }> {
  const r = await runMain(['--data-dir', dir, ...args], { env, dataDir: dir });
  return { code: r.code, text: r.stdout + r.stderr };
}

describe.skipIf(!pgAvailable)('store mode at the edges', () => {
  let cluster: PgCluster;
  let db = 0;
  const dirs: string[] = [];
  const fresh = (): string => {
    db += 1;
    const name = `edges_${db}`;
    cluster.createDatabase(name);
    return cluster.url(name);
  };
  const psql = (database: string, sql: string): string =>
    execFileSync(
      'runuser',
      [
        '-u',
        'postgres',
        '--',
        `${PG_BIN}/psql`,
        '-h',
        '127.0.0.1',
        '-p',
        String(cluster.port),
        '-U',
        'postgres',
        '-d',
        database,
        '-v',
        'ON_ERROR_STOP=1',
        '-c',
        sql,
      ],
      {
        encoding: 'utf8',
      },
    );

  beforeAll(async () => {
    cluster = await startPgCluster();
  }, 60_000);
  afterAll(async () => {
    await cluster?.stop();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  }, 30_000);

  async function engineOn(store: StoreLedger, antom: FakeAntom, ids: string): Promise<RefundEngine> {
    let n = 0;
    expect((await store.settings.setPolicy({ ...DEFAULT_POLICY, paymentOlderThanDays: null }, 'test')).ok).toBe(true);
    return new RefundEngine({ store, terminal: new FakeTerminal(), antom, newRefundRequestId: () => `${ids}${++n}`, settleWaitMs: 2_000 });
  }

  it("1. an import signed with keys that are not the store's is refused before any write; with the store's keys it lands and verifies", async () => {
    const url = fresh();
    const first = await openStoreLedger(url, { register: 'counter-1', keys: PUBLIC_TEST_KEYS });
    const headBefore = await first.audit.head();
    const dir = mkdtempSync(path.join(tmpdir(), 'rt-edges-'));
    dirs.push(dir);
    // Counter 2 was an island with keys of its own and one refund (not yet driven).
    const island = openLedger(path.join(dir, 'ledger.sqlite'), { keys: OTHER_KEYS });
    island.payments.upsert({
      paymentId: 'ISL1',
      amount: { value: 2_000, currency: 'SGD' },
      paymentMethod: 'ALIPAY_CN',
      paidAt: new Date().toISOString(),
      status: 'SUCCESS',
      supportsPartialRefund: true,
    });
    islandRefund(island, 'RRISL1', 'ISL1', 500);

    const refused = await importSqliteJournal(island, { url, register: 'counter-2', storeKeys: OTHER_KEYS });
    expect(refused.ok ? 'imported' : refused.code).toBe('KEYS_MISMATCH');
    expect(await first.audit.head()).toEqual(headBefore);
    expect(await first.journal.get('RRISL1')).toBeNull();

    const landed = await importSqliteJournal(island, { url, register: 'counter-2', storeKeys: PUBLIC_TEST_KEYS });
    expect(landed.ok).toBe(true);
    expect((await first.journal.get('RRISL1'))?.amount_value).toBe(500);
    expect((await first.audit.verify()).ok).toBe(true);
    island.close();
    await first.close();
  });

  it('2. a frozen database: the cashier hears the store sentence within the query timeout, nothing is sent; thawed, refunds work again', async () => {
    const url = fresh();
    const store = await openStoreLedger(url, { register: 'counter-1', keys: PUBLIC_TEST_KEYS });
    const antom = new FakeAntom();
    antom.addPayment('FRZ1', { amount: { value: 5_000, currency: 'SGD' } });
    const engine = await engineOn(store, antom, 'RRFRZ');
    expect((await engine.lookupPayment('FRZ1')).ok).toBe(true);
    cluster.freeze();
    let answer: Awaited<ReturnType<RefundEngine['submit']>>;
    try {
      answer = await engine.submit({ intentId: 'frz-1', paymentId: 'FRZ1', mode: 'PARTIAL', amount: { value: 1_000, currency: 'SGD' }, cashier: 'alice' });
    } finally {
      cluster.thaw();
    }
    expect(answer.ok ? answer.value.state : answer.error.code).toBe('STORE_UNAVAILABLE');
    expect(antom.refundCalls).toHaveLength(0);
    // Whatever the frozen statement was, the counter goes on once the database answers.
    const again = await engine.submit({ intentId: 'frz-2', paymentId: 'FRZ1', mode: 'PARTIAL', amount: { value: 1_000, currency: 'SGD' }, cashier: 'alice' });
    expect(again.ok ? again.value.state : again.error.code).toBe('SUCCEEDED');
    await engine.stop();
    await store.close();
  }, 60_000);

  it('3. in store mode the engine schedules on the database clock, not on a PC clock an hour fast', async () => {
    const url = fresh();
    const journal = await PgJournal.open({ url, register: 'counter-1' });
    try {
      vi.useFakeTimers({ toFake: ['Date'] });
      vi.setSystemTime(Date.now() + 3_600_000);
      const counterSays = journal.clock().getTime();
      vi.useRealTimers();
      const probe = await PgJournal.open({ url, register: 'probe' });
      const dbSays = probe.clock().getTime();
      await probe.close();
      expect(Math.abs(counterSays - dbSays)).toBeLessThan(5_000);
      // And the engine takes it when no clock is given.
      const store = await openStoreLedger(url, { register: 'counter-2', keys: PUBLIC_TEST_KEYS });
      const antom = new FakeAntom();
      antom.addPayment('CLK1', { amount: { value: 5_000, currency: 'SGD' } });
      vi.useFakeTimers({ toFake: ['Date'] });
      vi.setSystemTime(Date.now() + 3_600_000);
      try {
        const engine = await engineOn(store, antom, 'RRCLK');
        antom.refundScript = [
          {
            status: 'PENDING',
            pendingKind: 'IN_PROCESS',
            resultCode: 'REFUND_IN_PROCESS',
            resultMessage: 'p',
            cashierMessage: 'p',
            nextAction: 'WAIT',
            retrySameRequestId: true,
          },
        ];
        antom.inquiryScript = [antom.refundScript[0]!, antom.refundScript[0]!];
        expect((await engine.lookupPayment('CLK1')).ok).toBe(true);
        const r = await engine.submit({ intentId: 'clk-1', paymentId: 'CLK1', mode: 'PARTIAL', amount: { value: 1_000, currency: 'SGD' }, cashier: 'alice' });
        expect(r.ok ? r.value.state : r.error.code).toBe('PENDING_IN_PROCESS');
        await engine.stop();
      } finally {
        vi.useRealTimers();
      }
      const row = await store.journal.get('RRCLK1');
      const next = Date.parse(row?.next_check_at ?? '');
      // Next check: a few seconds to minutes after the database's now, never an hour ahead.
      expect(next - Date.now()).toBeLessThan(10 * 60_000);
      await store.close();
    } finally {
      vi.useRealTimers();
      await journal.close();
    }
  });

  it('4. a DBA-owned schema: a role with exactly the grants doctor prints passes doctor, opens the store and refunds', async () => {
    const url = fresh();
    const name = `edges_${db}`;
    const owner = await openStoreLedger(url, { register: 'dba-setup', keys: PUBLIC_TEST_KEYS });
    await owner.close();
    psql(name, "DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'rtcounter') THEN CREATE ROLE rtcounter LOGIN PASSWORD 'rt'; END IF; END $$");
    psql(name, 'REVOKE CREATE ON SCHEMA public FROM PUBLIC');
    const sel = { engine: 'postgres' as const, url: `postgres://rtcounter:rt@127.0.0.1:${cluster.port}/${name}`, register: 'counter-1' };
    const before = (await storeLedgerChecks(sel)).find((c) => c.id === 'store-permissions');
    expect(before?.ok).toBe(false);
    const grants = (before?.fix ?? '')
      .replace(/^As the database owner: /, '')
      .replace(/<role>/g, 'rtcounter')
      .replace(/<schema>/g, 'public');
    expect(grants).toMatch(/GRANT/);
    psql(name, grants);
    const after = await storeLedgerChecks(sel);
    expect(after.filter((c) => !c.ok && c.warning !== true).map((c) => `${c.id}: ${c.summary}`)).toEqual([]);
    const store = await openStoreLedger(sel.url, { register: 'counter-1', keys: PUBLIC_TEST_KEYS });
    const antom = new FakeAntom();
    antom.addPayment('DBA1', { amount: { value: 5_000, currency: 'SGD' } });
    const engine = await engineOn(store, antom, 'RRDBA');
    expect((await engine.lookupPayment('DBA1')).ok).toBe(true);
    const r = await engine.submit({ intentId: 'dba-1', paymentId: 'DBA1', mode: 'PARTIAL', amount: { value: 1_000, currency: 'SGD' }, cashier: 'alice' });
    expect(r.ok ? r.value.state : r.error.message).toBe('SUCCEEDED');
    expect((await store.audit.verify()).ok).toBe(true);
    await engine.stop();
    await store.close();
  });

  it("5. a push finishing a FULL refund records what Antom refunded as the refund's amount", async () => {
    const url = fresh();
    const store = await openStoreLedger(url, { register: 'counter-1', keys: PUBLIC_TEST_KEYS });
    const antom = new FakeAntom();
    antom.addPayment('FUL1', { amount: { value: 1_000, currency: 'SGD' } });
    const engine = await engineOn(store, antom, 'RRFUL');
    const pending = {
      status: 'PENDING',
      pendingKind: 'IN_PROCESS',
      resultCode: 'REFUND_IN_PROCESS',
      resultMessage: 'p',
      cashierMessage: 'p',
      nextAction: 'WAIT',
      retrySameRequestId: true,
    } as const;
    antom.refundScript = [pending];
    expect((await engine.lookupPayment('FUL1')).ok).toBe(true);
    const r = await engine.submit({ intentId: 'ful-1', paymentId: 'FUL1', mode: 'FULL', cashier: 'alice' });
    expect(r.ok ? r.value.state : r.error.code).toBe('PENDING_IN_PROCESS');
    await engine.stop();
    const verdict = await applyRefundNotification(store.journal, {
      refundRequestId: 'RRFUL1',
      refundId: 'AR-FUL1',
      paymentId: 'FUL1',
      refundStatus: 'SUCCESS',
      refundAmount: { value: 600, currency: 'SGD' },
      result: { resultStatus: 'S', resultCode: 'SUCCESS', resultMessage: 'success' },
    } as Parameters<typeof applyRefundNotification>[1]);
    expect(verdict.kind).toBe('APPLIED');
    const row = await store.journal.get('RRFUL1');
    expect({ state: row?.state, amount: row?.amount_value }).toEqual({ state: 'SUCCEEDED', amount: 600 });
    expect((await store.journal.refundableBalance('FUL1'))?.value).toBe(400);
    expect((await store.audit.verify()).ok).toBe(true);
    await store.close();
  });

  it("+ the connection lost at the refund's COMMIT: the cashier is told it may be recorded (with its id), nothing sent; recovery finishes it once", async () => {
    const url = fresh();
    const store = await openStoreLedger(url, { register: 'counter-1', keys: PUBLIC_TEST_KEYS });
    const antom = new FakeAntom();
    antom.addPayment('CMT1', { amount: { value: 5_000, currency: 'SGD' } });
    // The insert commits, then the answer to COMMIT is lost: exactly what PgJournal raises in that case.
    const journal = store.journal;
    const lossy: typeof journal = Object.create(journal) as typeof journal;
    let lose = true;
    lossy.insert = async (...args: Parameters<typeof journal.insert>) => {
      const out = await journal.insert(...args);
      if (lose) {
        lose = false;
        throw new CommitOutcomeUnknownError(Object.assign(new Error('Connection terminated unexpectedly'), {}));
      }
      return out;
    };
    let n = 0;
    expect((await store.settings.setPolicy({ ...DEFAULT_POLICY, paymentOlderThanDays: null }, 'test')).ok).toBe(true);
    const engine = new RefundEngine({
      store,
      journal: lossy,
      terminal: new FakeTerminal(),
      antom,
      newRefundRequestId: () => `RRCMT${++n}`,
      settleWaitMs: 2_000,
    });
    expect((await engine.lookupPayment('CMT1')).ok).toBe(true);
    const r = await engine.submit({ intentId: 'cmt-1', paymentId: 'CMT1', mode: 'PARTIAL', amount: { value: 1_000, currency: 'SGD' }, cashier: 'alice' });
    expect(r.ok ? r.value.state : { code: r.error.code, id: r.error.details?.['refundRequestId'] }).toEqual({ code: 'STORE_UNAVAILABLE', id: 'RRCMT1' });
    expect(r.ok ? '' : r.error.message).not.toMatch(/not started/);
    expect(antom.refundCalls).toHaveLength(0);
    await engine.tick();
    const row = await store.journal.get('RRCMT1');
    expect(row?.state).toBe('SUCCEEDED');
    expect(antom.refundCalls.map((c) => c.refundRequestId)).toEqual(['RRCMT1']);
    await engine.stop();
    await store.close();
  });

  it('11. a counter that was in store mode, started without the store URL, refuses its local journal everywhere until `store leave --yes`', async () => {
    const url = fresh();
    const dir = mkdtempSync(path.join(tmpdir(), 'rt-edges-member-'));
    dirs.push(dir);
    const run = (args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number; text: string }> => cliIn(dir, args, env);
    const base = { REFUND_TERMINAL_DEMO: '0', HOME: dir };
    const store = { ...base, REFUND_TERMINAL_STORE_URL: url, REFUND_TERMINAL_REGISTER: 'counter-7' };
    // In store mode once (the audit command opens the store ledger and verifies it).
    expect((await run(['audit', 'verify'], store)).code).toBe(0);
    // Without the URL: the CLI, `store serve` and the app all refuse the local journal, naming the register.
    const audit = await run(['audit', 'verify'], base);
    expect(audit.code).not.toBe(0);
    expect(audit.text).toMatch(/register "counter-7"/);
    const serve = await run(['store', 'serve', '--port', '0'], base);
    expect(serve.code).not.toBe(0);
    expect(serve.text).toMatch(/belongs to a store ledger/);
    const app = await openCoreServices({ dataDir: dir, env: base, log: createSilentLogger() });
    expect(app.ok ? 'started' : app.error.code).toBe('CONFIG_INVALID');
    // Leaving is deliberate: without --yes nothing changes; with it the folder is a single counter again.
    expect((await run(['store', 'leave'], base)).code).not.toBe(0);
    expect((await run(['audit', 'verify'], base)).code).not.toBe(0);
    expect((await run(['store', 'leave', '--yes'], base)).code).toBe(0);
    expect((await run(['audit', 'verify'], base)).code).toBe(0);
  });

  it("6. a payment row edited by SQL in the counter's file never wins over the store's own record of it", async () => {
    const url = fresh();
    const store = await openStoreLedger(url, { register: 'counter-1', keys: PUBLIC_TEST_KEYS });
    const paidAt = new Date().toISOString();
    const base = {
      paymentId: 'EDT1',
      amount: { value: 1_000, currency: 'SGD' },
      paymentMethod: 'ALIPAY_CN',
      paidAt,
      status: 'SUCCESS',
      supportsPartialRefund: true,
    } as const;
    // Counter 1 looked the payment up at Antom: 300 refunded on the Dashboard.
    await store.journal.upsertPayment({ ...base, antomRefunds: [{ refundRequestId: null, refundId: 'DASH1', value: 300, status: 'SUCCESS', at: paidAt }] });
    expect((await store.journal.refundableBalance('EDT1'))?.value).toBe(700);
    const dir = mkdtempSync(path.join(tmpdir(), 'rt-edges-pay-'));
    dirs.push(dir);
    const file = path.join(dir, 'ledger.sqlite');
    const island = openLedger(file, { keys: PUBLIC_TEST_KEYS });
    island.payments.upsert({ ...base, antomRefunds: [] });
    // The import carries the payments its refunds stand on.
    islandRefund(island, 'RREDT0', 'EDT1', 100);
    island.close();
    // Someone with the PC edits the payment (no audit entry covers the payments table) to look newer, then imports.
    const db = new Database(file);
    db.prepare("UPDATE payments SET fetched_at = ?, antom_refunded = 0, antom_refunds = '[]' WHERE payment_id = ?").run(
      new Date(Date.now() + 86_400_000).toISOString(),
      'EDT1',
    );
    db.close();
    const edited = openLedger(file, { keys: PUBLIC_TEST_KEYS });
    expect((await importSqliteJournal(edited, { url, register: 'counter-2', storeKeys: PUBLIC_TEST_KEYS })).ok).toBe(true);
    edited.close();
    // The store still knows of the Dashboard refund: never more room than either side knew.
    expect((await store.journal.refundableBalance('EDT1'))?.value).toBe(600);
    await store.close();
  });

  it('15. a second PC under a register name another PC holds is refused, until `store register claim --yes` moves the name (audited)', async () => {
    const url = fresh();
    const mk = (label: string): string => {
      const d = mkdtempSync(path.join(tmpdir(), `rt-edges-reg-${label}-`));
      dirs.push(d);
      return d;
    };
    const first = mk('a');
    const second = mk('b');
    const env = { REFUND_TERMINAL_DEMO: '0', REFUND_TERMINAL_STORE_URL: url, REFUND_TERMINAL_REGISTER: 'counter-1' };
    const run = (dir: string, args: string[]): Promise<{ code: number; text: string }> => cliIn(dir, args, { ...env, HOME: dir });
    expect((await run(first, ['audit', 'verify'])).code).toBe(0);
    expect((await run(first, ['audit', 'verify'])).code).toBe(0);
    // A second PC set up as the README says (the store's keys imported), but with a copied register name.
    const keysFile = path.join(mk('keys'), 'store-keys.json');
    expect((await run(first, ['store', 'keys', 'export', '--out', keysFile])).code).toBe(0);
    expect((await run(second, ['store', 'keys', 'import', keysFile])).code).toBe(0);
    const refused = await run(second, ['audit', 'verify']);
    expect(refused.code).not.toBe(0);
    expect(refused.text).toMatch(/Register "counter-1" is already used by another counter PC/);
    expect((await run(second, ['store', 'register', 'claim'])).code).not.toBe(0);
    expect((await run(second, ['store', 'register', 'claim', '--yes'])).code).toBe(0);
    expect((await run(second, ['audit', 'verify'])).code).toBe(0);
    // The old PC is now the one refused; the move is in the store chain and the chain verifies.
    expect((await run(first, ['audit', 'verify'])).code).not.toBe(0);
    const { ledger: local, keys } = await openDataLedger(first);
    local.close();
    const store = await openStoreLedger(url, { register: 'probe', keys });
    const kinds = (await store.audit.list({ limit: 100 })).map((e) => e.kind);
    expect(kinds.filter((k) => k === 'store.register_claimed')).toHaveLength(1);
    expect(kinds.filter((k) => k === 'store.register_moved')).toHaveLength(1);
    expect((await store.audit.verify()).ok).toBe(true);
    await store.close();
  });
});

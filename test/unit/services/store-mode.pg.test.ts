/**
 * The composition root in store mode: REFUND_TERMINAL_STORE_URL selects the
 * store's PostgreSQL ledger; core.store / core.register / the engine are the
 * store's, keyed with this data folder's keys, which must be the store's
 * (store keys export / import). An unreachable store is a refusal, never a
 * fallback to the data folder's SQLite journal. Two data folders = two
 * counters, each with its own virtual terminal (demo machinery).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import pg from 'pg';
import { auditCommand } from '../../../main/cli/commands/audit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitForAuthenticated } from '../../../main/cli/engine-session';
import { DEFAULT_POLICY } from '../../../main/ledger/policy';
import { createSilentLogger } from '../../../main/logging/logger';
import { DEMO_PAYMENTS } from '../../../main/sandbox';
import { openCoreServices, type CoreServices } from '../../../main/services/core-services';
import { openDataLedger } from '../../../main/services/data-ledger';
import { importStoreKeys, writeStoreKeysFile } from '../../../main/store/store-keys';
import { socatAvailable } from '../../../native-bridge/testing';
import { pgAvailable, pgSuite } from '../../helpers/pg-suite';

const dirs: string[] = [];
function dir(label: string): string {
  const d = mkdtempSync(path.join(os.tmpdir(), `rt-store-${label}-`));
  dirs.push(d);
  return d;
}

async function counter(dataDir: string, url: string, register: string): ReturnType<typeof openCoreServices> {
  return openCoreServices({
    dataDir,
    env: { REFUND_TERMINAL_DEMO: '1', REFUND_TERMINAL_STORE_URL: url, REFUND_TERMINAL_REGISTER: register },
    log: createSilentLogger(),
  });
}

describe.skipIf(!pgAvailable || !socatAvailable())('core services in store mode (PostgreSQL)', () => {
  const suite = pgSuite('store_services');
  let url = '';
  beforeAll(() => {
    url = suite.freshUrl();
  });
  afterAll(() => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  it("two counters on one store: each its own terminal, one balance; a counter with other keys is refused until it imports the store's", async () => {
    const dirA = dir('a');
    const openedA = await counter(dirA, url, 'counter-1');
    if (!openedA.ok) throw new Error(openedA.error.message);
    const a: CoreServices = openedA.value;
    let b: CoreServices | null = null;
    try {
      expect(a.store.engine).toBe('postgres');
      expect(a.register).toBe('counter-1');
      // The store's policy (store-wide settings): refunds up to 100.00 SGD need no manager.
      expect((await a.store.settings.setPolicy({ ...DEFAULT_POLICY, paymentOlderThanDays: null }, 'test')).ok).toBe(true);

      // A second data folder with keys of its own: refused, nothing written, no SQLite fallback.
      const stranger = await counter(dir('stranger'), url, 'counter-9');
      expect(stranger.ok).toBe(false);
      if (!stranger.ok) {
        expect(stranger.error.code).toBe('STORE_UNAVAILABLE');
        expect(stranger.error.message).toMatch(/keys are not the store's/);
      }

      // The store's keys carried to a new counter.
      const keyFile = path.join(dir('keys'), 'store-keys.json');
      const { ledger: la, keys } = await openDataLedger(dirA);
      la.close();
      writeStoreKeysFile(keyFile, keys);
      const dirB = dir('b');
      expect(await importStoreKeys(dirB, keyFile)).toEqual({ ok: true });
      // Never over keys already in use.
      expect((await importStoreKeys(dirB, keyFile)).ok).toBe(false);
      const openedB = await counter(dirB, url, 'counter-2');
      if (!openedB.ok) throw new Error(openedB.error.message);
      b = openedB.value;
      expect(b.register).toBe('counter-2');

      expect(await waitForAuthenticated(a.link, 20_000)).toBe(true);
      expect(await waitForAuthenticated(b.link, 20_000)).toBe(true);
      const pid = DEMO_PAYMENTS.SGD_ALIPAY.paymentId;
      expect((await a.engine.lookupPayment(pid)).ok).toBe(true);
      const done = await a.engine.submit({
        intentId: 'store-a-1',
        paymentId: pid,
        mode: 'PARTIAL',
        amount: { value: 2_000, currency: 'SGD' },
        cashier: 'alice',
      });
      expect(done.ok && done.value.state).toBe('SUCCEEDED');
      // Counter 2 sees counter 1's refund in the one balance, and its own refund is checked against it.
      const seen = await b.engine.lookupPayment(pid);
      expect(seen.ok && seen.value.refundable.value).toBe(12_550 - 2_000);
      const tooMuch = await b.engine.submit({
        intentId: 'store-b-1',
        paymentId: pid,
        mode: 'PARTIAL',
        amount: { value: 12_000, currency: 'SGD' },
        cashier: 'bob',
      });
      expect(tooMuch.ok ? null : tooMuch.error.code).toBe('AMOUNT_EXCEEDS_REFUNDABLE');
      const rest = await b.engine.submit({ intentId: 'store-b-2', paymentId: pid, mode: 'PARTIAL', amount: { value: 5_000, currency: 'SGD' }, cashier: 'bob' });
      if (!rest.ok) throw new Error(rest.error.message);
      expect(rest.ok && rest.value.state).toBe('SUCCEEDED');
      expect((await a.store.payments.refundableBalance(pid))?.value).toBe(12_550 - 2_000 - 5_000);
      // Both refunds in the store ledger, none in either data folder's SQLite journal.
      expect(await a.store.journal.list({ paymentId: pid })).toHaveLength(2);
      const raw = new pg.Client({ connectionString: url });
      await raw.connect();
      const regs = await raw.query<{ register: string }>('SELECT register FROM refunds WHERE payment_id = $1 ORDER BY register', [pid]);
      await raw.end();
      expect(regs.rows.map((x) => x.register)).toEqual(['counter-1', 'counter-2']);
      expect(a.ledger.refunds.list({ paymentId: pid })).toEqual([]);
      expect(b.ledger.refunds.list({ paymentId: pid })).toEqual([]);
      expect((await b.store.audit.verify()).ok).toBe(true);
      // `audit verify` at counter 2 checks the store-wide chain (counter 1's refund included).
      const out = new PassThrough();
      let text = '';
      out.on('data', (d: Buffer) => (text += d.toString()));
      const env = { REFUND_TERMINAL_STORE_URL: url, REFUND_TERMINAL_REGISTER: 'counter-2' };
      const code = await auditCommand.run(['verify', '--json'], { dataDir: dirB, env, stdout: out, stderr: out, stdin: new PassThrough() });
      expect(code).toBe(0);
      const v = JSON.parse(text) as { ok: boolean; count: number };
      expect(v.ok).toBe(true);
      expect(v.count).toBeGreaterThan((b.ledger.audit.head().seq ?? 0) + 3);
    } finally {
      await b?.close();
      await a.close();
    }
  }, 120_000);

  it('the database goes away while the counter runs: the health the banner polls says so, and clears when it is back', async () => {
    const opened = await counter(dir('outage'), suite.freshUrl(), 'counter-1');
    if (!opened.ok) throw new Error(opened.error.message);
    const a = opened.value;
    const until = async (cond: () => Promise<boolean>, what: string): Promise<void> => {
      const end = Date.now() + 30_000;
      while (!(await cond())) {
        if (Date.now() > end) throw new Error(`not within the generous timeout: ${what}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    };
    try {
      expect((await a.journalHealth()).storeUnreachable ?? null).toBeNull();
      await suite.cluster.pause();
      try {
        await until(async () => typeof (await a.journalHealth()).storeUnreachable === 'string', 'the probe to notice the outage');
        expect(await a.journalHealth()).toMatchObject({ alarm: true, storeUnreachable: expect.stringMatching(/no new refund starts/) });
      } finally {
        await suite.cluster.resume();
      }
      await until(async () => (await a.journalHealth()).storeUnreachable === null, 'the probe to notice the database is back');
      expect((await a.journalHealth()).alarm).toBe(false);
    } finally {
      await a.close();
    }
  }, 90_000);

  it('an unreachable store ledger refuses to start (STORE_UNAVAILABLE), never falls back to the SQLite journal', async () => {
    const r = await counter(dir('down'), 'postgres://postgres@127.0.0.1:1/none', 'counter-1');
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.error.code).toBe('STORE_UNAVAILABLE');
      expect(r.error.message).toMatch(/No refund can start until it is reachable/);
    }
  }, 30_000);
});

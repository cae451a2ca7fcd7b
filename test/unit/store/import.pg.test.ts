/**
 * `store import` against a real PostgreSQL: a counter's SQLite journal moves
 * into the store ledger once (a second run finds nothing new), both audit
 * chains verify, a live owner mid-refund is refused.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import Database from 'better-sqlite3';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { storeCommand } from '../../../main/cli/commands/store';
import { acquireDemoLock } from '../../../main/demo/demo-lock';
import { openLedger } from '../../../main/ledger';
import { PgJournal } from '../../../main/ledger/pg/pg-journal';
import { openStoreLedger } from '../../../main/ledger/pg/pg-store';
import { PUBLIC_TEST_KEYS } from '../../../main/secrets/ledger-keys';
import { sqliteJournal } from '../../../main/ledger/sqlite-journal';
import { openDataLedger } from '../../../main/services/data-ledger';
import { importSqliteJournal } from '../../../main/store/import-sqlite';
import { pgAvailable, pgSuite } from '../../helpers/pg-suite';
import { journalRefund } from './notify-helpers';

const suite = pgSuite('import');
async function counts(url: string): Promise<Record<string, number>> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  const out: Record<string, number> = {};
  for (const t of ['payments', 'refunds', 'refund_transitions', 'audit']) {
    out[t] = Number((await c.query<{ n: string }>(`SELECT count(*) AS n FROM ${t}`)).rows[0]?.n);
  }
  await c.end();
  return out;
}

describe.skipIf(!pgAvailable)('store import', () => {
  it('imports refunds, transitions, payments and audit once; a second run writes nothing; later activity imports alone; both chains verify', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'rt-import-'));
    const ledger = openLedger(path.join(dir, 'ledger.sqlite'));
    const local = sqliteJournal(ledger);
    await journalRefund(local, 'RR-I-1', 'PAY-I-1', 'SUCCEEDED');
    await journalRefund(local, 'RR-I-2', 'PAY-I-2', 'PENDING_IN_PROCESS');
    const localChain = ledger.audit.list({ limit: 1000 }).map((e) => e.seq + e.kind);
    const url = suite.freshUrl();

    const first = await importSqliteJournal(ledger, { url, register: 'counter-1' });
    expect(first.ok).toBe(true);
    if (!first.ok) return;
    expect(first.report).toMatchObject({ refunds: 2, payments: 2, transitions: 10, alreadyPresent: 0, unfinished: ['RR-I-2'], nothingNew: false });
    const store = await PgJournal.open({ url, register: 'store' });
    expect((await store.get('RR-I-1'))?.state).toBe('SUCCEEDED');
    expect((await store.get('RR-I-2'))?.state).toBe('PENDING_IN_PROCESS');
    expect(await store.transitions('RR-I-2')).toHaveLength((await local.transitions('RR-I-2')).length);
    expect((await store.verifyAudit()).intact).toBe(true);
    expect(ledger.verifyAudit().ok).toBe(true);
    // The counter's earlier entries are untouched; one store.import entry was appended.
    const after = ledger.audit.list({ limit: 1000 });
    expect(after.slice(1).map((e) => e.seq + e.kind)).toEqual(localChain);
    expect(after[0]).toMatchObject({ kind: 'store.import', actor: 'store:import' });

    const before = await counts(url);
    const second = await importSqliteJournal(ledger, { url, register: 'counter-1' });
    expect(second.ok && second.report).toMatchObject({ nothingNew: true, refunds: 0, alreadyPresent: 2 });
    expect(await counts(url)).toEqual(before);

    await journalRefund(local, 'RR-I-3', 'PAY-I-3', 'FAILED');
    const third = await importSqliteJournal(ledger, { url, register: 'counter-1' });
    expect(third.ok && third.report).toMatchObject({ refunds: 1, alreadyPresent: 2, nothingNew: false });
    const storeAudit = await counts(url);
    // Every counter audit entry is in the store chain exactly once (store.import entries of the counter excluded).
    const c = new pg.Client({ connectionString: url });
    await c.connect();
    const seqs = await c.query<{ detail: string }>("SELECT detail FROM audit WHERE kind = 'import.audit'");
    const imported = seqs.rows.map((r) => (JSON.parse(r.detail) as { sourceSeq: number }).sourceSeq);
    expect(new Set(imported).size).toBe(imported.length);
    const expected = ledger.audit.list({ limit: 1000 }).filter((e) => e.kind !== 'store.import');
    expect(imported.sort((a, b) => a - b)).toEqual(expected.map((e) => e.seq).sort((a, b) => a - b));
    await c.end();
    expect(storeAudit['refunds']).toBe(3);
    expect((await store.verifyAudit()).intact).toBe(true);
    expect(ledger.verifyAudit().ok).toBe(true);
    await store.close();
    ledger.close();
    rmSync(dir, { recursive: true, force: true });
  }, 60_000);

  it('refuses while a process holds a live lease on an unfinished refund; nothing is imported', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'rt-import-'));
    const ledger = openLedger(path.join(dir, 'ledger.sqlite'));
    const local = sqliteJournal(ledger);
    await journalRefund(local, 'RR-L-1', 'PAY-L-1', 'SUBMITTING');
    expect(await local.claimLease('RR-L-1', 'pid:4242', 60_000, () => true)).toBe(true);
    const url = suite.freshUrl();
    await (await PgJournal.open({ url, register: 'store' })).close();
    const r = await importSqliteJournal(ledger, { url, register: 'counter-1' });
    expect(r).toMatchObject({ ok: false, code: 'LIVE_OWNER', message: expect.stringMatching(/RR-L-1 SUBMITTING.*Nothing was imported/) });
    expect((await counts(url))['refunds']).toBe(0);
    ledger.close();
    rmSync(dir, { recursive: true, force: true });
  }, 60_000);

  it("carries cash / store-credit refunds and Antom's reported refunds: the store balance equals the counter's; a refund over the rest is refused", async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'rt-import-'));
    const ledger = openLedger(path.join(dir, 'ledger.sqlite'));
    const local = sqliteJournal(ledger);
    await journalRefund(local, 'RR-O-1', 'PAY-O-1', 'SUCCEEDED');
    const cash = ledger.otherRefunds.record(
      { id: 'cash-1', paymentId: 'PAY-O-1', method: 'CASH', amount: { value: 6_000, currency: 'SGD' }, note: 'cash' },
      'maria',
    );
    expect(cash.ok).toBe(true);
    // A payment only refunded in cash (no Antom refund on this counter) still moves.
    await local.upsertPayment({
      paymentId: 'PAY-O-2',
      amount: { value: 10_000, currency: 'SGD' },
      paymentMethod: 'EXPRESS_BANKTRANSFER',
      paidAt: '2026-12-01T08:00:00.000Z',
      status: 'SUCCESS',
      supportsPartialRefund: true,
    });
    expect(
      ledger.otherRefunds.record(
        { id: 'credit-2', paymentId: 'PAY-O-2', method: 'STORE_CREDIT', amount: { value: 2_500, currency: 'SGD' }, note: 'c' },
        'maria',
      ).ok,
    ).toBe(true);
    // Antom reported 8,000 refunded elsewhere (the Dashboard), and refused once at 1,500.
    await local.upsertPayment({
      paymentId: 'PAY-O-3',
      amount: { value: 10_000, currency: 'SGD' },
      paymentMethod: 'EXPRESS_BANKTRANSFER',
      paidAt: '2026-12-01T08:00:00.000Z',
      status: 'SUCCESS',
      supportsPartialRefund: true,
      antomRefunds: [{ refundRequestId: 'DASH-1', refundId: 'X', value: 8_000, status: 'SUCCESS', at: null }],
    });
    await journalRefund(local, 'RR-O-3', 'PAY-O-3', 'SUCCEEDED');
    ledger.payments.markRefusedAt('PAY-O-3', 900);
    const before = ['PAY-O-1', 'PAY-O-2', 'PAY-O-3'].map((p) => ledger.refundableBalance(p));
    expect(before.map((m) => m?.value)).toEqual([3_000, 7_500, 899]);
    const url = suite.freshUrl();
    const r = await importSqliteJournal(ledger, { url, register: 'counter-1' });
    expect(r.ok && r.report).toMatchObject({ otherRefunds: 2, payments: 3 });
    const store = await PgJournal.open({ url, register: 'store' });
    const after = await Promise.all(['PAY-O-1', 'PAY-O-2', 'PAY-O-3'].map((p) => store.refundableBalance(p)));
    expect(after).toEqual(before);
    const over = await store.insert(
      {
        refundRequestId: 'RR-O-again',
        intentId: 'I-again',
        paymentId: 'PAY-O-1',
        mode: 'PARTIAL',
        amount: { value: 3_001, currency: 'SGD' },
        memo: null,
        state: 'APPROVED',
        cashier: 'bob',
        message: 'm',
        nextAction: 'WAIT',
        approvalReasons: [],
      },
      'bob',
    );
    expect(over.ok).toBe(false);
    // Nothing new the second time: the other refunds and reports are not counted again.
    expect((await importSqliteJournal(ledger, { url, register: 'counter-1' })).ok).toBe(true);
    const again = await importSqliteJournal(ledger, { url, register: 'counter-1' });
    expect(again.ok && again.report).toMatchObject({ nothingNew: true, otherRefunds: 0 });
    // The imported cash refunds match their (imported) audit entries; one deleted in the store is named.
    const verified = await store.verifyAudit();
    expect(verified.intact).toBe(true);
    const storeLedger = await openStoreLedger(url, { register: 'counter-1', keys: PUBLIC_TEST_KEYS });
    expect((await storeLedger.audit.verify()).refundProblems).toEqual([]);
    const raw = new pg.Client({ connectionString: url });
    await raw.connect();
    await raw.query("DELETE FROM other_refunds WHERE id = 'cash-1'");
    await raw.end();
    expect((await storeLedger.audit.verify()).refundProblems).toEqual([{ refundRequestId: 'cash-1', problem: expect.stringMatching(/deleted/) }]);
    await storeLedger.close();
    await store.close();
    ledger.close();
    rmSync(dir, { recursive: true, force: true });
  }, 60_000);

  it('refuses a journal that does not verify (a refund edited by SQL); nothing is imported', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'rt-import-'));
    const file = path.join(dir, 'ledger.sqlite');
    const ledger = openLedger(file);
    await journalRefund(sqliteJournal(ledger), 'RR-T-1', 'PAY-T-1', 'FAILED');
    ledger.close();
    const db = new Database(file);
    db.prepare("UPDATE refunds SET state = 'SUCCEEDED', refund_id = 'FORGED' WHERE refund_request_id = 'RR-T-1'").run();
    db.close();
    const again = openLedger(file);
    const url = suite.freshUrl();
    await (await PgJournal.open({ url, register: 'store' })).close();
    const r = await importSqliteJournal(again, { url, register: 'counter-1' });
    expect(r).toMatchObject({ ok: false, code: 'UNVERIFIED', message: expect.stringMatching(/does not verify .*RR-T-1.*Nothing was imported/) });
    expect(await counts(url)).toMatchObject({ refunds: 0, payments: 0, audit: 0 });
    again.close();
    rmSync(dir, { recursive: true, force: true });
  }, 60_000);

  it('refuses a journal whose cash refund was deleted by SQL (its balance would grow back in the store); nothing is imported', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'rt-import-'));
    const file = path.join(dir, 'ledger.sqlite');
    const ledger = openLedger(file);
    await journalRefund(sqliteJournal(ledger), 'RR-C-1', 'PAY-C-1', 'SUCCEEDED');
    const cash = { id: 'cash-del', paymentId: 'PAY-C-1', method: 'CASH' as const, amount: { value: 500, currency: 'SGD' }, note: 'cash' };
    expect(ledger.otherRefunds.record(cash, 'maria').ok).toBe(true);
    ledger.close();
    const db = new Database(file);
    db.prepare("DELETE FROM other_refunds WHERE id = 'cash-del'").run();
    db.close();
    const again = openLedger(file);
    const url = suite.freshUrl();
    await (await PgJournal.open({ url, register: 'store' })).close();
    const r = await importSqliteJournal(again, { url, register: 'counter-1' });
    expect(r).toMatchObject({ ok: false, code: 'UNVERIFIED', message: expect.stringMatching(/does not verify .*cash-del.*Nothing was imported/) });
    expect(await counts(url)).toMatchObject({ refunds: 0, payments: 0, audit: 0 });
    again.close();
    rmSync(dir, { recursive: true, force: true });
  }, 60_000);

  it('refuses while the app runs on this data folder (its lock is live); a re-import names rows that differ, never overwriting them', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'rt-import-'));
    const ledger = openLedger(path.join(dir, 'ledger.sqlite'));
    const local = sqliteJournal(ledger);
    await journalRefund(local, 'RR-D-1', 'PAY-D-1', 'PENDING_UNKNOWN');
    const url = suite.freshUrl();
    const lock = acquireDemoLock(dir);
    expect(lock.kind).toBe('owner');
    const refused = await importSqliteJournal(ledger, { url, register: 'counter-1', dataDir: dir });
    expect(refused).toMatchObject({ ok: false, code: 'APP_RUNNING', message: expect.stringMatching(new RegExp(`pid ${process.pid}.*Nothing was imported`)) });
    if (lock.kind === 'owner') lock.lock.release();
    const first = await importSqliteJournal(ledger, { url, register: 'counter-1', dataDir: dir });
    expect(first.ok && first.report).toMatchObject({ refunds: 1, differing: [] });
    // The counter (wrongly) drove the refund on in SQLite after the import: the re-import says so.
    expect((await local.transition('RR-D-1', 'PENDING_UNKNOWN', 'SUCCEEDED', { actor: 'system' })).ok).toBe(true);
    const again = await importSqliteJournal(ledger, { url, register: 'counter-1', dataDir: dir });
    expect(again.ok && again.report.differing).toEqual([
      { refundRequestId: 'RR-D-1', sqlite: expect.stringMatching(/^SUCCEEDED 1000 SGD/), store: expect.stringMatching(/^PENDING_UNKNOWN 1000 SGD/) },
    ]);
    const store = await PgJournal.open({ url, register: 'store' });
    expect((await store.get('RR-D-1'))?.state).toBe('PENDING_UNKNOWN');
    await store.close();
    ledger.close();
    rmSync(dir, { recursive: true, force: true });
  }, 60_000);

  it('CLI: store import twice; the second run says there is nothing new', async () => {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'rt-import-cli-'));
    const { ledger } = await openDataLedger(dataDir);
    await journalRefund(sqliteJournal(ledger), 'RR-C-1', 'PAY-C-1', 'SUCCEEDED');
    ledger.close();
    const url = suite.freshUrl().replace('postgres@', 'postgres:topsecret@');
    const run = async (): Promise<{ code: number; out: string }> => {
      const out = new PassThrough();
      let text = '';
      out.on('data', (d: Buffer) => (text += d.toString()));
      const err = new PassThrough();
      err.on('data', (d: Buffer) => (text += d.toString()));
      const code = await storeCommand.run(['import'], {
        dataDir,
        env: { REFUND_TERMINAL_STORE_URL: url, REFUND_TERMINAL_REGISTER: 'counter-7' },
        stdout: out,
        stderr: err,
        stdin: new PassThrough(),
      });
      return { code, out: text };
    };
    const a = await run();
    expect(a.code).toBe(0);
    expect(a.out).toMatch(/Imported into the store ledger .*postgres:\*\*\*@.* as register "counter-7": 1 refund\(s\) with 5 transition\(s\)/);
    const b = await run();
    expect(b.code).toBe(0);
    expect(b.out).toMatch(/Nothing new to import/);
    expect(a.out + b.out).not.toContain('topsecret');
    rmSync(dataDir, { recursive: true, force: true });
  }, 60_000);
});

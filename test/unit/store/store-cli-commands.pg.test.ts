/**
 * The CLI in store mode against a real PostgreSQL (in-process `main`, its real
 * argument parsing, configuration and output): `users`, `journal` and `refund`
 * read and write the store ledger, checked from a second connection, and the
 * counter's own SQLite file stays untouched; with the database unreachable
 * each exits 5 with a plain sentence, never a local fallback.
 */
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { EXIT } from '../../../main/cli/exit-codes';
import { ALARM_FILE } from '../../../main/ledger/journal-alarm-file';
import { localDate } from '../../../main/ledger/local-date';
import { openStoreLedger } from '../../../main/ledger/pg/pg-store';
import { openDataLedger } from '../../../main/services/data-ledger';
import { runMain, type CliRun } from '../../helpers/cli-in-process';
import { pgAvailable, pgQuery, pgSuite } from '../../helpers/pg-suite';
import { journalRefund } from './notify-helpers';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function cli(dataDir: string, env: NodeJS.ProcessEnv, argv: string[]): Promise<CliRun> {
  return runMain(argv, { dataDir, env });
}

const suite = pgSuite('clicmd');

/** Two counters of one store: the first data folder made once and copied, as `store keys export/import` would. */
async function twoCounters(): Promise<{ url: string; dirs: [string, string]; env: (register: string, extra?: NodeJS.ProcessEnv) => NodeJS.ProcessEnv }> {
  const url = suite.freshUrl();
  const base = mkdtempSync(path.join(os.tmpdir(), 'rt-store-clicmd-'));
  dirs.push(base);
  const first = path.join(base, 'counter-1');
  (await openDataLedger(first)).ledger.close();
  const second = path.join(base, 'counter-2');
  cpSync(first, second, { recursive: true });
  return {
    url,
    dirs: [first, second],
    env: (register, extra = {}) => ({ REFUND_TERMINAL_STORE_URL: url, REFUND_TERMINAL_REGISTER: register, REFUND_TERMINAL_DEMO: '0', ...extra }),
  };
}

/** Rows of the counter's own SQLite file: store mode must leave it as it was. */
function localCount(dataDir: string, sql: string): number {
  const db = new Database(path.join(dataDir, 'ledger.sqlite'), { readonly: true });
  try {
    return Number((db.prepare(sql).get() as { n: number }).n);
  } finally {
    db.close();
  }
}

describe.skipIf(!pgAvailable)('the CLI in store mode (PostgreSQL)', () => {
  it('users: added, disabled, enabled, unlocked, reset and promoted at either counter, in the store ledger only', async () => {
    const {
      url,
      dirs: [one, two],
      env,
    } = await twoCounters();
    expect((await cli(one, env('counter-1', { REFUND_TERMINAL_PIN: '246813' }), ['users', 'add', 'maria', '--role', 'manager'])).code).toBe(0);
    expect((await cli(two, env('counter-2', { REFUND_TERMINAL_PIN: '1470' }), ['users', 'add', 'alice', '--role', 'cashier'])).code).toBe(0);
    expect(await pgQuery<{ name: string; role: string }>(url, 'SELECT name, role FROM users ORDER BY name')).toEqual([
      { name: 'alice', role: 'cashier' },
      { name: 'maria', role: 'manager' },
    ]);
    // doctor counts the store's managers, not this folder's (which has none).
    const doctor = JSON.parse((await cli(two, env('counter-2'), ['doctor', '--json'])).stdout) as { checks: { id: string; ok: boolean; summary: string }[] };
    expect(doctor.checks.find((c) => c.id === 'users')).toMatchObject({ ok: true, summary: '2 active user(s), 1 manager(s) in the store.' });
    // Each counter lists the people the other added.
    const listed = await cli(one, env('counter-1'), ['users', 'list', '--json']);
    expect((JSON.parse(listed.stdout) as { name: string }[]).map((u) => u.name)).toEqual(['alice', 'maria']);

    const disabled = async (): Promise<boolean | undefined> =>
      (await pgQuery<{ disabled: boolean }>(url, "SELECT disabled FROM users WHERE name = 'alice'"))[0]?.disabled;
    expect((await cli(one, env('counter-1'), ['users', 'disable', 'alice'])).code).toBe(0);
    expect(await disabled()).toBe(true);
    expect((await cli(two, env('counter-2'), ['users', 'enable', 'alice'])).code).toBe(0);
    expect(await disabled()).toBe(false);

    // Locked out by wrong PINs (at any counter), lifted from the other one.
    const keys = (await openDataLedger(one)).keys;
    const store = await openStoreLedger(url, { register: 'counter-1', keys });
    try {
      for (let i = 0; i < 6; i += 1) await store.people.verifyPin('alice', '9999');
      expect((await store.people.get('alice'))?.lockedUntil).not.toBeNull();
      expect((await cli(two, env('counter-2'), ['users', 'unlock', 'alice'])).code).toBe(0);
      expect((await pgQuery<{ locked_until: Date | null }>(url, "SELECT locked_until FROM users WHERE name = 'alice'"))[0]?.locked_until).toBeNull();

      const reset = await cli(two, env('counter-2'), ['users', 'reset-pin', 'alice']);
      expect(reset.code).toBe(0);
      const oneTime = /One-time PIN for alice: (\d+)/.exec(reset.stdout)?.[1];
      expect(oneTime).toBeDefined();
      // The store checks the one-time PIN: the person must choose a new one.
      const signIn = await store.people.verifyPin('alice', oneTime as string);
      expect(signIn.ok ? null : signIn.error.code).toBe('PIN_CHANGE_REQUIRED');
    } finally {
      await store.close();
    }
    expect((await cli(one, env('counter-1'), ['users', 'set-role', 'alice', '--role', 'manager'])).code).toBe(0);
    expect((await pgQuery<{ role: string }>(url, "SELECT role FROM users WHERE name = 'alice'"))[0]?.role).toBe('manager');
    expect(await pgQuery(url, "SELECT 1 FROM audit WHERE kind LIKE 'user.%' AND actor LIKE 'cli:%'")).not.toHaveLength(0);
    for (const d of [one, two]) expect(localCount(d, 'SELECT count(*) AS n FROM users')).toBe(0);
  }, 60_000);

  it("journal: the store's day with every register (CSV column, text, JSON) and --register keeps one counter's", async () => {
    const {
      url,
      dirs: [one],
      env,
    } = await twoCounters();
    const keys = (await openDataLedger(one)).keys;
    const c1 = await openStoreLedger(url, { register: 'counter-1', keys });
    const c2 = await openStoreLedger(url, { register: 'counter-2', keys });
    try {
      await journalRefund(c1.journal, 'RR-J-1', 'PAY-J-1', 'SUCCEEDED');
      await journalRefund(c2.journal, 'RR-J-2', 'PAY-J-2', 'SUCCEEDED');
      await journalRefund(c2.journal, 'RR-J-3', 'PAY-J-3', 'PENDING_IN_PROCESS');
    } finally {
      await c1.close();
      await c2.close();
    }
    const day = ['--date', localDate(new Date(), 'UTC'), '--tz', 'UTC'];
    const csv = await cli(one, env('counter-1'), ['journal', '--csv', ...day]);
    expect(csv.code).toBe(0);
    const lines = csv.stdout.trim().split(/\r?\n/);
    expect(lines[0]).toMatch(/,register$/);
    const registerOf = (id: string): string | undefined =>
      lines
        .find((l) => l.includes(id))
        ?.split(',')
        .at(-1);
    expect([registerOf('RR-J-1'), registerOf('RR-J-2'), registerOf('RR-J-3')]).toEqual(['counter-1', 'counter-2', 'counter-2']);

    const only = await cli(one, env('counter-1'), ['journal', '--csv', '--register', 'counter-2', ...day]);
    expect(only.stdout).not.toContain('RR-J-1');
    expect(only.stdout).toContain('RR-J-2');

    const text = await cli(one, env('counter-1'), ['journal', ...day]);
    expect(text.code).toBe(0);
    expect(text.stdout).toContain('the whole store');
    expect(text.stdout).toContain('Registers with refunds that day: counter-1, counter-2');
    expect(text.stdout).toMatch(/RR-J-3 .* PENDING_IN_PROCESS {2}at counter-2/);
    expect(text.stdout).toMatch(/Refunded by register\n {2}counter-1 +1 {2}10\.00 SGD\n {2}counter-2 +1 {2}10\.00 SGD\n/);

    const json = JSON.parse((await cli(one, env('counter-1'), ['journal', '--json', '--register', 'counter-1', ...day])).stdout) as {
      registers: string[];
      register: string;
      totals: { count: number }[];
    };
    expect(json).toMatchObject({ registers: ['counter-1', 'counter-2'], register: 'counter-1' });
    expect(json.totals.reduce((n, t) => n + t.count, 0)).toBe(1);
    expect(localCount(one, 'SELECT count(*) AS n FROM refunds')).toBe(0);
  }, 60_000);

  it('refund: the cashier, their PIN, the intent and the audit entry are the store ledger’s', async () => {
    const {
      url,
      dirs: [one],
      env,
    } = await twoCounters();
    // alice exists in the store only (added at the other counter's folder would be the same: one store).
    expect((await cli(one, env('counter-1', { REFUND_TERMINAL_PIN: '1470' }), ['users', 'add', 'alice', '--role', 'cashier'])).code).toBe(0);
    const demo = env('counter-1', { REFUND_TERMINAL_DEMO: '1', REFUND_TERMINAL_CASHIER_PIN: '1470' });
    const args = [
      'refund',
      '--payment',
      'DEMO-SGD-ALIPAY-0001',
      '--amount',
      '1.00',
      '--currency',
      'SGD',
      '--cashier',
      'alice',
      '--intent',
      'store-cli-0001',
      '--json',
    ];
    const r = await cli(one, demo, args);
    expect(r.stderr).not.toMatch(/not an active cashier/);
    expect(r.code).toBe(EXIT.SUCCESS);
    expect(JSON.parse(r.stdout)).toMatchObject({ status: 'SUCCESS', cashier: 'alice' });
    const rows = await pgQuery<{ register: string; cashier: string; state: string }>(url, 'SELECT register, cashier, state FROM refunds');
    expect(rows).toEqual([{ register: 'counter-1', cashier: 'alice', state: 'SUCCEEDED' }]);
    expect(await pgQuery(url, "SELECT 1 FROM audit WHERE kind = 'cli.refund'")).toHaveLength(1);

    // The same intent again is the same refund, found in the store ledger (a different amount is refused as such).
    const other = await cli(
      one,
      demo,
      args.map((a) => (a === '1.00' ? '2.00' : a)),
    );
    expect(other.code).toBe(EXIT.BAD_INPUT);
    expect(other.stderr).toMatch(/Intent store-cli-0001 is refund .* which is for another amount/);
    expect(await pgQuery(url, 'SELECT 1 FROM refunds')).toHaveLength(1);
    expect(localCount(one, 'SELECT count(*) AS n FROM refunds')).toBe(0);
    expect(localCount(one, "SELECT count(*) AS n FROM audit WHERE kind = 'cli.refund'")).toBe(0);
  }, 90_000);

  it("doctor: an Antom answer another process could not journal stays an alarm until the store's row is final", async () => {
    const {
      url,
      dirs: [one],
      env,
    } = await twoCounters();
    const keys = (await openDataLedger(one)).keys;
    const store = await openStoreLedger(url, { register: 'counter-1', keys });
    try {
      await journalRefund(store.journal, 'RR-ALARM', 'PAY-ALARM', 'PENDING_IN_PROCESS');
      // What a counter process left when the store went away right after Antom answered.
      const entry = {
        refundRequestId: 'RR-ALARM',
        answer: 'SUCCESS',
        resultCode: 'SUCCESS',
        since: new Date().toISOString(),
        lastError: 'Connection terminated',
        owner: 'till:1',
      };
      writeFileSync(path.join(one, ALARM_FILE), JSON.stringify({ entries: [entry] }), { mode: 0o600 });
      const alarm = async () =>
        (JSON.parse((await cli(one, env('counter-1'), ['doctor', '--json'])).stdout) as { checks: { id: string; ok: boolean; summary: string }[] }).checks.find(
          (c) => c.id === 'journal-alarm',
        );
      expect(await alarm()).toMatchObject({ ok: false, summary: expect.stringContaining('RR-ALARM') });
      expect((await store.journal.transition('RR-ALARM', 'PENDING_IN_PROCESS', 'SUCCEEDED', { actor: 'system', patch: { resultCode: 'SUCCESS' } })).ok).toBe(
        true,
      );
      expect(await alarm()).toMatchObject({ ok: true });
    } finally {
      await store.close();
    }
  }, 60_000);

  it('with the store database unreachable every command exits 5 and says so; nothing is written anywhere', async () => {
    const {
      url,
      dirs: [one],
      env,
    } = await twoCounters();
    const gone = env('counter-1', { REFUND_TERMINAL_PIN: '1470' });
    await suite.cluster.pause();
    try {
      for (const argv of [
        ['users', 'list'],
        ['users', 'add', 'bob', '--role', 'cashier'],
        ['journal'],
        ['journal', '--csv'],
        ['status', 'RR-X'],
        ['audit', 'verify'],
        ['refund', '--payment', 'PAY-1'],
      ]) {
        const r = await cli(one, gone, argv);
        expect({ argv, code: r.code }).toEqual({ argv, code: EXIT.JOURNAL_UNAVAILABLE });
        expect(r.stderr).toMatch(/store ledger .* cannot be opened/);
      }
    } finally {
      await suite.cluster.resume();
    }
    expect(localCount(one, 'SELECT count(*) AS n FROM users')).toBe(0);
    expect(localCount(one, 'SELECT count(*) AS n FROM refunds')).toBe(0);
    expect(await pgQuery(url, "SELECT to_regclass('users') AS t")).toEqual([{ t: null }]);
  }, 60_000);
});

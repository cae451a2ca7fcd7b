/** doctor's store-mode checks against a real PostgreSQL: reachable, latency, schema version, permissions; and down. */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { doctorCommand } from '../../../main/cli/commands/doctor';
import { PgJournal } from '../../../main/ledger/pg/pg-journal';
import { PG_LATEST_VERSION } from '../../../main/ledger/pg/pg-migrations';
import { RefundNotifyBody } from '../../../main/antom/wire';
import { applyRefundNotification } from '../../../main/store/notify-apply';
import { storeLedgerChecks } from '../../../main/store/store-doctor';
import { pgAvailable, pgQuery, pgSuite } from '../../helpers/pg-suite';
import { journalRefund, notifyBody } from './notify-helpers';

const suite = pgSuite('doctor');
const byId = <T extends { id: string }>(checks: T[]): Record<string, T> => Object.fromEntries(checks.map((c) => [c.id, c]));

describe.skipIf(!pgAvailable)('doctor in store mode', () => {
  it('a migrated store ledger: reachable, latency measured, schema current, permissions complete', async () => {
    const url = suite.freshUrl();
    await (await PgJournal.open({ url, register: 'c1' })).close();
    const c = byId(await storeLedgerChecks({ engine: 'postgres', url, register: 'c1' }));
    expect(c['store-reachable']).toMatchObject({ ok: true });
    expect(c['store-latency']?.summary).toMatch(/\d+\.\d ms median/);
    expect(c['store-schema']).toMatchObject({ ok: true, summary: expect.stringContaining(`v${PG_LATEST_VERSION}`) });
    expect(c['store-permissions']).toMatchObject({ ok: true });
  }, 60_000);

  it('lists refunds journaled FAILED that Antom then reported refunded (notify)', async () => {
    const url = suite.freshUrl();
    const j = await PgJournal.open({ url, register: 'c1' });
    await journalRefund(j, 'RR-LATE', 'PAY-LATE', 'FAILED');
    expect(byId(await storeLedgerChecks({ engine: 'postgres', url, register: 'c1' }))['store-late-success']).toBeUndefined();
    expect((await applyRefundNotification(j, RefundNotifyBody.parse(notifyBody('RR-LATE', 'PAY-LATE')))).kind).toBe('LATE_SUCCESS');
    expect((await j.get('RR-LATE'))?.state).toBe('SUCCEEDED');
    expect((await j.verifyAudit()).intact).toBe(true);
    await j.close();
    const c = byId(await storeLedgerChecks({ engine: 'postgres', url, register: 'c1' }));
    expect(c['store-late-success']).toMatchObject({ warning: true, summary: expect.stringContaining('RR-LATE on PAY-LATE') });
  }, 60_000);

  it('names a schema newer than this app, and an empty database, as problems with the fix', async () => {
    const url = suite.freshUrl();
    await (await PgJournal.open({ url, register: 'c1' })).close();
    await pgQuery(url, `INSERT INTO schema_migrations (version) VALUES (${PG_LATEST_VERSION + 1})`);
    const newer = byId(await storeLedgerChecks({ engine: 'postgres', url, register: 'c1' }));
    expect(newer['store-schema']).toMatchObject({ ok: false, summary: expect.stringMatching(/newer than this app/), fix: expect.stringMatching(/Update/) });
    const empty = byId(await storeLedgerChecks({ engine: 'postgres', url: suite.freshUrl(), register: 'c1' }));
    expect(empty['store-schema']).toMatchObject({ ok: false, summary: expect.stringMatching(/empty/) });
  }, 60_000);

  it('spells out the privileges a role lacks', async () => {
    const url = suite.freshUrl();
    await (await PgJournal.open({ url, register: 'c1' })).close();
    const role = `reader_${process.pid}`;
    await pgQuery(url, `CREATE ROLE ${role} LOGIN; GRANT SELECT ON ALL TABLES IN SCHEMA public TO ${role};`);
    const asReader = url.replace('postgres@', `${role}@`);
    const c = byId(await storeLedgerChecks({ engine: 'postgres', url: asReader, register: 'c1' }));
    expect(c['store-permissions']).toMatchObject({ ok: false, summary: expect.stringMatching(/INSERT on refunds/), fix: expect.stringMatching(/GRANT/) });
  }, 60_000);

  it('PostgreSQL down: one failed check saying no refund can start, password redacted; doctor exits non-zero', async () => {
    const url = `postgres://clerk:s3cret-pw@127.0.0.1:1/store`;
    const checks = await storeLedgerChecks({ engine: 'postgres', url, register: 'c1' }, { connectTimeoutMs: 2_000 });
    expect(checks).toHaveLength(1);
    expect(checks[0]).toMatchObject({ id: 'store-reachable', ok: false, summary: expect.stringMatching(/cannot be reached.*No refund can start/) });
    expect(JSON.stringify(checks)).not.toContain('s3cret-pw');

    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'rt-doctor-store-'));
    const out = new PassThrough();
    let text = '';
    out.on('data', (d: Buffer) => (text += d.toString()));
    const code = await doctorCommand.run(['--json'], {
      dataDir,
      env: { ...process.env, REFUND_TERMINAL_STORE_URL: url, REFUND_TERMINAL_REGISTER: 'counter-1', REFUND_TERMINAL_DEMO: '0' },
      stdout: out,
      stderr: new PassThrough(),
      stdin: new PassThrough(),
    });
    rmSync(dataDir, { recursive: true, force: true });
    expect(code).not.toBe(0);
    const report = JSON.parse(text) as { checks: { id: string; ok: boolean; summary: string }[] };
    expect(report.checks.find((c) => c.id === 'ledger-engine')).toMatchObject({ ok: true, summary: expect.stringContaining('clerk:***@127.0.0.1:1') });
    expect(report.checks.find((c) => c.id === 'store-reachable')).toMatchObject({ ok: false });
    expect(text).not.toContain('s3cret-pw');
  }, 60_000);
});

import BetterSqlite3 from 'better-sqlite3';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import type { CliContext } from '../../../main/cli/command';
import { auditCommand } from '../../../main/cli/commands/audit';
import { journalCommand } from '../../../main/cli/commands/journal';
import { makeRecoverCommand } from '../../../main/cli/commands/recover';
import { usersCommand } from '../../../main/cli/commands/users';
import { openLedger } from '../../../main/ledger/ledger';
import { openDataLedger } from '../../../main/services/data-ledger';
import { RefundEngine } from '../../../main/refunds/refund-engine';
import { FakeAntom, FakeTerminal } from '../refunds/fakes';
import { newRefund, seedPayment, tempDir } from './helpers';

const cleanups: (() => void)[] = [];
afterEach(() => cleanups.splice(0).forEach((c) => c()));

function ctx(env: Record<string, string> = {}, stdinText?: string): { ctx: CliContext; out: () => string; errText: () => string; dir: string } {
  const t = tempDir();
  cleanups.push(t.cleanup);
  let out = '';
  let errText = '';
  const stdout = new PassThrough();
  stdout.on('data', (d: Buffer) => (out += d.toString()));
  const stderr = new PassThrough();
  stderr.on('data', (d: Buffer) => (errText += d.toString()));
  const stdin = new PassThrough();
  if (stdinText !== undefined) stdin.end(stdinText);
  return { ctx: { dataDir: t.dir, env, stdout, stderr, stdin }, out: () => out, errText: () => errText, dir: t.dir };
}

describe('CLI: users, audit, journal, recover', () => {
  it('users add (PIN from env or stdin), list, disable', async () => {
    const c = ctx({ REFUND_TERMINAL_PIN: '482917' });
    expect(await usersCommand.run(['add', 'bob', '--role', 'manager'], c.ctx)).toBe(0);
    const c2 = {
      ...c.ctx,
      env: {},
      stdin: (() => {
        const s = new PassThrough();
        s.end('5829\n');
        return s;
      })(),
    };
    expect(await usersCommand.run(['add', 'carol', '--role', 'cashier'], c2)).toBe(0);
    expect(await usersCommand.run(['add', 'dave', '--role', 'chef'], c.ctx)).toBe(1);
    expect(await usersCommand.run(['disable', 'carol'], c.ctx)).toBe(0);
    expect(await usersCommand.run(['disable', 'nobody'], c.ctx)).toBe(1);
    expect(await usersCommand.run(['list'], c.ctx)).toBe(0);
    expect(c.out()).toMatch(/bob\s+manager/);
    expect(c.out()).toMatch(/carol\s+cashier\s+disabled/);
    expect(c.out() + c.errText()).not.toContain('482917');
    // The CLI keyed the hashes with the pepper from the data folder's secret store.
    const { ledger: l } = await openDataLedger(c.dir);
    expect((await l.verifyPin('carol', '5829')).ok).toBe(false);
    expect((await l.verifyPin('bob', '482917')).ok).toBe(true);
    l.close();
  });

  it('audit verify exits 0 when intact and 1 with the first broken link', async () => {
    const c = ctx({ REFUND_TERMINAL_PIN: '482917' });
    await usersCommand.run(['add', 'bob', '--role', 'manager'], c.ctx);
    await usersCommand.run(['disable', 'bob'], c.ctx);
    expect(await auditCommand.run(['verify'], c.ctx)).toBe(0);
    expect(c.out()).toContain('intact: 2 entries');
    expect(await auditCommand.run(['list'], c.ctx)).toBe(0);
    expect(c.out()).toContain('user.disabled');
    const raw = new BetterSqlite3(path.join(c.dir, 'ledger.sqlite'));
    raw.exec("DROP TRIGGER audit_no_update; UPDATE audit SET actor = 'eve' WHERE seq = 1");
    raw.close();
    expect(await auditCommand.run(['verify'], c.ctx)).toBe(1);
    expect(c.out()).toContain('BROKEN at entry 1');
  });

  it('journal prints the day, CSV and JSON', async () => {
    const c = ctx();
    const l = openLedger(path.join(c.dir, 'ledger.sqlite'), { clock: () => new Date('2026-11-25T10:00:00Z') });
    seedPayment(l);
    l.refunds.insert(newRefund({ refundRequestId: 'J1', amount: { value: 1_234, currency: 'SGD' } }), 'alice');
    l.close();
    expect(await journalCommand.run(['--date', '2026-11-25'], c.ctx)).toBe(0);
    expect(c.out()).toContain('APPROVED');
    expect(c.out()).toContain('12.34 SGD');
    expect(await journalCommand.run(['--date', '2026-11-25', '--csv'], c.ctx)).toBe(0);
    expect(c.out()).toContain(',J1,PAY1,alice,PARTIAL,APPROVED,12.34,SGD');
    expect(await journalCommand.run(['--date', 'yesterday'], c.ctx)).toBe(1);
  });

  it('recover resumes through the injected engine factory', async () => {
    const c = ctx();
    const file = path.join(c.dir, 'ledger.sqlite');
    const l = openLedger(file);
    seedPayment(l);
    l.refunds.insert(newRefund({ refundRequestId: 'K1' }), 'alice');
    l.close();
    const antom = new FakeAntom();
    const cmd = makeRecoverCommand({
      openEngine: async (cx) => {
        const ledger = openLedger(path.join(cx.dataDir, 'ledger.sqlite'));
        return { engine: new RefundEngine({ ledger, terminal: new FakeTerminal(), antom }), close: () => ledger.close() };
      },
    });
    expect(await cmd.run(['--json'], c.ctx)).toBe(0);
    expect(JSON.parse(c.out())).toMatchObject({ examined: 1, final: 1 });
    expect(antom.refundCalls.map((x) => x.refundRequestId)).toEqual(['K1']);
  });
});

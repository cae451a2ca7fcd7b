/**
 * CLI identity (issue #14, item 7): `refund --cashier NAME` must name an
 * active cashier of this terminal, and every CLI refund carries the OS user who
 * ran it in the audit, journaled before anything is sent. On the original code
 * any name was accepted and the audit showed only that name.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CliContext } from '../../../main/cli/command';
import { refundCommand } from '../../../main/cli/registry';
import { openDataLedger } from '../../../main/services/data-ledger';

let dir: string;
beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'rt-cli-id-'));
  const { ledger } = await openDataLedger(dir);
  await ledger.users.add({ name: 'carol', role: 'cashier', pin: '5829' }, 'test');
  await ledger.users.add({ name: 'dave', role: 'cashier', pin: '5830' }, 'test');
  ledger.users.disable('dave', 'test');
  await ledger.users.add({ name: 'tech', role: 'technician', pin: '713590' }, 'test');
  ledger.close();
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function ctx(): { ctx: CliContext; out: () => string; err: () => string } {
  let out = '';
  let err = '';
  const stdout = new PassThrough();
  stdout.on('data', (d: Buffer) => (out += d.toString()));
  const stderr = new PassThrough();
  stderr.on('data', (d: Buffer) => (err += d.toString()));
  return {
    ctx: { dataDir: dir, env: { ...process.env, REFUND_TERMINAL_DEMO: '1', REFUND_TERMINAL_CASHIER_PIN: '5829' }, stdout, stderr, stdin: new PassThrough() },
    out: () => out,
    err: () => err,
  };
}

describe('CLI refund identity', () => {
  it.each(['nobody', 'dave', 'tech'])(
    'refuses --cashier %s (unknown, disabled, not a counter role) and sends nothing',
    async (name) => {
      const c = ctx();
      expect(await refundCommand.run(['--payment', 'DEMO-SGD-ALIPAY-0001', '--cashier', name], c.ctx)).toBe(1);
      expect(c.err()).toMatch(/not an active cashier/);
      const { ledger } = await openDataLedger(dir);
      expect(ledger.listRefunds()).toEqual([]);
      ledger.close();
    },
    60_000,
  );

  it('a refund for an active cashier carries the OS user in the audit, before the intent', async () => {
    const c = ctx();
    const code = await refundCommand.run(['--payment', 'DEMO-SGD-ALIPAY-0001', '--amount', '1.00', '--currency', 'SGD', '--cashier', 'carol', '--json'], c.ctx);
    expect(code).toBe(0);
    expect(c.err()).toMatch(/^Intent cli-[0-9a-f-]{36}: [^\n]*\n$/);
    const { ledger } = await openDataLedger(dir);
    try {
      const entries = ledger.audit.list({ limit: 100 }).reverse();
      const cli = entries.find((e) => e.kind === 'cli.refund');
      const intent = entries.find((e) => e.kind === 'refund.intent');
      const osUser = os.userInfo().username;
      expect(cli).toMatchObject({ actor: `cli:${osUser}`, detail: { cashier: 'carol', osUser, paymentId: 'DEMO-SGD-ALIPAY-0001' } });
      expect(intent?.actor).toBe('carol');
      expect((cli?.seq ?? 0) < (intent?.seq ?? 0)).toBe(true);
      expect(ledger.verifyAudit().ok).toBe(true);
    } finally {
      ledger.close();
    }
  }, 90_000);
});

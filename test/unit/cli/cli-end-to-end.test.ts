/**
 * The CLI as a technician and a script would use it, each command its own
 * process: `sim antom` (configured only through the env lines it prints),
 * `sim terminal` on one end of a socat pty pair, `pair` typing the code the
 * terminal shows, then `refund`, `status`, `journal` and `audit verify` on
 * the other end. Needs `npm run build` (the bin runs dist/).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, built, startLong, waitFor } from '../../helpers/cli-process';
import { createPtyPair, socatAvailable, type PtyPair } from '../../../native-bridge/testing';

function run(args: string[], env: NodeJS.ProcessEnv, input?: string): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [BIN, ...args], { env: { ...process.env, ...env }, input: input ?? '', encoding: 'utf8', timeout: 60_000 });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

describe.skipIf(!built || !socatAvailable())('refund-terminal CLI against sim antom + sim terminal', () => {
  const hostDir = mkdtempSync(path.join(os.tmpdir(), 'rt-cli-host-'));
  const simDir = mkdtempSync(path.join(os.tmpdir(), 'rt-cli-sim-'));
  let pty: PtyPair;
  let antom: ReturnType<typeof startLong>;
  let terminal: ReturnType<typeof startLong>;
  let env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    pty = await createPtyPair();
    antom = startLong(['--data-dir', simDir, 'sim', 'antom', '--port', '0']);
    terminal = startLong(['--data-dir', simDir, 'sim', 'terminal', '--port', pty.terminalPath]);
    const envText = await waitFor('sim antom env lines', () => (/ANTOM_PUBLIC_KEY_FILE=\S+/.test(antom.output()) ? antom.output() : null));
    env = { REFUND_TERMINAL_DEMO: '', TERMINAL_PORT: pty.hostPath };
    for (const m of envText.matchAll(/^(ANTOM_[A-Z_]+)=(\S+)$/gm)) env[m[1] as string] = m[2] as string;
    expect(Object.keys(env)).toEqual(expect.arrayContaining(['ANTOM_BASE_URL', 'ANTOM_CLIENT_ID', 'ANTOM_PRIVATE_KEY_FILE', 'ANTOM_PUBLIC_KEY_FILE']));
  }, 60_000);

  afterAll(async () => {
    antom?.child.kill('SIGINT');
    terminal?.child.kill('SIGINT');
    await pty?.close();
  });

  it('pairs by typing the code the terminal shows', async () => {
    const pair = startLong(['--data-dir', hostDir, 'pair', '--port', pty.hostPath], env);
    const code = await waitFor('pairing code', () => /PAIRING CODE: (\d{6})/.exec(terminal.output())?.[1] ?? null);
    pair.child.stdin?.end(`${code}\n`);
    const exit = await new Promise<number>((resolve) => pair.child.on('exit', (c) => resolve(c ?? -1)));
    expect(pair.output()).toMatch(/AT-PX-DEMO1/);
    expect(exit).toBe(0);
  }, 60_000);

  it('remembers the port it paired on: ping works afterwards with neither --port nor TERMINAL_PORT', () => {
    const config = JSON.parse(readFileSync(path.join(hostDir, 'config.json'), 'utf8')) as { terminal?: { port?: string } };
    expect(config.terminal?.port).toBe(pty.hostPath);
    const ping = run(['--data-dir', hostDir, 'ping', '--count', '2', '--interval', '0'], { ...env, TERMINAL_PORT: '' });
    expect(ping.stderr).toBe('');
    expect(ping.code).toBe(0);
    expect(ping.stdout).toContain(`on ${pty.hostPath}`);
    expect(ping.stdout).toMatch(/2 sent, 2 answered/);
  }, 60_000);

  it('refunds partly with env-only configuration and reports SUCCESS with exit 0', () => {
    const r = run(['--data-dir', hostDir, 'refund', '--payment', 'DEMO-SGD-ALIPAY-0001', '--amount', '10.50', '--currency', 'SGD', '--json'], env);
    // stderr says only which intent key this run used (to re-run it safely).
    expect(r.stderr).toMatch(/^Intent (cli-[0-9a-f-]{36}): .*--intent \1 .*\n$/);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout) as Record<string, unknown>;
    expect(out).toMatchObject({ paymentId: 'DEMO-SGD-ALIPAY-0001', status: 'SUCCESS', resultCode: 'SUCCESS' });
    expect(out.intentId).toMatch(/^cli-/);

    // The same command with the printed intent is the same refund: no second one at Antom.
    const again = run(
      [
        '--data-dir',
        hostDir,
        'refund',
        '--payment',
        'DEMO-SGD-ALIPAY-0001',
        '--amount',
        '10.50',
        '--currency',
        'SGD',
        '--json',
        '--intent',
        out.intentId as string,
      ],
      env,
    );
    expect(again.code).toBe(0);
    expect(JSON.parse(again.stdout)).toMatchObject({ refundRequestId: out.refundRequestId, status: 'SUCCESS', intentId: out.intentId });
    expect(out.originalMerchantRefundId).toMatch(/^AT-PX-DEMO1-/);
    expect(typeof out.refundId).toBe('string');

    const status = run(['--data-dir', hostDir, 'status', out.refundRequestId as string, '--json'], env);
    expect(status.code).toBe(0);
    expect(JSON.parse(status.stdout)).toMatchObject({ refundRequestId: out.refundRequestId, status: 'SUCCESS' });
  }, 60_000);

  it('exits 2 for a refund Antom refuses, 1 for bad input, and never sends bad input', () => {
    const refused = run(['--data-dir', hostDir, 'refund', '--payment', 'DEMO-SGD-GCASH-FULLONLY-0004', '--amount', '1.00', '--currency', 'SGD', '--json'], env);
    expect(refused.code).toBe(2);
    expect(JSON.parse(refused.stdout)).toMatchObject({ status: 'FAILED', resultCode: 'DPOS_REFUND_PARTIAL_REFUND_NOT_SUPPORTED' });

    const tooPrecise = run(['--data-dir', hostDir, 'refund', '--payment', 'DEMO-SGD-ALIPAY-0001', '--amount', '1.005', '--currency', 'SGD'], env);
    expect(tooPrecise.code).toBe(1);
    expect(tooPrecise.stderr).toMatch(/SGD has at most 2 decimals/);
    const noCurrency = run(['--data-dir', hostDir, 'refund', '--payment', 'DEMO-SGD-ALIPAY-0001', '--amount', '1'], env);
    expect(noCurrency.code).toBe(1);
    const unknown = run(['--data-dir', hostDir, 'status', 'RR-NOPE', '--json'], env);
    expect(unknown.code).toBe(1);
  }, 60_000);

  it('reports the day in the journal and keeps an intact audit chain', () => {
    const csv = run(['--data-dir', hostDir, 'journal', '--csv'], env);
    expect(csv.code).toBe(0);
    expect(csv.stdout).toMatch(/DEMO-SGD-ALIPAY-0001/);
    const audit = run(['--data-dir', hostDir, 'audit', 'verify'], env);
    expect(audit.code).toBe(0);
  }, 60_000);
});

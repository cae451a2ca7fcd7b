/**
 * Issue #12's full-disk scenario, as the fault campaign ran it: the CLI (its own
 * process, the built bin) on a data folder in a small tmpfs, `sim antom` and
 * `sim terminal` in their own processes. The refund reaches Antom and Antom
 * refunds; while the answer is on its way the disk fills up, so journaling it
 * fails with a real SQLITE_FULL. Before the fix the CLI said "database or disk
 * is full" with exit 1 (or hung), and re-running paid a second refund.
 * Now: exit 4 (outcome unknown) with the refundRequestId, bounded; the same
 * command with the printed --intent, once space is freed, resolves the same
 * refund by inquiry: one refund at Antom. Needs root (mount), socat and `npm run build`.
 */
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, built, startLong, waitFor } from '../../helpers/cli-process';
import { createPtyPair, socatAvailable, type PtyPair } from '../../../native-bridge/testing';

function canMount(): boolean {
  if (process.platform !== 'linux' || process.getuid?.() !== 0) return false;
  const probe = mkdtempSync(path.join(os.tmpdir(), 'rt-mnt-probe-'));
  try {
    if (spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', probe], { stdio: 'ignore' }).status !== 0) return false;
    spawnSync('umount', [probe], { stdio: 'ignore' });
    return true;
  } finally {
    rmSync(probe, { recursive: true, force: true });
  }
}
const ready = built && socatAvailable() && canMount();

function runAsync(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number | null; stdout: string; stderr: string; ms: number }> {
  const started = Date.now();
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const killer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('exit', (code) => {
      clearTimeout(killer);
      resolve({ code, stdout, stderr, ms: Date.now() - started });
    });
  });
}

function fill(dir: string): string {
  const file = path.join(dir, `filler-${Date.now()}`);
  const fd = openSync(file, 'w');
  const chunk = Buffer.alloc(4096, 7);
  try {
    for (;;) writeSync(fd, chunk);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOSPC') throw e;
  } finally {
    closeSync(fd);
  }
  return file;
}

describe.skipIf(!ready)(`refund CLI on a full disk${ready ? '' : ' (skipped: needs root for mount, socat, and npm run build)'}`, () => {
  const simDir = mkdtempSync(path.join(os.tmpdir(), 'rt-fd-sim-'));
  const mnt = mkdtempSync(path.join(os.tmpdir(), 'rt-fd-mnt-'));
  const hostDir = path.join(mnt, 'data');
  const adminToken = `adm-${Date.now()}`;
  let pty: PtyPair;
  let antom: ReturnType<typeof startLong>;
  let terminal: ReturnType<typeof startLong>;
  let env: NodeJS.ProcessEnv;
  let admin: string;

  const sandbox = async (body: unknown, what = 'faults'): Promise<Record<string, unknown>> => {
    const res = await fetch(`${admin}/__sandbox/${what}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-sandbox-admin-token': adminToken },
      body: JSON.stringify(body),
    });
    return (await res.json()) as Record<string, unknown>;
  };

  beforeAll(async () => {
    spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=16m', 'tmpfs', mnt]);
    pty = await createPtyPair();
    antom = startLong(['--data-dir', simDir, 'sim', 'antom', '--port', '0', '--admin-token', adminToken]);
    terminal = startLong(['--data-dir', simDir, 'sim', 'terminal', '--port', pty.terminalPath]);
    const envText = await waitFor('sim antom env lines', () => (/ANTOM_PUBLIC_KEY_FILE=\S+/.test(antom.output()) ? antom.output() : null));
    admin = (/Fault admin: POST (http:\/\/127\.0\.0\.1:\d+)\/__sandbox/.exec(envText) as RegExpExecArray)[1] as string;
    // Floor 1 MB: the 16 MB tmpfs is above it until the test fills it.
    env = { REFUND_TERMINAL_DEMO: '', TERMINAL_PORT: pty.hostPath, REFUND_TERMINAL_JOURNAL_MIN_FREE_MB: '1' };
    for (const m of envText.matchAll(/^(ANTOM_[A-Z_]+)=(\S+)$/gm)) env[m[1] as string] = m[2] as string;
    const pair = startLong(['--data-dir', hostDir, 'pair', '--port', pty.hostPath], env);
    const code = await waitFor('pairing code', () => /PAIRING CODE: (\d{6})/.exec(terminal.output())?.[1] ?? null);
    pair.child.stdin?.end(`${code}\n`);
    expect(await new Promise<number>((resolve) => pair.child.on('exit', (c) => resolve(c ?? -1)))).toBe(0);
  }, 90_000);

  afterAll(async () => {
    antom?.child.kill('SIGINT');
    terminal?.child.kill('SIGINT');
    await pty?.close();
    spawnSync('umount', ['-l', mnt], { stdio: 'ignore' });
    rmSync(mnt, { recursive: true, force: true });
  });

  it('Antom refunds, the journal cannot record it: exit 4, then the same --intent resolves it without a second refund', async () => {
    // Antom processes the refund at once but answers 2 s later: the disk fills meanwhile.
    await sandbox({ action: 'add', fault: { kind: 'latency', api: 'refund', latencyMs: 2_000, times: 1 } });
    const args = ['--data-dir', hostDir, 'refund', '--payment', 'DEMO-SGD-ALIPAY-0001', '--amount', '3.00', '--currency', 'SGD', '--json'];
    const running = runAsync(args, env);
    let filler: string | null = null;
    for (let i = 0; i < 200 && filler === null; i++) {
      const state = await sandbox({}, 'state');
      if ((state.refunds as { paymentId: string }[]).some((r) => r.paymentId === 'DEMO-SGD-ALIPAY-0001')) filler = fill(mnt);
      else await new Promise((r) => setTimeout(r, 25));
    }
    expect(filler).not.toBeNull();
    const first = await running;
    expect(first.ms).toBeLessThan(30_000);
    expect(first.code, first.stderr).toBe(4);
    const out = JSON.parse(first.stdout) as Record<string, unknown>;
    expect(out).toMatchObject({ status: 'UNKNOWN', antomAnswer: 'SUCCESS' });
    expect(first.stderr).toContain(`status ${out.refundRequestId as string} --refresh`);
    const intent = /^Intent (cli-[0-9a-f-]+):/.exec(first.stderr)?.[1] as string;
    expect(intent).toBeDefined();

    // A new refund is refused up front while the disk is full.
    const refused = await runAsync(['--data-dir', hostDir, 'refund', '--payment', 'DEMO-JPY-ALIPAYHK-0002'], env);
    expect(refused.code, refused.stderr).toBe(5);
    expect(refused.stderr, refused.stderr).toMatch(/Nothing was sent|nothing was journaled or sent/i);

    // Space freed; the operator re-runs the same command with the printed key.
    rmSync(filler as unknown as string);
    const again = await runAsync([...args, '--intent', intent], env);
    expect(again.code).toBe(0);
    expect(JSON.parse(again.stdout)).toMatchObject({ refundRequestId: out.refundRequestId, status: 'SUCCESS' });
    const state = await sandbox({}, 'state');
    const refunds = (state.refunds as { paymentId: string }[]).filter((r) => r.paymentId === 'DEMO-SGD-ALIPAY-0001');
    expect(refunds).toHaveLength(1);
  }, 120_000);
});

/**
 * Issue 12 item 9: one owner of a data folder's demo environment. The app
 * (here: this test process) owns the virtual terminal and sandbox; a second
 * process running `status` / `journal` / `recover` on the same folder uses
 * the journal without starting a second environment and deletes nothing of
 * the owner's, so the owner can still refund afterwards. Plus the lock's
 * stale-owner rules (dead pid, reused pid, zombie).
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { acquireDemoLock, DEMO_LOCK_FILE, demoLockOwnerAlive } from '../../../main/demo/demo-lock';
import { createSilentLogger } from '../../../main/logging/logger';
import { DEMO_PAYMENTS } from '../../../main/sandbox';
import { openCoreServices, type CoreServices } from '../../../main/services/core-services';
import { socatAvailable } from '../../../native-bridge/testing';
import { waitForAuthenticated } from '../../../main/cli/engine-session';

const ROOT = path.resolve(__dirname, '..', '..', '..');
const TSX = path.join(ROOT, 'node_modules', '.bin', 'tsx');
const RUN_CLI = path.join(ROOT, 'test', 'fixtures', 'cli', 'run-cli.ts');

function cli(dataDir: string, args: string[]): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(TSX, [RUN_CLI, '--data-dir', dataDir, ...args], {
      cwd: ROOT,
      env: { ...process.env, REFUND_TERMINAL_DEMO: '1', REFUND_TERMINAL_LOG_LEVEL: 'silent' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    child.on('exit', (code) => resolve({ code: code ?? -1, out }));
  });
}

describe.skipIf(!socatAvailable())('a second process on a running demo data folder', () => {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'rt-demo-owner-'));
  const hostLink = path.join(dataDir, 'demo-terminal-host.pty');
  let core: CoreServices;

  beforeAll(async () => {
    const opened = await openCoreServices({ dataDir, env: { REFUND_TERMINAL_DEMO: '1' }, log: createSilentLogger() });
    if (!opened.ok) throw new Error(opened.error.message);
    core = opened.value;
    expect(core.demo).not.toBeNull();
    expect(await waitForAuthenticated(core.link, 20_000)).toBe(true);
  }, 60_000);
  afterAll(async () => {
    await core?.close();
  });

  it("status, journal and recover from another process leave the owner's terminal link and pty links alone; the owner refunds after", async () => {
    const before = readlinkSync(hostLink);
    const status = await cli(dataDir, ['status', 'RR-NOT-THERE']);
    expect(status.out).toMatch(/No refund RR-NOT-THERE/);
    expect(status.code).toBe(1);
    const journal = await cli(dataDir, ['journal']);
    expect(journal.code).toBe(0);
    const recover = await cli(dataDir, ['recover']);
    expect(recover.out).toMatch(/Examined 0 unfinished/);
    const refund = await cli(dataDir, ['refund', '--payment', DEMO_PAYMENTS.SGD_ALIPAY.paymentId, '--amount', '1.00', '--currency', 'SGD']);
    expect(refund.code).toBe(1);
    expect(refund.out).toMatch(/belongs to process \d+ \(the running app\).*Nothing was sent/);
    // Give the owner's serial presence poll (250 ms) time to notice a stolen or deleted link.
    await new Promise((r) => setTimeout(r, 1_000));
    expect(existsSync(hostLink)).toBe(true);
    expect(readlinkSync(hostLink)).toBe(before);
    expect(core.link.status().state).toBe('authenticated');
    expect(core.link.stats().reconnects).toBe(0);
    const res = await core.engine.submit({
      intentId: 'owner-after-cli-1',
      paymentId: DEMO_PAYMENTS.SGD_ALIPAY.paymentId,
      mode: 'PARTIAL',
      amount: { value: 150, currency: 'SGD' },
      cashier: 'alice',
    });
    expect(res.ok && res.value.state).toBe('SUCCEEDED');
  }, 120_000);

  it("the second process sees the refund in the journal and can ask the owner's sandbox about it (status --refresh)", async () => {
    const rows = await core.engine.list({});
    const id = rows[0]?.refundRequestId as string;
    const status = await cli(dataDir, ['status', id, '--refresh', '--json']);
    expect(status.code).toBe(0);
    expect(JSON.parse(status.out.trim().split('\n').pop() as string)).toMatchObject({ refundRequestId: id, status: 'SUCCESS' });
    expect(core.link.status().state).toBe('authenticated');
  }, 60_000);
});

describe('the demo lock', () => {
  const dir = (): string => mkdtempSync(path.join(os.tmpdir(), 'rt-demo-lock-'));

  it('is exclusive while its owner lives, and free again once released', () => {
    const d = dir();
    const a = acquireDemoLock(d);
    expect(a.kind).toBe('owner');
    const b = acquireDemoLock(d);
    expect(b).toMatchObject({ kind: 'held', owner: { pid: process.pid } });
    if (a.kind === 'owner') a.lock.release();
    expect(existsSync(path.join(d, DEMO_LOCK_FILE))).toBe(false);
    const c = acquireDemoLock(d);
    expect(c.kind).toBe('owner');
    if (c.kind === 'owner') c.lock.release();
  });

  it('is taken over when its owner is dead', () => {
    const d = dir();
    const gone = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
    const pid = Number(gone.stdout);
    writeFileSync(path.join(d, DEMO_LOCK_FILE), JSON.stringify({ pid, procStart: '1', host: os.hostname(), createdAt: new Date().toISOString() }));
    const r = acquireDemoLock(d);
    expect(r).toMatchObject({ kind: 'owner', tookOverFrom: { pid } });
    if (r.kind === 'owner') r.lock.release();
  });

  it('is taken over when its pid now belongs to a process that started at another time (pid reuse)', () => {
    const d = dir();
    // process.ppid is alive, but it is not the process that wrote this lock.
    writeFileSync(
      path.join(d, DEMO_LOCK_FILE),
      JSON.stringify({ pid: process.ppid, procStart: '1', host: os.hostname(), createdAt: new Date().toISOString() }),
    );
    const r = acquireDemoLock(d);
    expect(r.kind).toBe('owner');
    if (r.kind === 'owner') r.lock.release();
  });

  it('is taken over from a zombie owner', async () => {
    // sh backgrounds a short sleep, then execs a long one that never reaps it: the short one stays a zombie.
    const parent = spawn('sh', ['-c', 'sleep 0.05 & echo $!; exec sleep 5'], { stdio: ['ignore', 'pipe', 'ignore'] });
    try {
      const pid = await new Promise<number>((resolve) => parent.stdout.once('data', (d: Buffer) => resolve(Number(d.toString().trim()))));
      await new Promise((r) => setTimeout(r, 300));
      const c = { pid, procStart: null, host: os.hostname(), createdAt: new Date().toISOString() };
      expect(demoLockOwnerAlive(c)).toBe(false);
      const d = dir();
      writeFileSync(path.join(d, DEMO_LOCK_FILE), JSON.stringify(c));
      expect(acquireDemoLock(d).kind).toBe('owner');
    } finally {
      parent.kill('SIGKILL');
    }
  });

  it('an unreadable lock (crash mid-write) is stale', () => {
    const d = dir();
    writeFileSync(path.join(d, DEMO_LOCK_FILE), '{"pid": 12');
    expect(acquireDemoLock(d).kind).toBe('owner');
  });
});

describe.skipIf(!socatAvailable())('taking over from a dead owner whose socat outlived it', () => {
  it('ends the orphan socat (and waits for it to go) before the new owner makes its links', async () => {
    const d = mkdtempSync(path.join(os.tmpdir(), 'rt-demo-orphan-'));
    const { createPtyPair } = await import('../../../native-bridge/testing');
    const orphan = await createPtyPair({ hostLink: path.join(d, 'demo-terminal-host.pty'), terminalLink: path.join(d, 'demo-terminal-device.pty') });
    const gone = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
    writeFileSync(
      path.join(d, DEMO_LOCK_FILE),
      JSON.stringify({ pid: Number(gone.stdout), procStart: '1', host: os.hostname(), createdAt: new Date().toISOString(), socatPid: orphan.pid }),
    );
    const r = acquireDemoLock(d);
    expect(r.kind).toBe('owner');
    // Gone or a zombie (here the test process is its parent and has not reaped it yet).
    expect(demoLockOwnerAlive({ pid: orphan.pid, procStart: null, host: os.hostname(), createdAt: '' })).toBe(false);
    expect(existsSync(path.join(d, 'demo-terminal-host.pty'))).toBe(false);
    if (r.kind === 'owner') r.lock.release();
    await orphan.close();
  });
});

describe('the demo control endpoint reads request bodies up to a cap', () => {
  it('a 1 MB body is refused with 413 before any action runs', async () => {
    const { startDemoControl } = await import('../../../main/demo/demo-control');
    let cleared = 0;
    const fakeDemo = { sandbox: { faults: { clear: () => void cleared++ } } } as unknown as Parameters<typeof startDemoControl>[0];
    const control = await startDemoControl(fakeDemo, 'tok', createSilentLogger());
    try {
      const big = await fetch(`${control.url}/antom/clear`, {
        method: 'POST',
        headers: { authorization: 'Bearer tok' },
        body: `{"x":"${'y'.repeat(1024 * 1024)}"}`,
      }).then(
        (r) => r.status,
        () => 'connection closed',
      );
      expect([413, 'connection closed']).toContain(big);
      expect(cleared).toBe(0);
      const small = await fetch(`${control.url}/antom/clear`, { method: 'POST', headers: { authorization: 'Bearer tok' }, body: '{}' });
      expect(small.status).toBe(200);
      expect(cleared).toBe(1);
    } finally {
      await control.close();
    }
  });
});

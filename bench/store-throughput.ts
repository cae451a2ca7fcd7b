/**
 * Store throughput: `counters` counter processes (./store-counter.ts: each its
 * own engine, register, pty and virtual terminal) refunding at once against
 * one PostgreSQL and one Antom sandbox (this process, signed HTTP). Each
 * counter refunds its own payments one after another, so the load is closed:
 * throughput is what the parts sustain, not an offered rate.
 *
 * Latency per refund = engine.submit called -> its final result (SUCCEEDED),
 * payment inquiry, terminal reference, Antom refund and the outcome commit
 * included. Sustained throughput is counted while every counter is busy: from
 * the last counter's first start to the first counter's last finish.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { openStoreLedger } from '../main/ledger/pg/pg-store';
import { ensureDemoCredentials, startAntomSandbox } from '../main/sandbox';
import { PUBLIC_TEST_KEYS } from '../main/secrets/ledger-keys';
import { benchPayments } from './refund-path';
import { round, roundedSummary, summarize } from './stats';

const COUNTER = path.resolve(__dirname, 'store-counter.ts');

interface Sample {
  readonly startMs: number;
  readonly ms: number;
  readonly state: string;
}

interface Counter {
  readonly child: ChildProcess;
  readonly ready: Promise<void>;
  readonly done: Promise<Sample[]>;
}

function spawnCounter(config: Record<string, string>): Counter {
  const child = spawn(process.execPath, ['--import', 'tsx', COUNTER], {
    env: { ...process.env, BENCH_COUNTER_CONFIG: JSON.stringify(config) },
    stdio: ['pipe', 'pipe', 'pipe'],
    cwd: path.resolve(__dirname, '..'),
  });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  let onReady: () => void = () => undefined;
  let onDone: (s: Sample[]) => void = () => undefined;
  let onFail: (e: Error) => void = () => undefined;
  const ready = new Promise<void>((resolve, reject) => {
    onReady = resolve;
    onFail = reject;
  });
  const done = new Promise<Sample[]>((resolve, reject) => {
    onDone = resolve;
    child.on('exit', (code) => reject(new Error(`${config['register']} exited (${code}): ${stderr.slice(-2_000)}`)));
  });
  child.on('exit', (code) => onFail(new Error(`${config['register']} exited before ready (${code}): ${stderr.slice(-2_000)}`)));
  done.catch(() => undefined);
  createInterface({ input: child.stdout as NodeJS.ReadableStream }).on('line', (line) => {
    let msg: { ready?: boolean; done?: boolean; samples?: Sample[] };
    try {
      msg = JSON.parse(line) as typeof msg;
    } catch {
      return; // a stray log line
    }
    if (msg.ready === true) onReady();
    if (msg.done === true) onDone(msg.samples ?? []);
  });
  return { child, ready, done };
}

export async function runStoreThroughput(dir: string, storeUrl: string, counters: number, perCounter: number): Promise<Record<string, unknown>> {
  mkdirSync(dir, { recursive: true });
  const creds = ensureDemoCredentials(dir);
  const payments = benchPayments(counters * perCounter, Date.now());
  const sandbox = await startAntomSandbox({
    clientId: creds.clientId,
    merchantPublicKeyPem: creds.merchant.publicKeyPem,
    gatewayPrivateKeyPem: creds.gateway.privateKeyPem,
    seed: payments,
  });
  const antomPublicKeyFile = path.join(dir, 'antom-public.pem');
  writeFileSync(antomPublicKeyFile, sandbox.gatewayPublicKeyPem);
  // Migrates the database once and lets one cashier make every refund (no daily total sends them to a manager).
  const setup = await openStoreLedger(storeUrl, { register: 'setup', keys: PUBLIC_TEST_KEYS });
  await setup.settings.setPolicy({ ...(await setup.settings.getPolicy()), cashierDailyTotals: {} }, 'bench');
  await setup.close();
  const procs: Counter[] = [];
  try {
    for (let k = 1; k <= counters; k++) {
      const cdir = path.join(dir, `counter-${k}`);
      mkdirSync(cdir, { recursive: true });
      procs.push(
        spawnCounter({
          storeUrl,
          register: `counter-${k}`,
          dir: cdir,
          baseUrl: sandbox.baseUrl,
          clientId: creds.clientId,
          merchantPrivateKeyFile: creds.merchantPrivateKeyFile,
          antomPublicKeyFile,
        }),
      );
    }
    await Promise.all(procs.map((p) => p.ready));
    const cpu0 = process.cpuUsage();
    const t0 = performance.timeOrigin + performance.now();
    procs.forEach((p, k) => {
      const ids = payments.slice(k * perCounter, (k + 1) * perCounter).map((x) => x.paymentId);
      p.child.stdin?.write(`${JSON.stringify({ op: 'go', paymentIds: ids })}\n`);
    });
    const results = await Promise.all(procs.map((p) => p.done));
    const wallMs = performance.timeOrigin + performance.now() - t0;
    const cpu = process.cpuUsage(cpu0);
    const all = results.flat();
    const ok = all.filter((s) => s.state === 'SUCCEEDED');
    const failures = all.filter((s) => s.state !== 'SUCCEEDED').map((s) => s.state);
    // The window in which every counter was refunding.
    const from = Math.max(...results.map((r) => r[0]?.startMs ?? 0));
    const to = Math.min(
      ...results.map((r) => {
        const last = r[r.length - 1];
        return last ? last.startMs + last.ms : 0;
      }),
    );
    const inWindow = ok.filter((s) => s.startMs >= from && s.startMs + s.ms <= to).length;
    return {
      counters,
      refundsPerCounter: perCounter,
      model:
        'one process per counter (engine + store ledger pool + TerminalLink + its own VirtualTerminal on a socat pty); one sandbox and one PostgreSQL; each counter refunds its payments one after another (closed loop)',
      refunds: all.length,
      succeeded: ok.length,
      failures: [...new Set(failures)].slice(0, 5),
      wallMs: round(wallMs, 0),
      refundsPerS: round((ok.length / wallMs) * 1_000, 1),
      sustainedRefundsPerS: to > from ? round((inWindow / (to - from)) * 1_000, 1) : null,
      sustainedWindowMs: round(to - from, 0),
      latencyMs: roundedSummary(summarize(ok.map((s) => s.ms))),
      latencyDefinition: 'engine.submit called -> final result (payment inquiry, terminal reference, signed Antom refund, outcome commit)',
      sandboxProcessCpuShare: round((cpu.user + cpu.system) / 1_000 / wallMs, 2),
      cores: os.availableParallelism(),
      target: { refundsPerS: 200 },
    };
  } finally {
    // Each counter exits by itself after its answer (closing its socat); SIGKILL only a stuck one.
    await Promise.all(
      procs.map((p) =>
        p.child.exitCode !== null ? undefined : Promise.race([new Promise((r) => p.child.once('exit', r)), new Promise((r) => setTimeout(r, 10_000))]),
      ),
    );
    for (const p of procs) if (p.child.exitCode === null) p.child.kill('SIGKILL');
    await sandbox.stop();
  }
}

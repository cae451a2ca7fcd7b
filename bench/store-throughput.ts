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
import { busyShare, machineCpu, processCpuSeconds } from './cpu-usage';
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
  readonly done: Promise<{ samples: Sample[]; cpuS: number }>;
}

function spawnCounter(config: Record<string, string>): Counter {
  // BENCH_COUNTER_NODE_ARGS: extra node flags for each counter, e.g. "--cpu-prof --cpu-prof-dir=DIR" to profile them.
  const extra = (process.env['BENCH_COUNTER_NODE_ARGS'] ?? '').split(' ').filter((a) => a !== '');
  const child = spawn(process.execPath, [...extra, '--import', 'tsx', COUNTER], {
    env: { ...process.env, BENCH_COUNTER_CONFIG: JSON.stringify(config) },
    stdio: ['pipe', 'pipe', 'pipe'],
    cwd: path.resolve(__dirname, '..'),
  });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  let onReady: () => void = () => undefined;
  let onDone: (s: { samples: Sample[]; cpuS: number }) => void = () => undefined;
  let onFail: (e: Error) => void = () => undefined;
  const ready = new Promise<void>((resolve, reject) => {
    onReady = resolve;
    onFail = reject;
  });
  const done = new Promise<{ samples: Sample[]; cpuS: number }>((resolve, reject) => {
    onDone = resolve;
    child.on('exit', (code) => reject(new Error(`${config['register']} exited (${code}): ${stderr.slice(-2_000)}`)));
  });
  child.on('exit', (code) => onFail(new Error(`${config['register']} exited before ready (${code}): ${stderr.slice(-2_000)}`)));
  done.catch(() => undefined);
  createInterface({ input: child.stdout as NodeJS.ReadableStream }).on('line', (line) => {
    let msg: { ready?: boolean; done?: boolean; samples?: Sample[]; cpuS?: number };
    try {
      msg = JSON.parse(line) as typeof msg;
    } catch {
      return; // a stray log line
    }
    if (msg.ready === true) onReady();
    if (msg.done === true) onDone({ samples: msg.samples ?? [], cpuS: msg.cpuS ?? 0 });
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
    const machine0 = machineCpu();
    const pg0 = processCpuSeconds('postgres');
    const socat0 = processCpuSeconds('socat');
    const t0 = performance.timeOrigin + performance.now();
    procs.forEach((p, k) => {
      const ids = payments.slice(k * perCounter, (k + 1) * perCounter).map((x) => x.paymentId);
      p.child.stdin?.write(`${JSON.stringify({ op: 'go', paymentIds: ids })}\n`);
    });
    const reports = await Promise.all(procs.map((p) => p.done));
    const wallMs = performance.timeOrigin + performance.now() - t0;
    const cpu = process.cpuUsage(cpu0);
    // Read before the counters exit: their PostgreSQL backends end with their pools.
    const machine1 = machineCpu();
    const pg1 = processCpuSeconds('postgres');
    const socat1 = processCpuSeconds('socat');
    const results = reports.map((r) => r.samples);
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
      cpu: cpuBudget(ok.length, wallMs, {
        counters: reports.reduce((a, r) => a + r.cpuS, 0),
        sandbox: (cpu.user + cpu.system) / 1e6,
        postgres: pg0 !== null && pg1 !== null ? pg1 - pg0 : null,
        socat: socat0 !== null && socat1 !== null ? socat1 - socat0 : null,
        machineBusyShare: busyShare(machine0, machine1),
      }),
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

/**
 * Where the cores went: CPU milliseconds per refund by process kind, and the
 * throughput those figures allow on this machine's cores if nothing waited
 * (cores / CPU per refund): the ceiling a lock-free store ledger could reach.
 */
function cpuBudget(
  refunds: number,
  wallMs: number,
  s: { counters: number; sandbox: number; postgres: number | null; socat: number | null; machineBusyShare: number | null },
): Record<string, unknown> {
  const per = (sec: number | null): number | null => (sec === null || refunds === 0 ? null : round((sec * 1_000) / refunds, 2));
  const total = s.counters + s.sandbox + (s.postgres ?? 0) + (s.socat ?? 0);
  const cores = os.availableParallelism();
  return {
    msPerRefund: { counters: per(s.counters), sandbox: per(s.sandbox), postgres: per(s.postgres), socat: per(s.socat), total: per(total) },
    machineBusyShare: s.machineBusyShare === null ? null : round(s.machineBusyShare, 2),
    cpuBoundCeilingRefundsPerS: total > 0 ? round((refunds / total) * cores, 1) : null,
    wallS: round(wallMs / 1_000, 2),
    note: 'counters = each counter process (engine, store client, link, its in-process virtual terminal); socat = the pty pairs; ceiling = cores x refunds / CPU seconds',
  };
}

/**
 * A store on one machine for the store-mode multi-process tests: one Antom
 * sandbox (signed HTTP), and per counter a socat pty pair with its own
 * VirtualTerminal on the terminal end (owned by this process, so it outlives a
 * SIGKILLed counter), paired once like a technician would, plus a data folder.
 * `spawnCounter` starts a counter process (store-counter-worker.ts) and talks to
 * it over JSON lines. The PostgreSQL cluster is the caller's (pg-cluster.ts).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { generateDemoKeyPair, startAntomSandbox, type AntomSandbox, type SandboxPayment } from '../../main/sandbox';
import { createMemoryPairingStore, SerialPortTransport, TerminalLink } from '../../native-bridge';
import { createPtyPair, startVirtualTerminalOnPort, type PtyPair, type RunningVirtualTerminal } from '../../native-bridge/testing';

const CLIENT_ID = 'STORE_MULTI_CLIENT';
const WORKER = path.resolve(__dirname, 'store-counter-worker.ts');

export interface CounterSpec {
  readonly register: string;
  readonly dataDir: string;
  readonly hostPath: string;
  readonly pairingFile: string;
  /** The VirtualTerminal's persisted state: every reference it issued, by refundRequestId. */
  readonly terminalStateFile: string;
}

/** A terminal reference as the issuing terminal recorded it. */
export interface IssuedReference {
  readonly register: string;
  readonly refundRequestId: string;
  readonly originalMerchantRefundId: string;
}

export interface StoreEnv {
  readonly sandbox: AntomSandbox;
  readonly counters: readonly CounterSpec[];
  spawnCounter(spec: CounterSpec, storeUrl: string): Promise<CounterProcess>;
  /** Every reference any counter's terminal issued (read from the terminals' state files). */
  issuedReferences(): IssuedReference[];
  close(): Promise<void>;
}

export type WorkerAnswer = { ok: true; value: unknown } | { ok: false; error: { code: string; message: string; details?: Record<string, unknown> } };

export interface CounterProcess {
  readonly register: string;
  readonly pid: number;
  submit(i: { intentId: string; paymentId: string; cashier: string; amount?: { value: number; currency: string } }): Promise<WorkerAnswer>;
  recover(): Promise<WorkerAnswer>;
  /** A manager's decision at this counter (the engine's approve / decline). */
  decide(i: { refundRequestId: string; manager: string; pin: string; decision: 'APPROVED' | 'DECLINED'; reason: string }): Promise<WorkerAnswer>;
  /** Every state this counter's engine wrote for a refund, in order, as it reported them unasked. */
  statesOf(refundRequestId: string): readonly string[];
  /** Resolves with the first reported state that satisfies `pred` (also one already reported); rejects after timeoutMs. */
  waitForState(refundRequestId: string, pred: (state: string) => boolean, timeoutMs: number): Promise<string>;
  stop(): Promise<void>;
  /** SIGKILL; resolves once the process is gone. Pending answers reject. */
  kill(): Promise<void>;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

async function waitFor(cond: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

async function pair(hostPath: string, terminal: RunningVirtualTerminal, pairingFile: string): Promise<void> {
  const store = createMemoryPairingStore();
  const link = new TerminalLink({
    openTransport: () => SerialPortTransport.open(hostPath),
    pairingStore: store,
    host: { app: 'store-multi', version: '0', hostId: 'store-multi', hostName: 'store-multi' },
    reconnectDelayMs: 50,
    heartbeatMs: 0,
  });
  link.start();
  try {
    await waitFor(() => link.status().state === 'unpaired', 15_000, 'the virtual terminal to answer hello');
    const begun = await link.pairBegin();
    const code = terminal.terminal.currentPairingCode();
    if (!begun.ok || code === null) throw new Error(`pairing failed to begin: ${begun.ok ? 'no code' : begun.error.message}`);
    const confirmed = await link.pairConfirm(code);
    if (!confirmed.ok) throw new Error(`pairing failed: ${confirmed.error.message}`);
    await waitFor(() => link.status().state === 'authenticated', 10_000, 'authentication after pairing');
  } finally {
    await link.stop();
  }
  const pairing = await store.load();
  if (pairing === null) throw new Error('pairing was not stored');
  writeFileSync(pairingFile, JSON.stringify(pairing), { mode: 0o600 });
}

export async function startStoreEnv(opts: { dir: string; counters: number; payments: SandboxPayment[]; asyncSettleMs?: number }): Promise<StoreEnv> {
  mkdirSync(opts.dir, { recursive: true });
  const merchant = generateDemoKeyPair();
  const gateway = generateDemoKeyPair();
  const merchantPrivateKeyFile = path.join(opts.dir, 'merchant-private.pem');
  const gatewayPublicKeyFile = path.join(opts.dir, 'gateway-public.pem');
  writeFileSync(merchantPrivateKeyFile, merchant.privateKeyPem, { mode: 0o600 });
  writeFileSync(gatewayPublicKeyFile, gateway.publicKeyPem, { mode: 0o600 });
  const basePath = '/ams/api';
  const sandbox = await startAntomSandbox({
    clientId: CLIENT_ID,
    merchantPublicKeyPem: merchant.publicKeyPem,
    gatewayPrivateKeyPem: gateway.privateKeyPem,
    seed: opts.payments,
    asyncSettleMs: opts.asyncSettleMs ?? 200,
    basePath,
  });
  const ptys: PtyPair[] = [];
  const terminals: RunningVirtualTerminal[] = [];
  const live = new Set<ChildProcess>();
  const close = async (): Promise<void> => {
    for (const c of live) c.kill('SIGKILL');
    for (const t of terminals) await t.stop().catch(() => undefined);
    for (const p of ptys) await p.close().catch(() => undefined);
    await sandbox.stop();
  };
  const counters: CounterSpec[] = [];
  try {
    for (let k = 1; k <= opts.counters; k += 1) {
      const dir = path.join(opts.dir, `counter-${k}`);
      mkdirSync(path.join(dir, 'data'), { recursive: true });
      const hostPath = path.join(dir, 'host.pty');
      const terminalStateFile = path.join(dir, 'virtual-terminal.json');
      const pty = await createPtyPair({ hostLink: hostPath, terminalLink: path.join(dir, 'terminal.pty') });
      ptys.push(pty);
      const terminal = await startVirtualTerminalOnPort(pty.terminalPath, {
        serial: `AT-PX-STORE${k}`,
        model: 'Antom Virtual P1',
        firmware: 'sim-1.0',
        stateFile: terminalStateFile,
      });
      terminals.push(terminal);
      const pairingFile = path.join(dir, 'pairing.json');
      await pair(hostPath, terminal, pairingFile);
      counters.push({ register: `counter-${k}`, dataDir: path.join(dir, 'data'), hostPath, pairingFile, terminalStateFile });
    }
  } catch (e) {
    await close();
    throw e;
  }

  const spawnCounter = async (spec: CounterSpec, storeUrl: string): Promise<CounterProcess> => {
    const config = {
      storeUrl,
      register: spec.register,
      dataDir: spec.dataDir,
      baseUrl: `http://127.0.0.1:${sandbox.port}${basePath}`,
      clientId: CLIENT_ID,
      merchantPrivateKeyFile,
      gatewayPublicKeyFile,
      hostPath: spec.hostPath,
      pairingFile: spec.pairingFile,
    };
    const child = spawn(process.execPath, ['--import', 'tsx', WORKER], {
      env: { ...process.env, STORE_COUNTER_CONFIG: JSON.stringify(config) },
      stdio: ['pipe', 'pipe', 'pipe'],
      cwd: path.resolve(__dirname, '..', '..'),
    });
    live.add(child);
    // Writing to a counter the campaign just killed: its answer is rejected by the exit handler below.
    child.stdin.on('error', () => undefined);
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
      child.on('exit', (code, signal) => {
        live.delete(child);
        for (const w of waiting.values()) w.reject(new Error(`${spec.register} exited (${signal ?? code})`));
        waiting.clear();
        resolve({ code, signal });
      }),
    );
    const waiting = new Map<number, { resolve: (a: WorkerAnswer) => void; reject: (e: Error) => void }>();
    let ready: (() => void) | null = null;
    const readyP = new Promise<void>((r) => (ready = r));
    createInterface({ input: child.stdout }).on('line', (line) => {
      let msg: {
        id?: number;
        ready?: boolean;
        ok?: boolean;
        value?: unknown;
        error?: { code: string; message: string; details?: Record<string, unknown> };
        event?: string;
        refundRequestId?: string;
        state?: string;
      };
      try {
        msg = JSON.parse(line) as typeof msg;
      } catch {
        return; // a stray log line
      }
      if (msg.ready === true) return ready?.();
      if (msg.event === 'updated' && typeof msg.refundRequestId === 'string' && typeof msg.state === 'string') return onEvent(msg.refundRequestId, msg.state);
      if (typeof msg.id !== 'number') return;
      const w = waiting.get(msg.id);
      waiting.delete(msg.id);
      w?.resolve(msg.ok === true ? { ok: true, value: msg.value } : { ok: false, error: msg.error ?? { code: 'UNKNOWN', message: '' } });
    });
    const states = new Map<string, string[]>();
    const stateWaiters = new Set<{ id: string; pred: (s: string) => boolean; resolve: (s: string) => void }>();
    const onEvent = (id: string, state: string): void => {
      states.set(id, [...(states.get(id) ?? []), state]);
      for (const w of [...stateWaiters]) {
        if (w.id !== id || !w.pred(state)) continue;
        stateWaiters.delete(w);
        w.resolve(state);
      }
    };
    let next = 0;
    const ask = (cmd: Record<string, unknown>): Promise<WorkerAnswer> =>
      new Promise((resolve, reject) => {
        if (child.exitCode !== null || child.signalCode !== null) return reject(new Error(`${spec.register} is not running`));
        next += 1;
        waiting.set(next, { resolve, reject });
        child.stdin.write(`${JSON.stringify({ id: next, ...cmd })}\n`);
      });
    await Promise.race([
      readyP,
      exited.then(({ code, signal }) => {
        throw new Error(`${spec.register} died before READY (${signal ?? code}): ${stderr}`);
      }),
      new Promise((_, reject) => setTimeout(() => reject(new Error(`${spec.register} not READY in 45 s: ${stderr}`)), 45_000)),
    ]);
    return {
      register: spec.register,
      pid: child.pid ?? -1,
      submit: (i) => ask({ op: 'submit', ...i }),
      recover: () => ask({ op: 'recover' }),
      decide: (i) => ask({ op: 'decide', ...i }),
      statesOf: (id) => states.get(id) ?? [],
      waitForState: (id, pred, timeoutMs) => {
        const seen = (states.get(id) ?? []).find(pred);
        if (seen !== undefined) return Promise.resolve(seen);
        return new Promise<string>((resolve, reject) => {
          const w = { id, pred, resolve: (s: string) => (clearTimeout(timer), resolve(s)) };
          const timer = setTimeout(() => {
            stateWaiters.delete(w);
            reject(new Error(`${spec.register} reported no matching state for ${id} in ${timeoutMs} ms (saw ${JSON.stringify(states.get(id) ?? [])})`));
          }, timeoutMs);
          stateWaiters.add(w);
        });
      },
      stop: async () => {
        await ask({ op: 'stop' }).catch(() => undefined);
        await exited;
      },
      kill: async () => {
        child.kill('SIGKILL');
        await exited;
      },
      exited,
    };
  };

  const issuedReferences = (): IssuedReference[] =>
    counters.flatMap((c) => {
      if (!existsSync(c.terminalStateFile)) return [];
      const state = JSON.parse(readFileSync(c.terminalStateFile, 'utf8')) as { refunds?: Record<string, { originalMerchantRefundId: string }> };
      return Object.entries(state.refunds ?? {}).map(([refundRequestId, r]) => ({
        register: c.register,
        refundRequestId,
        originalMerchantRefundId: r.originalMerchantRefundId,
      }));
    });

  return { sandbox, counters, spawnCounter, issuedReferences, close };
}

/**
 * One counter of the store-throughput benchmark, as its own process
 * (store-throughput.ts spawns several). Composed like a store-mode counter
 * (core-services.ts): the store ledger on the shared PostgreSQL with the engine
 * on its ports, the real Antom client against the parent's sandbox (signed
 * HTTP), a TerminalLink on its own socat pty pair whose other end is this
 * process's own VirtualTerminal (as demo mode runs it), paired on start.
 *
 * Protocol on stdin/stdout, JSON lines: it prints { ready } once the terminal
 * session is authenticated; on { op: 'go', paymentIds } it refunds them one
 * after another (a counter serves one customer at a time) and prints
 * { done, samples: [{ startMs, ms, state }], cpuS } with epoch milliseconds and
 * the CPU seconds this process spent on them.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { z } from 'zod';
import { AntomClientConfig, createAntomGateway } from '../main/antom';
import { openStoreLedger } from '../main/ledger/pg/pg-store';
import { RefundEngine } from '../main/refunds/refund-engine';
import { PUBLIC_TEST_KEYS } from '../main/secrets/ledger-keys';
import { createMemoryPairingStore, SerialPortTransport, TerminalLink } from '../native-bridge';
import { createPtyPair, startVirtualTerminalOnPort } from '../native-bridge/testing';

const Config = z.object({
  storeUrl: z.string().max(500),
  register: z.string().max(64),
  dir: z.string().max(500),
  baseUrl: z.string().max(500),
  clientId: z.string().max(64),
  merchantPrivateKeyFile: z.string().max(500),
  antomPublicKeyFile: z.string().max(500),
});
const Go = z.object({ op: z.literal('go'), paymentIds: z.array(z.string().max(64)).max(100_000) });

const epochMs = (): number => performance.timeOrigin + performance.now();
const reply = (line: Record<string, unknown>): void => void process.stdout.write(`${JSON.stringify(line)}\n`);

async function main(): Promise<void> {
  const cfg = Config.parse(JSON.parse(process.env['BENCH_COUNTER_CONFIG'] ?? '{}'));
  const pty = await createPtyPair();
  const terminal = await startVirtualTerminalOnPort(pty.terminalPath, {
    serial: `AT-PX-${cfg.register.toUpperCase()}`,
    model: 'Antom Virtual P1',
    firmware: 'sim-1.0',
  });
  const link = new TerminalLink({
    openTransport: () => SerialPortTransport.open(pty.hostPath),
    pairingStore: createMemoryPairingStore(),
    host: { app: 'refund-terminal-bench', version: '0', hostId: cfg.register, hostName: cfg.register },
    heartbeatMs: 0,
  });
  let pairing = false;
  link.on('status', (s) => {
    if (s.state !== 'unpaired' || pairing) return;
    pairing = true;
    void (async () => {
      const begun = await link.pairBegin();
      const code = terminal.terminal.currentPairingCode();
      if (begun.ok && code !== null) await link.pairConfirm(code);
      pairing = false;
    })();
  });
  link.start();
  const store = await openStoreLedger(cfg.storeUrl, { register: cfg.register, keys: PUBLIC_TEST_KEYS });
  const antom = createAntomGateway(
    AntomClientConfig.parse({
      baseUrl: cfg.baseUrl,
      clientId: cfg.clientId,
      merchantPrivateKeyPem: readFileSync(cfg.merchantPrivateKeyFile, 'utf8'),
      antomPublicKeyPem: readFileSync(cfg.antomPublicKeyFile, 'utf8'),
    }),
  );
  const engine = new RefundEngine({ clock: () => new Date(), store, terminal: link, antom, resultNoticeTimeoutMs: 3_000 });
  // The app always listens (changes go to the renderer): the views it reads are part of the load.
  engine.on('updated', () => undefined);
  const deadline = Date.now() + 30_000;
  while (link.status().state !== 'authenticated') {
    if (Date.now() > deadline) throw new Error(`${cfg.register}: no authenticated terminal session`);
    await new Promise((r) => setTimeout(r, 20));
  }
  reply({ ready: true });

  const rl = createInterface({ input: process.stdin });
  for await (const line of rl) {
    const cmd = Go.parse(JSON.parse(line));
    const samples: { startMs: number; ms: number; state: string }[] = [];
    const cpu0 = process.cpuUsage();
    for (const paymentId of cmd.paymentIds) {
      const t = epochMs();
      const r = await engine.submit({ intentId: `tp-${cfg.register}-${randomUUID()}`, paymentId, mode: 'FULL', cashier: 'alice' });
      samples.push({ startMs: t, ms: epochMs() - t, state: r.ok ? r.value.state : `error ${r.error.code}` });
    }
    const cpu = process.cpuUsage(cpu0);
    // This process's CPU for its refunds: engine, store client, link and the in-process virtual terminal.
    reply({ done: true, samples, cpuS: (cpu.user + cpu.system) / 1e6 });
    break;
  }
  await engine.stop();
  await link.stop();
  await terminal.stop();
  await pty.close();
  await store.close();
  process.exit(0);
}

main().catch((e: unknown) => {
  process.stderr.write(`bench counter failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exit(1);
});

/**
 * Demo store mode on one machine (`npm run demo:store`): a throwaway
 * PostgreSQL cluster on loopback as the store ledger, two counters (two data
 * folders, two browser hosts, each with its own virtual terminal) on it as
 * registers counter-1 and counter-2, one Antom sandbox that every counter's
 * refunds go to and that pushes signed notifyRefund to `store serve`. All of
 * it is DEMO (no real money) and deleted on Ctrl+C.
 *
 * Store mode needs the same audit key and PIN pepper on every counter (a PIN
 * set at one counter is checked at another; the chain is signed with one
 * key): the demo makes the first data folder and copies it to the others
 * before any of them starts, as a technician would copy the secrets of a
 * store's first counter. The demo users are made in the store ledger itself.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { seedDemoPeople } from '../ledger/demo-seed';
import { openStoreLedger } from '../ledger/pg/pg-store';
import { DEFAULT_POLICY } from '../ledger/policy';
import { ensureDemoCredentials } from '../sandbox/keys';
import { startAntomSandbox, type AntomSandbox } from '../sandbox/server';
import { openDataLedger } from '../services/data-ledger';
import { startPgCluster, type PgCluster } from './pg-cluster';

export const STORE_DEMO_REGISTERS = ['counter-1', 'counter-2'] as const;

export interface StoreDemo {
  readonly storeUrl: string;
  readonly sandboxOrigin: string;
  readonly notifyUrl: string;
  readonly counters: readonly { readonly register: string; readonly url: string; readonly dataDir: string }[];
  close(): Promise<void>;
}

export interface StoreDemoOptions {
  /** The built CLI entry (bin/refund-terminal.cjs). */
  readonly cli: string;
  readonly env?: NodeJS.ProcessEnv;
  /** Each child's output, line by line, prefixed with its name. */
  readonly onOutput?: (name: string, line: string) => void;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const a = srv.address();
      srv.close(() => (typeof a === 'object' && a !== null ? resolve(a.port) : reject(new Error('no port'))));
    });
  });
}

interface Child {
  readonly proc: ChildProcess;
  /** Resolves with the first match of `re` in the child's output (capture group 1). */
  waitFor(re: RegExp, what: string): Promise<string>;
}

function startChild(name: string, cli: string, args: readonly string[], env: NodeJS.ProcessEnv, onOutput?: StoreDemoOptions['onOutput']): Child {
  const proc = spawn(process.execPath, [cli, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const onData = (d: Buffer): void => {
    output += d.toString();
    for (const line of d.toString().split('\n')) if (line.trim() !== '') onOutput?.(name, line);
  };
  proc.stdout?.on('data', onData);
  proc.stderr?.on('data', onData);
  return {
    proc,
    waitFor: (re, what) =>
      new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`${name} did not print ${what} within 60 s:\n${output}`)), 60_000);
        const check = (): void => {
          const m = re.exec(output);
          if (m?.[1] !== undefined) {
            clearTimeout(timer);
            proc.stdout?.off('data', check);
            resolve(m[1]);
          }
        };
        proc.stdout?.on('data', check);
        proc.once('exit', (code) => {
          clearTimeout(timer);
          reject(new Error(`${name} exited (${code}) before it printed ${what}:\n${output}`));
        });
        check();
      }),
  };
}

async function stopChild(c: Child): Promise<void> {
  if (c.proc.exitCode !== null || c.proc.signalCode !== null) return;
  const exited = new Promise<void>((r) => c.proc.once('exit', () => r()));
  c.proc.kill('SIGTERM');
  const timer = setTimeout(() => c.proc.kill('SIGKILL'), 5_000);
  await exited;
  clearTimeout(timer);
}

/** One data folder with its ledger keys and demo Antom keys, made once and copied to every counter. */
async function prepareFirstFolder(dir: string): Promise<void> {
  const opened = await openDataLedger(dir, {});
  opened.ledger.close();
  ensureDemoCredentials(dir);
}

/** The store's demo people, policy and receipt header, written to the store ledger with the store's keys. */
async function seedStore(storeUrl: string, firstFolder: string): Promise<void> {
  const data = await openDataLedger(firstFolder, {});
  const keys = data.keys;
  data.ledger.close();
  const store = await openStoreLedger(storeUrl, { register: STORE_DEMO_REGISTERS[0], keys, adoptUnsignedAudit: true });
  try {
    await seedDemoPeople(store.people);
    await store.settings.setPolicy(DEFAULT_POLICY, 'demo-seed');
    await store.settings.setStore({ storeName: 'Demo Store', register: null }, 'demo-seed');
  } finally {
    await store.close();
  }
}

export async function startStoreDemo(opts: StoreDemoOptions): Promise<StoreDemo> {
  const base = mkdtempSync(path.join(os.tmpdir(), 'rt-store-demo-'));
  const children: Child[] = [];
  let cluster: PgCluster | null = null;
  let sandbox: AntomSandbox | null = null;
  const close = async (): Promise<void> => {
    for (const c of children.reverse()) await stopChild(c);
    await sandbox?.stop();
    await cluster?.stop();
    rmSync(base, { recursive: true, force: true });
  };
  try {
    cluster = await startPgCluster();
    cluster.createDatabase('store');
    const storeUrl = cluster.url('store');

    const first = path.join(base, 'first');
    await prepareFirstFolder(first);
    const folders = STORE_DEMO_REGISTERS.map((r) => path.join(base, r));
    for (const f of [...folders, path.join(base, 'store-serve')]) cpSync(first, f, { recursive: true });
    await seedStore(storeUrl, first);

    const creds = ensureDemoCredentials(first);
    const sandboxPort = await freePort();
    const sandboxOrigin = `http://127.0.0.1:${sandboxPort}`;
    const env = { ...(opts.env ?? process.env), REFUND_TERMINAL_STORE_URL: storeUrl };

    // `store serve`: verifies the sandbox's signed notifyRefund with the demo gateway key.
    const serve = startChild(
      'store-serve',
      opts.cli,
      ['--data-dir', path.join(base, 'store-serve'), 'store', 'serve', '--port', '0'],
      {
        ...env,
        REFUND_TERMINAL_REGISTER: 'store-serve',
        ANTOM_BASE_URL: sandboxOrigin,
        ANTOM_CLIENT_ID: creds.clientId,
        ANTOM_KEY_VERSION: '1',
        ANTOM_PUBLIC_KEY_VERSION: '1',
        ANTOM_PRIVATE_KEY_FILE: creds.merchantPrivateKeyFile,
        ANTOM_PUBLIC_KEY_FILE: creds.gatewayPublicKeyFile,
      },
      opts.onOutput,
    );
    children.push(serve);
    const notifyUrl = await serve.waitFor(/^NOTIFY-URL: (\S+)$/m, 'its NOTIFY-URL');

    sandbox = await startAntomSandbox({
      port: sandboxPort,
      clientId: creds.clientId,
      merchantPublicKeyPem: creds.merchant.publicKeyPem,
      gatewayPrivateKeyPem: creds.gateway.privateKeyPem,
      seed: 'demo',
      notifyUrl,
    });

    const counters: { register: string; url: string; dataDir: string }[] = [];
    for (const [i, register] of STORE_DEMO_REGISTERS.entries()) {
      const dataDir = folders[i] as string;
      const child = startChild(
        register,
        opts.cli,
        ['--data-dir', dataDir, 'serve', '--port', '0'],
        {
          ...env,
          REFUND_TERMINAL_DEMO: '1',
          REFUND_TERMINAL_REGISTER: register,
          REFUND_TERMINAL_DEMO_ANTOM_URL: sandboxOrigin,
        },
        opts.onOutput,
      );
      children.push(child);
      counters.push({ register, url: await child.waitFor(/^URL: (\S+)$/m, 'its URL'), dataDir });
    }
    return { storeUrl, sandboxOrigin, notifyUrl, counters, close };
  } catch (e) {
    await close();
    throw e;
  }
}

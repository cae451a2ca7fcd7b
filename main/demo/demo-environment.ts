/**
 * Demo mode, the embedded default when nothing is configured: a local Antom
 * sandbox gateway (real HTTP, signed both ways, seeded payments) and a virtual
 * terminal speaking TLP/1 on a socat pty pair through the real serialport
 * bindings (or, where socat is missing, an in-process link), paired
 * automatically. Nothing here moves real money, and every screen says so.
 */
import path from 'node:path';
import type { Transport } from '../../native-bridge';
import { SerialPortTransport } from '../../native-bridge';
import { createMemoryTransportPair, createPtyPair, socatAvailable, startVirtualTerminalOnPort, VirtualTerminal } from '../../native-bridge/testing';
import type { TerminalLink } from '../../native-bridge';
import type { PtyPair, RunningVirtualTerminal } from '../../native-bridge/testing';
import type { AppInfo } from '../../preload/contract/views';
import { AntomClientConfig } from '../antom';
import type { Logger } from '../logging/logger';
import { DEMO_USERS } from '../ledger/demo-seed';
import { DEMO_PAYMENTS, ensureDemoCredentials, startAntomSandbox, type AntomSandbox } from '../sandbox';
import type { DemoLock, DemoLockContent } from './demo-lock';

export const DEMO_TERMINAL_SERIAL = 'AT-PX-DEMO1';

export interface DemoEnvironment {
  readonly antomConfig: AntomClientConfig;
  readonly sandbox: AntomSandbox;
  readonly terminal: VirtualTerminal;
  /** Human description of where the virtual terminal is attached. */
  readonly terminalPort: string;
  openTerminalTransport(): Promise<Transport>;
  hints(): NonNullable<AppInfo['demoHints']>;
  /** Pairs the host with the virtual terminal when it reports `unpaired` (a technician would type the code). */
  autoPair(link: TerminalLink): void;
  /** Simulated cable pull / re-plug (pty mode only; in-process mode detaches the terminal). */
  unplug(): Promise<void>;
  replug(): Promise<void>;
  close(): Promise<void>;
}

export interface DemoOptions {
  readonly dataDir: string;
  readonly log: Logger;
  /** Enables the sandbox's loopback admin endpoint (fault injection for e2e tests). */
  readonly adminToken?: string;
  /** Forces the in-process link even when socat exists. */
  readonly inProcessTerminal?: boolean;
  /**
   * Demo store mode (main/demo/store-demo.ts): refunds go to this one sandbox
   * of the store (loopback http, started with this folder's demo keys) instead
   * of this folder's own, so every counter's refunds and Antom's notifyRefund
   * pushes share one Antom. The folder's own sandbox still serves the hints.
   */
  readonly antomBaseUrl?: string;
  /** The data folder's demo lock (main/demo/demo-lock.ts), held by this process; updated with the sandbox URL and socat pid, released on close. */
  readonly lock?: DemoLock;
}

/**
 * For a process that does NOT own the folder's demo environment: the owner's
 * sandbox, reached over HTTP with the folder's demo keys, so inquiries and
 * `status --refresh` still work. null when the owner has not published it.
 */
export function demoAntomConfigOf(dataDir: string, owner: DemoLockContent): AntomClientConfig | null {
  if (owner.sandboxUrl === undefined) return null;
  const creds = ensureDemoCredentials(dataDir);
  const parsed = AntomClientConfig.safeParse({
    baseUrl: owner.sandboxUrl,
    clientId: creds.clientId,
    merchantPrivateKeyPem: creds.merchant.privateKeyPem,
    antomPublicKeyPem: creds.gateway.publicKeyPem,
  });
  return parsed.success ? parsed.data : null;
}

export async function startDemoEnvironment(opts: DemoOptions): Promise<DemoEnvironment> {
  const creds = ensureDemoCredentials(opts.dataDir);
  try {
    return await startOwned(opts, creds);
  } catch (e) {
    opts.lock?.release();
    throw e;
  }
}

async function startOwned(opts: DemoOptions, creds: ReturnType<typeof ensureDemoCredentials>): Promise<DemoEnvironment> {
  const sandbox = await startAntomSandbox({
    clientId: creds.clientId,
    merchantPublicKeyPem: creds.merchant.publicKeyPem,
    gatewayPrivateKeyPem: creds.gateway.privateKeyPem,
    seed: 'demo',
    ...(opts.adminToken ? { adminToken: opts.adminToken } : {}),
  });
  opts.lock?.update({ sandboxUrl: sandbox.baseUrl });
  const antomConfig = AntomClientConfig.parse({
    // Domain only, as a technician would type it; SANDBOX_ client id -> /ams/sandbox/api paths.
    baseUrl: opts.antomBaseUrl ?? sandbox.origin,
    clientId: creds.clientId,
    merchantPrivateKeyPem: creds.merchant.privateKeyPem,
    antomPublicKeyPem: sandbox.gatewayPublicKeyPem,
    antomPublicKeyVersion: 1,
  });
  const terminal = new VirtualTerminal({
    serial: DEMO_TERMINAL_SERIAL,
    model: 'Antom Virtual P1',
    firmware: 'sim-1.0',
    stateFile: path.join(opts.dataDir, 'virtual-terminal.json'),
    onPairingCode: (code) => opts.log.info({ code }, 'virtual terminal shows pairing code'),
  });

  const usePty = !opts.inProcessTerminal && socatAvailable();
  const links = { host: path.join(opts.dataDir, 'demo-terminal-host.pty'), terminal: path.join(opts.dataDir, 'demo-terminal-device.pty') };
  let pty: PtyPair | null = null;
  let running: RunningVirtualTerminal | null = null;
  let memoryHostEnd: Transport | null = null;
  let socatExitHook: (() => void) | null = null;

  const plugIn = async (): Promise<void> => {
    if (usePty) {
      pty = await createPtyPair({ hostLink: links.host, terminalLink: links.terminal });
      opts.lock?.update({ socatPid: pty.pid });
      // socat is our child but outlives us unless told: whatever way this process
      // exits without close() (an uncaught error, process.exit), take it along.
      const socatPid = pty.pid;
      socatExitHook = () => {
        try {
          if (socatPid > 0) process.kill(socatPid, 'SIGTERM');
        } catch {
          // already gone
        }
      };
      process.once('exit', socatExitHook);
      running = await startVirtualTerminalOnPort(pty.terminalPath, { terminal });
    } else {
      const [hostEnd, terminalEnd] = createMemoryTransportPair();
      terminal.attach(terminalEnd);
      memoryHostEnd = hostEnd;
    }
  };
  const pullOut = async (): Promise<void> => {
    if (running) await running.stop();
    running = null;
    if (socatExitHook) process.off('exit', socatExitHook);
    socatExitHook = null;
    if (pty) await pty.close();
    pty = null;
    if (memoryHostEnd) {
      await terminal.detach();
      await memoryHostEnd.close();
      memoryHostEnd = null;
    }
  };
  await plugIn();
  opts.log.info({ mode: usePty ? 'socat-pty' : 'in-process', sandbox: sandbox.baseUrl }, 'demo environment started');

  let pairing = false;
  // The app's link, once autoPair has been given it: a replug wakes it like a
  // real terminal's USB attach event does (hotplug), instead of waiting out the
  // link's reconnect backoff.
  let appLink: { reconnectNow(): void } | null = null;
  return {
    antomConfig,
    sandbox,
    terminal,
    terminalPort: usePty ? links.host : 'in-process link (socat not installed)',
    async openTerminalTransport() {
      if (usePty) return SerialPortTransport.open(links.host);
      if (!memoryHostEnd) throw new Error('virtual terminal is unplugged');
      return memoryHostEnd;
    },
    hints() {
      return {
        payments: Object.entries(DEMO_PAYMENTS).map(([label, p]) => ({ id: p.paymentId, label })),
        users: DEMO_USERS.map((u) => ({ name: u.name, role: u.role, pin: u.pin })),
      };
    },
    autoPair(link) {
      appLink = link;
      link.on('status', (status) => {
        if (status.state !== 'unpaired' || pairing) return;
        pairing = true;
        void (async () => {
          try {
            // Reads the code off the virtual screen, as a technician would; starts over if line noise ate the confirmation.
            const confirmed = await link.pairWithCode(async () => terminal.currentPairingCode());
            if (!confirmed.ok) throw new Error(confirmed.error.message);
            opts.log.info({ serial: confirmed.value.serial }, 'demo: paired with the virtual terminal');
          } catch (e) {
            opts.log.warn({ err: (e as Error).message }, 'demo: automatic pairing failed; pair from the technician screen');
          } finally {
            pairing = false;
          }
        })();
      });
    },
    unplug: pullOut,
    async replug() {
      await plugIn();
      appLink?.reconnectNow();
    },
    async close() {
      try {
        await pullOut();
        await terminal.stop();
        await sandbox.stop();
      } finally {
        opts.lock?.release();
      }
    },
  };
}

/**
 * The parts of the real crash harness that must outlive a SIGKILLed child,
 * owned by the campaign (parent) process:
 *  - the local Antom sandbox gateway (main/sandbox: signed HTTP, idempotent by
 *    refundRequestId), behind a small counting proxy that records every refund
 *    request body and answer (to count same-id resends and
 *    DPOS_PAYMENT_REPEAT_REQ_INCONSISTENT answers);
 *  - a socat pty pair with the native-bridge VirtualTerminal on its terminal end
 *    (state in a stateFile, so issued references survive);
 *  - one pairing, made here with a host TerminalLink and saved as JSON for the
 *    child (and the recovering parent) to load into a memory PairingStore.
 * `openHostSide` builds what the app builds on the host side: createAntomGateway
 * against the sandbox and a TerminalLink on the pty's host end.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { AntomClientConfig, createAntomGateway, type AntomGateway } from '../../main/antom';
import { API_PATHS } from '../../main/antom/wire';
import { generateDemoKeyPair, startAntomSandbox, type AntomSandbox, type SandboxPayment } from '../../main/sandbox';
import { createMemoryPairingStore, PairingSchema, SerialPortTransport, TerminalLink, type Pairing, type Transport } from '../../native-bridge';
import { createPtyPair, VirtualTerminal, type PtyPair } from '../../native-bridge/testing';

export const CLIENT_ID = 'CRASH_HARNESS_CLIENT';
export const TERMINAL_SERIAL = 'AT-PX-CRASH1';

/** What a host-side process needs to reach the parent's gateway and terminal. */
export interface HostConfig {
  readonly baseUrl: string;
  readonly clientId: string;
  readonly merchantPrivateKeyFile: string;
  readonly gatewayPublicKeyFile: string;
  readonly hostPath: string;
  readonly pairingFile: string;
}

export interface RefundExchange {
  readonly refundRequestId: string;
  readonly paymentId: string;
  readonly body: string;
  /** resultCode of the answer, or null when the socket was dropped / not JSON. */
  readonly resultCode: string | null;
}

export interface RealEnvironment {
  readonly host: HostConfig;
  readonly sandbox: AntomSandbox;
  readonly terminal: VirtualTerminal;
  /**
   * Called (once, then cleared) synchronously before the terminal's reply carrying a
   * newly issued refund reference is written to the pty: the crash harness kills the
   * host there, so the terminal has issued a reference the host never journaled.
   */
  onReferenceReply(hook: (() => void) | null): void;
  /** Every refund request that went through the proxy, in order. */
  exchanges(): readonly RefundExchange[];
  close(): Promise<void>;
}

function readBody(req: http.IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/** A transparent proxy in front of the sandbox that logs refund requests and their answers. */
async function startCountingProxy(target: number, basePath: string, record: (e: RefundExchange) => void): Promise<{ port: number; close(): Promise<void> }> {
  const refundPath = `${basePath}${API_PATHS.refund}`;
  const server = http.createServer((req, res) => {
    void (async () => {
      const body = await readBody(req);
      const isRefund = new URL(req.url ?? '/', 'http://x').pathname === refundPath;
      let id = '';
      let paymentId = '';
      if (isRefund) {
        try {
          const j = JSON.parse(body.toString('utf8')) as { refundRequestId?: unknown; paymentId?: unknown };
          id = typeof j.refundRequestId === 'string' ? j.refundRequestId : '';
          paymentId = typeof j.paymentId === 'string' ? j.paymentId : '';
        } catch {
          // recorded with empty ids
        }
      }
      const up = http.request(
        { host: '127.0.0.1', port: target, method: req.method, path: req.url, headers: { ...req.headers, host: `127.0.0.1:${target}` } },
        (upRes) => {
          void readBody(upRes).then((answer) => {
            if (isRefund) {
              let resultCode: string | null = null;
              try {
                const a = JSON.parse(answer.toString('utf8')) as { result?: { resultCode?: unknown } };
                resultCode = typeof a.result?.resultCode === 'string' ? a.result.resultCode : null;
              } catch {
                resultCode = null;
              }
              record({ refundRequestId: id, paymentId, body: body.toString('utf8'), resultCode });
            }
            const headers = { ...upRes.headers };
            delete headers['transfer-encoding'];
            headers['content-length'] = String(answer.length);
            res.writeHead(upRes.statusCode ?? 502, headers);
            res.end(answer);
          });
        },
      );
      up.on('error', () => {
        // The sandbox dropped the socket (drop-after-processing): drop ours too.
        if (isRefund) record({ refundRequestId: id, paymentId, body: body.toString('utf8'), resultCode: null });
        res.socket?.destroy();
      });
      up.end(body);
    })().catch(() => res.socket?.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

async function waitFor(cond: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

export interface StartRealOptions {
  readonly dir: string;
  readonly payments: SandboxPayment[];
  readonly asyncSettleMs: number;
}

export async function startRealEnvironment(opts: StartRealOptions): Promise<RealEnvironment> {
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
    asyncSettleMs: opts.asyncSettleMs,
    basePath,
  });
  const log: RefundExchange[] = [];
  const proxy = await startCountingProxy(sandbox.port, basePath, (e) => log.push(e));

  const hostPath = path.join(opts.dir, 'host.pty');
  const terminalPath = path.join(opts.dir, 'terminal.pty');
  let pty: PtyPair | null = null;
  let wire: Transport | null = null;
  let referenceHook: (() => void) | null = null;
  const terminal = new VirtualTerminal({
    serial: TERMINAL_SERIAL,
    model: 'Antom Virtual P1',
    firmware: 'sim-1.0',
    stateFile: path.join(opts.dir, 'virtual-terminal.json'),
  });
  const close = async (): Promise<void> => {
    await terminal.stop().catch(() => undefined);
    await wire?.close().catch(() => undefined);
    if (pty) await pty.close();
    await proxy.close();
    await sandbox.stop();
  };
  try {
    pty = await createPtyPair({ hostLink: hostPath, terminalLink: terminalPath });
    // What startVirtualTerminalOnPort does, with a tap on the terminal's outgoing bytes.
    const port = await SerialPortTransport.open(pty.terminalPath);
    wire = port;
    const marker = Buffer.from('"originalMerchantRefundId"');
    terminal.attach({
      get description() {
        return port.description;
      },
      get isOpen() {
        return port.isOpen;
      },
      write(data: Uint8Array): void {
        const hook = referenceHook;
        if (hook !== null && Buffer.from(data).includes(marker)) {
          referenceHook = null;
          hook();
        }
        port.write(data);
      },
      onData: (l) => port.onData(l),
      onClose: (l) => port.onClose(l),
      close: () => port.close(),
    });

    // Pair once, as a technician would, and keep the pairing for every host process.
    const store = createMemoryPairingStore();
    const link = new TerminalLink({
      openTransport: () => SerialPortTransport.open(hostPath),
      pairingStore: store,
      host: { app: 'crash-harness', version: '0', hostId: 'crash-host', hostName: 'crash-harness' },
      reconnectDelayMs: 50,
      heartbeatMs: 0,
    });
    link.start();
    try {
      await waitFor(() => link.status().state === 'unpaired', 10_000, 'the virtual terminal to answer hello');
      const begun = await link.pairBegin();
      const code = terminal.currentPairingCode();
      if (!begun.ok || code === null) throw new Error(`pairing failed to begin: ${begun.ok ? 'no code' : begun.error.message}`);
      const confirmed = await link.pairConfirm(code);
      if (!confirmed.ok) throw new Error(`pairing failed: ${confirmed.error.message}`);
      await waitFor(() => link.status().state === 'authenticated', 5_000, 'authentication after pairing');
    } finally {
      await link.stop();
    }
    const pairing = await store.load();
    if (pairing === null) throw new Error('pairing was not stored');
    const pairingFile = path.join(opts.dir, 'pairing.json');
    writeFileSync(pairingFile, JSON.stringify(pairing), { mode: 0o600 });

    return {
      host: { baseUrl: `http://127.0.0.1:${proxy.port}${basePath}`, clientId: CLIENT_ID, merchantPrivateKeyFile, gatewayPublicKeyFile, hostPath, pairingFile },
      sandbox,
      terminal,
      onReferenceReply: (hook) => {
        referenceHook = hook;
      },
      exchanges: () => [...log],
      close,
    };
  } catch (e) {
    await close();
    throw e;
  }
}

export interface HostSide {
  readonly antom: AntomGateway;
  readonly link: TerminalLink;
  /** Milliseconds from start to an authenticated session. */
  readonly handshakeMs: number;
  close(): Promise<void>;
}

/** The real Antom client against the parent's sandbox, with the harness's key files. */
export function makeGateway(cfg: HostConfig): AntomGateway {
  const config = AntomClientConfig.parse({
    baseUrl: cfg.baseUrl,
    clientId: cfg.clientId,
    merchantPrivateKeyPem: readFileSync(cfg.merchantPrivateKeyFile, 'utf8'),
    antomPublicKeyPem: readFileSync(cfg.gatewayPublicKeyFile, 'utf8'),
    requestTimeoutMs: 5_000,
    inquiryTimeoutMs: 5_000,
  });
  // The real client with its real retry loop, only with a short backoff so hundreds of runs stay quick.
  return createAntomGateway(config, { retry: { maxAttempts: 3, baseDelayMs: 20 } });
}

/** What the app composes on the host side (core-services.ts), against the parent's sandbox and pty. */
export async function openHostSide(cfg: HostConfig, opts: { handshakeTimeoutMs?: number } = {}): Promise<HostSide> {
  const antom = makeGateway(cfg);
  const pairing: Pairing = PairingSchema.parse(JSON.parse(readFileSync(cfg.pairingFile, 'utf8')));
  const link = new TerminalLink({
    openTransport: () => SerialPortTransport.open(cfg.hostPath),
    pairingStore: createMemoryPairingStore(pairing),
    host: { app: 'crash-harness', version: '0', hostId: 'crash-host', hostName: 'crash-harness' },
    requestTimeoutMs: 3_000,
    reconnectDelayMs: 50,
    maxReconnectDelayMs: 400,
    heartbeatMs: 0,
  });
  const t0 = performance.now();
  link.start();
  try {
    await waitFor(
      () => link.status().state === 'authenticated',
      opts.handshakeTimeoutMs ?? 10_000,
      `an authenticated terminal session (last: ${JSON.stringify(link.status())})`,
    );
  } catch (e) {
    await link.stop();
    throw e;
  }
  return { antom, link, handshakeMs: performance.now() - t0, close: () => link.stop() };
}

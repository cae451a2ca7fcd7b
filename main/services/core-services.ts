/**
 * The composition root of the headless services, shared by the Electron app,
 * the browser host and the CLI: configuration, secrets, the SQLite ledger, the
 * Antom gateway, the terminal link and the refund engine, in demo mode or for
 * real. Nothing here imports electron.
 */
import os from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import type { Transport } from '../../native-bridge';
import { createNodeUsbBackend, SerialPortTransport, TerminalLink, type UsbBackend } from '../../native-bridge';
import { createSecretStorePairingStore } from '../terminal';
import { err, ok, type Result } from '../../preload/contract/result';
import { AntomClientConfig, createAntomGateway, loadAntomConfigFromEnv, type AntomGateway } from '../antom';
import { isDemoMode, loadAppConfig, type AppConfig, effectiveTimeZone } from '../config/app-config';
import { startDemoEnvironment, type DemoEnvironment } from '../demo/demo-environment';
import { openLedger, type Ledger } from '../ledger';
import { seedDemoUsers } from '../ledger/demo-seed';
import type { Logger } from '../logging/logger';
import type { AntomGatewayPort } from '../refunds/ports';
import { RefundEngine } from '../refunds/refund-engine';
import { fileKeyProtector, openSecretStore, type KeyProtector, type SecretStore } from '../secrets/secret-store';

export const APP_VERSION = '0.1.0';
export const SECRET_NAMES = {
  merchantPrivateKey: 'antom.merchantPrivateKeyPem',
  antomPublicKey: 'antom.antomPublicKeyPem',
  hostId: 'host.id',
} as const;

export interface CoreServices {
  readonly dataDir: string;
  readonly config: AppConfig;
  readonly demo: DemoEnvironment | null;
  readonly log: Logger;
  readonly secrets: SecretStore;
  readonly ledger: Ledger;
  /** null when Antom is not configured (the technician screen says what is missing). */
  readonly antom: AntomGateway | null;
  readonly antomProblem: string | null;
  /**
   * Re-reads the Antom settings (config.json + secrets, or ANTOM_* env) and puts
   * them in use for the next call. Demo mode keeps its sandbox until restarted.
   */
  reloadAntom(): Promise<{ applied: boolean; problem: string | null }>;
  readonly link: TerminalLink;
  readonly terminalPort: string | null;
  readonly engine: RefundEngine;
  close(): Promise<void>;
}

export interface CoreOptions {
  readonly dataDir: string;
  readonly env: NodeJS.ProcessEnv;
  readonly log: Logger;
  readonly keyProtector?: KeyProtector;
  /** Serial device of the terminal; overrides config and TERMINAL_PORT. */
  readonly terminalPort?: string;
  /** Run recovery and the background resolution of pending refunds (the app: yes; one-shot CLI: its own choice). */
  readonly background?: boolean;
}

/** Antom settings: env first (ANTOM_*), else config.json + PEMs from the secret store. */
export async function resolveAntomConfig(config: AppConfig, secrets: SecretStore, env: NodeJS.ProcessEnv): Promise<Result<AntomClientConfig, 'CONFIG_MISSING' | 'CONFIG_INVALID'>> {
  if (env.ANTOM_BASE_URL || env.ANTOM_CLIENT_ID || env.ANTOM_PRIVATE_KEY_FILE || env.ANTOM_PUBLIC_KEY_FILE) {
    const fromEnv = loadAntomConfigFromEnv(env);
    if (!fromEnv.ok) return err(fromEnv.error.code === 'CONFIG_MISSING' ? 'CONFIG_MISSING' : 'CONFIG_INVALID', fromEnv.error.message);
    return fromEnv;
  }
  if (!config.antom) return err('CONFIG_MISSING', 'Antom is not set up: a technician enters the endpoint, client id and keys on the technician screen.');
  const [priv, pub] = await Promise.all([secrets.get(SECRET_NAMES.merchantPrivateKey), secrets.get(SECRET_NAMES.antomPublicKey)]);
  if (!priv || !pub) return err('CONFIG_MISSING', 'Antom keys are missing: import the merchant private key and Antom public key on the technician screen.');
  const parsed = AntomClientConfig.safeParse({ ...config.antom, merchantPrivateKeyPem: priv, antomPublicKeyPem: pub });
  if (!parsed.success) return err('CONFIG_INVALID', `Antom settings are not valid: ${parsed.error.issues.map((i) => i.message).join('; ')}`);
  return ok(parsed.data);
}

/** A gateway that answers every call as unavailable, so the app still starts and explains itself. */
function unconfiguredGateway(problem: string): AntomGatewayPort {
  const pending = {
    status: 'PENDING' as const,
    pendingKind: 'UNKNOWN' as const,
    resultCode: 'NOT_CONFIGURED',
    resultMessage: problem,
    cashierMessage: 'Refunds cannot be sent: Antom is not set up on this terminal. Call your technician.',
    nextAction: 'CALL_SUPPORT' as const,
    retrySameRequestId: true,
  };
  return {
    refund: async () => pending,
    inquireRefund: async () => pending,
    inquirePayment: async () => err('UNAVAILABLE', problem),
  };
}

export async function openCoreServices(opts: CoreOptions): Promise<Result<CoreServices, 'CONFIG_INVALID'>> {
  const { dataDir, env, log } = opts;
  const loaded = await loadAppConfig(dataDir);
  if (!loaded.ok) return loaded;
  const config = loaded.value;
  const secrets = await openSecretStore(dataDir, opts.keyProtector ?? fileKeyProtector);
  const ledger = openLedger(path.join(dataDir, 'ledger.sqlite'), { timeZone: effectiveTimeZone(config) });

  const demoMode = isDemoMode(config, env);
  const demo = demoMode
    ? await startDemoEnvironment({ dataDir, log, ...(env.REFUND_TERMINAL_DEMO_CONTROL_TOKEN ? { adminToken: env.REFUND_TERMINAL_DEMO_CONTROL_TOKEN } : {}) })
    : null;
  if (demo) await seedDemoUsers(ledger);

  let antom: AntomGateway | null = null;
  let antomProblem: string | null = null;
  if (demo) {
    antom = createAntomGateway(demo.antomConfig, { log });
  } else {
    const resolved = await resolveAntomConfig(config, secrets, env);
    if (resolved.ok) antom = createAntomGateway(resolved.value, { log });
    else antomProblem = resolved.error.message;
  }

  const terminalPort = demo ? demo.terminalPort : (opts.terminalPort ?? env.TERMINAL_PORT ?? config.terminal.port ?? null);
  let hostId = await secrets.get(SECRET_NAMES.hostId);
  if (!hostId) {
    hostId = randomUUID();
    await secrets.set(SECRET_NAMES.hostId, hostId);
  }
  const openTransport = async (): Promise<Transport> => {
    if (demo) return demo.openTerminalTransport();
    if (!terminalPort) throw new Error('No terminal port is configured: pair a terminal on the technician screen.');
    return SerialPortTransport.open(terminalPort);
  };
  // USB hotplug tells the link about a pulled cable at once (the serial port's own
  // presence check is the fallback). Not in demo mode: the virtual terminal has no USB side.
  let usb: UsbBackend | null = null;
  if (!demo) {
    const made = createNodeUsbBackend();
    usb = made.backend;
    if (made.problem) log.warn({ problem: made.problem }, 'USB hotplug unavailable; unplugs are noticed by the serial port check');
  }
  const usbIds = config.terminal.usbIds?.map((u) => ({ vendorId: u.vendorId, productId: u.productId, ...(u.label ? { name: u.label } : {}) }));
  const link = new TerminalLink({
    openTransport,
    ...(usb ? { hotplug: { usb, ...(usbIds ? { ids: usbIds } : {}) } } : {}),
    pairingStore: createSecretStorePairingStore(secrets, { onInvalid: (reason) => log.warn({ reason }, 'ignoring the stored terminal pairing') }),
    host: { app: 'refund-terminal', version: APP_VERSION, hostId, hostName: os.hostname() },
    log: (level, msg, fields) => log[level]({ ...fields, component: 'terminal-link' }, msg),
  });
  if (demo) demo.autoPair(link);
  link.start();

  const engine = new RefundEngine({
    ledger,
    terminal: link,
    antom: {
      // Reads the current gateway on every call, so new settings apply without a restart.
      refund: (req) => (antom ?? unconfiguredGateway(antomProblem ?? 'Antom is not configured')).refund(req),
      inquireRefund: (id) => (antom ?? unconfiguredGateway(antomProblem ?? 'Antom is not configured')).inquireRefund(id),
      inquirePayment: (id) => (antom ?? unconfiguredGateway(antomProblem ?? 'Antom is not configured')).inquirePayment(id),
    },
    log,
  });
  if (opts.background) {
    // Recovery runs beside the UI rather than before it: the journal's leases and
    // compare-and-set transitions keep the two from driving one refund twice, and
    // a long list of pending refunds must not keep the counter from opening.
    void engine
      .recover()
      .then((summary) => log.info({ ...summary, refunds: summary.refunds.length }, 'recovery at start finished'))
      .catch((e: unknown) => log.error({ err: (e as Error).message }, 'recovery at start failed; the background resolver keeps trying'))
      .finally(() => engine.startBackgroundResolution());
  }

  return ok({
    dataDir,
    config,
    demo,
    log,
    secrets,
    ledger,
    get antom() {
      return antom;
    },
    get antomProblem() {
      return antomProblem;
    },
    async reloadAntom() {
      if (demo) return { applied: false, problem: null };
      const reloaded = await loadAppConfig(dataDir);
      if (!reloaded.ok) return { applied: false, problem: reloaded.error.message };
      const resolved = await resolveAntomConfig(reloaded.value, secrets, env);
      if (!resolved.ok) {
        antomProblem = resolved.error.message;
        return { applied: false, problem: antomProblem };
      }
      antom = createAntomGateway(resolved.value, { log });
      antomProblem = null;
      log.info({ baseUrl: resolved.value.baseUrl, clientId: resolved.value.clientId }, 'Antom settings reloaded');
      return { applied: true, problem: null };
    },
    link,
    terminalPort,
    engine,
    async close() {
      await engine.stop();
      await link.stop();
      if (demo) await demo.close();
      ledger.close();
    },
  });
}

/**
 * The composition root of the headless services, shared by the Electron app,
 * the browser host and the CLI: configuration, secrets, the SQLite ledger, the
 * Antom gateway, the terminal link and the refund engine, in demo mode or for
 * real. Nothing here imports electron.
 */
import type { Transport } from '../../native-bridge';
import { createNodeUsbBackend, SerialPortTransport, type TerminalLink, type UsbBackend } from '../../native-bridge';
import { createSecretStorePairingStore } from '../terminal';
import { createTerminalLink, hostIdOf, HOST_ID_SECRET } from '../terminal/link-factory';
import { resolveTerminalPort } from '../terminal/port-resolver';
import { APP_VERSION } from '../config/version';
import { err, ok, type Result } from '../../preload/contract/result';
import { z } from 'zod';
import { AntomClientConfig, createAntomGateway, loadAntomConfigFromEnv, type AntomGateway } from '../antom';
import { AntomPublicKeyEntry, MAX_ANTOM_PUBLIC_KEYS } from '../antom/config';
import { isDemoMode, loadAppConfig, type AppConfig } from '../config/app-config';
import { demoAntomConfigOf, startDemoEnvironment, type DemoEnvironment } from '../demo/demo-environment';
import { acquireDemoLock, type DemoLockContent } from '../demo/demo-lock';
import type { Ledger } from '../ledger';
import type { StoreLedger } from '../ledger/store-port';
import { sqliteStoreLedger } from '../ledger/sqlite-store';
import { openStoreLedger } from '../ledger/pg/pg-store';
import { describeLedgerSelection, resolveLedgerSelection } from '../config/store-config';
import { installIdentity, localJournalRefusal, recordStoreMembership } from '../store/membership';
import { resolveMinFreeBytes } from '../ledger/disk-space';
import { journalHealth, prepareAlarmFile, storeJournalHealth, writeAlarmEntries } from '../ledger/journal-alarm-file';
import { JournalUnavailableError } from '../ledger/journal-file';
import type { JournalHealthView } from '../../preload/contract/views';
import { OutcomeRecorder } from '../refunds/outcome-recorder';
import { seedDemoUsers } from '../ledger/demo-seed';
import type { Logger } from '../logging/logger';
import type { AntomGatewayPort } from '../refunds/ports';
import { RefundEngine } from '../refunds/refund-engine';
import { watchTerminalAvailability } from './terminal-availability';
import { fileKeyProtector, type KeyProtector, type SecretStore } from '../secrets/secret-store';
import { describeLoosened, openDataLedger } from './data-ledger';

export { APP_VERSION };
export const SECRET_NAMES = {
  merchantPrivateKey: 'antom.merchantPrivateKeyPem',
  /** The single key of settings made before key rotation; read when antomPublicKeys is absent. */
  antomPublicKey: 'antom.antomPublicKeyPem',
  /** JSON [{ keyVersion, pem }]: every Antom public key in use. */
  antomPublicKeys: 'antom.antomPublicKeys',
  hostId: HOST_ID_SECRET,
} as const;

export interface CoreServices {
  readonly dataDir: string;
  readonly config: AppConfig;
  readonly demo: DemoEnvironment | null;
  /**
   * Demo mode, but another live process owns this data folder's demo
   * environment (virtual terminal + sandbox): this one uses the journal and
   * the owner's sandbox only, and never starts or touches a terminal.
   */
  readonly demoOwner: DemoLockContent | null;
  readonly log: Logger;
  readonly secrets: SecretStore;
  readonly ledger: Ledger;
  /**
   * The ledger as asynchronous ports (store-port.ts): this data folder's SQLite
   * journal for one counter; in store mode the store's PostgreSQL ledger shared by
   * every counter. New store-wide code uses this, never `ledger` directly.
   */
  readonly store: StoreLedger;
  /** The register (counter) name every refund of this process records. */
  readonly register: string;
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
  /** Low disk and Antom answers not journaled yet (this process's and, from journal-alarm.json, earlier ones'). */
  journalHealth(): Promise<JournalHealthView>;
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

const StoredAntomKeys = z.array(AntomPublicKeyEntry).max(MAX_ANTOM_PUBLIC_KEYS);

/** The Antom public keys in the secret store; the older single key reads as one key of unrecorded version. */
export async function readAntomPublicKeys(secrets: SecretStore): Promise<AntomPublicKeyEntry[]> {
  const list = await secrets.get(SECRET_NAMES.antomPublicKeys);
  if (list !== null) {
    const parsed = StoredAntomKeys.safeParse(JSON.parse(list));
    if (!parsed.success) throw new Error('The stored Antom public keys are not readable; import them again on the technician screen.');
    return parsed.data;
  }
  const single = await secrets.get(SECRET_NAMES.antomPublicKey);
  return single ? [{ keyVersion: null, pem: single }] : [];
}

export async function writeAntomPublicKeys(secrets: SecretStore, keys: readonly AntomPublicKeyEntry[]): Promise<void> {
  await secrets.set(SECRET_NAMES.antomPublicKeys, JSON.stringify(StoredAntomKeys.parse(keys)));
}

/** Antom settings: env first (ANTOM_*), else config.json + PEMs from the secret store. */
export async function resolveAntomConfig(
  config: AppConfig,
  secrets: SecretStore,
  env: NodeJS.ProcessEnv,
): Promise<Result<AntomClientConfig, 'CONFIG_MISSING' | 'CONFIG_INVALID'>> {
  if (env.ANTOM_BASE_URL || env.ANTOM_CLIENT_ID || env.ANTOM_PRIVATE_KEY_FILE || env.ANTOM_PUBLIC_KEY_FILE) {
    const fromEnv = loadAntomConfigFromEnv(env);
    if (!fromEnv.ok) return err(fromEnv.error.code === 'CONFIG_MISSING' ? 'CONFIG_MISSING' : 'CONFIG_INVALID', fromEnv.error.message);
    return fromEnv;
  }
  if (!config.antom) return err('CONFIG_MISSING', 'Antom is not set up: a technician enters the endpoint, client id and keys on the technician screen.');
  const [priv, pubs] = await Promise.all([secrets.get(SECRET_NAMES.merchantPrivateKey), readAntomPublicKeys(secrets)]);
  if (!priv || pubs.length === 0)
    return err('CONFIG_MISSING', 'Antom keys are missing: import the merchant private key and Antom public key on the technician screen.');
  const parsed = AntomClientConfig.safeParse({ ...config.antom, merchantPrivateKeyPem: priv, antomPublicKeys: pubs });
  if (!parsed.success) return err('CONFIG_INVALID', `Antom settings are not valid: ${parsed.error.issues.map((i) => i.message).join('; ')}`);
  return ok(parsed.data);
}

/** REFUND_TERMINAL_DEMO_ANTOM_URL, only ever a loopback http origin (a demo must not send refunds anywhere else). */
function demoSandboxUrl(env: NodeJS.ProcessEnv): string | null {
  const raw = env.REFUND_TERMINAL_DEMO_ANTOM_URL;
  return raw !== undefined && /^http:\/\/127\.0\.0\.1:\d{1,5}$/.test(raw) ? raw : null;
}

const STORE_PROBE_MS = 5_000;

/** The store's journal while the probe finds it unreachable: nothing read, every alarm kept. */
const STORE_UNREADABLE = {
  get: () => Promise.reject(new Error('store ledger unreachable')),
  nonFinal: () => Promise.reject(new Error('store ledger unreachable')),
};

/** Keeps "is the store ledger reachable?" fresh for the journal-health banner (one cheap read per interval). */
function probeStore(store: StoreLedger, log: Logger): { problem(): string | null; stop(): void } {
  let problem: string | null = null;
  let feedsDown = '';
  let running = false;
  const check = async (): Promise<void> => {
    if (running) return;
    running = true;
    try {
      await store.audit.head();
      if (problem !== null) log.info({}, 'store ledger reachable again');
      problem = null;
      // The live feeds reconnect by themselves (pg-listen.ts); one that stays down while the database answers is a technician's matter.
      const down = (store.feeds?.() ?? []).filter((f) => f.state !== 'listening').map((f) => `${f.channel} ${f.state} since ${f.since}: ${f.lastError ?? ''}`);
      if (down.join() !== feedsDown)
        log[down.length > 0 ? 'warn' : 'info']({ feeds: down }, down.length > 0 ? 'store live feed not listening' : 'store live feeds listening');
      feedsDown = down.join();
    } catch (e) {
      if (problem === null) log.error({ err: String(e) }, 'store ledger unreachable');
      problem = `The store's refund ledger (its database) cannot be reached: no new refund starts; unfinished ones stay pending and continue when it is back. (${(e as Error).message})`;
    } finally {
      running = false;
    }
  };
  const timer = setInterval(() => void check(), STORE_PROBE_MS);
  timer.unref();
  return {
    problem: () => problem,
    stop: () => clearInterval(timer),
  };
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

type OpenResult = Result<CoreServices, 'CONFIG_INVALID' | 'JOURNAL_UNAVAILABLE' | 'STORE_UNAVAILABLE'>;

export async function openCoreServices(opts: CoreOptions): Promise<OpenResult> {
  // What was started before a throw (a full disk while seeding or writing a secret, say) is stopped again,
  // newest first: otherwise the demo's socat pty pair, its sandbox and the ledgers outlive the failed command.
  const started: (() => Promise<void> | void)[] = [];
  try {
    return await openCore(opts, started);
  } catch (e) {
    for (const stop of started.reverse())
      await Promise.resolve()
        .then(stop)
        .catch(() => undefined);
    throw e;
  }
}

async function openCore(opts: CoreOptions, started: (() => Promise<void> | void)[]): Promise<OpenResult> {
  const { dataDir, env, log } = opts;
  const loaded = await loadAppConfig(dataDir);
  if (!loaded.ok) return loaded;
  const config = loaded.value;
  // Which ledger holds the refunds, decided before anything opens: never a silent fallback from one to the other.
  const selection = resolveLedgerSelection(config, env);
  if (!selection.ok) return selection;
  // The journal first (inside openDataLedger): it refuses a missing or empty file in a folder
  // that has secrets, and on a new folder it exists before the first secret is written.
  let opened: Awaited<ReturnType<typeof openDataLedger>>;
  try {
    opened = await openDataLedger(dataDir, {
      config,
      keyProtector: opts.keyProtector ?? fileKeyProtector,
      minFreeBytes: resolveMinFreeBytes(env, config.journal.minFreeMb),
    });
  } catch (e) {
    if (e instanceof JournalUnavailableError) {
      log.error({ journal: e.journalPath, problem: e.problem }, 'refund journal unavailable; not starting');
      return err('JOURNAL_UNAVAILABLE', e.message, { path: e.journalPath, problem: e.problem });
    }
    throw e;
  }
  const { ledger, secrets, loosened, keys } = opened;
  started.push(() => ledger.close());
  // Store mode: the refunds, people, approvals and audit of every counter on the store's PostgreSQL,
  // keyed with this data folder's keys (the store's, checked at open). The data folder still holds
  // the secrets, the pairing, config and the alarm file.
  let storeLedger: StoreLedger | null = null;
  if (selection.value.engine === 'postgres') {
    const where = describeLedgerSelection(selection.value);
    try {
      storeLedger = await openStoreLedger(selection.value.url, { register: selection.value.register, keys, install: await installIdentity(secrets) });
      const opened = storeLedger;
      started.push(() => opened.close());
    } catch (e) {
      ledger.close();
      // pg's messages name host and port, never the password.
      log.error({ store: where, err: (e as Error).message }, 'store ledger unavailable; not starting');
      return err('STORE_UNAVAILABLE', `The ${where} cannot be opened: ${(e as Error).message} No refund can start until it is reachable.`);
    }
    await recordStoreMembership(secrets, { register: selection.value.register, store: where });
  } else {
    // A store's counter started without its store URL must not refund from its old local journal (membership.ts).
    const refusal = await localJournalRefusal(secrets);
    if (refusal !== null) {
      ledger.close();
      log.error({}, 'store counter without a store ledger configured; not starting');
      return err('CONFIG_INVALID', refusal);
    }
  }
  const loose = describeLoosened(loosened);
  if (loose !== null) log.warn({ files: loosened.map((f) => ({ path: f.path, mode: f.mode })) }, loose);

  const demoMode = isDemoMode(config, env);
  // One owner per data folder: a second process (a CLI `status` beside the
  // running app) must not start a second virtual terminal on the same pty
  // names, nor delete the owner's links when it exits.
  const demoLock = demoMode ? acquireDemoLock(dataDir) : null;
  if (demoLock?.kind === 'owner' && demoLock.tookOverFrom) {
    log.warn({ stalePid: demoLock.tookOverFrom.pid }, 'took over the demo environment of a process that is gone');
  }
  const demoOwner = demoLock?.kind === 'held' ? demoLock.owner : null;
  if (demoOwner) log.info({ ownerPid: demoOwner.pid }, 'demo environment belongs to another process; using the journal only');
  const storeSandbox = demoSandboxUrl(env);
  const demo =
    demoLock?.kind === 'owner'
      ? await startDemoEnvironment({
          dataDir,
          log,
          lock: demoLock.lock,
          ...(env.REFUND_TERMINAL_DEMO_CONTROL_TOKEN ? { adminToken: env.REFUND_TERMINAL_DEMO_CONTROL_TOKEN } : {}),
          // Demo store mode: the store's one sandbox (loopback only), set by `npm run demo:store`.
          ...(storeSandbox !== null ? { antomBaseUrl: storeSandbox } : {}),
        })
      : null;
  // One counter's demo: its people in this folder's journal. Store mode: the store's people are in the store
  // ledger, seeded once for the whole store by demo store mode (main/demo/store-demo.ts), never here: a counter
  // must not write this folder's file in store mode, nor put the demo's well-known PINs into a real store's ledger.
  if (demo) started.push(() => demo.close());
  if (demo && storeLedger === null) await seedDemoUsers(ledger);

  let antom: AntomGateway | null = null;
  let antomProblem: string | null = null;
  if (demo) {
    antom = createAntomGateway(demo.antomConfig, { log });
  } else if (demoOwner) {
    const cfg = demoAntomConfigOf(dataDir, demoOwner);
    if (cfg) antom = createAntomGateway(cfg, { log });
    else antomProblem = `The demo sandbox belongs to process ${demoOwner.pid}, which has not published its address yet.`;
  } else {
    const resolved = await resolveAntomConfig(config, secrets, env);
    if (resolved.ok) antom = createAntomGateway(resolved.value, { log });
    else antomProblem = resolved.error.message;
  }

  const terminalPort = demo ? demo.terminalPort : demoOwner ? null : (resolveTerminalPort(opts.terminalPort, env, config)?.port ?? null);
  const hostId = await hostIdOf(secrets);
  const openTransport = async (): Promise<Transport> => {
    if (demo) return demo.openTerminalTransport();
    if (demoOwner)
      throw new Error(`The virtual terminal of this data folder belongs to process ${demoOwner.pid} (the running app); this command uses the journal only.`);
    if (!terminalPort) throw new Error('No terminal port is configured: pair a terminal on the technician screen.');
    return SerialPortTransport.open(terminalPort);
  };
  // USB hotplug tells the link about a pulled cable at once (the serial port's own
  // presence check is the fallback). Not in demo mode: the virtual terminal has no USB side.
  let usb: UsbBackend | null = null;
  if (!demo && !demoOwner) {
    const made = createNodeUsbBackend();
    usb = made.backend;
    if (made.problem) log.warn({ problem: made.problem }, 'USB hotplug unavailable; unplugs are noticed by the serial port check');
  }
  const usbIds = config.terminal.usbIds?.map((u) => ({ vendorId: u.vendorId, productId: u.productId, ...(u.label ? { name: u.label } : {}) }));
  const link = createTerminalLink({
    role: 'app',
    hostId,
    openTransport,
    ...(usb ? { hotplug: { usb, ...(usbIds ? { ids: usbIds } : {}) } } : {}),
    pairingStore: createSecretStorePairingStore(secrets, { onInvalid: (reason) => log.warn({ reason }, 'ignoring the stored terminal pairing') }),
    log: (level, msg, fields) => log[level]({ ...fields, component: 'terminal-link' }, msg),
  });
  if (demo) demo.autoPair(link);
  link.start();
  started.push(() => link.stop());

  // Declared before the engine so it sees every status change from the start;
  // the engine exists by the time the link can first authenticate (that takes I/O).
  let resumeOnReconnect: () => void = () => undefined;
  const availability = watchTerminalAvailability(link, () => resumeOnReconnect());
  // Allocated now, while there is room, so that a full disk can still record the alarm.
  prepareAlarmFile(dataDir);
  const outcomeRecorder = new OutcomeRecorder({ log, onChange: (held) => writeAlarmEntries(dataDir, held) });
  // One counter: its own SQLite journal under the register name it has (or "counter-1");
  // store mode: the store ledger, and the engine is given no SQLite ledger at all.
  const store = storeLedger ?? sqliteStoreLedger(ledger, config.ledger?.register ?? 'counter-1');
  const register = store.register;
  const engine = new RefundEngine({
    // Store mode: no clock given, so the engine runs on the store database's (PgJournal.clock).
    ...(storeLedger === null ? { ledger } : {}),
    store,
    outcomeRecorder,
    terminal: link,
    terminalDownReason: availability.downReason,
    antom: {
      // Reads the current gateway on every call, so new settings apply without a restart.
      refund: (req) => (antom ?? unconfiguredGateway(antomProblem ?? 'Antom is not configured')).refund(req),
      inquireRefund: (id, asked) => (antom ?? unconfiguredGateway(antomProblem ?? 'Antom is not configured')).inquireRefund(id, asked),
      inquirePayment: (id) => (antom ?? unconfiguredGateway(antomProblem ?? 'Antom is not configured')).inquirePayment(id),
    },
    log,
  });
  // Store mode: the database is asked every few seconds, so the banner says when it is unreachable (and when it is back).
  const storeProbe = storeLedger === null ? { problem: () => null, stop: () => undefined } : probeStore(storeLedger, log);
  // Event-driven: the moment the paired terminal is back, refunds waiting on it
  // continue (the app only; a one-shot CLI command drives just its own refund).
  if (opts.background) {
    resumeOnReconnect = () => {
      log.info({}, 'terminal authenticated: resuming refunds waiting on it');
      void engine.resumeWaitingOnTerminal().catch((e: unknown) => log.error({ err: String(e) }, 'resume after reconnect failed'));
    };
  }
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
    demoOwner,
    log,
    secrets,
    ledger,
    store,
    register,
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
    journalHealth: async () => {
      const held = outcomeRecorder.list();
      if (storeLedger === null) return journalHealth(dataDir, ledger, held);
      const problem = storeProbe.problem();
      // Store mode: alarms are judged by the store's rows, never this folder's file (which has none of its refunds).
      // Unreachable: every alarm is kept and no poll waits on the database.
      const h = await storeJournalHealth(dataDir, ledger.space(), problem === null ? storeLedger.journal : STORE_UNREADABLE, held);
      return { ...h, storeUnreachable: problem, alarm: h.alarm || problem !== null };
    },
    async close() {
      availability.stop();
      storeProbe.stop();
      await engine.stop();
      await link.stop();
      if (demo) await demo.close();
      if (storeLedger !== null) await storeLedger.close().catch((e: unknown) => log.warn({ err: String(e) }, 'closing the store ledger failed'));
      ledger.close();
    },
  });
}

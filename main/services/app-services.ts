/**
 * The app as the renderer sees it: core services + the counter session + the
 * typed handlers + the event bus. Used by the Electron main process and by the
 * browser host alike, so both run exactly the same code.
 *
 * Wiring only: each operation group is a feature module under main/features/
 * that registers its own handlers with the narrow dependencies handed to it here.
 */
import type { OperationName } from '../../preload/contract/api';
import type { AppInfo } from '../../preload/contract/views';
import { authorizeOperation } from '../features/access';
import { createAntomSettings, registerAntomSettings } from '../features/antom-settings';
import { registerAppStatus } from '../features/app-status';
import { registerDiagnostics } from '../features/diagnostics';
import { registerPeople } from '../features/people';
import { registerRefunds } from '../features/refunds';
import { OperationRegistry } from '../features/registry';
import { registerReports } from '../features/reports';
import { registerStore } from '../features/store';
import { registerTerminal } from '../features/terminal';
import { listDeviceCandidates } from '../features/terminal/devices';
import { toLinkStatusView } from '../features/terminal/status-view';
import { createLogger, type Logger } from '../logging/logger';
import type { AuditPort } from '../ledger/store-port';
import type { KeyProtector } from '../secrets/secret-store';
import { startDemoControl } from '../demo/demo-control';
import { rememberTerminalPort } from '../terminal/port-resolver';
import type { ApiHandlers, Authorize } from './api-dispatch';
import { APP_VERSION, openCoreServices, type CoreServices } from './core-services';
import { ApiEventBus } from './event-bus';
import { forwardApprovalChanges } from './approval-feed';
import { CounterSession } from './session';

export interface AppServices {
  readonly core: CoreServices;
  readonly handlers: ApiHandlers;
  /** Which feature module answers each operation (one each; the wiring test reads it). */
  readonly operationOwners: ReadonlyMap<OperationName, string>;
  /** The early role gate for dispatch(): refuses before the payload is read. */
  readonly authorize: Authorize;
  readonly events: ApiEventBus;
  readonly log: Logger;
  /** Demo only, when REFUND_TERMINAL_DEMO_CONTROL_TOKEN is set: the e2e tests' fault-injection endpoint. */
  readonly demoControlUrl: string | null;
  info(): AppInfo;
  close(): Promise<void>;
}

export interface AppServicesOptions {
  readonly dataDir: string;
  readonly hostKind: 'electron' | 'browser';
  readonly env: NodeJS.ProcessEnv;
  readonly keyProtector?: KeyProtector;
  readonly log?: Logger;
}

export async function startAppServices(opts: AppServicesOptions): Promise<AppServices> {
  const log = opts.log ?? createLogger({ dataDir: opts.dataDir });
  const opened = await openCoreServices({
    dataDir: opts.dataDir,
    env: opts.env,
    log,
    background: true,
    ...(opts.keyProtector ? { keyProtector: opts.keyProtector } : {}),
  });
  if (!opened.ok) throw new Error(opened.error.message);
  const core = opened.value;
  const { engine, ledger, link, secrets, demo } = core;
  const events = new ApiEventBus();
  const session = new CounterSession(core.config.idleLockSeconds);

  const linkStatus = () => toLinkStatusView({ link, configuredPort: core.terminalPort, virtualTerminal: demo?.terminal ?? null });
  const devices = () => listDeviceCandidates({ virtualPort: demo?.terminalPort ?? null, usbIds: core.config.terminal.usbIds, log });
  link.on('status', () => events.emit('terminalStatus', linkStatus()));
  link.on('scan', (scan) => events.emit('terminalScan', { raw: scan.raw, paymentId: scan.paymentId }));
  engine.on('updated', (view) => events.emit('refundUpdated', view));
  // Push, not polling: a refund waiting at any counter of the store (PostgreSQL LISTEN/NOTIFY; one counter:
  // this process's journal) reaches every manager screen attached to this process at once.
  const stopApprovalFeed = forwardApprovalChanges(core.store.approvals, events);

  const info = (): AppInfo => ({
    version: APP_VERSION,
    demo: demo !== null,
    hostKind: opts.hostKind,
    secretProtection: secrets.protection,
    secretWarning: secrets.warning,
    demoHints: demo ? demo.hints() : null,
    timeZone: ledger.timeZone,
  });

  const { store } = core;
  // This counter's own configuration events (Antom keys, terminal pairing) go to the ledger's one chain: the
  // store's in store mode, naming the register they happened at (the chain is shared by every counter).
  const counterAudit: Pick<AuditPort, 'append'> = {
    append: (actor, kind, detail) => store.audit.append(actor, kind, store.engine === 'postgres' ? { ...detail, register: core.register } : detail),
  };
  const antomSettings = createAntomSettings({
    dataDir: core.dataDir,
    startConfig: core.config,
    secrets,
    audit: counterAudit,
    demoConfig: demo?.antomConfig ?? null,
    gateway: () => core.antom,
    problem: () => core.antomProblem,
    reload: () => core.reloadAntom(),
    log,
  });

  const registry = new OperationRegistry(session);
  registerAppStatus(registry.feature('app-status'), { info, journalHealth: () => core.journalHealth() });
  // The store's zone when it has one (store mode), else this counter's.
  const timeZone = async (): Promise<string> => (await store.settings.timeZone()) ?? ledger.timeZone;
  registerPeople(registry.feature('people'), { session, people: store.people, audit: store.audit });
  registerRefunds(registry.feature('refunds'), {
    engine,
    receipts: store,
    timeZone,
    otherRefunds: store.otherRefunds,
    demoPaymentIds: () => (demo ? demo.hints().payments.map((p) => p.id) : null),
  });
  registerStore(registry.feature('store'), { settings: store.settings, localTimeZone: () => ledger.timeZone, dataDir: core.dataDir, startConfig: core.config });
  registerReports(registry.feature('reports'), { reports: store.reports, audit: store.audit, approvals: store.approvals, timeZone });
  registerTerminal(registry.feature('terminal'), {
    link,
    status: linkStatus,
    devices,
    configuredPort: core.terminalPort,
    demo: demo !== null,
    rememberPort: (port) => rememberTerminalPort(core.dataDir, port),
    audit: counterAudit,
    log,
  });
  registerAntomSettings(registry.feature('antom-settings'), antomSettings);
  registerDiagnostics(registry.feature('diagnostics'), {
    info,
    linkStatus,
    linkStats: () => link.stats(),
    terminalPort: core.terminalPort,
    devices,
    antom: antomSettings,
    antomProblem: () => core.antomProblem,
    refunds: () => engine.list({}),
    audit: store.audit,
    reports: store.reports,
  });
  const handlers = registry.build();

  const controlToken = opts.env.REFUND_TERMINAL_DEMO_CONTROL_TOKEN;
  const control = demo && controlToken ? await startDemoControl(demo, controlToken, log) : null;

  return {
    core,
    handlers,
    operationOwners: registry.owners(),
    authorize: (name) => authorizeOperation(session, name),
    events,
    log,
    demoControlUrl: control?.url ?? null,
    info,
    async close() {
      stopApprovalFeed();
      await control?.close();
      await core.close();
    },
  };
}

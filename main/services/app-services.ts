/**
 * The app as the renderer sees it: core services + the counter session + the
 * typed handlers + the event bus. Used by the Electron main process and by the
 * browser host alike, so both run exactly the same code.
 */
import { createHash, createPublicKey } from 'node:crypto';
import type { ApiErrorCode } from '../../preload/contract/api';
import type { PaymentView } from '../../preload/contract/refunds';
import { err, ok, type Result } from '../../preload/contract/result';
import type { LinkStatusView, PingView } from '../../preload/contract/terminal';
import type { AntomConfigView, AppInfo } from '../../preload/contract/views';
import { importPrivateKey, importPublicKey } from '../antom';
import { loadAppConfig, saveAppConfig } from '../config/app-config';
import { localDate, SIGN_IN_REFUSED } from '../ledger';
import { toOtherRefundView } from '../ledger/other-refunds';
import { createLogger, type Logger } from '../logging/logger';
import type { KeyProtector } from '../secrets/secret-store';
import { startDemoControl } from '../demo/demo-control';
import { createApiHandlers, type HandlerDeps } from './api-handlers';
import type { ApiHandlers } from './api-dispatch';
import { APP_VERSION, openCoreServices, SECRET_NAMES, type CoreServices } from './core-services';
import { ApiEventBus } from './event-bus';
import { CounterSession } from './session';
import { listDeviceCandidates } from './terminal-devices';

export interface AppServices {
  readonly core: CoreServices;
  readonly handlers: ApiHandlers;
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

type Res<T> = Promise<Result<T, ApiErrorCode>>;

function fingerprint(pem: string | null): string | null {
  if (!pem) return null;
  const der = createPublicKey(pem).export({ type: 'spki', format: 'der' });
  return createHash('sha256').update(der).digest('hex').slice(0, 32);
}

export function toLinkStatusView(core: CoreServices): LinkStatusView {
  const s = core.link.status();
  return {
    state: s.state,
    ...(s.reason !== undefined ? { reason: s.reason } : {}),
    ...(s.port !== undefined ? { port: s.port } : core.terminalPort ? { port: core.terminalPort } : {}),
    ...(s.terminal !== undefined ? { terminal: s.terminal } : {}),
    virtual: core.demo !== null,
    ...(core.demo?.terminal.currentPairingCode() ? { virtualPairingCode: core.demo.terminal.currentPairingCode() as string } : {}),
  };
}

export async function startAppServices(opts: AppServicesOptions): Promise<AppServices> {
  const log = opts.log ?? createLogger({ dataDir: opts.dataDir });
  const opened = await openCoreServices({ dataDir: opts.dataDir, env: opts.env, log, background: true, ...(opts.keyProtector ? { keyProtector: opts.keyProtector } : {}) });
  if (!opened.ok) throw new Error(opened.error.message);
  const core = opened.value;
  const { engine, ledger, link, secrets } = core;
  const events = new ApiEventBus();
  const session = new CounterSession(core.config.idleLockSeconds);

  link.on('status', () => events.emit('terminalStatus', toLinkStatusView(core)));
  link.on('scan', (scan) => events.emit('terminalScan', { raw: scan.raw, paymentId: scan.paymentId }));
  engine.on('updated', (view) => events.emit('refundUpdated', view));

  const info = (): AppInfo => ({
    version: APP_VERSION,
    demo: core.demo !== null,
    hostKind: opts.hostKind,
    secretProtection: secrets.protection,
    secretWarning: secrets.warning,
    demoHints: core.demo ? core.demo.hints() : null,
  });

  const recentPayments = async (): Res<PaymentView[]> => {
    // Demo: the sandbox's seeded payments. Real: payments refunded or looked up today on this terminal.
    const ids = core.demo
      ? core.demo.hints().payments.map((p) => p.id)
      : [...new Set(engine.list({ date: localDate(new Date(), core.config.timeZone) }).map((r) => r.paymentId))];
    const views: PaymentView[] = [];
    for (const id of ids) {
      const looked = await engine.lookupPayment(id);
      if (looked.ok) views.push(looked.value);
    }
    // Newest payment first, whatever order they were looked up in.
    return ok(views.sort((a, b) => Date.parse(b.paidAt) - Date.parse(a.paidAt)));
  };

  // Demo mode is chosen at start: real settings saved during a demo apply after a restart.
  let savedWhileDemo = false;
  const antomView = async (): Res<AntomConfigView> => {
    if (core.demo) {
      return ok({
        mode: 'demo-sandbox',
        baseUrl: core.demo.antomConfig.baseUrl,
        clientId: core.demo.antomConfig.clientId,
        keyVersion: core.demo.antomConfig.keyVersion,
        hasMerchantPrivateKey: true,
        hasAntomPublicKey: true,
        merchantKeyFingerprint: fingerprint(core.demo.antomConfig.merchantPrivateKeyPem),
        antomKeyFingerprint: fingerprint(core.demo.antomConfig.antomPublicKeyPem),
        pending: core.config.antom || savedWhileDemo ? { restartNeeded: true, problem: null } : null,
      });
    }
    const [priv, pub] = await Promise.all([secrets.get(SECRET_NAMES.merchantPrivateKey), secrets.get(SECRET_NAMES.antomPublicKey)]);
    // The file, not the start-up copy: a technician may have just saved new settings.
    const saved = await loadAppConfig(core.dataDir);
    const antom = saved.ok ? saved.value.antom : core.config.antom;
    return ok({
      mode: antom ? 'configured' : 'unconfigured',
      baseUrl: antom?.baseUrl ?? null,
      clientId: antom?.clientId ?? null,
      keyVersion: antom?.keyVersion ?? null,
      hasMerchantPrivateKey: priv !== null,
      hasAntomPublicKey: pub !== null,
      merchantKeyFingerprint: fingerprint(priv),
      antomKeyFingerprint: fingerprint(pub),
      pending: core.antomProblem ? { restartNeeded: false, problem: core.antomProblem } : null,
    });
  };

  const deps: HandlerDeps = {
    info,
    session,
    users: {
      verifyPin: async (name, pin) => {
        const r = await ledger.verifyPin(name, pin);
        if (r.ok) return ok({ name: r.value.name, role: r.value.role });
        // No user enumeration: unknown and disabled users read as a wrong PIN.
        return r.error.code === 'USER_LOCKED' ? err('USER_LOCKED', r.error.message) : err('PIN_INVALID', SIGN_IN_REFUSED);
      },
      list: async () => ok(ledger.users.list()),
      add: async (name, role, pin, actor) => {
        const r = await ledger.users.add({ name, role, pin }, actor);
        if (!r.ok) {
          // The screen words a taken name as such, not as a refused refund.
          return r.error.code === 'USER_EXISTS' ? err('INVALID_INPUT', r.error.message, { reason: 'USER_EXISTS' }) : err(r.error.code, r.error.message);
        }
        return ok({ name: r.value.name, role: r.value.role, disabled: false, lockedUntil: null });
      },
      disable: async (name, actor) => {
        const r = ledger.users.disable(name, actor);
        if (!r.ok) return err('NOT_FOUND', r.error.message);
        return ok({ name: r.value.name, role: r.value.role, disabled: true, lockedUntil: null });
      },
    },
    refunds: {
      lookupPayment: (paymentId) => engine.lookupPayment(paymentId),
      recentPayments,
      searchPayments: async (q) => ok(engine.searchPayments(q)),
      submit: (input) => engine.submit(input),
      get: async (id) => engine.get(id),
      list: async (filter) => ok(engine.list({ ...(filter.date ? { date: filter.date } : {}) }).filter((r) => !filter.states || filter.states.includes(r.state))),
      approve: (input) => engine.approve(input),
      decline: (input) => engine.decline(input),
      retryAsNew: (input) => engine.retryAsNew(input),
      receipt: async (id) => ledger.receipt(id),
      recordOther: async (input, actor) => {
        const r = ledger.otherRefunds.record(
          {
            id: input.entryId,
            paymentId: input.paymentId,
            method: input.method,
            amount: input.amount,
            note: input.note,
            ...(input.relatedRefundRequestId !== undefined ? { relatedRefundRequestId: input.relatedRefundRequestId } : {}),
          },
          actor,
        );
        return r.ok ? ok(toOtherRefundView(r.value)) : err(r.error.code, r.error.message, r.error.details);
      },
      listOther: async (filter) => ok(ledger.otherRefunds.list(filter).map(toOtherRefundView)),
    },
    store: {
      get: async () => ok(ledger.settings.store()),
      set: async (settings, actor) => ok(ledger.settings.setStore(settings, actor)),
      reasons: async () => ok(ledger.settings.reasons()),
      setReasons: async (reasons, actor) => ok(ledger.settings.setReasons(reasons, actor)),
    },
    terminal: {
      status: () => toLinkStatusView(core),
      devices: async () => ok(await listDeviceCandidates(core)),
      pairBegin: async (port, actor) => {
        if (!core.demo && port !== core.terminalPort) {
          return err('TERMINAL_ERROR', `The terminal link is set to ${core.terminalPort ?? 'no port'}; set terminal.port to ${port} in config.json (or TERMINAL_PORT) and restart, then pair.`);
        }
        const r = await link.pairBegin();
        ledger.audit.append(actor, 'terminal.pairing', { step: 'begin', port, ok: r.ok });
        return r.ok ? ok(null) : err('TERMINAL_ERROR', r.error.message, { terminalCode: r.error.code });
      },
      pairConfirm: async (code, actor) => {
        const r = await link.pairConfirm(code);
        ledger.audit.append(actor, 'terminal.pairing', { step: 'confirm', ok: r.ok, ...(r.ok ? { serial: r.value.serial } : { code: r.error.code }) });
        return r.ok ? ok(r.value) : err('TERMINAL_ERROR', r.error.message, { terminalCode: r.error.code });
      },
      unpair: async (actor) => {
        const r = await link.unpair();
        ledger.audit.append(actor, 'terminal.pairing', { step: 'unpair', ok: r.ok });
        return r.ok ? ok(null) : err('TERMINAL_ERROR', r.error.message, { terminalCode: r.error.code });
      },
      ping: async (count) => {
        const rtts: number[] = [];
        let failures = 0;
        for (let i = 0; i < count; i++) {
          const r = await link.ping();
          if (r.ok) rtts.push(Math.round(r.value.rttMs * 10) / 10);
          else failures++;
        }
        const raw = link.stats() as unknown as Record<string, unknown>;
        const stats: Record<string, number> = {};
        for (const [k, v] of Object.entries(raw)) if (typeof v === 'number') stats[k] = v;
        const view: PingView = { rttsMs: rtts, failures, stats };
        return ok(view);
      },
    },
    reports: {
      daily: async (date) => ok(ledger.dailyReport(date)),
      dailyCsv: async (date) => ok({ fileName: `refunds-${date}.csv`, csv: ledger.dailyReportCsv(date) }),
    },
    audit: {
      list: async (filter) => ok(ledger.audit.list({ ...filter, timeZone: ledger.timeZone })),
      verify: async () => ok(ledger.verifyAudit()),
      record: (actor, kind, detail) => void ledger.audit.append(actor, kind, detail),
    },
    policy: {
      get: async () => ok(ledger.getPolicy()),
      set: async (policy, actor) => {
        const r = ledger.setPolicy(policy, actor);
        return r.ok ? r : err('INVALID_INPUT', r.error.message);
      },
    },
    antom: {
      view: antomView,
      set: async (input, actor) => {
        if (input.merchantPrivateKeyPem !== undefined) {
          const k = importPrivateKey(input.merchantPrivateKeyPem, 'The merchant private key');
          if (!k.ok) return err('CONFIG_INVALID', k.error.message);
        }
        if (input.antomPublicKeyPem !== undefined) {
          const k = importPublicKey(input.antomPublicKeyPem, "Antom's public key");
          if (!k.ok) return err('CONFIG_INVALID', k.error.message);
        }
        const current = await loadAppConfig(core.dataDir);
        const base = current.ok ? current.value : core.config;
        const next = { ...base, antom: { baseUrl: input.baseUrl, clientId: input.clientId, keyVersion: input.keyVersion, requestTimeoutMs: base.antom?.requestTimeoutMs ?? 15_000 } };
        await saveAppConfig(core.dataDir, next);
        if (input.merchantPrivateKeyPem !== undefined) await secrets.set(SECRET_NAMES.merchantPrivateKey, input.merchantPrivateKeyPem);
        if (input.antomPublicKeyPem !== undefined) await secrets.set(SECRET_NAMES.antomPublicKey, input.antomPublicKeyPem);
        ledger.audit.append(actor, 'config.change', {
          what: 'antom',
          baseUrl: input.baseUrl,
          clientId: input.clientId,
          keyVersion: input.keyVersion,
          merchantKeyReplaced: input.merchantPrivateKeyPem !== undefined,
          antomKeyReplaced: input.antomPublicKeyPem !== undefined,
        });
        if (core.demo) savedWhileDemo = true;
        else await core.reloadAntom();
        log.info({ baseUrl: input.baseUrl, clientId: input.clientId, demo: core.demo !== null }, 'Antom settings saved');
        return antomView();
      },
      test: async () => {
        if (!core.antom) return ok({ reachable: false, signatureValid: false, detail: core.antomProblem ?? 'Antom is not configured.' });
        // Looking up a payment that cannot exist proves reachability and both signatures without touching money.
        const r = await core.antom.inquirePayment('CONNECTION-TEST-0000000000');
        if (r.ok || r.error.code === 'PAYMENT_NOT_FOUND') return ok({ reachable: true, signatureValid: true, detail: 'Antom answered with a valid signature.' });
        return ok({ reachable: false, signatureValid: false, detail: r.error.message });
      },
    },
    diagnostics: async () => {
      const json = JSON.stringify(
        {
          generatedAt: new Date().toISOString(),
          app: info(),
          link: toLinkStatusView(core),
          linkStats: link.stats(),
          terminalPort: core.terminalPort,
          devices: await listDeviceCandidates(core),
          antom: (await antomView()).ok ? (await antomView() as { ok: true; value: AntomConfigView }).value : null,
          antomProblem: core.antomProblem,
          audit: ledger.verifyAudit(),
          pendingRefunds: engine.list({}).filter((r) => r.status === 'PENDING').map((r) => ({ refundRequestId: r.refundRequestId, state: r.state, resultCode: r.resultCode })),
          platform: { os: process.platform, arch: process.arch, node: process.versions.node, electron: process.versions.electron ?? null },
        },
        null,
        2,
      );
      return ok({ fileName: `refund-terminal-diagnostics-${new Date().toISOString().slice(0, 10)}.json`, json });
    },
  };

  const controlToken = opts.env.REFUND_TERMINAL_DEMO_CONTROL_TOKEN;
  const control = core.demo && controlToken ? await startDemoControl(core.demo, controlToken, log) : null;

  return {
    core,
    handlers: createApiHandlers(deps),
    events,
    log,
    demoControlUrl: control?.url ?? null,
    info,
    async close() {
      await control?.close();
      await core.close();
    },
  };
}

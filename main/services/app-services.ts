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
import type { AntomConfigView, AppInfo, UserView } from '../../preload/contract/views';
import type { User } from '../ledger';
import { API_PATHS, importPrivateKey, importPublicKey } from '../antom';
import { MAX_ANTOM_PUBLIC_KEYS } from '../antom/config';
import { antomApiPrefix, parseAntomBaseUrl } from '../../preload/contract/antom-endpoint';
import { loadAppConfig, saveAppConfig, systemTimeZone } from '../config/app-config';
import { localDate, SIGN_IN_REFUSED } from '../ledger';
import { toOtherRefundView } from '../ledger/other-refunds';
import { createLogger, type Logger } from '../logging/logger';
import type { KeyProtector } from '../secrets/secret-store';
import { startDemoControl } from '../demo/demo-control';
import { authorizeOperation, createApiHandlers, type HandlerDeps } from './api-handlers';
import type { ApiHandlers, Authorize } from './api-dispatch';
import { APP_VERSION, openCoreServices, readAntomPublicKeys, SECRET_NAMES, writeAntomPublicKeys, type CoreServices } from './core-services';
import { ApiEventBus } from './event-bus';
import { CounterSession } from './session';
import { listDeviceCandidates } from './terminal-devices';
import { rememberTerminalPort } from '../terminal/port-resolver';

export interface AppServices {
  readonly core: CoreServices;
  readonly handlers: ApiHandlers;
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

function toUserView(u: User): UserView {
  return { name: u.name, role: u.role, disabled: u.disabled, lockedUntil: u.lockedUntil };
}

function userResult(r: Result<User, 'USER_NOT_FOUND' | 'INVALID_INPUT' | 'FORBIDDEN'>): Result<UserView, ApiErrorCode> {
  if (r.ok) return ok(toUserView(r.value));
  return err(r.error.code === 'USER_NOT_FOUND' ? 'NOT_FOUND' : r.error.code, r.error.message);
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
    timeZone: ledger.timeZone,
  });

  /**
   * The app info as support sees it: the demo users' names and roles stay, their PINs never leave the screen (the
   * bundle is mailed around; attack report F13). Nothing else in AppInfo is secret.
   */
  const diagnosticsAppInfo = (app: AppInfo) => ({
    ...app,
    demoHints: app.demoHints ? { payments: app.demoHints.payments, users: app.demoHints.users.map((u) => ({ name: u.name, role: u.role })) } : null,
  });

  const recentPayments = async (): Res<PaymentView[]> => {
    // Demo: the sandbox's seeded payments. Real: payments refunded or looked up today on this terminal.
    const ids = core.demo
      ? core.demo.hints().payments.map((p) => p.id)
      : [...new Set(engine.list({ date: localDate(new Date(), ledger.timeZone) }).map((r) => r.paymentId))];
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
  const keyViews = (keys: readonly { keyVersion: number | null; pem: string }[]): AntomConfigView['antomKeys'] =>
    keys.map((k) => ({ keyVersion: k.keyVersion, fingerprint: fingerprint(k.pem) as string }));
  const lastVerifiedBy = (): AntomConfigView['lastVerifiedBy'] => core.antom?.lastVerification() ?? null;
  const antomView = async (): Res<AntomConfigView> => {
    if (core.demo) {
      const c = core.demo.antomConfig;
      const keys = keyViews(c.antomPublicKeys);
      return ok({
        mode: 'demo-sandbox',
        baseUrl: c.baseUrl,
        clientId: c.clientId,
        keyVersion: c.keyVersion,
        hasMerchantPrivateKey: true,
        hasAntomPublicKey: true,
        merchantKeyFingerprint: fingerprint(c.merchantPrivateKeyPem),
        antomKeyFingerprint: keys[0]?.fingerprint ?? null,
        region: null,
        refundEndpoint: `${c.baseUrl}${antomApiPrefix(c.clientId)}${API_PATHS.refund}`,
        antomKeys: keys,
        lastVerifiedBy: lastVerifiedBy(),
        antomKeyRotationDate: c.antomKeyRotationDate ?? null,
        inquiryPaymentKey: c.inquiryPaymentKey,
        pending: core.config.antom || savedWhileDemo ? { restartNeeded: true, problem: null } : null,
      });
    }
    const [priv, pubs] = await Promise.all([secrets.get(SECRET_NAMES.merchantPrivateKey), readAntomPublicKeys(secrets)]);
    // The file, not the start-up copy: a technician may have just saved new settings.
    const saved = await loadAppConfig(core.dataDir);
    const antom = saved.ok ? saved.value.antom : core.config.antom;
    const endpoint = antom ? parseAntomBaseUrl(antom.baseUrl) : null;
    const keys = keyViews(pubs);
    return ok({
      mode: antom ? 'configured' : 'unconfigured',
      baseUrl: endpoint?.ok ? endpoint.value.origin : (antom?.baseUrl ?? null),
      clientId: antom?.clientId ?? null,
      keyVersion: antom?.keyVersion ?? null,
      hasMerchantPrivateKey: priv !== null,
      hasAntomPublicKey: pubs.length > 0,
      merchantKeyFingerprint: fingerprint(priv),
      antomKeyFingerprint: keys[0]?.fingerprint ?? null,
      region: endpoint?.ok ? endpoint.value.region : null,
      refundEndpoint: antom && endpoint?.ok ? `${endpoint.value.origin}${antomApiPrefix(antom.clientId)}${API_PATHS.refund}` : null,
      antomKeys: keys,
      lastVerifiedBy: lastVerifiedBy(),
      antomKeyRotationDate: antom?.antomKeyRotationDate ?? null,
      inquiryPaymentKey: antom?.inquiryPaymentKey ?? 'paymentId',
      pending: core.antomProblem ? { restartNeeded: false, problem: core.antomProblem } : null,
    });
  };

  /** After a change to the stored Antom settings: use them now (or after a restart in demo). */
  const applyAntom = async (): Promise<void> => {
    if (core.demo) savedWhileDemo = true;
    else await core.reloadAntom();
  };

  const antomSet = async (input: Parameters<HandlerDeps['antom']['set']>[0], actor: string): Res<AntomConfigView> => {
    const endpoint = parseAntomBaseUrl(input.baseUrl);
    if (!endpoint.ok) return err('CONFIG_INVALID', endpoint.error.message);
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
    const previous = base.antom;
    const rotation = input.antomKeyRotationDate === undefined ? previous?.antomKeyRotationDate : (input.antomKeyRotationDate ?? undefined);
    const inquiryPaymentKey = input.inquiryPaymentKey ?? previous?.inquiryPaymentKey;
    const next = {
      ...base,
      antom: {
        // Saved in the SDK form (domain only): an old "…/ams/api" value is migrated on the next save.
        baseUrl: endpoint.value.origin,
        clientId: input.clientId,
        keyVersion: input.keyVersion,
        requestTimeoutMs: previous?.requestTimeoutMs ?? 15_000,
        ...(inquiryPaymentKey ? { inquiryPaymentKey } : {}),
        ...(rotation ? { antomKeyRotationDate: rotation } : {}),
      },
    };
    await saveAppConfig(core.dataDir, next);
    if (input.merchantPrivateKeyPem !== undefined) await secrets.set(SECRET_NAMES.merchantPrivateKey, input.merchantPrivateKeyPem);
    if (input.antomPublicKeyPem !== undefined) {
      await writeAntomPublicKeys(secrets, [{ keyVersion: input.antomPublicKeyVersion ?? null, pem: input.antomPublicKeyPem }]);
    }
    ledger.audit.append(actor, 'config.change', {
      what: 'antom',
      baseUrl: endpoint.value.origin,
      clientId: input.clientId,
      keyVersion: input.keyVersion,
      inquiryPaymentKey: inquiryPaymentKey ?? 'paymentId',
      merchantKeyReplaced: input.merchantPrivateKeyPem !== undefined,
      antomKeyReplaced: input.antomPublicKeyPem !== undefined,
    });
    await applyAntom();
    log.info({ baseUrl: endpoint.value.origin, clientId: input.clientId, demo: core.demo !== null }, 'Antom settings saved');
    return antomView();
  };

  const antomAddKey = async (input: { keyVersion: number; pem: string }, actor: string): Res<AntomConfigView> => {
    const k = importPublicKey(input.pem, `Antom's public key version ${input.keyVersion}`);
    if (!k.ok) return err('CONFIG_INVALID', k.error.message);
    const keys = await readAntomPublicKeys(secrets);
    if (keys.some((x) => x.keyVersion === input.keyVersion)) {
      return err('CONFIG_INVALID', `A key with version ${input.keyVersion} is already stored; remove it first to replace it.`);
    }
    const fp = fingerprint(input.pem);
    if (keys.some((x) => fingerprint(x.pem) === fp)) return err('CONFIG_INVALID', 'This key is already stored.');
    if (keys.length >= MAX_ANTOM_PUBLIC_KEYS)
      return err('CONFIG_INVALID', `At most ${MAX_ANTOM_PUBLIC_KEYS} Antom keys can be stored; remove a retired one first.`);
    await writeAntomPublicKeys(secrets, [...keys, { keyVersion: input.keyVersion, pem: input.pem }]);
    ledger.audit.append(actor, 'config.change', { what: 'antom.publicKey.add', keyVersion: input.keyVersion, fingerprint: fp });
    await applyAntom();
    return antomView();
  };

  const antomRemoveKey = async (fp: string, actor: string): Res<AntomConfigView> => {
    const keys = await readAntomPublicKeys(secrets);
    const rest = keys.filter((k) => fingerprint(k.pem) !== fp);
    if (rest.length === keys.length) return err('NOT_FOUND', 'No stored Antom key has this fingerprint.');
    if (rest.length === 0)
      return err('CONFIG_INVALID', 'This is the only Antom key: add the new one before removing it, or no answer from Antom could be trusted.');
    await writeAntomPublicKeys(secrets, rest);
    ledger.audit.append(actor, 'config.change', { what: 'antom.publicKey.remove', fingerprint: fp });
    await applyAntom();
    return antomView();
  };

  const deps: HandlerDeps = {
    info,
    journalHealth: () => core.journalHealth(),
    session,
    users: {
      verifyPin: async (name, pin, newPin) => {
        const r = await ledger.verifyPin(name, pin, newPin !== undefined ? { newPin } : {});
        if (r.ok) return ok({ name: r.value.name, role: r.value.role });
        switch (r.error.code) {
          case 'USER_LOCKED':
          case 'RATE_LIMITED':
          case 'PIN_CHANGE_REQUIRED':
          case 'INVALID_INPUT': // the new PIN does not meet the policy (the old one was right)
            return err(r.error.code, r.error.message, r.error.details);
          default:
            // No user enumeration: unknown and disabled users read as a wrong PIN.
            return err('PIN_INVALID', SIGN_IN_REFUSED);
        }
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
      disable: async (name, actor) => userResult(ledger.users.disable(name, actor)),
      enable: async (name, actor) => userResult(ledger.users.enable(name, actor)),
      unlock: async (name, actor) => userResult(ledger.users.unlock(name, actor)),
      setRole: async (name, role, actor) => userResult(ledger.users.setRole(name, role, actor)),
      resetPin: async (name, actor) => {
        const r = await ledger.users.resetPin(name, actor);
        if (!r.ok) return err(r.error.code === 'USER_NOT_FOUND' ? 'NOT_FOUND' : r.error.code, r.error.message);
        return ok({ user: toUserView(r.value.user), oneTimePin: r.value.oneTimePin });
      },
    },
    refunds: {
      lookupPayment: (paymentId) => engine.lookupPayment(paymentId),
      recentPayments,
      searchPayments: async (q) => ok(engine.searchPayments(q)),
      submit: (input) => engine.submit(input),
      evaluate: (input) => engine.evaluate(input),
      get: async (id) => engine.get(id),
      list: async (filter) =>
        ok(engine.list({ ...(filter.date ? { date: filter.date } : {}) }).filter((r) => !filter.states || filter.states.includes(r.state))),
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
          return err(
            'TERMINAL_ERROR',
            `The terminal link is set to ${core.terminalPort ?? 'no port'}; set terminal.port to ${port} in config.json (or TERMINAL_PORT) and restart, then pair.`,
          );
        }
        const r = await link.pairBegin();
        ledger.audit.append(actor, 'terminal.pairing', { step: 'begin', port, ok: r.ok });
        return r.ok ? ok(null) : err('TERMINAL_ERROR', r.error.message, { terminalCode: r.error.code });
      },
      pairConfirm: async (code, actor) => {
        const r = await link.pairConfirm(code);
        ledger.audit.append(actor, 'terminal.pairing', { step: 'confirm', ok: r.ok, ...(r.ok ? { serial: r.value.serial } : { code: r.error.code }) });
        // The port it was paired on is remembered, so the CLI and doctor find it without --port.
        if (r.ok && !core.demo && core.terminalPort) await rememberTerminalPort(core.dataDir, core.terminalPort);
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
    storeSettings: {
      get: async () => {
        const saved = await loadAppConfig(core.dataDir);
        const configured = saved.ok ? (saved.value.timeZone ?? null) : (core.config.timeZone ?? null);
        return ok({ timeZone: ledger.timeZone, configured, systemTimeZone: systemTimeZone() });
      },
      setTimeZone: async (timeZone, actor) => {
        const applied = ledger.setTimeZone(timeZone, actor);
        if (!applied.ok) return err('INVALID_INPUT', applied.error.message);
        // Kept in config.json so the next start (and the CLI's journal) uses it too.
        const current = await loadAppConfig(core.dataDir);
        const base = current.ok ? current.value : core.config;
        await saveAppConfig(core.dataDir, { ...base, timeZone });
        return ok({ timeZone: ledger.timeZone, configured: timeZone, systemTimeZone: systemTimeZone() });
      },
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
      set: antomSet,
      addKey: antomAddKey,
      removeKey: antomRemoveKey,
      test: async () => {
        if (!core.antom) return ok({ reachable: false, signatureValid: false, detail: core.antomProblem ?? 'Antom is not configured.' });
        // Looking up a payment that cannot exist proves reachability and both signatures without touching money.
        const r = await core.antom.inquirePayment('CONNECTION-TEST-0000000000');
        const path = core.antom.endpoint('inquiryPayment');
        const by = core.antom.lastVerification();
        const keyNote = by ? ` (verified with Antom key ${by.keyVersion === null ? 'of unrecorded version' : `version ${by.keyVersion}`})` : '';
        if (r.ok || r.error.code === 'PAYMENT_NOT_FOUND')
          return ok({ reachable: true, signatureValid: true, lookupOk: true, path, detail: `Antom answered POST ${path} with a valid signature${keyNote}.` });
        if (r.error.code === 'LOOKUP_MISCONFIGURED') return ok({ reachable: true, signatureValid: true, lookupOk: false, path, detail: r.error.message });
        return ok({ reachable: false, signatureValid: false, path, detail: r.error.message });
      },
    },
    diagnostics: async () => {
      const json = JSON.stringify(
        {
          generatedAt: new Date().toISOString(),
          app: diagnosticsAppInfo(info()),
          link: toLinkStatusView(core),
          linkStats: link.stats(),
          terminalPort: core.terminalPort,
          devices: await listDeviceCandidates(core),
          antom: (await antomView()).ok ? ((await antomView()) as { ok: true; value: AntomConfigView }).value : null,
          antomProblem: core.antomProblem,
          audit: ledger.verifyAudit(),
          pendingRefunds: engine
            .list({})
            .filter((r) => r.status === 'PENDING')
            .map((r) => ({ refundRequestId: r.refundRequestId, state: r.state, resultCode: r.resultCode })),
          // The terminal gave these refunds a reference it had already given another one: stopped, nothing sent.
          terminalReferenceReplays: ledger.refunds
            .referenceReplays()
            .map((r) => ({ refundRequestId: r.refund_request_id, paymentId: r.payment_id, at: r.updated_at, message: r.message })),
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
    authorize: (name) => authorizeOperation(session, name),
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

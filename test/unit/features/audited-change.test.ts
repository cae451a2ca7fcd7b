/**
 * Configuration changes are audited before they are made (main/features/audited-change.ts):
 * with the store's database down the change is refused and nothing changes; a screen never
 * says "nothing was changed" after a change that happened unaudited.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { generateDemoKeyPair } from '../../../main/sandbox/keys';
import { AppConfigSchema } from '../../../main/config/app-config';
import { createAntomSettings } from '../../../main/features/antom-settings/antom-settings';
import { CHANGE_NOT_MADE } from '../../../main/features/audited-change';
import type { HandlerRegistry } from '../../../main/features/registry';
import { registerTerminal, type TerminalDeps } from '../../../main/features/terminal';
import type { AuditPort } from '../../../main/ledger/store-port';
import { createSilentLogger } from '../../../main/logging/logger';
import { createMemorySecretStore } from '../../../main/secrets/secret-store';
import { dispatch, STORE_LOST_DURING_REQUEST, type ApiHandlers } from '../../../main/services/api-dispatch';
import { readAntomPublicKeys } from '../../../main/services/core-services';
import { err, ok } from '../../../preload/contract/result';

const storeDown = (): Error => Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });

/** An audit port that records entries, failing the appends whose number (1-based) is in `failAt`. */
function auditPort(failAt: readonly number[] = []): Pick<AuditPort, 'append'> & { entries: { kind: string; detail: Record<string, unknown> }[] } {
  const entries: { kind: string; detail: Record<string, unknown> }[] = [];
  let n = 0;
  return {
    entries,
    append: async (_actor, kind, detail) => {
      n += 1;
      if (failAt.includes(n)) throw storeDown();
      entries.push({ kind, detail });
      return { seq: entries.length, hash: 'h' };
    },
  };
}

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function antomSettings(audit: Pick<AuditPort, 'append'>) {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'rt-audited-'));
  dirs.push(dataDir);
  const secrets = createMemorySecretStore();
  const settings = createAntomSettings({
    dataDir,
    startConfig: AppConfigSchema.parse({}),
    secrets,
    audit,
    demoConfig: null,
    gateway: () => null,
    problem: () => null,
    reload: async () => undefined,
    log: createSilentLogger(),
  });
  return { settings, secrets };
}

describe('Antom settings: audited before the change', () => {
  it('refuses to add a key while the store is unreachable, and stores nothing', async () => {
    const audit = auditPort([1]);
    const { settings, secrets } = antomSettings(audit);
    const r = await settings.addKey({ keyVersion: 3, pem: generateDemoKeyPair().publicKeyPem }, 'tom');
    expect(r).toMatchObject({ ok: false, error: { code: 'STORE_UNAVAILABLE', message: CHANGE_NOT_MADE } });
    expect(await readAntomPublicKeys(secrets)).toEqual([]);
  });

  it('with the store up, the entry is written and the key stored', async () => {
    const audit = auditPort();
    const { settings, secrets } = antomSettings(audit);
    const r = await settings.addKey({ keyVersion: 3, pem: generateDemoKeyPair().publicKeyPem }, 'tom');
    expect(r.ok).toBe(true);
    expect(await readAntomPublicKeys(secrets)).toHaveLength(1);
    expect(audit.entries).toEqual([{ kind: 'config.change', detail: expect.objectContaining({ what: 'antom.publicKey.add', keyVersion: 3 }) }]);
  });
});

function terminal(audit: Pick<AuditPort, 'append'>) {
  const calls: string[] = [];
  const handlers = new Map<string, (req: unknown, user: unknown) => Promise<unknown>>();
  const registry: HandlerRegistry = { handle: (name, h) => void handlers.set(name, h as (req: unknown, user: unknown) => Promise<unknown>) };
  const link = {
    pairBegin: async () => (calls.push('begin'), ok(null)),
    pairConfirm: async () => (calls.push('confirm'), err('PAIRING_CODE_WRONG' as const, 'wrong code')),
    unpair: async () => (calls.push('unpair'), ok(null)),
    ping: async () => ok({ rttMs: 1 }),
    stats: () => ({}),
  } as unknown as TerminalDeps['link'];
  registerTerminal(registry, {
    link,
    status: () => ({}) as ReturnType<TerminalDeps['status']>,
    devices: async () => [],
    configuredPort: '/dev/ttyX',
    demo: true,
    rememberPort: async () => undefined,
    audit,
    log: createSilentLogger(),
  });
  const call = (name: string, req: unknown) =>
    (handlers.get(name) as (req: unknown, user: unknown) => Promise<unknown>)(req, { name: 'tom', role: 'technician' });
  return { calls, call };
}

describe('terminal pairing: audited before each step', () => {
  it('refuses to unpair while the store is unreachable: the terminal stays paired', async () => {
    const t = terminal(auditPort([1]));
    expect(await t.call('unpairTerminal', {})).toMatchObject({ ok: false, error: { code: 'STORE_UNAVAILABLE' } });
    expect(await t.call('beginPairing', { port: '/dev/ttyX' })).toMatchObject({ ok: true });
    expect(t.calls).toEqual(['begin']); // the second append worked: only begin ran
  });

  it('records the request, then the outcome; a lost outcome entry does not hide the result', async () => {
    const audit = auditPort([2]);
    const t = terminal(audit);
    expect(await t.call('unpairTerminal', {})).toMatchObject({ ok: true });
    expect(await t.call('confirmPairing', { code: '123456' })).toMatchObject({ ok: false, error: { code: 'TERMINAL_ERROR' } });
    expect(t.calls).toEqual(['unpair', 'confirm']);
    expect(audit.entries.map((e) => e.detail)).toEqual([
      { step: 'unpair', requested: true },
      { step: 'confirm', requested: true },
      { step: 'confirm', ok: false, code: 'PAIRING_CODE_WRONG' },
    ]);
  });
});

describe('dispatch', () => {
  it('a store lost during any request says the action may not be complete (never "nothing was changed")', async () => {
    const handlers = {
      getStoreSettings: async () => {
        throw storeDown();
      },
    } as unknown as ApiHandlers;
    const r = await dispatch(handlers, 'getStoreSettings', {}, createSilentLogger());
    expect(r).toEqual({ ok: false, error: { code: 'STORE_UNAVAILABLE', message: STORE_LOST_DURING_REQUEST } });
  });
});

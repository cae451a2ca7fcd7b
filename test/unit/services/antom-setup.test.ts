/**
 * A technician sets up Antom on a terminal that has none: the settings are
 * validated, saved (keys encrypted), put in use without a restart, and the
 * connection test proves reachability and both signatures against a real
 * signed HTTP endpoint (the sandbox gateway).
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSilentLogger } from '../../../main/logging/logger';
import { generateDemoKeyPair, startAntomSandbox, type AntomSandbox } from '../../../main/sandbox';
import { dispatch } from '../../../main/services/api-dispatch';
import { startAppServices, type AppServices } from '../../../main/services/app-services';
import type { OperationName, RequestOf } from '../../../preload/contract/api';

describe('Antom setup from the technician screen', () => {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'rt-antom-setup-'));
  const merchant = generateDemoKeyPair();
  let sandbox: AntomSandbox;
  let app: AppServices;
  const call = <N extends OperationName>(name: N, req: RequestOf<N>) => dispatch(app.handlers, name, req, app.log);

  beforeAll(async () => {
    sandbox = await startAntomSandbox({ clientId: 'SHOP-TEST-1', merchantPublicKeyPem: merchant.publicKeyPem, seed: 'demo' });
    app = await startAppServices({ dataDir, hostKind: 'browser', env: { REFUND_TERMINAL_DEMO: '0' }, log: createSilentLogger() });
    const added = await app.core.ledger.users.add({ name: 'tom', role: 'technician', pin: '135792' }, 'test');
    expect(added.ok).toBe(true);
    expect(await call('signIn', { userName: 'tom', pin: '135792' })).toMatchObject({ ok: true });
  });
  afterAll(async () => {
    await app?.close();
    await sandbox?.stop();
  });

  it('starts unconfigured and says so', async () => {
    expect(app.info().demo).toBe(false);
    const view = await call('getAntomConfig', {});
    expect(view).toMatchObject({ ok: true, value: { mode: 'unconfigured', hasMerchantPrivateKey: false } });
    expect(await call('testAntomConnection', {})).toMatchObject({ ok: true, value: { reachable: false } });
  });

  it('refuses a public key where the private key belongs, saving nothing', async () => {
    const r = await call('setAntomConfig', { baseUrl: sandbox.baseUrl, clientId: 'SHOP-TEST-1', keyVersion: 1, merchantPrivateKeyPem: merchant.publicKeyPem, antomPublicKeyPem: sandbox.gatewayPublicKeyPem });
    expect(r).toMatchObject({ ok: false, error: { code: 'CONFIG_INVALID' } });
    expect((await call('getAntomConfig', {})) as unknown).toMatchObject({ ok: true, value: { mode: 'unconfigured' } });
  });

  it('saves valid settings, keeps the keys encrypted, and uses them at once', async () => {
    const r = await call('setAntomConfig', { baseUrl: sandbox.baseUrl, clientId: 'SHOP-TEST-1', keyVersion: 1, merchantPrivateKeyPem: merchant.privateKeyPem, antomPublicKeyPem: sandbox.gatewayPublicKeyPem });
    expect(r).toMatchObject({ ok: true, value: { mode: 'configured', clientId: 'SHOP-TEST-1', hasMerchantPrivateKey: true, hasAntomPublicKey: true, pending: null } });
    expect(JSON.stringify(r)).not.toContain('PRIVATE KEY');
    const body = merchant.privateKeyPem.split('\n')[1] as string;
    expect(readFileSync(path.join(dataDir, 'secrets.json'), 'utf8')).not.toContain(body);
    expect(readFileSync(path.join(dataDir, 'config.json'), 'utf8')).not.toContain(body);
    expect(await call('testAntomConnection', {})).toMatchObject({ ok: true, value: { reachable: true, signatureValid: true } });
    expect(sandbox.requestLog().some((e) => e.api === 'inquiryPayment')).toBe(true);
  });

  it('a wrong Antom public key makes the connection test fail (answers are not trusted)', async () => {
    const other = generateDemoKeyPair();
    await call('setAntomConfig', { baseUrl: sandbox.baseUrl, clientId: 'SHOP-TEST-1', keyVersion: 1, antomPublicKeyPem: other.publicKeyPem });
    expect(await call('testAntomConnection', {})).toMatchObject({ ok: true, value: { reachable: false } });
  });
});

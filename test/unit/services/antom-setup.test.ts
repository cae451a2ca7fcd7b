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
    const r = await call('setAntomConfig', {
      baseUrl: sandbox.baseUrl,
      clientId: 'SHOP-TEST-1',
      keyVersion: 1,
      merchantPrivateKeyPem: merchant.publicKeyPem,
      antomPublicKeyPem: sandbox.gatewayPublicKeyPem,
    });
    expect(r).toMatchObject({ ok: false, error: { code: 'CONFIG_INVALID' } });
    expect((await call('getAntomConfig', {})) as unknown).toMatchObject({ ok: true, value: { mode: 'unconfigured' } });
  });

  it('saves valid settings, keeps the keys encrypted, and uses them at once', async () => {
    const r = await call('setAntomConfig', {
      baseUrl: sandbox.baseUrl,
      clientId: 'SHOP-TEST-1',
      keyVersion: 1,
      merchantPrivateKeyPem: merchant.privateKeyPem,
      antomPublicKeyPem: sandbox.gatewayPublicKeyPem,
    });
    expect(r).toMatchObject({
      ok: true,
      value: { mode: 'configured', clientId: 'SHOP-TEST-1', hasMerchantPrivateKey: true, hasAntomPublicKey: true, pending: null },
    });
    expect(JSON.stringify(r)).not.toContain('PRIVATE KEY');
    const body = merchant.privateKeyPem.split('\n')[1] as string;
    expect(readFileSync(path.join(dataDir, 'secrets.json'), 'utf8')).not.toContain(body);
    expect(readFileSync(path.join(dataDir, 'config.json'), 'utf8')).not.toContain(body);
    expect(await call('testAntomConnection', {})).toMatchObject({ ok: true, value: { reachable: true, signatureValid: true } });
    expect(sandbox.requestLog().some((e) => e.api === 'inquiryPayment')).toBe(true);
  });

  it('refuses a base URL with a path the client would silently get wrong', async () => {
    const r = await call('setAntomConfig', { baseUrl: `${sandbox.origin}/antom`, clientId: 'SHOP-TEST-1', keyVersion: 1 });
    expect(r).toMatchObject({ ok: false, error: { code: 'CONFIG_INVALID' } });
    if (!r.ok) expect(r.error.message).toMatch(/domain only/);
  });

  it('the old "…/ams/api" form is saved as the domain, and the view names the exact refund URL and the key that verified', async () => {
    const r = await call('setAntomConfig', {
      baseUrl: sandbox.baseUrl,
      clientId: 'SHOP-TEST-1',
      keyVersion: 1,
      antomPublicKeyPem: sandbox.gatewayPublicKeyPem,
      antomPublicKeyVersion: 1,
    });
    expect(r).toMatchObject({
      ok: true,
      value: { baseUrl: sandbox.origin, refundEndpoint: `${sandbox.origin}/ams/api/v2/payments/refund`, antomKeys: [{ keyVersion: 1 }] },
    });
    expect(JSON.parse(readFileSync(path.join(dataDir, 'config.json'), 'utf8')).antom.baseUrl).toBe(sandbox.origin);
    const t = await call('testAntomConnection', {});
    expect(t).toMatchObject({ ok: true, value: { reachable: true, lookupOk: true, path: `${sandbox.origin}/ams/api/v2/payments/inquiryPayment` } });
    const view = await call('getAntomConfig', {});
    expect(view).toMatchObject({ ok: true, value: { lastVerifiedBy: { keyVersion: 1, path: '/ams/api/v2/payments/inquiryPayment' } } });
  });

  it('adds the next Antom key before a rotation, verifies with it after, and never removes the last key', async () => {
    const next = generateDemoKeyPair();
    const added = await call('addAntomPublicKey', { keyVersion: 2, pem: next.publicKeyPem });
    expect(added).toMatchObject({ ok: true, value: { antomKeys: [{ keyVersion: 1 }, { keyVersion: 2 }] } });
    expect(await call('addAntomPublicKey', { keyVersion: 2, pem: generateDemoKeyPair().publicKeyPem })).toMatchObject({
      ok: false,
      error: { code: 'CONFIG_INVALID' },
    });
    expect(await call('addAntomPublicKey', { keyVersion: 3, pem: merchant.privateKeyPem })).toMatchObject({ ok: false, error: { code: 'CONFIG_INVALID' } });

    sandbox.rotateGatewayKey(next.privateKeyPem, 2);
    expect(await call('testAntomConnection', {})).toMatchObject({ ok: true, value: { reachable: true, signatureValid: true } });
    const view = await call('getAntomConfig', {});
    if (!view.ok) throw new Error('view failed');
    const v2 = view.value.antomKeys.find((k) => k.keyVersion === 2);
    expect(view.value.lastVerifiedBy).toMatchObject({ keyVersion: 2, fingerprint: v2?.fingerprint });

    const v1 = view.value.antomKeys.find((k) => k.keyVersion === 1);
    const removed = await call('removeAntomPublicKey', { fingerprint: v1?.fingerprint ?? '' });
    expect(removed).toMatchObject({ ok: true, value: { antomKeys: [{ keyVersion: 2 }] } });
    expect(await call('removeAntomPublicKey', { fingerprint: v2?.fingerprint ?? '' })).toMatchObject({ ok: false, error: { code: 'CONFIG_INVALID' } });
    expect(await call('testAntomConnection', {})).toMatchObject({ ok: true, value: { reachable: true } });
  });

  it('a lookup Antom refuses for its parameters reaches the counter as LOOKUP_MISCONFIGURED, not UNAVAILABLE', async () => {
    const strict = await startAntomSandbox({
      clientId: 'SHOP-TEST-1',
      merchantPublicKeyPem: merchant.publicKeyPem,
      seed: 'demo',
      inquiryPaymentKey: 'paymentRequestId',
    });
    try {
      await call('setAntomConfig', {
        baseUrl: strict.origin,
        clientId: 'SHOP-TEST-1',
        keyVersion: 1,
        antomPublicKeyPem: strict.gatewayPublicKeyPem,
        inquiryPaymentKey: 'paymentId',
      });
      const t = await call('testAntomConnection', {});
      expect(t).toMatchObject({ ok: true, value: { reachable: true, lookupOk: false } });
      await app.core.ledger.users.add({ name: 'mia', role: 'manager', pin: '246813' }, 'test');
      expect(await call('signIn', { userName: 'mia', pin: '246813' })).toMatchObject({ ok: true });
      const looked = await call('lookupPayment', { paymentId: 'DEMO-SGD-ALIPAY-0001' });
      expect(looked).toMatchObject({ ok: false, error: { code: 'LOOKUP_MISCONFIGURED' } });
      if (!looked.ok) expect(looked.error.message).toMatch(/technician/);
      expect(await call('signIn', { userName: 'tom', pin: '135792' })).toMatchObject({ ok: true });
      // The technician switches the key the endpoint expects; the view says which one is in use.
      const fixed = await call('setAntomConfig', { baseUrl: strict.origin, clientId: 'SHOP-TEST-1', keyVersion: 1, inquiryPaymentKey: 'both' });
      expect(fixed).toMatchObject({ ok: true, value: { inquiryPaymentKey: 'both' } });
      expect(await call('testAntomConnection', {})).toMatchObject({ ok: true, value: { reachable: true, lookupOk: true } });
    } finally {
      await strict.stop();
    }
  });

  it('a wrong Antom public key makes the connection test fail (answers are not trusted)', async () => {
    const other = generateDemoKeyPair();
    await call('setAntomConfig', { baseUrl: sandbox.baseUrl, clientId: 'SHOP-TEST-1', keyVersion: 1, antomPublicKeyPem: other.publicKeyPem });
    expect(await call('testAntomConnection', {})).toMatchObject({ ok: true, value: { reachable: false } });
  });
});

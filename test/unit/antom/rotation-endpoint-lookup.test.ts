/**
 * #18 items 2-4 on the client side, against the real sandbox over HTTP:
 * Antom key rotation (keys chosen by the answer's keyVersion), the base URL
 * rule (domain only; the old "…/ams/api" form migrated; anything else
 * refused) and the configurable payment lookup key that reports a parameter
 * error as a set-up problem rather than an outage.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { AntomClientConfig, type AntomClientConfigInput } from '../../../main/antom/config';
import { createAntomGateway } from '../../../main/antom/gateway';
import { DEMO_PAYMENTS, generateDemoKeyPair, type AntomSandbox } from '../../../main/sandbox';
import { ANTOM_REGIONS, parseAntomBaseUrl } from '../../../preload/contract/antom-endpoint';
import { CLIENT_ID, newRefundId, startTestSandbox, testKeys } from './helpers';

const sandboxes: AntomSandbox[] = [];
async function sandboxWith(extra: Parameters<typeof startTestSandbox>[0] = {}): Promise<AntomSandbox> {
  const s = await startTestSandbox(extra);
  sandboxes.push(s);
  return s;
}
afterEach(async () => {
  while (sandboxes.length) await sandboxes.pop()?.stop();
});

function gateway(sandbox: AntomSandbox, cfg: Partial<AntomClientConfigInput>) {
  return createAntomGateway(
    AntomClientConfig.parse({ baseUrl: sandbox.origin, clientId: CLIENT_ID, merchantPrivateKeyPem: testKeys().merchant.privateKeyPem, ...cfg }),
    { sleep: async () => undefined, retry: { maxAttempts: 1, baseDelayMs: 0 }, inquiry: { resolveUnknownAfterRetries: false } },
  );
}

function refundOf(paymentId: string) {
  return { refundRequestId: newRefundId('ROT'), paymentId, originalMerchantRefundId: 'POS-ROT', refundAmount: { value: 100, currency: 'SGD' } };
}

describe('Antom key rotation', () => {
  it('before and after Antom switches keys, answers verify with the key their keyVersion names', async () => {
    const sandbox = await sandboxWith({ gatewayKeyVersion: 1 });
    const next = generateDemoKeyPair();
    const gw = gateway(sandbox, {
      antomPublicKeys: [
        { keyVersion: 1, pem: testKeys().gateway.publicKeyPem },
        { keyVersion: 2, pem: next.publicKeyPem },
      ],
    });
    expect((await gw.refund(refundOf(DEMO_PAYMENTS.SGD_ALIPAY.paymentId))).status).toBe('SUCCESS');
    expect(gw.lastVerification()).toMatchObject({ keyVersion: 1, namedVersion: 1 });

    sandbox.rotateGatewayKey(next.privateKeyPem, 2);
    expect((await gw.refund(refundOf(DEMO_PAYMENTS.SGD_ALIPAY.paymentId))).status).toBe('SUCCESS');
    expect(gw.lastVerification()).toMatchObject({ keyVersion: 2, namedVersion: 2, path: '/ams/api/v2/payments/refund' });
  });

  it('a key version nobody configured is BAD_SIGNATURE with a sentence saying which key to add', async () => {
    const sandbox = await sandboxWith();
    const gw = gateway(sandbox, { antomPublicKeys: [{ keyVersion: 1, pem: testKeys().gateway.publicKeyPem }] });
    sandbox.rotateGatewayKey(generateDemoKeyPair().privateKeyPem, 3);
    const out = await gw.refund(refundOf(DEMO_PAYMENTS.SGD_ALIPAY.paymentId));
    expect(out).toMatchObject({ status: 'PENDING', resultCode: 'BAD_SIGNATURE' });
    expect(out.resultMessage).toMatch(/key version 3/);
  });

  it('the version-1 key does not verify an answer that names version 2 (no silent fallback to any key)', async () => {
    const sandbox = await sandboxWith();
    const other = generateDemoKeyPair();
    // Version 2 is configured but holds the wrong key; version 1 holds the key that really signed.
    const gw = gateway(sandbox, {
      antomPublicKeys: [
        { keyVersion: 1, pem: testKeys().gateway.publicKeyPem },
        { keyVersion: 2, pem: other.publicKeyPem },
      ],
    });
    sandbox.rotateGatewayKey(testKeys().gateway.privateKeyPem, 2);
    expect((await gw.refund(refundOf(DEMO_PAYMENTS.SGD_ALIPAY.paymentId))).resultCode).toBe('BAD_SIGNATURE');
  });

  it('with no keyVersion in the answer, each configured key is tried', async () => {
    const sandbox = await sandboxWith({ gatewayKeyVersion: null });
    const gw = gateway(sandbox, {
      antomPublicKeys: [
        { keyVersion: 5, pem: generateDemoKeyPair().publicKeyPem },
        { keyVersion: 6, pem: testKeys().gateway.publicKeyPem },
      ],
    });
    expect((await gw.refund(refundOf(DEMO_PAYMENTS.SGD_ALIPAY.paymentId))).status).toBe('SUCCESS');
    expect(gw.lastVerification()).toMatchObject({ keyVersion: 6, namedVersion: null });
  });

  it('refuses two keys with the same version', () => {
    const pem = testKeys().gateway.publicKeyPem;
    const r = AntomClientConfig.safeParse({
      baseUrl: 'https://open-sea-global.alipay.com',
      clientId: 'C1',
      merchantPrivateKeyPem: testKeys().merchant.privateKeyPem,
      antomPublicKeys: [
        { keyVersion: 1, pem },
        { keyVersion: 1, pem: generateDemoKeyPair().publicKeyPem },
      ],
    });
    expect(r.success).toBe(false);
  });
});

describe('base URL that cannot be wrong', () => {
  it('domain only is the form; the old …/ams/api suffix is dropped; other paths, http to a real host, credentials are refused', () => {
    expect(parseAntomBaseUrl('https://open-sea-global.alipay.com')).toMatchObject({
      ok: true,
      value: { origin: 'https://open-sea-global.alipay.com', region: 'sea', droppedPrefix: null },
    });
    expect(parseAntomBaseUrl('https://open-na-global.alipay.com/ams/api/')).toMatchObject({
      ok: true,
      value: { origin: 'https://open-na-global.alipay.com', region: 'na', droppedPrefix: '/ams/api' },
    });
    expect(parseAntomBaseUrl('http://127.0.0.1:4790/ams/sandbox/api')).toMatchObject({ ok: true, value: { origin: 'http://127.0.0.1:4790', region: null } });
    for (const bad of [
      'https://open-sea-global.alipay.com/v2',
      'https://open-sea-global.alipay.com/ams',
      'http://open-sea-global.alipay.com',
      'https://open-sea-global',
      'https://u:p@open-sea-global.alipay.com',
      'https://open-sea-global.alipay.com?x=1',
      'ftp://open-sea-global.alipay.com',
      'open-sea-global.alipay.com',
    ]) {
      expect(parseAntomBaseUrl(bad).ok, bad).toBe(false);
    }
    expect(ANTOM_REGIONS.map((r) => r.domain)).toEqual([
      'https://open-sea-global.alipay.com',
      'https://open-na-global.alipay.com',
      'https://open-de-global.alipay.com',
    ]);
  });

  it('the old form and the domain form send to the same path; a SANDBOX_ id goes to /ams/sandbox/api', async () => {
    const sandbox = await sandboxWith();
    const key = { antomPublicKeyPem: testKeys().gateway.publicKeyPem };
    const legacy = gateway(sandbox, { ...key, baseUrl: sandbox.baseUrl });
    const modern = gateway(sandbox, { ...key, baseUrl: sandbox.origin });
    expect(legacy.endpoint('refund')).toBe(`${sandbox.origin}/ams/api/v2/payments/refund`);
    expect(modern.endpoint('refund')).toBe(legacy.endpoint('refund'));
    expect((await legacy.inquirePayment(DEMO_PAYMENTS.SGD_ALIPAY.paymentId)).ok).toBe(true);
    expect(sandbox.requestLog().at(-1)?.path).toBe('/ams/api/v2/payments/inquiryPayment');

    const sbx = await sandboxWith({ clientId: 'SANDBOX_TEST_1' });
    const gw = gateway(sbx, { ...key, clientId: 'SANDBOX_TEST_1' });
    expect((await gw.inquirePayment(DEMO_PAYMENTS.SGD_ALIPAY.paymentId)).ok).toBe(true);
    expect(sbx.requestLog().at(-1)?.path).toBe('/ams/sandbox/api/v2/payments/inquiryPayment');
  });

  it('a base URL with another path never reaches the wire', () => {
    expect(
      AntomClientConfig.safeParse({
        baseUrl: 'https://open-sea-global.alipay.com/api',
        clientId: 'C1',
        merchantPrivateKeyPem: testKeys().merchant.privateKeyPem,
        antomPublicKeyPem: testKeys().gateway.publicKeyPem,
      }).success,
    ).toBe(false);
  });
});

describe('payment lookup key', () => {
  const key = { antomPublicKeyPem: testKeys().gateway.publicKeyPem };

  it('a lookup Antom refuses for its parameters says "set up wrongly", not "Antom is down"', async () => {
    const sandbox = await sandboxWith({ inquiryPaymentKey: 'paymentRequestId' });
    const r = await gateway(sandbox, { ...key, inquiryPaymentKey: 'paymentId' }).inquirePayment(DEMO_PAYMENTS.SGD_ALIPAY.paymentId);
    expect(r).toMatchObject({
      ok: false,
      error: { code: 'LOOKUP_MISCONFIGURED', details: { resultCode: 'PARAM_ILLEGAL', rejection: 'parameters', inquiryKey: 'paymentId' } },
    });
    if (!r.ok) {
      expect(r.error.message).toMatch(/set up wrongly.*technician/i);
      expect(r.error.message).not.toMatch(/right now|could not be reached/);
    }
  });

  it('sends the configured key: paymentRequestId alone, or both', async () => {
    const sandbox = await sandboxWith({ inquiryPaymentKey: 'paymentRequestId' });
    const pr = `PR-${DEMO_PAYMENTS.SGD_ALIPAY.paymentId}`;
    const byRequestId = await gateway(sandbox, { ...key, inquiryPaymentKey: 'paymentRequestId' }).inquirePayment(pr);
    expect(byRequestId).toMatchObject({ ok: true, value: { paymentId: DEMO_PAYMENTS.SGD_ALIPAY.paymentId } });
    const both = await gateway(sandbox, { ...key, inquiryPaymentKey: 'both' }).inquirePayment(DEMO_PAYMENTS.SGD_ALIPAY.paymentId);
    expect(both.ok).toBe(true);
  });

  it('a wrong path is reported as the address, not as the lookup key', async () => {
    const sandbox = await sandboxWith({ basePath: '/other/api' });
    const r = await gateway(sandbox, key).inquirePayment(DEMO_PAYMENTS.SGD_ALIPAY.paymentId);
    expect(r).toMatchObject({ ok: false, error: { code: 'LOOKUP_MISCONFIGURED', details: { rejection: 'path' } } });
  });
});

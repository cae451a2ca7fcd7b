/**
 * A client written the way Antom's official SDKs work (global-open-sdk):
 * ISO-8601 request-time with an offset, the SANDBOX_ path rewrite
 * (/ams/api -> /ams/sandbox/api), an absolute-form request target on a raw
 * HTTP request (what a proxy-style HTTP client sends), the signature over the
 * PATH only, amounts as digit strings, and every response signature checked
 * with the gateway's public key using the response's own client-id header.
 * None of these requests passed the sandbox before #18.
 */
import http from 'node:http';
import { createPrivateKey, createPublicKey, createSign, createVerify } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_PAYMENTS, startAntomSandbox, type AntomSandbox } from '../../../main/sandbox';
import { testKeys } from './helpers';

const CLIENT_ID = 'SANDBOX_5YSDK0000000001';

/** Python SDK's get_cur_iso8601_time: seconds precision, +00:00 offset. */
function isoNow(): string {
  return new Date().toISOString().replace(/\.\d{3}Z$/, '+00:00');
}

/** The SDK's sign(): content "POST <path>\n<client>.<time>.<body>", RSA-SHA256, base64, URL-encoded. */
function sdkSign(path: string, time: string, body: string): string {
  const signer = createSign('RSA-SHA256');
  signer.update(`POST ${path}\n${CLIENT_ID}.${time}.${body}`, 'utf8');
  return encodeURIComponent(signer.sign(createPrivateKey(testKeys().merchant.privateKeyPem), 'base64'));
}

interface SdkAnswer {
  status: number;
  json: { result: { resultStatus: string; resultCode?: string }; [k: string]: unknown };
  verified: boolean;
}

/** The SDK's execute(): adjust_sandbox_url, sign, POST to gateway_url + path, verify. */
function sdkExecute(sandbox: AntomSandbox, apiPath: string, request: Record<string, unknown>, o: { absoluteForm?: boolean } = {}): Promise<SdkAnswer> {
  const path = CLIENT_ID.startsWith('SANDBOX_') ? apiPath.replace('/ams/api', '/ams/sandbox/api') : apiPath;
  const time = isoNow();
  const body = JSON.stringify(request);
  const headers = {
    'Content-type': 'application/json; charset=UTF-8',
    'Request-Time': time,
    'client-id': CLIENT_ID,
    Signature: `algorithm=RSA256,keyVersion=1,signature=${sdkSign(path, time, body)}`,
  };
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: '127.0.0.1',
        port: sandbox.port,
        method: 'POST',
        // Absolute-form request target: the full URL on the request line.
        path: o.absoluteForm === false ? path : `${sandbox.origin}${path}`,
        headers,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          // SDK __parse_header: everything after "signature=", the response's own client-id and response-time.
          const sigHeader = String(res.headers.signature ?? '');
          const rspSignature = decodeURIComponent(sigHeader.split('signature=')[1] ?? '');
          const verifier = createVerify('RSA-SHA256');
          verifier.update(`POST ${path}\n${String(res.headers['client-id'])}.${String(res.headers['response-time'])}.${text}`, 'utf8');
          const verified = rspSignature !== '' && verifier.verify(createPublicKey(sandbox.gatewayPublicKeyPem), rspSignature, 'base64');
          resolve({ status: res.statusCode ?? 0, json: JSON.parse(text) as SdkAnswer['json'], verified });
        });
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

describe('a client written like Antom SDKs against the sandbox', () => {
  let sandbox: AntomSandbox;
  beforeAll(async () => {
    sandbox = await startAntomSandbox({
      clientId: CLIENT_ID,
      merchantPublicKeyPem: testKeys().merchant.publicKeyPem,
      gatewayPrivateKeyPem: testKeys().gateway.privateKeyPem,
      seed: 'demo',
    });
  });
  afterAll(async () => {
    await sandbox?.stop();
  });

  it('refunds with ISO request-time, absolute-form target, /ams/sandbox/api and a digit-string amount; every answer verifies', async () => {
    const paymentId = DEMO_PAYMENTS.SGD_ALIPAY.paymentId;
    const refund = await sdkExecute(sandbox, '/ams/api/v2/payments/refund', {
      refundRequestId: 'SDK-STYLE-1',
      paymentId,
      originalMerchantRefundId: 'POS-SDK-1',
      refundAmount: { currency: 'SGD', value: '1000' },
      refundReason: 'sdk style',
    });
    expect(refund).toMatchObject({
      status: 200,
      verified: true,
      json: { refundRequestId: 'SDK-STYLE-1', result: { resultStatus: 'S', resultCode: 'SUCCESS' } },
    });
    expect(sandbox.refunds().find((r) => r.refundRequestId === 'SDK-STYLE-1')).toMatchObject({ amount: { value: 1000, currency: 'SGD' } });
    expect(sandbox.requestLog().at(-1)?.path).toBe('/ams/sandbox/api/v2/payments/refund');

    const inquiry = await sdkExecute(sandbox, '/ams/api/v2/payments/inquiryRefund', { refundId: refund.json.refundId });
    expect(inquiry).toMatchObject({ status: 200, verified: true, json: { refundStatus: 'SUCCESS' } });
    const payment = await sdkExecute(sandbox, '/ams/api/v2/payments/inquiryPayment', { paymentId }, { absoluteForm: false });
    expect(payment).toMatchObject({ status: 200, verified: true, json: { paymentId, result: { resultStatus: 'S' } } });
  });

  it('a refund of the whole balance as an integer or a string amount is the same request', async () => {
    const paymentId = DEMO_PAYMENTS.JPY_ALIPAYHK.paymentId;
    const body = { refundRequestId: 'SDK-STYLE-JPY', paymentId, originalMerchantRefundId: 'POS-SDK-2', refundAmount: { currency: 'JPY', value: '4800' } };
    const first = await sdkExecute(sandbox, '/ams/api/v2/payments/refund', body);
    // Same id, same amount as an integer: idempotent, not REPEAT_REQ_INCONSISTENT.
    const again = await sdkExecute(sandbox, '/ams/api/v2/payments/refund', { ...body, refundAmount: { currency: 'JPY', value: 4800 } });
    expect(first.json.result.resultCode).toBe('SUCCESS');
    expect(again).toMatchObject({ verified: true, json: { refundId: first.json.refundId, result: { resultCode: 'SUCCESS' } } });
  });

  it('a refused request is HTTP 200 with a signed result, never a bare 401/404', async () => {
    const wrongPath = await sdkExecute(sandbox, '/ams/api/v2/payments/refundd', {});
    expect(wrongPath).toMatchObject({ status: 200, verified: true, json: { result: { resultStatus: 'F', resultCode: 'DPOS_REFUND_NO_INTERFACE_DEF' } } });
    const other = await startAntomSandbox({
      clientId: CLIENT_ID,
      merchantPublicKeyPem: testKeys().gateway.publicKeyPem,
      gatewayPrivateKeyPem: testKeys().gateway.privateKeyPem,
    });
    try {
      // Signed with a key this sandbox does not hold for the client id.
      const denied = await sdkExecute(other, '/ams/api/v2/payments/inquiryPayment', { paymentId: 'X' });
      expect(denied).toMatchObject({ status: 200, verified: true, json: { result: { resultStatus: 'F', resultCode: 'DPOS_PAYMENT_ACCESS_DENIED' } } });
    } finally {
      await other.stop();
    }
  });

  it('/ams/sandbox/api is only for SANDBOX_ client ids', async () => {
    const live = await startAntomSandbox({
      clientId: 'LIVE_CLIENT_1',
      merchantPublicKeyPem: testKeys().merchant.publicKeyPem,
      gatewayPrivateKeyPem: testKeys().gateway.privateKeyPem,
    });
    try {
      const res = await fetch(`${live.origin}/ams/sandbox/api/v2/payments/inquiryPayment`, {
        method: 'POST',
        headers: { 'client-id': 'LIVE_CLIENT_1' },
        body: '{}',
      });
      expect(res.status).toBe(200);
      expect(((await res.json()) as SdkAnswer['json']).result.resultCode).toBe('DPOS_REFUND_NO_INTERFACE_DEF');
    } finally {
      await live.stop();
    }
  });
});

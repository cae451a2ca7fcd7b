/** Sandbox business rules and authentication, over raw signed HTTP. */
import { mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CURRENCY_EXPONENTS } from '../../../preload/contract/money';
import { importPrivateKey, importPublicKey, signatureHeaderFor, verifySignatureHeader } from '../../../main/antom/signing';
import { API_PATHS, type AntomApi } from '../../../main/antom/wire';
import { ensureDemoCredentials } from '../../../main/sandbox/keys';
import { DEMO_PAYMENTS, demoPayments, type SandboxPayment } from '../../../main/sandbox/seed';
import type { AntomSandbox } from '../../../main/sandbox/server';
import { CLIENT_ID, newRefundId, startTestSandbox, testKeys } from './helpers';

let sandbox: AntomSandbox;
let offset = 0;
const T0 = Date.UTC(2026, 10, 25, 12, 0, 0);
const clock = () => T0 + offset;

beforeEach(async () => {
  offset = 0;
  sandbox = await startTestSandbox({ clock, asyncSettleMs: 1_000, adminToken: 'admin-secret' });
});
afterEach(async () => {
  await sandbox.stop();
});

interface RawOpts {
  clientId?: string;
  keyVersion?: number;
  signature?: 'good' | 'wrong-key' | 'missing' | 'tampered';
  path?: string;
}

async function raw(api: AntomApi, body: unknown, o: RawOpts = {}) {
  const keys = testKeys();
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  const url = `${sandbox.baseUrl}${o.path ?? API_PATHS[api]}`;
  const uriPath = new URL(url).pathname;
  const time = String(clock());
  const clientId = o.clientId ?? CLIENT_ID;
  const pem = o.signature === 'wrong-key' ? keys.gateway.privateKeyPem : keys.merchant.privateKeyPem;
  const k = importPrivateKey(pem);
  if (!k.ok) throw new Error('key');
  const headers: Record<string, string> = { 'content-type': 'application/json', 'client-id': clientId, 'request-time': time };
  if (o.signature !== 'missing') {
    headers.signature = signatureHeaderFor(
      { method: 'POST', uriPath, clientId, time, body: o.signature === 'tampered' ? `${text} ` : text, keyVersion: o.keyVersion ?? 1 },
      k.value,
    );
  }
  const res = await fetch(url, { method: 'POST', headers, body: text });
  const resText = await res.text();
  const pub = importPublicKey(sandbox.gatewayPublicKeyPem);
  if (!pub.ok) throw new Error('pub');
  const verified = verifySignatureHeader(
    res.headers.get('signature'),
    { method: 'POST', uriPath, clientId: CLIENT_ID, time: res.headers.get('response-time') ?? '', body: resText },
    pub.value,
  );
  return {
    status: res.status,
    verified,
    json: JSON.parse(resText) as { result: { resultStatus: string; resultCode: string; resultMessage?: string }; [k: string]: unknown },
  };
}

function refundBody(paymentId: string, extra: Record<string, unknown> = {}) {
  return { refundRequestId: newRefundId('S'), paymentId, originalMerchantRefundId: 'POS-REF-1', ...extra };
}
const code = (r: { json: { result: { resultCode: string } } }) => r.json.result.resultCode;

describe('authentication (signed error answers)', () => {
  it('answers are signed with the gateway key', async () => {
    const r = await raw('refund', refundBody(DEMO_PAYMENTS.SGD_ALIPAY.paymentId));
    expect(r).toMatchObject({ status: 200, verified: 'OK', json: { result: { resultStatus: 'S', resultCode: 'SUCCESS' } } });
  });
  it('missing, wrong-key or tampered signature: HTTP 200, signed F DPOS_PAYMENT_ACCESS_DENIED, nothing processed', async () => {
    for (const signature of ['missing', 'wrong-key', 'tampered'] as const) {
      const r = await raw('refund', refundBody(DEMO_PAYMENTS.SGD_ALIPAY.paymentId), { signature });
      // Antom reports outcomes in the signed `result`, not in the HTTP status.
      expect(r.status).toBe(200);
      expect(r.verified).toBe('OK');
      expect(r.json.result).toMatchObject({ resultStatus: 'F', resultCode: 'DPOS_PAYMENT_ACCESS_DENIED' });
    }
    expect(sandbox.refunds().filter((x) => x.paymentId === DEMO_PAYMENTS.SGD_ALIPAY.paymentId)).toHaveLength(0);
  });
  it('unknown client-id or key version: DPOS_REFUND_KEY_NOT_FOUND', async () => {
    expect(code(await raw('refund', refundBody('X'), { clientId: 'SOMEONE_ELSE' }))).toBe('DPOS_REFUND_KEY_NOT_FOUND');
    expect(code(await raw('refund', refundBody('X'), { keyVersion: 7 }))).toBe('DPOS_REFUND_KEY_NOT_FOUND');
  });
  it('unknown API path: HTTP 200, signed F DPOS_REFUND_NO_INTERFACE_DEF', async () => {
    const r = await raw('refund', {}, { path: '/v2/payments/refundd' });
    expect(r.status).toBe(200);
    expect(r.verified).toBe('OK');
    expect(code(r)).toBe('DPOS_REFUND_NO_INTERFACE_DEF');
  });
});

describe('refund business rules', () => {
  it('originalMerchantRefundId is required', async () => {
    const r = await raw('refund', { refundRequestId: 'S-NO-ORIG', paymentId: DEMO_PAYMENTS.SGD_ALIPAY.paymentId });
    expect(r.json.result).toMatchObject({ resultStatus: 'F', resultCode: 'DPOS_REFUND_PROCESS_FAIL' });
    expect(r.json.result.resultMessage).toMatch(/originalMerchantRefundId is required/);
  });

  it('idempotent by refundRequestId: same request -> same answer, one refund', async () => {
    const body = refundBody(DEMO_PAYMENTS.SGD_ALIPAY.paymentId, { refundAmount: { value: 1_000, currency: 'SGD' } });
    const a = await raw('refund', body);
    const b = await raw('refund', body);
    expect(code(a)).toBe('SUCCESS');
    expect(b.json.refundId).toBe(a.json.refundId);
    expect(sandbox.refunds().filter((r) => r.refundRequestId === body.refundRequestId)).toHaveLength(1);
    expect(sandbox.payments().find((p) => p.paymentId === body.paymentId)?.refunded).toBe(1_000);
  });

  it('same refundRequestId with different content -> DPOS_PAYMENT_REPEAT_REQ_INCONSISTENT', async () => {
    const body = refundBody(DEMO_PAYMENTS.SGD_ALIPAY.paymentId, { refundAmount: { value: 1_000, currency: 'SGD' } });
    await raw('refund', body);
    expect(code(await raw('refund', { ...body, refundAmount: { value: 1_001, currency: 'SGD' } }))).toBe('DPOS_PAYMENT_REPEAT_REQ_INCONSISTENT');
    expect(code(await raw('refund', { ...body, memo: 'changed' }))).toBe('DPOS_PAYMENT_REPEAT_REQ_INCONSISTENT');
  });

  it('refundable balance: partly refunded payment has 60.00 left', async () => {
    const id = DEMO_PAYMENTS.SGD_PARTLY_REFUNDED.paymentId;
    expect(code(await raw('refund', refundBody(id, { refundAmount: { value: 6_001, currency: 'SGD' } })))).toBe('DPOS_REFUND_REFUND_AMOUNT_EXCEED');
    expect(code(await raw('refund', refundBody(id, { refundAmount: { value: 6_000, currency: 'SGD' } })))).toBe('SUCCESS');
    expect(code(await raw('refund', refundBody(id, { refundAmount: { value: 1, currency: 'SGD' } })))).toBe('DPOS_REFUND_REFUND_AMOUNT_EXCEED');
    expect(code(await raw('refund', refundBody(id)))).toBe('DPOS_REFUND_REFUND_AMOUNT_EXCEED');
  });

  it('a full refund refunds what is left; a second full refund exceeds', async () => {
    const id = DEMO_PAYMENTS.SGD_ALIPAY.paymentId;
    await raw('refund', refundBody(id, { refundAmount: { value: 550, currency: 'SGD' } }));
    const full = await raw('refund', refundBody(id));
    expect(full.json).toMatchObject({ result: { resultCode: 'SUCCESS' }, refundAmount: { value: 12_000, currency: 'SGD' } });
    expect(code(await raw('refund', refundBody(id)))).toBe('DPOS_REFUND_REFUND_AMOUNT_EXCEED');
    expect(code(await raw('refund', refundBody(id, { refundAmount: { value: 0, currency: 'SGD' } })))).toBe('DPOS_REFUND_REFUND_AMOUNT_EXCEED');
  });

  it('full-only method: partial refused, full accepted', async () => {
    const id = DEMO_PAYMENTS.SGD_FULL_ONLY.paymentId;
    expect(code(await raw('refund', refundBody(id, { refundAmount: { value: 100, currency: 'SGD' } })))).toBe('DPOS_REFUND_PARTIAL_REFUND_NOT_SUPPORTED');
    expect(code(await raw('refund', refundBody(id)))).toBe('SUCCESS');
  });

  it('refund windows: 365 days for Alipay+ wallets, 180 for Express Banktransfer', async () => {
    expect(code(await raw('refund', refundBody(DEMO_PAYMENTS.SGD_WINDOW_EXPIRED.paymentId)))).toBe('DPOS_REFUND_REFUND_WINDOW_EXCEED');
    expect(code(await raw('refund', refundBody(DEMO_PAYMENTS.SGD_BANKTRANSFER_EXPIRED.paymentId)))).toBe('DPOS_REFUND_REFUND_WINDOW_EXCEED');
  });

  it('refund windows at the boundary (custom seed)', async () => {
    await sandbox.stop();
    const day = 86_400_000;
    const mk = (paymentId: string, method: SandboxPayment['paymentMethod'], daysAgo: number): SandboxPayment => ({
      paymentId,
      paymentRequestId: `PR-${paymentId}`,
      paymentMethod: method,
      amount: { value: 100, currency: 'SGD' },
      paidAt: new Date(T0 - daysAgo * day).toISOString(),
      status: 'SUCCESS',
      refunded: 0,
      supportsPartialRefund: true,
      refundSupported: true,
    });
    sandbox = await startTestSandbox({
      clock,
      seed: [mk('W365', 'GCASH', 365), mk('W366', 'GCASH', 366), mk('B180', 'EXPRESS_BANKTRANSFER', 180), mk('B181', 'EXPRESS_BANKTRANSFER', 181)],
    });
    expect(code(await raw('refund', refundBody('W365')))).toBe('SUCCESS');
    expect(code(await raw('refund', refundBody('W366')))).toBe('DPOS_REFUND_REFUND_WINDOW_EXCEED');
    expect(code(await raw('refund', refundBody('B180')))).toBe('DPOS_REFUND_REFUND_IN_PROCESS');
    expect(code(await raw('refund', refundBody('B181')))).toBe('DPOS_REFUND_REFUND_WINDOW_EXCEED');
  });

  it('closed, cancelled, missing, unfinished and non-refundable payments', async () => {
    expect(code(await raw('refund', refundBody(DEMO_PAYMENTS.SGD_CLOSED.paymentId)))).toBe('DPOS_PAYMENT_ORDER_IS_CLOSED');
    expect(code(await raw('refund', refundBody(DEMO_PAYMENTS.SGD_CANCELLED.paymentId)))).toBe('DPOS_PAYMENT_ORDER_IS_CANCELED');
    expect(code(await raw('refund', refundBody('NO-SUCH-PAYMENT')))).toBe('DPOS_PAYMENT_ORDER_NOT_EXIST');
    expect(code(await raw('refund', refundBody(DEMO_PAYMENTS.SGD_PROCESSING.paymentId)))).toBe('DPOS_PAYMENT_ORDER_STATUS_INVALID');
    expect(code(await raw('refund', refundBody(DEMO_PAYMENTS.HKD_NOT_REFUNDABLE.paymentId)))).toBe('DPOS_REFUND_PAYMENT_METHOD_NOT_SUPPORTED');
  });

  it('currency must match the payment', async () => {
    expect(code(await raw('refund', refundBody(DEMO_PAYMENTS.JPY_ALIPAYHK.paymentId, { refundAmount: { value: 100, currency: 'SGD' } })))).toBe(
      'DPOS_PAYMENT_CURRENCY_NOT_SUPPORT',
    );
  });

  it('async: IN_PROCESS, one refund in process per payment, settles after asyncSettleMs', async () => {
    const id = DEMO_PAYMENTS.SGD_ASYNC_BANKTRANSFER.paymentId;
    const first = refundBody(id, { refundAmount: { value: 5_000, currency: 'SGD' } });
    const a = await raw('refund', first);
    expect(a.json.result).toMatchObject({ resultStatus: 'U', resultCode: 'DPOS_REFUND_REFUND_IN_PROCESS' });
    const second = refundBody(id, { refundAmount: { value: 1_000, currency: 'SGD' } });
    expect(code(await raw('refund', second))).toBe('DPOS_REFUND_REFUND_IN_PROCESS');
    expect(sandbox.refunds().filter((r) => r.paymentId === id)).toHaveLength(1);
    expect((await raw('inquiryRefund', { refundRequestId: first.refundRequestId })).json).toMatchObject({ refundStatus: 'PENDING' });
    offset = 1_000;
    const settled = await raw('inquiryRefund', { refundId: a.json.refundId });
    expect(settled.json).toMatchObject({ result: { resultStatus: 'S' }, refundStatus: 'SUCCESS', refundRequestId: first.refundRequestId });
    expect(code(await raw('refund', second))).toBe('DPOS_REFUND_REFUND_IN_PROCESS');
    expect(sandbox.refunds().filter((r) => r.paymentId === id)).toHaveLength(2);
    // The repeat of the first request now reports its final state, same refundId.
    expect((await raw('refund', first)).json).toMatchObject({ refundId: a.json.refundId, result: { resultCode: 'SUCCESS' } });
  });

  it('inquiryRefund of an unknown refund: F DPOS_PAYMENT_ORDER_NOT_EXIST', async () => {
    expect((await raw('inquiryRefund', { refundRequestId: 'NOPE' })).json.result).toMatchObject({
      resultStatus: 'F',
      resultCode: 'DPOS_PAYMENT_ORDER_NOT_EXIST',
    });
  });

  it('inquiryPayment by paymentId or paymentRequestId; closed shows as FAIL', async () => {
    const p = DEMO_PAYMENTS.JPY_ALIPAYHK.paymentId;
    expect((await raw('inquiryPayment', { paymentId: p })).json).toMatchObject({
      paymentStatus: 'SUCCESS',
      paymentAmount: { value: 4_800, currency: 'JPY' },
      paymentMethod: 'ALIPAY_HK',
    });
    expect((await raw('inquiryPayment', { paymentRequestId: `PR-${p}` })).json).toMatchObject({ paymentId: p });
    expect((await raw('inquiryPayment', { paymentId: DEMO_PAYMENTS.SGD_CLOSED.paymentId })).json).toMatchObject({ paymentStatus: 'FAIL' });
    expect((await raw('inquiryPayment', { paymentId: DEMO_PAYMENTS.SGD_CANCELLED.paymentId })).json).toMatchObject({ paymentStatus: 'CANCELLED' });
  });
});

describe('faults and admin endpoint', () => {
  it('drop-after-processing really processed the refund', async () => {
    sandbox.faults.once({ kind: 'drop-after-processing' });
    const body = refundBody(DEMO_PAYMENTS.SGD_ALIPAY.paymentId);
    await expect(raw('refund', body)).rejects.toThrow();
    expect(sandbox.refunds().filter((r) => r.refundRequestId === body.refundRequestId)).toHaveLength(1);
  });

  it('faults can be scoped to a paymentId and counted', async () => {
    sandbox.faults.add({
      kind: 'force-result',
      times: 2,
      paymentId: DEMO_PAYMENTS.KWD_ALIPAY.paymentId,
      result: { resultStatus: 'F', resultCode: 'DPOS_PAYMENT_RISK_REJECT' },
    });
    expect(code(await raw('refund', refundBody(DEMO_PAYMENTS.JPY_ALIPAYHK.paymentId)))).toBe('SUCCESS');
    expect(code(await raw('refund', refundBody(DEMO_PAYMENTS.KWD_ALIPAY.paymentId)))).toBe('DPOS_PAYMENT_RISK_REJECT');
    expect(code(await raw('refund', refundBody(DEMO_PAYMENTS.KWD_ALIPAY.paymentId)))).toBe('DPOS_PAYMENT_RISK_REJECT');
    expect(code(await raw('refund', refundBody(DEMO_PAYMENTS.KWD_ALIPAY.paymentId)))).toBe('SUCCESS');
    expect(sandbox.faults.list()).toHaveLength(0);
  });

  it('POST /__sandbox/faults needs the admin token', async () => {
    const url = sandbox.baseUrl.replace(/\/ams\/api$/, '/__sandbox/faults');
    const add = { action: 'add', fault: { kind: 'force-result', result: { resultStatus: 'U', resultCode: 'DPOS_REFUND_UNKNOWN_EXCEPTION' } } };
    expect((await fetch(url, { method: 'POST', body: JSON.stringify(add) })).status).toBe(403);
    expect((await fetch(url, { method: 'POST', headers: { 'x-sandbox-admin-token': 'wrong-secret' }, body: JSON.stringify(add) })).status).toBe(403);
    expect(
      (await fetch(url, { method: 'POST', headers: { 'x-sandbox-admin-token': 'admin-secret' }, body: '{"action":"add","fault":{"kind":"nope"}}' })).status,
    ).toBe(400);
    const ok = await fetch(url, { method: 'POST', headers: { 'x-sandbox-admin-token': 'admin-secret' }, body: JSON.stringify(add) });
    expect(ok.status).toBe(200);
    expect(code(await raw('refund', refundBody(DEMO_PAYMENTS.SGD_ALIPAY.paymentId)))).toBe('DPOS_REFUND_UNKNOWN_EXCEPTION');
    const state = await fetch(url.replace('/faults', '/state'), { method: 'POST', headers: { 'x-sandbox-admin-token': 'admin-secret' } });
    expect(((await state.json()) as { payments: unknown[] }).payments.length).toBe(Object.keys(DEMO_PAYMENTS).length);
  });

  it('the admin endpoint does not exist without adminToken', async () => {
    await sandbox.stop();
    sandbox = await startTestSandbox({ clock });
    const url = sandbox.baseUrl.replace(/\/ams\/api$/, '/__sandbox/faults');
    expect((await fetch(url, { method: 'POST', headers: { 'x-sandbox-admin-token': 'admin-secret' }, body: '{"action":"clear"}' })).status).toBe(404);
  });
});

describe('demo seed and credentials', () => {
  it('has fixed ids, three currencies with exponents 0, 2, 3, and paidAt relative to now', () => {
    const list = demoPayments(T0);
    expect(new Set(list.map((p) => p.paymentId)).size).toBe(list.length);
    const exps = new Set(list.map((p) => CURRENCY_EXPONENTS[p.amount.currency]));
    expect([...exps]).toEqual(expect.arrayContaining([0, 2, 3]));
    expect(demoPayments(T0 + 1_000).map((p) => p.paymentId)).toEqual(list.map((p) => p.paymentId));
    const expired = list.find((p) => p.paymentId === DEMO_PAYMENTS.SGD_WINDOW_EXPIRED.paymentId);
    expect(T0 - Date.parse(expired?.paidAt ?? '')).toBe(400 * 86_400_000);
  });

  it('ensureDemoCredentials writes 0600 key files once and reuses them', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'antom-demo-'));
    const a = ensureDemoCredentials(dir);
    const b = ensureDemoCredentials(dir);
    expect(b.merchant.privateKeyPem).toBe(a.merchant.privateKeyPem);
    for (const f of [a.merchantPrivateKeyFile, a.merchantPublicKeyFile, a.gatewayPrivateKeyFile, a.gatewayPublicKeyFile]) {
      expect(statSync(f).mode & 0o777).toBe(0o600);
    }
    expect(importPrivateKey(a.merchant.privateKeyPem).ok).toBe(true);
  });
});

/**
 * The gateway client against the real sandbox over HTTP, with each fault.
 * Retries use an instant fake sleep; no assertion depends on timing.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DEMO_PAYMENTS } from '../../../main/sandbox/seed';
import type { AntomSandbox } from '../../../main/sandbox/server';
import { pollUntilSettled } from '../../../main/antom/poll';
import { gatewayFor, newRefundId, startTestSandbox, testKeys } from './helpers';

const SGD = DEMO_PAYMENTS.SGD_ALIPAY.paymentId;
let sandbox: AntomSandbox;
let settleNow = 0;
let now = Date.now();

beforeEach(async () => {
  now = Date.now();
  sandbox = await startTestSandbox({ clock: () => now + settleNow, asyncSettleMs: 60_000 });
  settleNow = 0;
});
afterEach(async () => {
  await sandbox.stop();
});

function req(paymentId: string = SGD, extra: Record<string, unknown> = {}) {
  return { refundRequestId: newRefundId(), paymentId, originalMerchantRefundId: `POS-${newRefundId()}`, ...extra };
}
const refundsFor = (id: string) => sandbox.refunds().filter((r) => r.refundRequestId === id);
const attemptsFor = (id: string) => sandbox.requestLog().filter((e) => e.api === 'refund' && e.refundRequestId === id).length;

describe('gateway.refund happy paths', () => {
  it('full refund succeeds with refundId and amount', async () => {
    const { gateway } = gatewayFor(sandbox);
    const r = req();
    const out = await gateway.refund(r);
    expect(out).toMatchObject({ status: 'SUCCESS', resultCode: 'SUCCESS', nextAction: 'NONE', refundAmount: { value: 12_550, currency: 'SGD' } });
    expect(out.refundId).toBe(refundsFor(r.refundRequestId)[0]?.refundId);
  });

  it('partial refunds in JPY and KWD keep integer minor units', async () => {
    const { gateway } = gatewayFor(sandbox);
    const jpy = await gateway.refund(req(DEMO_PAYMENTS.JPY_ALIPAYHK.paymentId, { refundAmount: { value: 800, currency: 'JPY' } }));
    const kwd = await gateway.refund(req(DEMO_PAYMENTS.KWD_ALIPAY.paymentId, { refundAmount: { value: 1_005, currency: 'KWD' } }));
    expect(jpy).toMatchObject({ status: 'SUCCESS', refundAmount: { value: 800, currency: 'JPY' } });
    expect(kwd).toMatchObject({ status: 'SUCCESS', refundAmount: { value: 1_005, currency: 'KWD' } });
  });

  it('invalid input is rejected before anything is sent', async () => {
    const { gateway } = gatewayFor(sandbox);
    const out = await gateway.refund({ refundRequestId: 'R-1', paymentId: SGD, originalMerchantRefundId: '' });
    expect(out).toMatchObject({ status: 'FAILED', resultCode: 'INVALID_REQUEST', nextAction: 'FIX_INPUT', retrySameRequestId: false });
    expect(out.cashierMessage).toMatch(/Nothing was sent to Antom/);
    expect(sandbox.requestLog()).toHaveLength(0);
  });

  it('a terminal with the wrong client id or key gets a verified, final FAILED answer (HTTP 200, signed result, as Antom answers)', async () => {
    const wrongId = gatewayFor(sandbox, { clientId: 'WRONG_CLIENT' }).gateway;
    expect(await wrongId.refund(req())).toMatchObject({ status: 'FAILED', resultCode: 'DPOS_REFUND_KEY_NOT_FOUND', nextAction: 'CALL_SUPPORT' });
    const wrongKey = gatewayFor(sandbox, { merchantPrivateKeyPem: testKeys().gateway.privateKeyPem }).gateway;
    expect(await wrongKey.refund(req())).toMatchObject({ status: 'FAILED', resultCode: 'DPOS_PAYMENT_ACCESS_DENIED' });
    expect(sandbox.refunds().filter((r) => r.paymentId === SGD)).toHaveLength(0);
  });

  it('a FAILED answer is not retried', async () => {
    const { gateway } = gatewayFor(sandbox);
    const r = req(DEMO_PAYMENTS.SGD_CLOSED.paymentId);
    const out = await gateway.refund(r);
    expect(out).toMatchObject({ status: 'FAILED', resultCode: 'DPOS_PAYMENT_ORDER_IS_CLOSED' });
    expect(attemptsFor(r.refundRequestId)).toBe(1);
  });
});

describe('gateway.refund unknown outcomes are retried with the same id and bytes', () => {
  it('latency beyond the timeout: TIMEOUT, then the retry gets the same refund', async () => {
    const { gateway } = gatewayFor(sandbox, { requestTimeoutMs: 1_000 });
    sandbox.faults.once({ kind: 'latency', latencyMs: 60_000, api: 'refund' });
    const r = req();
    const out = await gateway.refund(r);
    expect(out.status).toBe('SUCCESS');
    expect(attemptsFor(r.refundRequestId)).toBe(2);
    expect(refundsFor(r.refundRequestId)).toHaveLength(1);
  });

  it('connection dropped after processing: the retry NEVER creates a second refund', async () => {
    const { gateway, sleeps } = gatewayFor(sandbox);
    sandbox.faults.add({ kind: 'drop-after-processing', api: 'refund', times: 2 });
    const r = req();
    const out = await gateway.refund(r);
    expect(out.status).toBe('SUCCESS');
    expect(attemptsFor(r.refundRequestId)).toBe(3);
    expect(sleeps).toEqual([100, 200]);
    expect(sandbox.refunds().filter((x) => x.paymentId === SGD)).toHaveLength(1);
    const payment = sandbox.payments().find((p) => p.paymentId === SGD);
    expect(payment?.refunded).toBe(12_550);
  });

  it('all attempts dropped: PENDING/UNKNOWN resolved by inquiry to SUCCESS, still one refund', async () => {
    const { gateway } = gatewayFor(sandbox);
    sandbox.faults.always({ kind: 'drop-after-processing', api: 'refund' });
    const r = req();
    const out = await gateway.refund(r);
    expect(out).toMatchObject({ status: 'SUCCESS' });
    expect(refundsFor(r.refundRequestId)).toHaveLength(1);
  });

  it('all attempts dropped and inquiry unavailable: PENDING/UNKNOWN, retry same id advised', async () => {
    const { gateway } = gatewayFor(sandbox);
    sandbox.faults.always({ kind: 'drop-after-processing' });
    const r = req();
    const out = await gateway.refund(r);
    expect(out).toMatchObject({ status: 'PENDING', pendingKind: 'UNKNOWN', resultCode: 'NETWORK_ERROR', retrySameRequestId: true });
    expect(attemptsFor(r.refundRequestId)).toBe(3);
    // Later, with the network back, the same request settles it exactly once.
    sandbox.faults.clear();
    expect((await gateway.refund(r)).status).toBe('SUCCESS');
    expect(refundsFor(r.refundRequestId)).toHaveLength(1);
  });

  for (const [name, fault, code] of [
    ['5xx before processing', { kind: 'http-5xx', httpStatus: 502 } as const, 'HTTP_5XX'],
    ['5xx after processing', { kind: 'http-5xx', processFirst: true } as const, 'HTTP_5XX'],
    ['malformed JSON', { kind: 'malformed-json' } as const, 'MALFORMED_RESPONSE'],
    ['bad signature', { kind: 'bad-signature' } as const, 'BAD_SIGNATURE'],
    ['missing signature', { kind: 'missing-signature' } as const, 'BAD_SIGNATURE'],
    [
      'DPOS_REFUND_UNKNOWN_EXCEPTION',
      { kind: 'force-result', result: { resultStatus: 'U', resultCode: 'DPOS_REFUND_UNKNOWN_EXCEPTION' } } as const,
      'DPOS_REFUND_UNKNOWN_EXCEPTION',
    ],
    ['an unknown result code', { kind: 'force-result', result: { resultStatus: 'F', resultCode: 'DPOS_BRAND_NEW_CODE' } } as const, 'UNKNOWN_RESULT_CODE'],
  ] as const) {
    it(`${name}: retried once with identical body, then SUCCESS; always: PENDING ${code}`, async () => {
      const { gateway } = gatewayFor(sandbox, { inquiry: { resolveUnknownAfterRetries: false } });
      sandbox.faults.once({ ...fault, api: 'refund' });
      const r = req();
      expect((await gateway.refund(r)).status).toBe('SUCCESS');
      expect(attemptsFor(r.refundRequestId)).toBe(2);
      expect(refundsFor(r.refundRequestId)).toHaveLength(1);

      sandbox.faults.always({ ...fault, api: 'refund', paymentId: DEMO_PAYMENTS.JPY_ALIPAYHK.paymentId });
      const r2 = req(DEMO_PAYMENTS.JPY_ALIPAYHK.paymentId);
      const out = await gateway.refund(r2);
      expect(out).toMatchObject({ status: 'PENDING', pendingKind: 'UNKNOWN', resultCode: code, retrySameRequestId: true });
      expect(attemptsFor(r2.refundRequestId)).toBe(3);
      // Never two refunds for the same request, whatever happened on the wire.
      expect(refundsFor(r2.refundRequestId).length).toBeLessThanOrEqual(1);
    });
  }

  it('bad signature is never reported as success even when the refund went through; inquiry settles it', async () => {
    const { gateway } = gatewayFor(sandbox);
    sandbox.faults.always({ kind: 'bad-signature', api: 'refund' });
    const r = req();
    const out = await gateway.refund(r);
    // The signed inquiry (not the unverifiable answer) is what proves success.
    expect(out.status).toBe('SUCCESS');
    expect(sandbox.requestLog().filter((e) => e.api === 'inquiryRefund')).toHaveLength(1);
  });

  it('forced final codes are returned as FAILED and not retried', async () => {
    const { gateway } = gatewayFor(sandbox);
    sandbox.faults.once({ kind: 'force-result', api: 'refund', result: { resultStatus: 'F', resultCode: 'DPOS_SYSTEM_ ERROR', resultMessage: 'boom' } });
    const r = req();
    const out = await gateway.refund(r);
    expect(out).toMatchObject({ status: 'FAILED', resultCode: 'DPOS_SYSTEM_ERROR', nextAction: 'CALL_SUPPORT', retrySameRequestId: false });
    expect(attemptsFor(r.refundRequestId)).toBe(1);
  });

  it('a code with the wrong resultStatus is treated as unknown', async () => {
    const { gateway } = gatewayFor(sandbox, { retry: { maxAttempts: 1, baseDelayMs: 1 }, inquiry: { resolveUnknownAfterRetries: false } });
    sandbox.faults.once({ kind: 'force-result', api: 'refund', result: { resultStatus: 'S', resultCode: 'DPOS_REFUND_PROCESS_FAIL' } });
    expect(await gateway.refund(req())).toMatchObject({ status: 'PENDING', resultCode: 'UNKNOWN_RESULT_CODE' });
  });
});

describe('async refunds: IN_PROCESS then inquiry settles', () => {
  it('returns PENDING/IN_PROCESS without retrying, and inquiry reports SUCCESS after settle', async () => {
    const { gateway, sleeps } = gatewayFor(sandbox);
    const r = req(DEMO_PAYMENTS.SGD_ASYNC_BANKTRANSFER.paymentId, { refundAmount: { value: 5_000, currency: 'SGD' } });
    const out = await gateway.refund(r);
    expect(out).toMatchObject({
      status: 'PENDING',
      pendingKind: 'IN_PROCESS',
      resultCode: 'DPOS_REFUND_REFUND_IN_PROCESS',
      nextAction: 'INQUIRE',
      retrySameRequestId: false,
    });
    expect(attemptsFor(r.refundRequestId)).toBe(1);
    expect(sleeps).toEqual([]);

    expect(await gateway.inquireRefund(r.refundRequestId)).toMatchObject({ status: 'PENDING', pendingKind: 'IN_PROCESS' });
    settleNow = 60_000;
    const done = await gateway.inquireRefund(r.refundRequestId);
    expect(done).toMatchObject({ status: 'SUCCESS', refundId: out.refundId, refundAmount: { value: 5_000, currency: 'SGD' } });
  });

  it('pollUntilSettled waits with capped backoff and returns the final outcome', async () => {
    const { gateway } = gatewayFor(sandbox);
    const r = req(DEMO_PAYMENTS.SGD_ASYNC_BANKTRANSFER.paymentId);
    await gateway.refund(r);
    const slept: number[] = [];
    const out = await pollUntilSettled(gateway, r.refundRequestId, {
      deadlineMs: 10_000,
      baseDelayMs: 100,
      maxDelayMs: 400,
      sleep: async (ms) => {
        slept.push(ms);
        if (slept.length === 4) settleNow = 60_000; // settles while we wait
      },
    });
    expect(out.status).toBe('SUCCESS');
    expect(slept).toEqual([100, 200, 400, 400]);
  });

  it('pollUntilSettled stays PENDING when the deadline passes', async () => {
    const { gateway } = gatewayFor(sandbox);
    const r = req(DEMO_PAYMENTS.SGD_ASYNC_BANKTRANSFER.paymentId);
    await gateway.refund(r);
    const slept: number[] = [];
    const out = await pollUntilSettled(gateway, r.refundRequestId, {
      deadlineMs: 1_000,
      baseDelayMs: 100,
      maxDelayMs: 400,
      sleep: async (ms) => void slept.push(ms),
    });
    expect(out).toMatchObject({ status: 'PENDING', pendingKind: 'IN_PROCESS' });
    expect(slept.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(1_000);
  });

  it('inquiry of a refund Antom never received says REFUND_NOT_FOUND (resend the same request)', async () => {
    const { gateway } = gatewayFor(sandbox);
    const out = await gateway.inquireRefund('NEVER-SENT-1');
    expect(out).toMatchObject({ status: 'PENDING', pendingKind: 'UNKNOWN', resultCode: 'REFUND_NOT_FOUND', nextAction: 'RETRY_SAME_REQUEST' });
    const polled = await pollUntilSettled(gateway, 'NEVER-SENT-1', { deadlineMs: 10_000, baseDelayMs: 1, maxDelayMs: 1, sleep: async () => undefined });
    expect(polled.resultCode).toBe('REFUND_NOT_FOUND');
  });

  it('a failed inquiry is PENDING, never FAILED', async () => {
    const { gateway } = gatewayFor(sandbox);
    sandbox.faults.once({ kind: 'force-result', api: 'inquiryRefund', result: { resultStatus: 'F', resultCode: 'DPOS_PAYMENT_ACCESS_DENIED' } });
    expect(await gateway.inquireRefund('X-1')).toMatchObject({ status: 'PENDING', resultCode: 'INQUIRY_FAILED' });
    sandbox.faults.once({ kind: 'bad-signature', api: 'inquiryRefund' });
    expect(await gateway.inquireRefund('X-1')).toMatchObject({ status: 'PENDING', resultCode: 'BAD_SIGNATURE' });
  });
});

describe('gateway.inquirePayment', () => {
  it('returns amount, method, time and status', async () => {
    const { gateway } = gatewayFor(sandbox);
    const r = await gateway.inquirePayment(DEMO_PAYMENTS.KWD_ALIPAY.paymentId);
    expect(r).toMatchObject({
      ok: true,
      value: { paymentId: DEMO_PAYMENTS.KWD_ALIPAY.paymentId, amount: { value: 12_345, currency: 'KWD' }, paymentMethod: 'ALIPAY_CN', status: 'SUCCESS' },
    });
    if (r.ok) expect(Number.isNaN(Date.parse(r.value.paidAt))).toBe(false);
  });
  it('reports not found and unavailable distinctly', async () => {
    const { gateway } = gatewayFor(sandbox);
    expect(await gateway.inquirePayment('NOPE-1')).toMatchObject({ ok: false, error: { code: 'PAYMENT_NOT_FOUND' } });
    sandbox.faults.once({ kind: 'missing-signature', api: 'inquiryPayment' });
    expect(await gateway.inquirePayment(SGD)).toMatchObject({ ok: false, error: { code: 'UNAVAILABLE' } });
  });
});

/** The gateway logs outcomes, never keys or signatures; pino fits the log port. */
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AntomLog } from '../../../main/antom/gateway';
import { DEMO_PAYMENTS } from '../../../main/sandbox/seed';
import type { AntomSandbox } from '../../../main/sandbox/server';
import { gatewayFor, newRefundId, startTestSandbox, testKeys } from './helpers';

let sandbox: AntomSandbox;
beforeEach(async () => {
  sandbox = await startTestSandbox();
});
afterEach(async () => {
  await sandbox.stop();
});

describe('gateway logging', () => {
  it('accepts a pino logger', () => {
    const log: AntomLog = pino({ enabled: false });
    expect(typeof log.info).toBe('function');
  });

  it('logs attempts and outcomes without key material or signatures', async () => {
    const lines: string[] = [];
    const log: AntomLog = {
      info: (o, m) => void lines.push(JSON.stringify({ o, m })),
      warn: (o, m) => void lines.push(JSON.stringify({ o, m })),
    };
    const { gateway } = gatewayFor(sandbox, { log });
    sandbox.faults.once({ kind: 'bad-signature', api: 'refund' });
    await gateway.refund({ refundRequestId: newRefundId(), paymentId: DEMO_PAYMENTS.SGD_ALIPAY.paymentId, originalMerchantRefundId: 'POS-1' });
    await gateway.refund({ refundRequestId: 'bad id', paymentId: 'x', originalMerchantRefundId: '' });
    await gateway.inquirePayment(DEMO_PAYMENTS.SGD_ALIPAY.paymentId);
    const all = lines.join('\n');
    expect(lines.length).toBeGreaterThanOrEqual(4);
    expect(all).toMatch(/antom refund attempt/);
    const keys = testKeys();
    const keyBody = keys.merchant.privateKeyPem.split('\n')[1] ?? 'unreachable';
    expect(all).not.toContain(keyBody);
    expect(all).not.toMatch(/PRIVATE KEY|algorithm=RSA256|signature=/);
  });
});

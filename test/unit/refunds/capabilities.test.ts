/** Issue #13 item 4: method capabilities seeded from the guide, corrected by Antom's answers (real sandbox). */
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { GUIDE_CAPABILITIES } from '../../../main/ledger/method-capabilities';
import { openLedger, type Ledger } from '../../../main/ledger/ledger';
import { RefundEngine } from '../../../main/refunds/refund-engine';
import { DEMO_PAYMENTS } from '../../../main/sandbox/seed';
import type { AntomSandbox } from '../../../main/sandbox/server';
import { gatewayFor, startTestSandbox } from '../antom/helpers';
import { tempDir } from '../ledger/helpers';
import { FakeTerminal } from './fakes';

let sandbox: AntomSandbox;
let ledger: Ledger;
let engine: RefundEngine;
let cleanup: () => void;
let n = 0;

beforeEach(async () => {
  sandbox = await startTestSandbox();
  const t = tempDir();
  cleanup = t.cleanup;
  ledger = openLedger(path.join(t.dir, 'ledger.sqlite'));
  expect(ledger.setPolicy({ ...ledger.getPolicy(), amountThresholds: {}, paymentOlderThanDays: null }, 'test').ok).toBe(true);
  engine = new RefundEngine({ ledger, terminal: new FakeTerminal(), antom: gatewayFor(sandbox).gateway, settleWaitMs: 5_000 });
});
afterEach(async () => {
  await engine.stop();
  ledger.close();
  await sandbox.stop();
  cleanup();
});

const submit = (paymentId: string, amount?: number) =>
  engine.submit({
    intentId: `cap-${++n}`,
    paymentId,
    mode: amount === undefined ? 'FULL' : 'PARTIAL',
    ...(amount === undefined ? {} : { amount: { value: amount, currency: 'SGD' } }),
    cashier: 'alice',
  });

describe('method capabilities', () => {
  it('are seeded from the integration guide: 365 days sync for Alipay+ wallets, 180 days async for Express Banktransfer', () => {
    expect(GUIDE_CAPABILITIES['GCASH']).toEqual({ windowDays: 365, partialSupported: null, sync: true });
    expect(GUIDE_CAPABILITIES['EXPRESS_BANKTRANSFER']).toEqual({ windowDays: 180, partialSupported: null, sync: false });
  });

  it('an expired window is shown at lookup, before any refund is tried', async () => {
    const p = await engine.lookupPayment(DEMO_PAYMENTS.SGD_WINDOW_EXPIRED.paymentId);
    expect(p.ok && p.value).toMatchObject({ refundWindowDays: 365, refundWindowExpired: true, refundClosedCode: null });
    const fresh = await engine.lookupPayment(DEMO_PAYMENTS.SGD_ALIPAY.paymentId);
    expect(fresh.ok && fresh.value.refundWindowExpired).toBe(false);
  });

  it('PARTIAL_REFUND_NOT_SUPPORTED stops partial being offered (payment and method) and refused locally next time', async () => {
    const id = DEMO_PAYMENTS.SGD_FULL_ONLY.paymentId;
    const before = await engine.lookupPayment(id);
    expect(before.ok && before.value.supportsPartialRefund).toBe(null);
    const r = await submit(id, 1_000);
    expect(r.ok && r.value).toMatchObject({ state: 'FAILED', resultCode: 'DPOS_REFUND_PARTIAL_REFUND_NOT_SUPPORTED', nextAction: 'FIX_INPUT' });
    const after = await engine.lookupPayment(id);
    expect(after.ok && after.value.supportsPartialRefund).toBe(false);
    expect(ledger.capabilities.get('GCASH')).toMatchObject({
      partialSupported: false,
      source: 'ANTOM',
      learnedFrom: 'DPOS_REFUND_PARTIAL_REFUND_NOT_SUPPORTED',
    });
    const again = await submit(id, 1_000);
    expect(again.ok ? null : again.error.code).toBe('INVALID_INPUT');
    // The full refund still works.
    const full = await submit(id);
    expect(full.ok && full.value.state).toBe('SUCCEEDED');
  });

  it('REFUND_WINDOW_EXCEED closes the payment and corrects a too-long window from the answer', async () => {
    const id = DEMO_PAYMENTS.SGD_BANKTRANSFER_EXPIRED.paymentId; // 200 days old, 180-day window
    await engine.lookupPayment(id);
    // Pretend the table believed a longer window (a contract can differ from the guide).
    ledger.db.prepare(`INSERT INTO method_capabilities VALUES ('EXPRESS_BANKTRANSFER', NULL, 400, 'test', 'x')`).run();
    const r = await submit(id);
    expect(r.ok && r.value).toMatchObject({ state: 'FAILED', resultCode: 'DPOS_REFUND_REFUND_WINDOW_EXCEED' });
    expect(ledger.capabilities.get('EXPRESS_BANKTRANSFER').windowDays).toBe(200);
    const p = await engine.currentPaymentView(id);
    expect(p).toMatchObject({ refundWindowExpired: true, refundClosedCode: 'DPOS_REFUND_REFUND_WINDOW_EXCEED' });
    const again = await submit(id);
    expect(again.ok ? null : again.error.code).toBe('INVALID_INPUT');
  });
});

/**
 * Issue #13 items 1 and 2, against the real sandbox over signed HTTP: the
 * balance accounts for refunds Antom knows and this install does not, "refund
 * the rest" works after any number of partials, a full refund is journaled at
 * what Antom refunded, and AMOUNT_EXCEED marks the balance lower and re-looks-up.
 */
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openLedger, type Ledger } from '../../../main/ledger/ledger';
import { RefundEngine } from '../../../main/refunds/refund-engine';
import { DEMO_PAYMENTS } from '../../../main/sandbox/seed';
import type { AntomSandbox } from '../../../main/sandbox/server';
import { gatewayFor, startTestSandbox } from '../antom/helpers';
import { tempDir } from '../ledger/helpers';
import { FakeTerminal } from './fakes';

const PARTLY = DEMO_PAYMENTS.SGD_PARTLY_REFUNDED.paymentId; // SGD 100.00, 40.00 refunded elsewhere
const JPY = DEMO_PAYMENTS.JPY_ALIPAYHK.paymentId; // JPY 4,800
const SGD = DEMO_PAYMENTS.SGD_ALIPAY.paymentId; // SGD 125.50

let sandbox: AntomSandbox;
let ledger: Ledger;
let engine: RefundEngine;
let terminal: FakeTerminal;
let cleanup: () => void;
let n = 0;

beforeEach(async () => {
  sandbox = await startTestSandbox();
  const t = tempDir();
  cleanup = t.cleanup;
  ledger = openLedger(path.join(t.dir, 'ledger.sqlite'));
  terminal = new FakeTerminal();
  // No approvals in the way: these tests are about money, not the policy.
  const policy = { ...ledger.getPolicy(), amountThresholds: {}, paymentOlderThanDays: null };
  expect(ledger.setPolicy(policy, 'test').ok).toBe(true);
  engine = new RefundEngine({ ledger, terminal, antom: gatewayFor(sandbox).gateway, settleWaitMs: 5_000 });
});
afterEach(async () => {
  await engine.stop();
  ledger.close();
  await sandbox.stop();
  cleanup();
});

const submit = (paymentId: string, amount?: number, currency = 'SGD') =>
  engine.submit({
    intentId: `intent-${++n}`,
    paymentId,
    mode: amount === undefined ? 'FULL' : 'PARTIAL',
    ...(amount === undefined ? {} : { amount: { value: amount, currency } }),
    cashier: 'alice',
  });
const sentAmounts = () => sandbox.requestLog().filter((e) => e.api === 'refund');

describe('balance truth', () => {
  it('counts a refund Antom knows and this install does not, and shows it in the history', async () => {
    const p = await engine.lookupPayment(PARTLY);
    expect(p.ok).toBe(true);
    if (!p.ok) return;
    expect(p.value.refundable).toEqual({ value: 6_000, currency: 'SGD' });
    expect(p.value.balanceSource).toBe('ANTOM');
    expect(p.value.refundedAtAntom).toEqual({ value: 4_000, currency: 'SGD' });
    expect(p.value.history).toEqual([expect.objectContaining({ where: 'ELSEWHERE', who: null, amount: { value: 4_000, currency: 'SGD' }, status: 'SUCCESS' })]);
    // 60.00 is refused locally, before anything is sent; 10.50 goes through.
    const tooMuch = await submit(PARTLY, 6_001);
    expect(tooMuch.ok ? 'OK' : tooMuch.error.code).toBe('AMOUNT_EXCEEDS_REFUNDABLE');
    expect(sentAmounts()).toHaveLength(0);
  });

  it('"refund the rest" after partials here and elsewhere refunds exactly what Antom has left', async () => {
    await engine.lookupPayment(PARTLY);
    expect((await submit(PARTLY, 1_050)).ok).toBe(true);
    expect((await submit(PARTLY, 25)).ok).toBe(true);
    const again = await engine.lookupPayment(PARTLY);
    expect(again.ok && again.value.refundable.value).toBe(10_000 - 4_000 - 1_050 - 25);
    expect(again.ok && again.value.history.map((h) => h.where)).toEqual(expect.arrayContaining(['THIS_TERMINAL', 'THIS_TERMINAL', 'ELSEWHERE']));
    const rest = await submit(PARTLY);
    expect(rest.ok && rest.value).toMatchObject({ state: 'SUCCEEDED', mode: 'FULL', amount: { value: 4_925, currency: 'SGD' } });
    const after = await engine.lookupPayment(PARTLY);
    expect(after.ok && after.value.refundable.value).toBe(0);
    expect(sandbox.payments().find((x) => x.paymentId === PARTLY)?.refunded).toBe(10_000);
  });

  it('the JPY case from the issue: 1,000 partial of 4,800, then Enter refunds the 3,800 left', async () => {
    await engine.lookupPayment(JPY);
    expect((await submit(JPY, 1_000, 'JPY')).ok).toBe(true);
    const rest = await submit(JPY);
    expect(rest.ok && rest.value).toMatchObject({ state: 'SUCCEEDED', amount: { value: 3_800, currency: 'JPY' } });
    // The rest went with an explicit amount; a first full refund goes without one.
    expect(terminal.references[1]?.refundAmount).toEqual({ value: 3_800, currency: 'JPY' });
  });

  it('a full refund with the amount omitted is journaled at what Antom actually refunded', async () => {
    await engine.lookupPayment(SGD); // fresh: the submit will trust it
    sandbox.refundElsewhere(SGD, 2_550); // someone refunds 25.50 on the Dashboard meanwhile
    const full = await submit(SGD);
    expect(terminal.references[0]?.refundAmount).toBeUndefined();
    expect(full.ok && full.value).toMatchObject({ state: 'SUCCEEDED', amount: { value: 10_000, currency: 'SGD' } });
    const p = await engine.lookupPayment(SGD);
    expect(p.ok && p.value.refundable.value).toBe(0);
  });

  it('AMOUNT_EXCEED marks the balance lower, looks the payment up again and says so', async () => {
    await engine.lookupPayment(PARTLY);
    expect((await submit(PARTLY, 500)).ok).toBe(true); // 55.00 left as far as we know
    await engine.lookupPayment(PARTLY);
    sandbox.refundElsewhere(PARTLY, 550); // 49.50 really left
    const r = await submit(PARTLY, 5_500);
    expect(r.ok && r.value).toMatchObject({ state: 'FAILED', resultCode: 'DPOS_REFUND_REFUND_AMOUNT_EXCEED' });
    expect(r.ok && r.value.message).toMatch(/Looked up again: 49\.50 SGD can still be refunded/);
    const p = await engine.currentPaymentView(PARTLY);
    expect(p?.refundable.value).toBe(4_950);
    // ...and the rest now goes through.
    const rest = await submit(PARTLY);
    expect(rest.ok && rest.value).toMatchObject({ state: 'SUCCEEDED', amount: { value: 4_950, currency: 'SGD' } });
  });
});

import { afterEach, describe, expect, it } from 'vitest';
import { openLedger } from '../../../main/ledger/ledger';
import { RefundEngine } from '../../../main/refunds/refund-engine';
import type { RefundView } from '../../../preload/contract/refunds';
import { rig, type Rig } from './engine-helpers';
import { outcome } from './fakes';

const rigs: Rig[] = [];
afterEach(() => rigs.splice(0).forEach((r) => r.cleanup()));
function make(...a: Parameters<typeof rig>): Rig {
  const r = rig(...a);
  rigs.push(r);
  return r;
}
const full = (intentId: string, paymentId = 'PAY1') => ({ intentId, paymentId, mode: 'FULL' as const, cashier: 'alice' });

describe('RefundEngine.submit', () => {
  it('journals the intent first, then reference, then submit, and ends SUCCEEDED', async () => {
    const r = make();
    const updates: RefundView[] = [];
    r.engine.on('updated', (v) => updates.push(v));
    let intentOnDiskBeforeTerminal = false;
    const ask = r.terminal.requestRefundReference.bind(r.terminal);
    r.terminal.requestRefundReference = async (req) => {
      // another connection sees the journaled intent before a byte goes to the terminal
      const other = openLedger(r.dbPath);
      intentOnDiskBeforeTerminal = other.refunds.get(req.refundRequestId)?.state === 'REFERENCE_REQUESTED';
      other.close();
      return ask(req);
    };
    const res = await r.engine.submit(full('intent-0001'));
    expect(res.ok).toBe(true);
    if (!res.ok) return;
    expect(res.value).toMatchObject({
      state: 'SUCCEEDED',
      status: 'SUCCESS',
      amount: { value: 5_000, currency: 'SGD' },
      refundId: 'AR-RR1',
      originalMerchantRefundId: 'OMR-RR1',
    });
    expect(intentOnDiskBeforeTerminal).toBe(true);
    expect(r.ledger.refunds.transitions(res.value.refundRequestId).map((t) => t.to_state)).toEqual([
      'APPROVED',
      'REFERENCE_REQUESTED',
      'REFERENCE_OBTAINED',
      'SUBMITTING',
      'SUCCEEDED',
    ]);
    expect(r.antom.refundCalls).toEqual([{ refundRequestId: 'RR1', paymentId: 'PAY1', originalMerchantRefundId: 'OMR-RR1' }]);
    expect(r.terminal.notices).toHaveLength(1);
    // One update per commit: the intent with REFERENCE_REQUESTED, the reference with SUBMITTING, the outcome, the terminal's slip answer (printed).
    expect(updates.map((u) => u.state)).toEqual(['REFERENCE_REQUESTED', 'SUBMITTING', 'SUCCEEDED', 'SUCCEEDED']);
    expect(await r.engine.get('RR1')).toMatchObject({ ok: true });
    expect((await r.engine.list({ date: '2026-11-25' })).map((v) => v.refundRequestId)).toEqual(['RR1']);
    expect(await r.engine.list({ states: ['FAILED'] })).toEqual([]);
    expect(r.ledger.verifyAudit().ok).toBe(true);
  });

  it('partial refunds send the amount to terminal and Antom', async () => {
    const r = make();
    const res = await r.engine.submit({
      intentId: 'intent-p',
      paymentId: 'PAY1',
      mode: 'PARTIAL',
      amount: { value: 1_250, currency: 'SGD' },
      memo: 'scarf',
      cashier: 'alice',
    });
    expect(res.ok && res.value.state).toBe('SUCCEEDED');
    expect(r.terminal.references[0]?.refundAmount).toEqual({ value: 1_250, currency: 'SGD' });
    expect(r.antom.refundCalls[0]).toMatchObject({ refundAmount: { value: 1_250, currency: 'SGD' }, memo: 'scarf' });
    const pay = await r.engine.lookupPayment('PAY1');
    expect(pay.ok && pay.value.refundable).toEqual({ value: 3_750, currency: 'SGD' });
  });

  it('two concurrent submits with the same intentId make exactly one refund call', async () => {
    const r = make();
    r.antom.delayMs = 30;
    const [a, b, c] = await Promise.all([r.engine.submit(full('same-intent')), r.engine.submit(full('same-intent')), r.engine.submit(full('same-intent'))]);
    expect(a.ok && b.ok && c.ok).toBe(true);
    if (!a.ok || !b.ok || !c.ok) return;
    expect(new Set([a.value.refundRequestId, b.value.refundRequestId, c.value.refundRequestId]).size).toBe(1);
    expect(r.antom.refundCalls).toHaveLength(1);
    // and a later repeat (the impatient double-click after the answer) too
    const d = await r.engine.submit(full('same-intent'));
    expect(d.ok && d.value.refundRequestId).toBe(a.value.refundRequestId);
    expect(r.antom.refundCalls).toHaveLength(1);
  });

  it('two engines on two connections to the same file confirming at once make one refund call', async () => {
    const r = make();
    r.antom.delayMs = 30;
    const ledger2 = openLedger(r.dbPath, { clock: r.clock.now });
    let n = 1000;
    const engine2 = new RefundEngine({ ledger: ledger2, terminal: r.terminal, antom: r.antom, clock: r.clock.now, newRefundRequestId: () => `RX${++n}` });
    try {
      const [a, b] = await Promise.all([r.engine.submit(full('shared-intent')), engine2.submit(full('shared-intent'))]);
      expect([a.ok ? 'ok' : a.error, b.ok ? 'ok' : b.error]).toEqual(['ok', 'ok']);
      if (!a.ok || !b.ok) return;
      expect(a.value.refundRequestId).toBe(b.value.refundRequestId);
      expect(a.value.state).toBe('SUCCEEDED');
      expect(b.value.state).toBe('SUCCEEDED');
      expect(r.antom.refundCalls).toHaveLength(1);
      expect(r.terminal.references).toHaveLength(1);
    } finally {
      await engine2.stop();
      ledger2.close();
    }
  });

  it('validates input and the local balance', async () => {
    const r = make();
    const code = async (p: Promise<{ ok: boolean; error?: { code: string } }>) => {
      const x = await p;
      return x.ok ? 'OK' : x.error?.code;
    };
    expect(await code(r.engine.submit({ ...full('bad'), intentId: '' }))).toBe('INVALID_INPUT');
    expect(await code(r.engine.submit({ ...full('intent-x'), mode: 'PARTIAL' }))).toBe('INVALID_INPUT');
    expect(await code(r.engine.submit({ ...full('intent-x'), amount: { value: 1, currency: 'SGD' } }))).toBe('INVALID_INPUT');
    expect(await code(r.engine.submit({ ...full('intent-x'), mode: 'PARTIAL', amount: { value: 1.5, currency: 'SGD' } }))).toBe('INVALID_INPUT');
    expect(await code(r.engine.submit({ ...full('intent-x'), mode: 'PARTIAL', amount: { value: 100, currency: 'JPY' } }))).toBe('INVALID_INPUT');
    expect(await code(r.engine.submit({ ...full('intent-x', 'NOPARTIAL'), mode: 'PARTIAL', amount: { value: 100, currency: 'SGD' } }))).toBe('INVALID_INPUT');
    expect(await code(r.engine.submit(full('intent-x', 'MISSING')))).toBe('PAYMENT_NOT_FOUND');
    expect(await code(r.engine.submit({ ...full('intent-x'), mode: 'PARTIAL', amount: { value: 5_001, currency: 'SGD' } }))).toBe('AMOUNT_EXCEEDS_REFUNDABLE');
    expect(await code(r.engine.submit({ ...full('intent-y'), mode: 'PARTIAL', amount: { value: 1_000, currency: 'SGD' } }))).toBe('OK');
    // FULL after a partial = "refund the rest": the remainder goes explicitly on the wire (issue #13 item 2).
    expect(await code(r.engine.submit(full('intent-z')))).toBe('OK');
    expect(r.antom.refundCalls[1]?.refundAmount).toEqual({ value: 4_000, currency: 'SGD' });
    expect(r.antom.refundCalls[0]?.refundAmount).toEqual({ value: 1_000, currency: 'SGD' });
    expect(await code(r.engine.submit(full('intent-zz')))).toBe('AMOUNT_EXCEEDS_REFUNDABLE');
    r.antom.unavailable = true;
    expect(await code(r.engine.submit(full('intent-q', 'JPY1')))).toBe('UNAVAILABLE');
    expect(r.antom.refundCalls).toHaveLength(2);
  });

  it('refuses a second refund while one is in flight for the payment', async () => {
    const r = make();
    r.antom.refundScript = [outcome('PENDING', { pendingKind: 'IN_PROCESS', resultCode: 'REFUND_IN_PROCESS' })];
    const first = await r.engine.submit({ intentId: 'i-1', paymentId: 'PAY1', mode: 'PARTIAL', amount: { value: 100, currency: 'SGD' }, cashier: 'alice' });
    expect(first.ok && first.value.state).toBe('PENDING_IN_PROCESS');
    const second = await r.engine.submit({ intentId: 'i-2', paymentId: 'PAY1', mode: 'PARTIAL', amount: { value: 100, currency: 'SGD' }, cashier: 'alice' });
    expect(second.ok ? null : second.error.code).toBe('REFUND_IN_FLIGHT');
    const pay = await r.engine.lookupPayment('PAY1');
    expect(pay.ok && pay.value.refundable.value).toBe(4_900);
  });

  it('maps Antom outcomes: FAILED final with its message, PENDING_UNKNOWN with next check persisted', async () => {
    const r = make();
    r.antom.refundScript = [outcome('FAILED', { resultCode: 'REFUND_AMOUNT_EXCEED', cashierMessage: 'Too much.', nextAction: 'FIX_INPUT' })];
    const f = await r.engine.submit(full('i-fail'));
    expect(f.ok && f.value).toMatchObject({
      state: 'FAILED',
      status: 'FAILED',
      message: 'Too much.',
      nextAction: 'FIX_INPUT',
      resultCode: 'REFUND_AMOUNT_EXCEED',
    });
    r.antom.refundScript = [outcome('PENDING', { resultCode: 'TIMEOUT', cashierMessage: 'Checking.', nextAction: 'INQUIRE' })];
    const p = await r.engine.submit(full('i-pend'));
    expect(p.ok && p.value).toMatchObject({ state: 'PENDING_UNKNOWN', status: 'PENDING', message: 'Checking.' });
    const row = r.ledger.refunds.get(p.ok ? p.value.refundRequestId : '');
    expect(row?.next_check_at).toBe('2026-11-25T12:00:05.000Z');
    expect(row?.attempts).toBe(1);
  });

  it('a gateway that throws leaves the refund PENDING_UNKNOWN, never failed', async () => {
    const r = make();
    r.antom.refund = async () => {
      throw new Error('socket hang up');
    };
    const p = await r.engine.submit(full('i-throw'));
    expect(p.ok && p.value.state).toBe('PENDING_UNKNOWN');
  });

  it('terminal errors keep the refund visibly at REFERENCE_REQUESTED with a plain message; definitive refusals fail it', async () => {
    const r = make();
    r.terminal.failures = ['LINK_DOWN'];
    const p = await r.engine.submit(full('i-term'));
    expect(p.ok && p.value).toMatchObject({
      state: 'REFERENCE_REQUESTED',
      status: 'IN_PROGRESS',
      resultCode: 'TERMINAL_LINK_DOWN',
      nextAction: 'RETRY_SAME_REQUEST',
    });
    expect(p.ok && p.value.message).toMatch(/Nothing has been sent to Antom/);
    expect(r.antom.refundCalls).toHaveLength(0);
    // submitting the same intent again does not start a second run
    const again = await r.engine.submit(full('i-term'));
    expect(again.ok && again.value.refundRequestId).toBe(p.ok && p.value.refundRequestId);

    r.terminal.failures = ['BAD_REQUEST'];
    const b = await r.engine.submit(full('i-bad', 'JPY1'));
    expect(b.ok && b.value).toMatchObject({ state: 'FAILED', nextAction: 'CALL_SUPPORT' });
  });
});

describe('RefundEngine.lookupPayment / listRecentPayments', () => {
  it('caches lookups, lists them newest first, and falls back to the cache when Antom is down', async () => {
    const r = make();
    expect((await r.engine.lookupPayment('bad id!')).ok).toBe(false);
    expect((await r.engine.lookupPayment('MISSING')).ok).toBe(false);
    await r.engine.lookupPayment('PAY1');
    r.clock.advance(1_000);
    await r.engine.lookupPayment('JPY1');
    expect((await r.engine.listRecentPayments()).map((p) => p.paymentId)).toEqual(['JPY1', 'PAY1']);
    r.antom.unavailable = true;
    const cached = await r.engine.lookupPayment('PAY1');
    expect(cached.ok && cached.value).toMatchObject({ paymentId: 'PAY1', refundable: { value: 5_000, currency: 'SGD' } });
    const unknown = await r.engine.lookupPayment('BIG');
    expect(unknown.ok ? null : unknown.error.code).toBe('UNAVAILABLE');
  });
});

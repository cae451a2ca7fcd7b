import { afterEach, describe, expect, it } from 'vitest';
import { seedDemoUsers } from '../../../main/ledger/demo-seed';
import { rig, type Rig } from './engine-helpers';

const rigs: Rig[] = [];
afterEach(() => rigs.splice(0).forEach((r) => r.cleanup()));
async function make(): Promise<Rig> {
  const r = rig();
  rigs.push(r);
  await seedDemoUsers(r.ledger); // policy: >= 100.00 SGD, payments older than 30 days
  return r;
}
const big = { intentId: 'big-intent', paymentId: 'BIG', mode: 'FULL' as const, cashier: 'alice' };

describe('manager approval', () => {
  it('holds a refund over the threshold, then approve (PIN) runs it and records who, when, why', async () => {
    const r = await make();
    const s = await r.engine.submit(big);
    expect(s.ok && s.value).toMatchObject({ state: 'AWAITING_APPROVAL', status: 'AWAITING_APPROVAL' });
    expect(s.ok && s.value.approvalReasons[0]).toMatch(/approval limit of 100.00 SGD/);
    expect(r.terminal.references).toHaveLength(0);
    const id = s.ok ? s.value.refundRequestId : '';
    const a = await r.engine.approve({ refundRequestId: id, manager: 'maria', pin: '246813', reason: 'receipt checked' });
    expect(a.ok && a.value).toMatchObject({
      state: 'SUCCEEDED',
      approvals: [{ manager: 'maria', decision: 'APPROVED', reason: 'receipt checked', at: '2026-11-25T12:00:00.000Z' }],
    });
    expect(r.antom.refundCalls).toHaveLength(1);
    expect(r.ledger.audit.list({ limit: 100 }).some((e) => e.kind === 'refund.approved' && e.actor === 'maria')).toBe(true);
    const again = await r.engine.approve({ refundRequestId: id, manager: 'maria', pin: '246813', reason: 'x' });
    expect(again.ok ? null : again.error.code).toBe('NOT_AWAITING_APPROVAL');
  });

  it('decline is final and frees the payment', async () => {
    const r = await make();
    const s = await r.engine.submit(big);
    const id = s.ok ? s.value.refundRequestId : '';
    const d = await r.engine.decline({ refundRequestId: id, manager: 'maria', pin: '246813', reason: 'no receipt' });
    expect(d.ok && d.value).toMatchObject({ state: 'DECLINED', status: 'DECLINED', nextAction: 'NONE' });
    expect(r.antom.refundCalls).toHaveLength(0);
    const bal = await r.engine.lookupPayment('BIG');
    expect(bal.ok && bal.value.refundable.value).toBe(50_000);
    expect(r.ledger.audit.list({ limit: 100 }).some((e) => e.kind === 'refund.declined')).toBe(true);
  });

  it('refuses wrong PINs, non-managers, unknown refunds, and locks after 5 wrong PINs', async () => {
    const r = await make();
    const s = await r.engine.submit({ ...big, paymentId: 'OLD', intentId: 'old-intent' });
    expect(s.ok && s.value.approvalReasons.join()).toMatch(/older than 30 days/);
    const id = s.ok ? s.value.refundRequestId : '';
    const code = async (manager: string, pin: string, rid = id) => {
      const x = await r.engine.approve({ refundRequestId: rid, manager, pin, reason: 'ok' });
      return x.ok ? 'OK' : x.error.code;
    };
    expect(await code('alice', '1470')).toBe('NOT_A_MANAGER');
    expect(await code('ghost', '1234')).toBe('PIN_INVALID');
    expect(await code('maria', '246813', 'RR999')).toBe('NOT_FOUND');
    for (let i = 0; i < 5; i += 1) expect(await code('maria', '0000')).toBe('PIN_INVALID');
    expect(await code('maria', '246813')).toBe('USER_LOCKED');
    r.clock.advance(5 * 60_000 + 1);
    expect(await code('maria', '246813')).toBe('OK');
  });

  it('a manager can change the policy with their PIN; cashiers cannot', async () => {
    const r = await make();
    const policy = { amountThresholds: {}, approveAnyPartial: true, paymentOlderThanDays: null, cashierDailyTotals: {} };
    const no = await r.engine.setPolicy({ manager: 'alice', pin: '1470', policy });
    expect(no.ok ? null : no.error.code).toBe('NOT_A_MANAGER');
    expect((await r.engine.setPolicy({ manager: 'maria', pin: '246813', policy })).ok).toBe(true);
    const s = await r.engine.submit({ intentId: 'p-intent', paymentId: 'BIG', mode: 'PARTIAL', amount: { value: 1, currency: 'SGD' }, cashier: 'alice' });
    expect(s.ok && s.value.state).toBe('AWAITING_APPROVAL');
  });

  it("counts a cashier's refunds today against the daily total", async () => {
    const r = await make();
    await r.engine.setPolicy({
      manager: 'maria',
      pin: '246813',
      policy: { amountThresholds: {}, approveAnyPartial: false, paymentOlderThanDays: null, cashierDailyTotals: { SGD: 6_000 } },
    });
    const a = await r.engine.submit({ intentId: 'd-1', paymentId: 'PAY1', mode: 'FULL', cashier: 'alice' });
    expect(a.ok && a.value.state).toBe('SUCCEEDED');
    const b = await r.engine.submit({ intentId: 'd-2', paymentId: 'BIG', mode: 'PARTIAL', amount: { value: 1_000, currency: 'SGD' }, cashier: 'alice' });
    expect(b.ok && b.value.state).toBe('SUCCEEDED');
    const c = await r.engine.submit({ intentId: 'd-3', paymentId: 'BIG', mode: 'PARTIAL', amount: { value: 1, currency: 'SGD' }, cashier: 'alice' });
    expect(c.ok && c.value.state).toBe('AWAITING_APPROVAL');
    const other = await r.engine.submit({ intentId: 'd-4', paymentId: 'JPY1', mode: 'FULL', cashier: 'bob' });
    expect(other.ok && other.value.state).toBe('SUCCEEDED');
  });
});

describe('approval known before the button, and not walked around (issue #13 item 5)', () => {
  it('evaluate says what submit will do, with the same reasons', async () => {
    const r = await make();
    const e = await r.engine.evaluate({ paymentId: 'BIG', mode: 'FULL', cashier: 'alice' });
    expect(e.ok && e.value).toMatchObject({
      needsApproval: true,
      amount: { value: 50_000, currency: 'SGD' },
      reasons: [{ code: 'AMOUNT_AT_OR_OVER_THRESHOLD' }],
    });
    const small = await r.engine.evaluate({ paymentId: 'PAY1', mode: 'PARTIAL', amount: { value: 500, currency: 'SGD' }, cashier: 'alice' });
    expect(small.ok && small.value.needsApproval).toBe(false);
    expect(r.antom.refundCalls).toHaveLength(0);
    expect(r.ledger.refunds.list()).toHaveLength(0);
  });

  it('splitting one payment into 99.99 + 99.99 + 0.02 needs a manager from the second part on', async () => {
    const r = await make();
    const part = (i: number, value: number) =>
      r.engine.submit({ intentId: `split-${i}`, paymentId: 'BIG', mode: 'PARTIAL', amount: { value, currency: 'SGD' }, cashier: 'alice' });
    const a = await part(1, 9_999);
    expect(a.ok && a.value.state).toBe('SUCCEEDED');
    const b = await part(2, 9_999);
    expect(b.ok && b.value.state).toBe('AWAITING_APPROVAL');
    expect(b.ok && b.value.approvalReasons.join(' ')).toMatch(/per-payment limit of 100.00 SGD/);
  });

  it('a manager cannot approve their own refund unless the policy allows it, and then it is audited', async () => {
    const r = await make();
    const s = await r.engine.submit({ ...big, cashier: 'maria' });
    const id = s.ok ? s.value.refundRequestId : '';
    const self = await r.engine.approve({ refundRequestId: id, manager: 'maria', pin: '246813', reason: 'mine' });
    expect(self.ok ? null : self.error.code).toBe('SELF_APPROVAL');
    expect(r.antom.refundCalls).toHaveLength(0);
    expect(r.ledger.setPolicy({ ...r.ledger.getPolicy(), allowSelfApproval: true }, 'maria').ok).toBe(true);
    const allowed = await r.engine.approve({ refundRequestId: id, manager: 'maria', pin: '246813', reason: 'mine' });
    expect(allowed.ok && allowed.value.state).toBe('SUCCEEDED');
    expect(r.ledger.audit.list({ limit: 100 }).some((e) => e.kind === 'refund.self_approved' && e.actor === 'maria')).toBe(true);
  });
});

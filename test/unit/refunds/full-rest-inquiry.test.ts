/**
 * Found by an independent attack pass: a FULL "refund the rest" after a refund
 * made elsewhere sends an explicit refundAmount; its later inquiry (after a
 * lost answer, a restart, `status --refresh`) must carry that amount too, so an
 * answer naming another amount is not believed. Also: a CLI refund booked to
 * `cli:maria` is maria's own refund for the self-approval rule.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { seedDemoUsers } from '../../../main/ledger/demo-seed';
import { rig, type Rig } from './engine-helpers';
import { outcome } from './fakes';

const rigs: Rig[] = [];
afterEach(() => rigs.splice(0).forEach((r) => r.cleanup()));

describe('FULL refund of the rest', () => {
  it('asks its inquiry with the amount it sent, like a partial', async () => {
    const r = rig();
    rigs.push(r);
    const inner = r.antom.inquirePayment.bind(r.antom);
    r.antom.inquirePayment = async (id: string) => {
      const res = await inner(id);
      if (!res.ok || id !== 'PAY1') return res;
      return {
        ...res,
        value: { ...res.value, antomRefunds: [{ refundRequestId: 'DASH1', refundId: 'ARDASH1', value: 1_000, status: 'SUCCESS' as const, at: null }] },
      };
    };
    const asked: unknown[] = [];
    const inquire = r.antom.inquireRefund.bind(r.antom);
    r.antom.inquireRefund = async (id: string, a?: { paymentId: string; refundAmount?: { value: number; currency: string } }) => {
      asked.push(a);
      return inquire(id);
    };
    r.antom.refundScript.push(outcome('PENDING'));
    const res = await r.engine.submit({ intentId: 'i-rest-inq', paymentId: 'PAY1', mode: 'FULL', cashier: 'alice' });
    expect(res.ok).toBe(true);
    const sent = r.antom.refundCalls[0]?.refundAmount;
    expect(sent).toBeDefined();
    r.antom.inquiryScript.push(outcome('PENDING'));
    await r.engine.recover();
    expect(asked[0]).toMatchObject({ paymentId: 'PAY1', refundAmount: sent });
  });
});

describe('self-approval through the CLI', () => {
  it('a refund booked to cli:maria cannot be approved by maria while the policy forbids it', async () => {
    const r = rig();
    rigs.push(r);
    await seedDemoUsers(r.ledger);
    const s = await r.engine.submit({ intentId: 'cli-self-0001', paymentId: 'BIG', mode: 'FULL', cashier: 'cli:maria' });
    expect(s.ok && s.value.state).toBe('AWAITING_APPROVAL');
    if (!s.ok) return;
    const self = await r.engine.approve({ refundRequestId: s.value.refundRequestId, manager: 'maria', pin: '246813', reason: 'mine' });
    expect(self.ok ? null : self.error.code).toBe('SELF_APPROVAL');
    expect(r.antom.refundCalls).toHaveLength(0);
  });
});

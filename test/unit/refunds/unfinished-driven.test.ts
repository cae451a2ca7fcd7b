/**
 * Issue #12 item 2: every unfinished refund gets driven. The background
 * resolver used to take only due PENDING / REFERENCE_REQUESTED rows, so a
 * crashed app's SUBMITTING (or APPROVED, REFERENCE_OBTAINED) row, which has no
 * next_check_at, stayed unfinished until someone ran `recover` by hand.
 */
import { hostname } from 'node:os';
import { afterEach, describe, expect, it } from 'vitest';
import type { RefundState } from '../../../preload/contract/refunds';
import { RefundState as RefundStateSchema } from '../../../preload/contract/refunds';
import { recoveryRole } from '../../../main/refunds/refund-engine';
import { rig, type Rig } from './engine-helpers';
import { outcome } from './fakes';
import { newRefund } from '../ledger/helpers';

const rigs: Rig[] = [];
afterEach(() => rigs.splice(0).forEach((r) => r.cleanup()));
function make(): Rig {
  const r = rig();
  rigs.push(r);
  return r;
}

const DEAD_OWNER = `${hostname()}:2147483646:1:abcdef12`;

/** A refund journaled up to `state`, its lease held by `owner` (a crashed process), as a crash leaves it. */
async function crashedAt(r: Rig, state: RefundState, id: string, owner: string | null): Promise<void> {
  await r.engine.lookupPayment('PAY1');
  const ins = r.ledger.refunds.insert(
    newRefund({ refundRequestId: id, intentId: `intent-${id}`, paymentId: 'PAY1', mode: 'PARTIAL', amount: { value: 1_000, currency: 'SGD' } }),
    'alice',
  );
  expect(ins.ok).toBe(true);
  const path: RefundState[] = ['APPROVED', 'REFERENCE_REQUESTED', 'REFERENCE_OBTAINED', 'SUBMITTING'];
  let from: RefundState = 'APPROVED';
  for (const to of path.slice(1, path.indexOf(state) + 1)) {
    expect(
      r.ledger.refunds.transition(id, from, to, { actor: 'system', patch: to === 'REFERENCE_OBTAINED' ? { originalMerchantRefundId: `OMR-${id}` } : {} }).ok,
    ).toBe(true);
    from = to;
  }
  if (owner !== null) expect(r.ledger.refunds.claimLease(id, owner, 5 * 60_000, () => true)).toBe(true);
}

describe('background resolver: every unfinished refund whose driver is gone', () => {
  it('drives a crashed SUBMITTING refund (dead owner, no next_check_at) by inquiry, without sending again', async () => {
    const r = make();
    await crashedAt(r, 'SUBMITTING', 'S1', DEAD_OWNER);
    expect(r.ledger.refunds.get('S1')?.next_check_at).toBeNull();
    r.antom.accepted.set('S1', outcome('SUCCESS', { refundId: 'AR-S1' }));
    await r.engine.tick();
    expect(r.ledger.refunds.get('S1')).toMatchObject({ state: 'SUCCEEDED', lease_owner: null });
    expect(r.antom.inquiries).toEqual(['S1']);
    expect(r.antom.refundCalls).toHaveLength(0);
  });

  it('drives crashed APPROVED and REFERENCE_OBTAINED refunds to the end, and a SUBMITTING one whose lease expired', async () => {
    const r = make();
    r.antom.addPayment('PAY2', { amount: { value: 5_000, currency: 'SGD' } });
    r.antom.addPayment('PAY3', { amount: { value: 5_000, currency: 'SGD' } });
    await crashedAt(r, 'APPROVED', 'A1', DEAD_OWNER);
    // other payments: one refund in flight per payment
    await r.engine.lookupPayment('PAY2');
    await r.engine.lookupPayment('PAY3');
    r.ledger.refunds.insert(newRefund({ refundRequestId: 'O1', intentId: 'intent-O1', paymentId: 'PAY2' }), 'alice');
    r.ledger.refunds.transition('O1', 'APPROVED', 'REFERENCE_REQUESTED', { actor: 'system' });
    r.ledger.refunds.transition('O1', 'REFERENCE_REQUESTED', 'REFERENCE_OBTAINED', { actor: 'system', patch: { originalMerchantRefundId: 'OMR-O1' } });
    r.ledger.refunds.insert(newRefund({ refundRequestId: 'E1', intentId: 'intent-E1', paymentId: 'PAY3' }), 'alice');
    for (const [f, t] of [
      ['APPROVED', 'REFERENCE_REQUESTED'],
      ['REFERENCE_REQUESTED', 'REFERENCE_OBTAINED'],
      ['REFERENCE_OBTAINED', 'SUBMITTING'],
    ] as const) {
      r.ledger.refunds.transition('E1', f, t, { actor: 'system', patch: t === 'REFERENCE_OBTAINED' ? { originalMerchantRefundId: 'OMR-E1' } : {} });
    }
    // a live owner on another host, but its lease ran out
    expect(r.ledger.refunds.claimLease('E1', 'other-host:1:1:abcdef12', 60_000, () => true)).toBe(true);
    await r.engine.tick();
    expect(r.ledger.refunds.get('E1')?.state).toBe('SUBMITTING'); // lease still valid: left alone
    r.clock.advance(60_001);
    await r.engine.tick();
    expect(r.ledger.refunds.get('A1')?.state).toBe('SUCCEEDED');
    expect(r.ledger.refunds.get('O1')?.state).toBe('SUCCEEDED');
    expect(r.ledger.refunds.get('E1')?.state).toBe('SUCCEEDED');
    expect(r.antom.refundCalls.map((c) => c.refundRequestId).sort()).toEqual(['A1', 'E1', 'O1']);
  });

  it('leaves alone a refund a live process is driving, and one waiting for a manager', async () => {
    const r = make();
    await crashedAt(r, 'SUBMITTING', 'L1', `${hostname()}:${process.pid}:-:abcdef12`);
    r.antom.addPayment('PAY2', { amount: { value: 50_000, currency: 'SGD' } });
    await r.engine.lookupPayment('PAY2');
    r.ledger.refunds.insert(newRefund({ refundRequestId: 'M1', intentId: 'intent-M1', paymentId: 'PAY2', state: 'AWAITING_APPROVAL' }), 'alice');
    await r.engine.tick();
    expect(r.ledger.refunds.get('L1')?.state).toBe('SUBMITTING');
    expect(r.ledger.refunds.get('M1')?.state).toBe('AWAITING_APPROVAL');
    expect(r.antom.inquiries).toEqual([]);
    expect(r.terminal.references).toEqual([]);
  });

  it('an orphan that stays unsettled is not hammered every tick', async () => {
    const r = make();
    await crashedAt(r, 'SUBMITTING', 'T1', DEAD_OWNER);
    let calls = 0;
    r.antom.inquireRefund = async () => {
      calls += 1;
      throw new Error('gateway exploded');
    };
    await r.engine.tick();
    // the throwing inquiry is taken as unknown: PENDING_UNKNOWN with a persisted next check
    expect(r.ledger.refunds.get('T1')).toMatchObject({ state: 'PENDING_UNKNOWN' });
    expect(r.ledger.refunds.get('T1')?.next_check_at).not.toBeNull();
    await r.engine.tick();
    expect(calls).toBe(1);
  });

  it('every refund state has a recovery role (a state added later must be placed)', () => {
    const roles = Object.fromEntries(RefundStateSchema.options.map((s) => [s, recoveryRole(s)]));
    expect(roles).toEqual({
      AWAITING_APPROVAL: 'manager',
      APPROVED: 'drive',
      DECLINED: 'final',
      REFERENCE_REQUESTED: 'drive',
      REFERENCE_OBTAINED: 'drive',
      SUBMITTING: 'drive',
      SUCCEEDED: 'final',
      FAILED: 'final',
      PENDING_IN_PROCESS: 'drive',
      PENDING_UNKNOWN: 'drive',
    });
  });
});

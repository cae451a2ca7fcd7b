import { hostname } from 'node:os';
import { afterEach, describe, expect, it } from 'vitest';
import type { RefundState } from '../../../preload/contract/refunds';
import { rig, type Rig } from './engine-helpers';
import { NOT_FOUND, outcome } from './fakes';
import { newRefund } from '../ledger/helpers';

const rigs: Rig[] = [];
afterEach(() => rigs.splice(0).forEach((r) => r.cleanup()));
function make(): Rig {
  const r = rig();
  rigs.push(r);
  return r;
}

/** Puts a refund into `state` in the journal as if a process had crashed right after writing it. */
async function journalUpTo(r: Rig, state: RefundState, id = 'RC1'): Promise<string> {
  await r.engine.lookupPayment('PAY1');
  const ins = r.ledger.refunds.insert(
    newRefund({ refundRequestId: id, intentId: `intent-${id}`, paymentId: 'PAY1', mode: 'FULL', amount: { value: 5_000, currency: 'SGD' } }),
    'alice',
  );
  expect(ins.ok).toBe(true);
  const path: RefundState[] = ['APPROVED', 'REFERENCE_REQUESTED', 'REFERENCE_OBTAINED', 'SUBMITTING'];
  const target = path.indexOf(state);
  const steps = target >= 0 ? path.slice(1, target + 1) : [...path.slice(1), state];
  let from: RefundState = 'APPROVED';
  for (const to of steps) {
    const t = r.ledger.refunds.transition(id, from, to, {
      actor: 'system',
      patch: to === 'REFERENCE_OBTAINED' ? { originalMerchantRefundId: `OMR-${id}` } : {},
    });
    expect(t.ok).toBe(true);
    from = to;
  }
  return id;
}

describe('recover()', () => {
  it('APPROVED: runs it', async () => {
    const r = make();
    const id = await journalUpTo(r, 'APPROVED');
    const s = await r.engine.recover();
    expect(s).toMatchObject({ examined: 1, resumed: 1, final: 1 });
    expect(r.ledger.refunds.get(id)?.state).toBe('SUCCEEDED');
    expect(r.antom.refundCalls).toHaveLength(1);
  });

  it('REFERENCE_REQUESTED: asks the terminal again with the same refundRequestId', async () => {
    const r = make();
    const id = await journalUpTo(r, 'REFERENCE_REQUESTED');
    await r.engine.recover();
    expect(r.terminal.references.map((x) => x.refundRequestId)).toEqual([id]);
    expect(r.ledger.refunds.get(id)?.state).toBe('SUCCEEDED');
    expect(r.antom.refundCalls.map((c) => c.refundRequestId)).toEqual([id]);
  });

  it('REFERENCE_REQUESTED with the terminal still down stays recoverable, then background resolution finishes it', async () => {
    const r = make();
    const id = await journalUpTo(r, 'REFERENCE_REQUESTED');
    r.terminal.failures = ['NOT_CONNECTED'];
    const s = await r.engine.recover();
    expect(s.stuck).toBe(1);
    expect(r.ledger.refunds.get(id)).toMatchObject({ state: 'REFERENCE_REQUESTED', next_action: 'RETRY_SAME_REQUEST' });
    await r.engine.tick(); // not due yet
    expect(r.terminal.references).toHaveLength(1);
    r.clock.advance(5_000);
    await r.engine.tick();
    expect(r.terminal.references.map((x) => x.refundRequestId)).toEqual([id, id]);
    expect(r.ledger.refunds.get(id)?.state).toBe('SUCCEEDED');
  });

  it('REFERENCE_OBTAINED: asks Antom first (SUBMITTING is a relaxed commit a power cut may have lost), then submits', async () => {
    const r = make();
    const id = await journalUpTo(r, 'REFERENCE_OBTAINED');
    await r.engine.recover();
    expect(r.antom.inquiries).toEqual([id]);
    expect(r.antom.refundCalls).toEqual([{ refundRequestId: id, paymentId: 'PAY1', originalMerchantRefundId: `OMR-${id}` }]);
  });

  it('SUBMITTING: resolved by inquiry without sending again', async () => {
    const r = make();
    const id = await journalUpTo(r, 'SUBMITTING');
    r.antom.accepted.set(id, outcome('SUCCESS', { refundId: 'AR-X' }));
    await r.engine.recover();
    expect(r.antom.inquiries).toEqual([id]);
    expect(r.antom.refundCalls).toHaveLength(0);
    expect(r.ledger.refunds.get(id)).toMatchObject({ state: 'SUCCEEDED', refund_id: 'AR-X' });
  });

  it('SUBMITTING and Antom has no record: resubmits with the SAME id and identical body', async () => {
    const r = make();
    const id = await journalUpTo(r, 'SUBMITTING');
    await r.engine.recover();
    expect(r.antom.inquiries).toEqual([id]);
    expect(r.antom.refundCalls).toEqual([{ refundRequestId: id, paymentId: 'PAY1', originalMerchantRefundId: `OMR-${id}` }]);
    expect(r.ledger.refunds.get(id)?.state).toBe('SUCCEEDED');
  });

  it('SUBMITTING and the inquiry fails: PENDING_UNKNOWN, not failed and not resent', async () => {
    const r = make();
    const id = await journalUpTo(r, 'SUBMITTING');
    r.antom.inquiryScript = [outcome('PENDING', { resultCode: 'NETWORK_ERROR' })];
    const s = await r.engine.recover();
    expect(s.pending).toBe(1);
    expect(r.antom.refundCalls).toHaveLength(0);
    expect(r.ledger.refunds.get(id)?.state).toBe('PENDING_UNKNOWN');
  });

  it('PENDING_IN_PROCESS / PENDING_UNKNOWN: resolved by inquiry; not-found on UNKNOWN resubmits with the same id', async () => {
    const r = make();
    const id = await journalUpTo(r, 'PENDING_IN_PROCESS');
    r.antom.inquiryScript = [outcome('FAILED', { resultCode: 'REFUND_FAILED', nextAction: 'NEW_REQUEST_ID' })];
    await r.engine.recover();
    expect(r.ledger.refunds.get(id)?.state).toBe('FAILED');
    expect(r.antom.refundCalls).toHaveLength(0);

    const r2 = make();
    const id2 = await journalUpTo(r2, 'PENDING_UNKNOWN', 'RC2');
    r2.antom.inquiryScript = [NOT_FOUND];
    await r2.engine.recover();
    expect(r2.antom.refundCalls.map((c) => c.refundRequestId)).toEqual([id2]);
    expect(
      r2.ledger.refunds
        .transitions(id2)
        .map((t) => t.to_state)
        .slice(-3),
    ).toEqual(['PENDING_UNKNOWN', 'SUBMITTING', 'SUCCEEDED']);
  });

  it('PENDING_IN_PROCESS that Antom has no record of (its "in process" was about another refund of the payment) is resent with the same id, not waited on for ever', async () => {
    const r = make();
    const id = await journalUpTo(r, 'PENDING_IN_PROCESS', 'RC3');
    r.antom.inquiryScript = [NOT_FOUND];
    await r.engine.recover();
    expect(r.antom.refundCalls.map((c) => c.refundRequestId)).toEqual([id]);
    expect(
      r.ledger.refunds
        .transitions(id)
        .map((t) => t.to_state)
        .slice(-4),
    ).toEqual(['PENDING_IN_PROCESS', 'PENDING_UNKNOWN', 'SUBMITTING', 'SUCCEEDED']);
  });

  it('background resolution polls pending refunds with persisted backoff', async () => {
    const r = make();
    r.antom.refundScript = [outcome('PENDING', { pendingKind: 'IN_PROCESS', resultCode: 'REFUND_IN_PROCESS' })];
    const s = await r.engine.submit({ intentId: 'bg-intent', paymentId: 'PAY1', mode: 'FULL', cashier: 'alice' });
    const id = s.ok ? s.value.refundRequestId : '';
    expect(r.ledger.refunds.get(id)?.next_check_at).toBe('2026-11-25T12:00:05.000Z');
    r.antom.inquiryScript = [outcome('PENDING', { pendingKind: 'IN_PROCESS', resultCode: 'REFUND_IN_PROCESS' })];
    r.clock.advance(5_000);
    await r.engine.tick();
    // second wait doubles: 10 s after the second check
    expect(r.ledger.refunds.get(id)).toMatchObject({ attempts: 2, next_check_at: '2026-11-25T12:00:15.000Z' });
    r.clock.advance(9_000);
    await r.engine.tick();
    expect(r.antom.inquiries).toHaveLength(1);
    r.clock.advance(1_000);
    r.antom.inquiryScript = [outcome('SUCCESS')];
    await r.engine.tick();
    expect(r.ledger.refunds.get(id)).toMatchObject({ state: 'SUCCEEDED', next_check_at: null });
    // the real timer also works
    r.engine.startBackgroundResolution();
    await r.engine.stop();
  });

  it('AWAITING_APPROVAL is left for a manager', async () => {
    const r = make();
    await r.engine.lookupPayment('PAY1');
    r.ledger.refunds.insert(newRefund({ refundRequestId: 'AW', state: 'AWAITING_APPROVAL' }), 'alice');
    const s = await r.engine.recover();
    expect(s).toMatchObject({ examined: 1, resumed: 0, awaitingApproval: 1 });
  });
});

describe('retryAsNew', () => {
  it('only after a final failure that allows a new request id, by a person, in the same lineage', async () => {
    const r = make();
    r.antom.refundScript = [outcome('FAILED', { resultCode: 'REFUND_FAILED', nextAction: 'NEW_REQUEST_ID' })];
    const s = await r.engine.submit({ intentId: 'retry-intent', paymentId: 'PAY1', mode: 'FULL', cashier: 'alice' });
    const id = s.ok ? s.value.refundRequestId : '';
    expect(s.ok && s.value.state).toBe('FAILED');
    expect((await r.engine.retryAsNew({ refundRequestId: id, actor: 'system' })).ok).toBe(false);
    const n = await r.engine.retryAsNew({ refundRequestId: id, actor: 'alice' });
    expect(n.ok && n.value.state).toBe('SUCCEEDED');
    const newId = n.ok ? n.value.refundRequestId : '';
    expect(newId).not.toBe(id);
    expect(r.ledger.refunds.get(newId)).toMatchObject({ root_intent_id: 'retry-intent', parent_refund_request_id: id });
    const twice = await r.engine.retryAsNew({ refundRequestId: id, actor: 'alice' });
    expect(twice.ok ? null : twice.error.code).toBe('NOT_RETRYABLE');
    const onSuccess = await r.engine.retryAsNew({ refundRequestId: newId, actor: 'alice' });
    expect(onSuccess.ok ? null : onSuccess.error.code).toBe('NOT_RETRYABLE');
    expect(r.antom.refundCalls.map((c) => c.refundRequestId)).toEqual([id, newId]);
  });

  it('refuses a failure whose next action is not NEW_REQUEST_ID', async () => {
    const r = make();
    r.antom.refundScript = [outcome('FAILED', { resultCode: 'REFUND_AMOUNT_EXCEED', nextAction: 'FIX_INPUT' })];
    const s = await r.engine.submit({ intentId: 'retry-intent-2', paymentId: 'PAY1', mode: 'FULL', cashier: 'alice' });
    const x = await r.engine.retryAsNew({ refundRequestId: s.ok ? s.value.refundRequestId : '', actor: 'alice' });
    expect(x.ok ? null : x.error.code).toBe('NOT_RETRYABLE');
  });
});

describe('drive leases between processes', () => {
  it('recover leaves a refund alone while a live engine holds its lease, takes it from a dead or expired one', async () => {
    const r = make();
    const id = await journalUpTo(r, 'SUBMITTING');
    // a live owner: this very process under another engine identity
    expect(r.ledger.refunds.claimLease(id, `${hostname()}:${process.pid}:abcdef12`, 60_000, () => true)).toBe(true);
    const busy = await r.engine.recover();
    expect(busy).toMatchObject({ examined: 1, resumed: 0, busyElsewhere: 1, stuck: 0 });
    expect(r.antom.inquiries).toEqual([]);

    // the owner died (pid gone on this host): taken over at once
    r.ledger.db.prepare('UPDATE refunds SET lease_owner = ? WHERE refund_request_id = ?').run(`${hostname()}:2147483646:abcdef12`, id);
    const taken = await r.engine.recover();
    expect(taken).toMatchObject({ resumed: 1, busyElsewhere: 0, final: 1 });
    expect(r.ledger.refunds.get(id)).toMatchObject({ state: 'SUCCEEDED', lease_owner: null });
  });

  it('an owner on another host is trusted until its lease expires', async () => {
    const r = make();
    const id = await journalUpTo(r, 'SUBMITTING');
    expect(r.ledger.refunds.claimLease(id, 'other-host:123:abcdef12', 60_000, () => true)).toBe(true);
    expect((await r.engine.recover()).busyElsewhere).toBe(1);
    r.clock.advance(60_001);
    expect((await r.engine.recover()).final).toBe(1);
  });
});

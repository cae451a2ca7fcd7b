import { afterEach, describe, expect, it } from 'vitest';
import type { RefundState } from '../../../preload/contract/refunds';
import { canTransition } from '../../../main/ledger/state-machine';
import { openLedger } from '../../../main/ledger/ledger';
import { newRefund, seedPayment, tempLedger } from './helpers';

const cleanups: (() => void)[] = [];
afterEach(() => cleanups.splice(0).forEach((c) => c()));
function setup() {
  const t = tempLedger();
  cleanups.push(t.cleanup);
  seedPayment(t.ledger);
  return t;
}

const ALL: RefundState[] = [
  'AWAITING_APPROVAL',
  'APPROVED',
  'DECLINED',
  'REFERENCE_REQUESTED',
  'REFERENCE_OBTAINED',
  'SUBMITTING',
  'SUCCEEDED',
  'FAILED',
  'PENDING_IN_PROCESS',
  'PENDING_UNKNOWN',
];

describe('state machine', () => {
  it('allows the documented moves and refuses the rest', () => {
    expect(canTransition('AWAITING_APPROVAL', 'APPROVED')).toBe(true);
    expect(canTransition('AWAITING_APPROVAL', 'DECLINED')).toBe(true);
    expect(canTransition('APPROVED', 'REFERENCE_REQUESTED')).toBe(true);
    expect(canTransition('REFERENCE_REQUESTED', 'REFERENCE_OBTAINED')).toBe(true);
    expect(canTransition('REFERENCE_OBTAINED', 'SUBMITTING')).toBe(true);
    for (const to of ['SUCCEEDED', 'FAILED', 'PENDING_IN_PROCESS', 'PENDING_UNKNOWN'] as const) expect(canTransition('SUBMITTING', to)).toBe(true);
    expect(canTransition('PENDING_UNKNOWN', 'SUBMITTING')).toBe(true);
    // refused
    expect(canTransition('APPROVED', 'SUBMITTING')).toBe(false);
    expect(canTransition('AWAITING_APPROVAL', 'SUBMITTING')).toBe(false);
    expect(canTransition('PENDING_IN_PROCESS', 'SUBMITTING')).toBe(false);
    expect(canTransition('REFERENCE_OBTAINED', 'SUCCEEDED')).toBe(false);
    for (const final of ['SUCCEEDED', 'FAILED', 'DECLINED'] as const) for (const to of ALL) expect(canTransition(final, to)).toBe(false);
    for (const s of ALL) expect(canTransition(s, s)).toBe(false);
  });

  it('journals transitions with compare-and-set, a transitions row and an audit entry', () => {
    const { ledger } = setup();
    const r = ledger.refunds.insert(newRefund({ refundRequestId: 'A1' }), 'alice');
    expect(r.ok).toBe(true);
    const t1 = ledger.refunds.transition('A1', 'APPROVED', 'REFERENCE_REQUESTED', { actor: 'system' });
    expect(t1.ok).toBe(true);
    // stale: a second mover expecting APPROVED loses
    const t2 = ledger.refunds.transition('A1', 'APPROVED', 'REFERENCE_REQUESTED', { actor: 'system' });
    expect(t2.ok ? null : t2.error.code).toBe('STALE_STATE');
    const bad = ledger.refunds.transition('A1', 'REFERENCE_REQUESTED', 'SUCCEEDED', { actor: 'system' });
    expect(bad.ok ? null : bad.error.code).toBe('ILLEGAL_TRANSITION');
    expect(ledger.refunds.get('A1')?.state).toBe('REFERENCE_REQUESTED');
    const missing = ledger.refunds.transition('nope', 'APPROVED', 'REFERENCE_REQUESTED', { actor: 'system' });
    expect(missing.ok ? null : missing.error.code).toBe('NOT_FOUND');
    expect(ledger.refunds.transitions('A1').map((t) => [t.from_state, t.to_state])).toEqual([
      [null, 'APPROVED'],
      ['APPROVED', 'REFERENCE_REQUESTED'],
    ]);
    expect(ledger.audit.list({ limit: 10 }).map((a) => a.kind)).toEqual(['refund.transition', 'refund.intent']);
  });

  it('two connections to the same file cannot both move a refund', () => {
    const { ledger, dbPath } = setup();
    ledger.refunds.insert(newRefund({ refundRequestId: 'C1' }), 'alice');
    const other = openLedger(dbPath);
    cleanups.push(() => other.close());
    const a = ledger.refunds.transition('C1', 'APPROVED', 'REFERENCE_REQUESTED', { actor: 'a' });
    const b = other.refunds.transition('C1', 'APPROVED', 'REFERENCE_REQUESTED', { actor: 'b' });
    expect([a.ok, b.ok]).toEqual([true, false]);
  });
});

describe('one refund in flight per payment, enforced by the store', () => {
  it('refuses a second in-flight refund through the API and through a raw INSERT', () => {
    const { ledger } = setup();
    expect(ledger.refunds.insert(newRefund({ refundRequestId: 'F1' }), 'alice').ok).toBe(true);
    const second = ledger.refunds.insert(newRefund({ refundRequestId: 'F2' }), 'alice');
    expect(second.ok ? null : second.error.code).toBe('REFUND_IN_FLIGHT');
    expect(() =>
      ledger.db
        .prepare(
          `INSERT INTO refunds (refund_request_id, intent_id, root_intent_id, payment_id, mode, amount_value, currency, state, message, next_action, cashier, created_at, updated_at)
           VALUES ('RAW', 'raw-intent', 'raw-intent', 'PAY1', 'PARTIAL', 1, 'SGD', 'PENDING_UNKNOWN', 'm', 'WAIT', 'x', 'now', 'now')`,
        )
        .run(),
    ).toThrow(/UNIQUE/);
    // once the first is final, another may start
    ledger.db.exec("UPDATE refunds SET state = 'SUCCEEDED' WHERE refund_request_id = 'F1'");
    expect(ledger.refunds.insert(newRefund({ refundRequestId: 'F3' }), 'alice').ok).toBe(true);
  });

  it('refuses a duplicate intent', () => {
    const { ledger } = setup();
    ledger.refunds.insert(newRefund({ refundRequestId: 'D1', intentId: 'same' }), 'alice');
    ledger.db.exec("UPDATE refunds SET state = 'FAILED'");
    const again = ledger.refunds.insert(newRefund({ refundRequestId: 'D2', intentId: 'same' }), 'alice');
    expect(again.ok ? null : again.error.code).toBe('DUPLICATE_INTENT');
  });
});

describe('refundable balance', () => {
  it('is the original minus SUCCEEDED and pending refunds; failed and declined do not count', () => {
    const { ledger } = setup(); // PAY1 = 100.00 SGD
    expect(ledger.refundableBalance('PAY1')).toEqual({ value: 10_000, currency: 'SGD' });
    const set = (id: string, value: number, state: string) => {
      expect(ledger.refunds.insert(newRefund({ refundRequestId: id, amount: { value, currency: 'SGD' } }), 'alice').ok).toBe(true);
      ledger.db.prepare('UPDATE refunds SET state = ? WHERE refund_request_id = ?').run(state, id);
    };
    set('B1', 2_000, 'SUCCEEDED');
    set('B2', 3_000, 'FAILED');
    set('B3', 1_000, 'DECLINED');
    set('B4', 1_500, 'PENDING_UNKNOWN');
    expect(ledger.refundableBalance('PAY1')).toEqual({ value: 6_500, currency: 'SGD' });
    ledger.db.exec("UPDATE refunds SET state = 'SUCCEEDED' WHERE refund_request_id = 'B4'");
    const over = ledger.refunds.insert(newRefund({ amount: { value: 6_501, currency: 'SGD' } }), 'alice');
    expect(over.ok ? null : over.error.code).toBe('AMOUNT_EXCEEDS_REFUNDABLE');
    expect(ledger.refunds.insert(newRefund({ amount: { value: 6_500, currency: 'SGD' } }), 'alice').ok).toBe(true);
    expect(ledger.refundableBalance('PAY1')?.value).toBe(0);
    expect(ledger.refundableBalance('UNKNOWN')).toBeNull();
  });
});

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { RefundState } from '../../../preload/contract/refunds';
import { canTransition, isFinal } from '../../../main/ledger/state-machine';
import { newRefund, seedPayment, tempLedger } from './helpers';

const STATES: RefundState[] = [
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

const op = fc.oneof(
  fc.record({
    kind: fc.constant('insert' as const),
    payment: fc.integer({ min: 0, max: 1 }),
    amount: fc.integer({ min: 1, max: 6_000 }),
    awaiting: fc.boolean(),
  }),
  fc.record({ kind: fc.constant('move' as const), pick: fc.nat(), to: fc.constantFrom(...STATES) }),
);

describe('journal invariants under random operations', () => {
  it('never over-refunds, never has two in flight per payment, only legal transitions are recorded', () => {
    fc.assert(
      fc.property(fc.array(op, { minLength: 1, maxLength: 60 }), (ops) => {
        const t = tempLedger();
        try {
          const { ledger } = t;
          seedPayment(ledger, 'P0', 10_000);
          seedPayment(ledger, 'P1', 5_000);
          const ids: string[] = [];
          let n = 0;
          for (const o of ops) {
            if (o.kind === 'insert') {
              n += 1;
              const r = ledger.refunds.insert(
                newRefund({
                  refundRequestId: `X${n}`,
                  intentId: `x-${n}`,
                  paymentId: `P${o.payment}`,
                  amount: { value: o.amount, currency: 'SGD' },
                  state: o.awaiting ? 'AWAITING_APPROVAL' : 'APPROVED',
                }),
                'prop',
              );
              if (r.ok) ids.push(r.value.refund_request_id);
            } else if (ids.length > 0) {
              const id = ids[o.pick % ids.length] as string;
              const before = ledger.refunds.get(id);
              if (before === null) throw new Error('missing');
              const r = ledger.refunds.transition(id, before.state, o.to, { actor: 'prop' });
              expect(r.ok).toBe(canTransition(before.state, o.to));
            }
            for (const [pid, amount] of [
              ['P0', 10_000],
              ['P1', 5_000],
            ] as const) {
              expect(ledger.refunds.committedAmount(pid)).toBeLessThanOrEqual(amount);
              const inFlight = ledger.refunds.list({ paymentId: pid }).filter((r) => !isFinal(r.state));
              expect(inFlight.length).toBeLessThanOrEqual(1);
            }
          }
          for (const id of ids) {
            const ts = ledger.refunds.transitions(id);
            for (let i = 1; i < ts.length; i += 1) {
              const prev = ts[i - 1];
              const cur = ts[i];
              if (prev === undefined || cur === undefined) continue;
              expect(cur.from_state).toBe(prev.to_state);
              expect(canTransition(prev.to_state, cur.to_state)).toBe(true);
            }
            expect(ts.at(-1)?.to_state).toBe(ledger.refunds.get(id)?.state);
          }
          expect(ledger.verifyAudit().ok).toBe(true);
        } finally {
          t.cleanup();
        }
      }),
      { numRuns: 60 },
    );
  });
});

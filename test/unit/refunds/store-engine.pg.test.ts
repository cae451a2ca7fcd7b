/**
 * Store mode end to end in the engine: two RefundEngines = two counters, each
 * built on its own openStoreLedger (own pool, own register) over one
 * PostgreSQL database and no SQLite at all (no `ledger` is given). The
 * store-wide guarantees must hold through the async ports: one refund per
 * payment when both counters submit it at once, and an approval asked at one
 * counter decided once at the other, the asking counter then driving its own
 * terminal.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_POLICY } from '../../../main/ledger/policy';
import { openStoreLedger } from '../../../main/ledger/pg/pg-store';
import type { StoreLedger } from '../../../main/ledger/store-port';
import { RefundEngine } from '../../../main/refunds/refund-engine';
import { PUBLIC_TEST_KEYS } from '../../../main/secrets/ledger-keys';
import { pgAvailable, pgSuite } from '../../helpers/pg-suite';
import { FakeAntom, FakeTerminal } from './fakes';

const suite = pgSuite('engine');
let ids = 0;

interface Counter {
  readonly store: StoreLedger;
  readonly engine: RefundEngine;
  readonly terminal: FakeTerminal;
}

const open: Counter[] = [];

async function store(): Promise<{ a: Counter; b: Counter; antom: FakeAntom }> {
  const url = suite.freshUrl();
  // One Antom for the store: it sees every counter's calls.
  const antom = new FakeAntom();
  const counter = async (register: string): Promise<Counter> => {
    const s = await openStoreLedger(url, { register, keys: PUBLIC_TEST_KEYS });
    const terminal = new FakeTerminal();
    const engine = new RefundEngine({ store: s, terminal, antom, newRefundRequestId: () => `RRPG${process.pid}x${++ids}`, settleWaitMs: 5_000 });
    const c = { store: s, engine, terminal };
    open.push(c);
    return c;
  };
  const a = await counter('counter-1');
  const b = await counter('counter-2');
  // Over 100.00 SGD needs a manager (the default policy); age does not.
  expect((await a.store.settings.setPolicy({ ...DEFAULT_POLICY, paymentOlderThanDays: null }, 'test')).ok).toBe(true);
  expect((await a.store.people.add({ name: 'maria', role: 'manager', pin: '246813' }, 'test')).ok).toBe(true);
  expect((await a.store.people.add({ name: 'omar', role: 'manager', pin: '864217' }, 'test')).ok).toBe(true);
  return { a, b, antom };
}

describe.skipIf(!pgAvailable)('store mode (PostgreSQL): two counters, one engine each', () => {
  afterEach(async () => {
    for (const c of open.splice(0)) {
      await c.engine.stop();
      await c.store.close();
    }
  });

  it('the same payment submitted on both counters at once becomes one refund, store-wide (10 rounds)', async () => {
    const { a, b, antom } = await store();
    for (let round = 0; round < 10; round += 1) {
      const pid = `SAME${round}`;
      antom.addPayment(pid, { amount: { value: 5_000, currency: 'SGD' } });
      antom.delayMs = round % 3; // vary the interleaving
      const [x, y] = await Promise.all([
        a.engine.submit({ intentId: `a-${round}`, paymentId: pid, mode: 'FULL', cashier: 'alice' }),
        b.engine.submit({ intentId: `b-${round}`, paymentId: pid, mode: 'FULL', cashier: 'bob' }),
      ]);
      const won = [x, y].filter((r) => r.ok);
      expect(won).toHaveLength(1);
      for (const r of [x, y]) if (!r.ok) expect(['REFUND_IN_FLIGHT', 'AMOUNT_EXCEEDS_REFUNDABLE', 'BALANCE_CHANGED']).toContain(r.error.code);
      expect(antom.refundCalls.filter((c) => c.paymentId === pid)).toHaveLength(1);
      expect(await a.store.journal.list({ paymentId: pid })).toHaveLength(1);
      expect((await b.store.payments.refundableBalance(pid))?.value).toBe(0);
    }
    expect(a.terminal.references.length + b.terminal.references.length).toBe(10);
  }, 60_000);

  it('approval asked at counter 1, decided at counter 2 (racing approve/approve/decline): decided once, counter 1 drives its own terminal', async () => {
    const { a, b, antom } = await store();
    antom.addPayment('BIGPG', { amount: { value: 50_000, currency: 'SGD' } });
    const asked = await a.engine.submit({ intentId: 'big-1', paymentId: 'BIGPG', mode: 'FULL', cashier: 'alice' });
    expect(asked.ok && asked.value.state).toBe('AWAITING_APPROVAL');
    if (!asked.ok) return;
    const id = asked.value.refundRequestId;
    expect((await b.store.approvals.pending()).map((p) => [p.refundRequestId, p.register])).toEqual([[id, 'counter-1']]);

    const decisions = await Promise.all([
      b.engine.approve({ refundRequestId: id, manager: 'maria', pin: '246813', reason: 'receipt checked' }),
      b.engine.approve({ refundRequestId: id, manager: 'omar', pin: '864217', reason: 'ok' }),
      a.engine.decline({ refundRequestId: id, manager: 'omar', pin: '864217', reason: 'no receipt' }),
    ]);
    const applied = decisions.filter((d) => d.ok);
    expect(applied).toHaveLength(1);
    for (const d of decisions) if (!d.ok) expect(d.error.code).toBe('NOT_AWAITING_APPROVAL');
    expect(await b.store.approvals.decisions(id)).toHaveLength(1);
    // Counter 2 never asks its terminal for counter 1's reference.
    expect(b.terminal.references).toHaveLength(0);

    const decided = await a.store.journal.get(id);
    if (decided?.state === 'DECLINED') {
      expect(antom.refundCalls).toHaveLength(0);
    } else {
      // The asking counter continues: its background pass takes its own approved refund.
      await a.engine.tick();
      const done = await a.engine.get(id);
      expect(done.ok && done.value.state).toBe('SUCCEEDED');
      expect(a.terminal.references.map((r) => r.refundRequestId)).toEqual([id]);
      expect(antom.refundCalls).toHaveLength(1);
      expect(done.ok && done.value.approvals).toHaveLength(1);
    }
    // Whichever won the race: an approval given at counter 2 alone lets counter 1 finish its refund.
    antom.addPayment('BIGPG2', { amount: { value: 20_000, currency: 'SGD' } });
    const second = await a.engine.submit({ intentId: 'big-2', paymentId: 'BIGPG2', mode: 'FULL', cashier: 'alice' });
    if (!second.ok) throw new Error(second.error.message);
    const approved = await b.engine.approve({ refundRequestId: second.value.refundRequestId, manager: 'maria', pin: '246813', reason: 'fine' });
    expect(approved.ok && approved.value.state).toBe('APPROVED');
    expect(b.terminal.references).toHaveLength(0);
    await a.engine.tick();
    const finished = await b.engine.get(second.value.refundRequestId);
    expect(finished.ok && finished.value.state).toBe('SUCCEEDED');
    expect(a.terminal.references.map((r) => r.refundRequestId)).toContain(second.value.refundRequestId);
    const audit = await b.store.audit.verify();
    expect(audit.ok).toBe(true);
  }, 60_000);
});

/**
 * Store mode end to end in the engine: two RefundEngines = two counters, each
 * built on its own openStoreLedger (own pool, own register) over one
 * PostgreSQL database and no SQLite at all (no `ledger` is given). The
 * store-wide guarantees must hold through the async ports: one refund per
 * payment when both counters submit it at once, and an approval asked at one
 * counter decided once at the other, the asking counter then driving its own
 * terminal.
 */
import pg from 'pg';
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
let askers = 0;

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

  it('the asking counter continues on the pushed decision, also one made while its feed was cut (catch-up after the reconnect), with no background pass', async () => {
    const url = suite.freshUrl();
    const dbCount = ++askers;
    const antom = new FakeAntom();
    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    const role = `asker_${process.pid}_${dbCount}`;
    try {
      // Counter 2 migrates the store; counter 1 logs in as a role of its own, so its feed can be held down.
      const b = await openStoreLedger(url, { register: 'counter-2', keys: PUBLIC_TEST_KEYS });
      await admin.query(
        `CREATE ROLE ${role} LOGIN; GRANT ALL ON SCHEMA public TO ${role}; GRANT ALL ON ALL TABLES IN SCHEMA public TO ${role}; GRANT ALL ON ALL SEQUENCES IN SCHEMA public TO ${role}`,
      );
      const a = await openStoreLedger(url.replace('postgres://postgres@', `postgres://${role}@`), { register: 'counter-1', keys: PUBLIC_TEST_KEYS });
      const mk = (s: StoreLedger): Counter => {
        const terminal = new FakeTerminal();
        const c = {
          store: s,
          terminal,
          engine: new RefundEngine({ store: s, terminal, antom, newRefundRequestId: () => `RRPG${process.pid}x${++ids}`, settleWaitMs: 5_000 }),
        };
        open.push(c);
        return c;
      };
      const ca = mk(a);
      const cb = mk(b);
      expect((await b.settings.setPolicy({ ...DEFAULT_POLICY, paymentOlderThanDays: null }, 'test')).ok).toBe(true);
      expect((await b.people.add({ name: 'maria', role: 'manager', pin: '246813' }, 'test')).ok).toBe(true);
      // Only the pushed decision moves counter 1: no tick, no recover, no background pass.
      ca.engine.followDecisions();
      await (a as StoreLedger & { approvalsReady(): Promise<void> }).approvalsReady();
      const finished = async (id: string): Promise<string | undefined> => {
        const end = Date.now() + 15_000;
        for (;;) {
          const r = await ca.store.journal.get(id);
          if (r?.state === 'SUCCEEDED' || Date.now() > end) return r?.state;
          await new Promise((res) => setTimeout(res, 20));
        }
      };

      antom.addPayment('PUSH1', { amount: { value: 30_000, currency: 'SGD' } });
      const live = await ca.engine.submit({ intentId: 'push-1', paymentId: 'PUSH1', mode: 'FULL', cashier: 'alice' });
      if (!live.ok) throw new Error(live.error.message);
      expect(live.value.state).toBe('AWAITING_APPROVAL');
      expect((await cb.engine.approve({ refundRequestId: live.value.refundRequestId, manager: 'maria', pin: '246813', reason: 'ok' })).ok).toBe(true);
      expect(await finished(live.value.refundRequestId)).toBe('SUCCEEDED');
      expect(ca.terminal.references.map((r) => r.refundRequestId)).toEqual([live.value.refundRequestId]);

      // Counter 1's feed is cut and held down while counter 2's manager decides.
      antom.addPayment('PUSH2', { amount: { value: 30_000, currency: 'SGD' } });
      const held = await ca.engine.submit({ intentId: 'push-2', paymentId: 'PUSH2', mode: 'FULL', cashier: 'alice' });
      if (!held.ok) throw new Error(held.error.message);
      const pids = await admin.query<{ pid: number }>(
        "SELECT pid FROM pg_stat_activity WHERE usename = $1 AND application_name = 'refund-terminal listen approval_changed'",
        [role],
      );
      expect(pids.rows).toHaveLength(1);
      await admin.query(`ALTER ROLE ${role} NOLOGIN`);
      await admin.query('SELECT pg_terminate_backend($1)', [pids.rows[0]!.pid]);
      const feed = () => a.feeds?.().find((f) => f.channel === 'approval_changed')?.state;
      for (const end = Date.now() + 10_000; feed() !== 'reconnecting' && Date.now() < end;) await new Promise((r) => setTimeout(r, 20));
      expect(feed()).toBe('reconnecting');
      expect((await cb.engine.approve({ refundRequestId: held.value.refundRequestId, manager: 'maria', pin: '246813', reason: 'ok' })).ok).toBe(true);
      // The notice went to nobody at counter 1: its refund waits, approved.
      expect((await b.journal.get(held.value.refundRequestId))?.state).toBe('APPROVED');
      expect(feed()).toBe('reconnecting');
      await admin.query(`ALTER ROLE ${role} LOGIN`);
      expect(await finished(held.value.refundRequestId)).toBe('SUCCEEDED');
      expect(ca.terminal.references.map((r) => r.refundRequestId)).toEqual([live.value.refundRequestId, held.value.refundRequestId]);
      expect(cb.terminal.references).toHaveLength(0);
      expect(antom.refundCalls).toHaveLength(2);
    } finally {
      for (const c of open.splice(0)) {
        await c.engine.stop();
        await c.store.close();
      }
      await admin.end();
    }
  }, 60_000);
});

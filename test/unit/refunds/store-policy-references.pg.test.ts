/**
 * Store mode, attack 3 findings 14 and 17, end to end through the engine on
 * a real PostgreSQL, several counters each with its own store ledger:
 *  - a terminal reference is unique per issuing terminal (register), not
 *    store-wide: two terminals that both count 000001 each get their refund
 *    through; one terminal replaying a reference stops the second refund
 *    FAILED / TERMINAL_REFERENCE_REUSED / CALL_SUPPORT with nothing sent,
 *    never a raw database error and a refund stuck in REFERENCE_REQUESTED;
 *  - a cashier confirming refunds at four counters at the same moment does
 *    not get past the daily total without a manager.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Result } from '../../../preload/contract/result';
import { ok } from '../../../preload/contract/result';
import { DEFAULT_POLICY } from '../../../main/ledger/policy';
import { openStoreLedger } from '../../../main/ledger/pg/pg-store';
import type { StoreLedger } from '../../../main/ledger/store-port';
import { RefundEngine } from '../../../main/refunds/refund-engine';
import { PUBLIC_TEST_KEYS } from '../../../main/secrets/ledger-keys';
import type { RefundReferenceRequest } from '../../../native-bridge/host/terminal-port';
import { pgAvailable, startPgCluster, type PgCluster } from '../../helpers/pg-cluster';
import { FakeAntom, FakeTerminal } from './fakes';

let cluster: PgCluster | null = null;
let dbCount = 0;
let ids = 0;
const opened: { store: StoreLedger; engine: RefundEngine }[] = [];

/** A terminal whose references are its own sequence (000001, 000002, ...), the same per refundRequestId (TLP/1 §4). */
class SequenceTerminal extends FakeTerminal {
  private readonly issued = new Map<string, string>();
  override async requestRefundReference(req: RefundReferenceRequest): Promise<Result<{ originalMerchantRefundId: string }, never>> {
    this.references.push(req);
    if (!this.issued.has(req.refundRequestId)) this.issued.set(req.refundRequestId, String(this.issued.size + 1).padStart(6, '0'));
    return ok({ originalMerchantRefundId: this.issued.get(req.refundRequestId) ?? '' });
  }
}

/** A faulty or cloned terminal: every refund gets the same reference. */
class ReplayingTerminal extends FakeTerminal {
  override async requestRefundReference(req: RefundReferenceRequest): Promise<Result<{ originalMerchantRefundId: string }, never>> {
    this.references.push(req);
    return ok({ originalMerchantRefundId: 'SAME-REF' });
  }
}

async function counters(terminals: FakeTerminal[]): Promise<{ engines: RefundEngine[]; stores: StoreLedger[]; antom: FakeAntom }> {
  if (cluster === null) throw new Error('no cluster');
  dbCount += 1;
  const name = `polref_${process.pid}_${dbCount}`;
  cluster.createDatabase(name);
  const antom = new FakeAntom();
  const engines: RefundEngine[] = [];
  const stores: StoreLedger[] = [];
  for (let k = 0; k < terminals.length; k += 1) {
    const store = await openStoreLedger(cluster.url(name), { register: `counter-${k + 1}`, keys: PUBLIC_TEST_KEYS });
    const engine = new RefundEngine({ store, terminal: terminals[k] as FakeTerminal, antom, newRefundRequestId: () => `RRPR${process.pid}x${++ids}` });
    opened.push({ store, engine });
    engines.push(engine);
    stores.push(store);
  }
  expect((await stores[0]?.settings.setPolicy({ ...DEFAULT_POLICY, paymentOlderThanDays: null }, 'test'))?.ok).toBe(true);
  return { engines, stores, antom };
}

const sgd = (value: number) => ({ value, currency: 'SGD' });

describe.skipIf(!pgAvailable)('store mode (PostgreSQL): terminal references and the policy across counters', () => {
  beforeAll(async () => {
    cluster = await startPgCluster();
  }, 60_000);
  afterAll(async () => {
    await cluster?.stop();
  }, 30_000);
  afterEach(async () => {
    for (const o of opened.splice(0)) {
      await o.engine.stop();
      await o.store.close();
    }
  });

  it("two terminals issuing the same reference string: each counter's refund succeeds (references are per terminal)", async () => {
    const { engines, antom } = await counters([new SequenceTerminal(), new SequenceTerminal()]);
    antom.addPayment('PS1', { amount: sgd(1_000) });
    antom.addPayment('PS2', { amount: sgd(1_000) });
    const [ea, eb] = engines as [RefundEngine, RefundEngine];
    expect((await ea.lookupPayment('PS1')).ok).toBe(true);
    expect((await eb.lookupPayment('PS2')).ok).toBe(true);
    const r1 = await ea.submit({ intentId: 'seq-1', paymentId: 'PS1', mode: 'PARTIAL', amount: sgd(100), cashier: 'alice' });
    const r2 = await eb.submit({ intentId: 'seq-2', paymentId: 'PS2', mode: 'PARTIAL', amount: sgd(100), cashier: 'bob' });
    expect([r1.ok && r1.value.state, r2.ok && r2.value.state]).toEqual(['SUCCEEDED', 'SUCCEEDED']);
    expect(antom.refundCalls.map((c) => c.originalMerchantRefundId)).toEqual(['000001', '000001']);
  }, 60_000);

  it('one terminal replays a reference: FAILED TERMINAL_REFERENCE_REUSED CALL_SUPPORT, nothing sent, nothing left to recover', async () => {
    const { engines, stores, antom } = await counters([new ReplayingTerminal()]);
    const e = engines[0] as RefundEngine;
    antom.addPayment('PR1', { amount: sgd(1_000) });
    antom.addPayment('PR2', { amount: sgd(1_000) });
    expect((await e.lookupPayment('PR1')).ok).toBe(true);
    expect((await e.lookupPayment('PR2')).ok).toBe(true);
    const first = await e.submit({ intentId: 'rep-1', paymentId: 'PR1', mode: 'PARTIAL', amount: sgd(100), cashier: 'alice' });
    expect(first.ok && first.value.state).toBe('SUCCEEDED');
    const second = await e.submit({ intentId: 'rep-2', paymentId: 'PR2', mode: 'PARTIAL', amount: sgd(100), cashier: 'alice' });
    const row = (await stores[0]?.journal.list({ paymentId: 'PR2' }))?.[0];
    expect({ state: second.ok && second.value.state, result: row?.result_code, next: row?.next_action, sends: antom.refundCalls.length }).toEqual({
      state: 'FAILED',
      result: 'TERMINAL_REFERENCE_REUSED',
      next: 'CALL_SUPPORT',
      sends: 1,
    });
    expect((await e.recover()).errors).toBe(0);
    expect(await stores[0]?.journal.nonFinal()).toEqual([]);
  }, 60_000);

  it("one cashier's refunds confirmed at four counters at once stay within the daily total without a manager", async () => {
    const { engines, stores, antom } = await counters([new FakeTerminal(), new FakeTerminal(), new FakeTerminal(), new FakeTerminal()]);
    for (let k = 0; k < 13; k += 1) antom.addPayment(`PC${k}`, { amount: sgd(20_000) });
    const first = engines[0] as RefundEngine;
    for (let k = 0; k < 13; k += 1) expect((await first.lookupPayment(`PC${k}`)).ok).toBe(true);
    // 9 x 99.99 today, each under the single-refund line (100.00): 899.91 of the 1000.00 a day.
    for (let k = 0; k < 9; k += 1) {
      const r = await first.submit({ intentId: `day-${k}`, paymentId: `PC${k}`, mode: 'PARTIAL', amount: sgd(9_999), cashier: 'eve' });
      expect(r.ok && r.value.state).toBe('SUCCEEDED');
    }
    const four = await Promise.all(
      engines.map((e, k) => e.submit({ intentId: `rush-${k}`, paymentId: `PC${9 + k}`, mode: 'PARTIAL', amount: sgd(9_999), cashier: 'eve' })),
    );
    const states = four.map((r) => (r.ok ? r.value.state : r.error.code)).sort();
    expect(states).toEqual(['AWAITING_APPROVAL', 'AWAITING_APPROVAL', 'AWAITING_APPROVAL', 'SUCCEEDED']);
    const rows = await (stores[0] as StoreLedger).journal.list({ cashier: 'eve' });
    const withoutManager = rows.filter((r) => r.state === 'SUCCEEDED').reduce((s, r) => s + r.amount_value, 0);
    expect(withoutManager).toBe(99_990);
    for (const r of rows.filter((x) => x.state === 'AWAITING_APPROVAL')) {
      expect((JSON.parse(r.approval_reasons) as { code: string }[]).map((x) => x.code)).toEqual(['CASHIER_DAILY_TOTAL_EXCEEDED']);
    }
    expect(antom.refundCalls).toHaveLength(10);
  }, 120_000);
});

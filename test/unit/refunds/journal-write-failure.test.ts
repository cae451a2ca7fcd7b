/**
 * A journal write that fails after the refund left the machine (issue #12 item 1):
 * never reported as failed, held and retried, an alarm while held, bounded, and a
 * re-run of the same intent resolves the journaled row by inquiry (no second refund).
 * Also the low-disk floor: a new refund is refused before anything is journaled.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { openLedger } from '../../../main/ledger/ledger';
import { OutcomeRecorder, type HeldOutcome } from '../../../main/refunds/outcome-recorder';
import { RefundEngine } from '../../../main/refunds/refund-engine';
import { injectWriteFaults } from '../ledger/faulty-db';
import { rig, type Rig } from './engine-helpers';
import { FakeAntom } from './fakes';

const rigs: Rig[] = [];
afterEach(() => rigs.splice(0).forEach((r) => r.cleanup()));

function make(changes?: (held: readonly HeldOutcome[]) => void): Rig & { faults: ReturnType<typeof injectWriteFaults>; recorder: OutcomeRecorder } {
  const recorder = new OutcomeRecorder({ delaysMs: [20, 40], ...(changes ? { onChange: changes } : {}) });
  const r = rig({ outcomeRecorder: recorder, outcomeFlushMs: 300 });
  rigs.push(r);
  return { ...r, faults: injectWriteFaults(r.ledger.db), recorder };
}

/** Antom accepts the refund, and from that moment the disk is full. */
function diskFullAfterAntom(r: ReturnType<typeof make>, opts: { only?: RegExp } = {}): void {
  const refund = r.antom.refund.bind(r.antom);
  r.antom.refund = async (req) => {
    const o = await refund(req);
    r.faults.failWrites(opts);
    return o;
  };
}

const PARTIAL = { paymentId: 'PAY1', mode: 'PARTIAL' as const, amount: { value: 1_000, currency: 'SGD' }, cashier: 'alice' };

describe('journal write failure after Antom answered', () => {
  it('reports PENDING (never FAILED, never a thrown error), holds the answer and raises the alarm', async () => {
    const alarms: (readonly HeldOutcome[])[] = [];
    const r = make((h) => alarms.push(h));
    diskFullAfterAntom(r);
    const res = await r.engine.submit({ intentId: 'intent-full-1', ...PARTIAL });
    expect(res.ok).toBe(true);
    if (!res.ok) return;
    // Not final: the journal's SUBMITTING, with the reason in the message (the CLI calls it "outcome unknown").
    expect(res.value.status).not.toBe('FAILED');
    expect(res.value.status).not.toBe('SUCCESS');
    expect(res.value.state).toBe('SUBMITTING');
    expect(res.value.nextAction).toBe('CALL_SUPPORT');
    expect(res.value.message).toMatch(/could not save the answer/);
    expect(r.antom.refundCalls).toHaveLength(1);
    const held = r.engine.outcomes.get(res.value.refundRequestId);
    expect(held?.outcome.status).toBe('SUCCESS');
    expect(held?.lastError).toMatch(/disk is full/);
    expect(alarms.at(-1)?.map((h) => h.refundRequestId)).toEqual([res.value.refundRequestId]);
    // The journal still says SUBMITTING: what a crash now would leave, and what recovery resolves by inquiry.
    expect(r.ledger.refunds.get(res.value.refundRequestId)?.state).toBe('SUBMITTING');
  });

  it('writes the held answer once the disk works again, and clears the alarm', async () => {
    const alarms: (readonly HeldOutcome[])[] = [];
    const r = make((h) => alarms.push(h));
    diskFullAfterAntom(r);
    const res = await r.engine.submit({ intentId: 'intent-full-2', ...PARTIAL });
    if (!res.ok) throw new Error('submit failed');
    const id = res.value.refundRequestId;
    r.faults.heal();
    expect(await r.engine.outcomes.flush(2_000)).toBe(0);
    expect(r.ledger.refunds.get(id)?.state).toBe('SUCCEEDED');
    expect(r.engine.outcomes.list()).toEqual([]);
    expect(alarms.at(-1)).toEqual([]);
    expect(r.antom.refundCalls).toHaveLength(1);
  });

  it('stop() is bounded while the disk stays full (no hang, no timer left behind)', async () => {
    const r = make();
    diskFullAfterAntom(r);
    const res = await r.engine.submit({ intentId: 'intent-full-3', ...PARTIAL });
    if (!res.ok) throw new Error('submit failed');
    const started = Date.now();
    await r.engine.stop();
    // outcomeFlushMs is 300 ms; generous slack for a loaded machine, far below "hung".
    expect(Date.now() - started).toBeLessThan(3_000);
    expect(r.engine.outcomes.get(res.value.refundRequestId)).toBeDefined();
  });

  it('a lease release that fails does not hide a recorded outcome', async () => {
    const r = make();
    // Only the lease release fails (UPDATE ... lease_owner = NULL): the SUCCEEDED write itself lands.
    diskFullAfterAntom(r, { only: /lease_owner = NULL/ });
    const res = await r.engine.submit({ intentId: 'intent-lease-1', ...PARTIAL });
    expect(res.ok && res.value.status).toBe('SUCCESS');
    expect(r.faults.failed).toBe(1);
  });

  it('the same intent in a new process resolves the journaled SUBMITTING refund by inquiry, not a second refund', async () => {
    const r = make();
    diskFullAfterAntom(r);
    const first = await r.engine.submit({ intentId: 'intent-rerun-1', ...PARTIAL });
    if (!first.ok) throw new Error('submit failed');
    await r.engine.stop(); // the CLI run ends with the answer unrecorded
    r.faults.heal(); // disk freed
    // The lease release failed on the full disk too; it expires (a dead owner's lease is taken over at once).
    r.clock.advance(6 * 60_000);
    // A new process: new engine on the same file, same Antom (which did refund).
    const ledger2 = openLedger(r.dbPath, { clock: r.clock.now });
    const engine2 = new RefundEngine({ ledger: ledger2, terminal: r.terminal, antom: r.antom, clock: r.clock.now, settleWaitMs: 2_000 });
    try {
      const again = await engine2.submit({ intentId: 'intent-rerun-1', ...PARTIAL });
      expect(again.ok && again.value.refundRequestId).toBe(first.value.refundRequestId);
      expect(again.ok && again.value.status).toBe('SUCCESS');
      expect(r.antom.refundCalls).toHaveLength(1);
      expect(r.antom.inquiries).toContain(first.value.refundRequestId);
      expect(ledger2.refunds.list({ paymentId: 'PAY1' })).toHaveLength(1);
    } finally {
      await engine2.stop();
      ledger2.close();
    }
  });
});

describe('recover finishes a refund whose answer was never journaled', () => {
  it('a new process’s recover() asks Antom about the same id and records SUCCEEDED, with one refund', async () => {
    const r = make();
    diskFullAfterAntom(r);
    const first = await r.engine.submit({ intentId: 'intent-recover-1', ...PARTIAL });
    if (!first.ok) throw new Error('submit failed');
    await r.engine.stop();
    r.faults.heal();
    r.clock.advance(6 * 60_000); // the lease the full disk kept has expired
    const ledger2 = openLedger(r.dbPath, { clock: r.clock.now });
    const engine2 = new RefundEngine({ ledger: ledger2, terminal: r.terminal, antom: r.antom, clock: r.clock.now });
    try {
      const s = await engine2.recover();
      expect(s.refunds).toContainEqual(expect.objectContaining({ refundRequestId: first.value.refundRequestId, from: 'SUBMITTING', to: 'SUCCEEDED' }));
      expect(r.antom.refundCalls).toHaveLength(1);
    } finally {
      await engine2.stop();
      ledger2.close();
    }
  });
});

describe('low-disk floor', () => {
  it('refuses a new refund before journaling or sending anything, and still lets a journaled one finish', async () => {
    let free = 10 * 1024 * 1024;
    const r = rig();
    rigs.push(r);
    const ledger = openLedger(`${r.dbPath}`, { clock: r.clock.now, minFreeBytes: 1024 * 1024, statfs: () => ({ bavail: free / 4096, bsize: 4096 }) });
    const antom = new FakeAntom();
    antom.addPayment('PAY1', { amount: { value: 5_000, currency: 'SGD' } });
    const engine = new RefundEngine({ ledger, terminal: r.terminal, antom, clock: r.clock.now });
    try {
      // A refund journaled while there was room, interrupted before it was sent.
      const first = await engine.submit({ intentId: 'intent-disk-0', ...PARTIAL, amount: { value: 500, currency: 'SGD' } });
      expect(first.ok && first.value.status).toBe('SUCCESS');
      free = 512 * 1024;
      const refused = await engine.submit({ intentId: 'intent-disk-1', ...PARTIAL });
      expect(refused.ok).toBe(false);
      if (refused.ok) return;
      expect(refused.error.code).toBe('JOURNAL_LOW_DISK');
      expect(refused.error.message).toMatch(/0\.50 MB free, below the 1 MB/);
      expect(refused.error.message).toMatch(/Nothing was sent/);
      expect(ledger.refunds.getByIntent('intent-disk-1')).toBeNull();
      expect(antom.refundCalls).toHaveLength(1);
      // Re-running a journaled intent is not refused: finishing it needs less room than starting a new one.
      const again = await engine.submit({ intentId: 'intent-disk-0', ...PARTIAL, amount: { value: 500, currency: 'SGD' } });
      expect(again.ok && again.value.status).toBe('SUCCESS');
    } finally {
      await engine.stop();
      ledger.close();
    }
  });
});

/**
 * Terminal ownership in store mode (docs/ledger.md): a refund that still waits
 * on a terminal (APPROVED, REFERENCE_REQUESTED) belongs to the register that
 * journaled it. Another counter's recovery must neither ask its own terminal
 * for that refund's reference nor sit on the refund's lease (which would make
 * the owner's recovery skip it as busy elsewhere). The deterministic form of
 * what the store crash campaign (store-crash.pg.test.ts) found by SIGKILL.
 */
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openLedger, type Ledger } from '../../../main/ledger/ledger';
import { PgJournal } from '../../../main/ledger/pg/pg-journal';
import { RefundEngine } from '../../../main/refunds/refund-engine';
import { pgAvailable, pgSuite } from '../../helpers/pg-suite';
import { tempDir } from '../ledger/helpers';
import { FakeAntom, FakeTerminal } from '../refunds/fakes';

interface Counter {
  journal: PgJournal;
  ledger: Ledger;
  terminal: FakeTerminal;
  antom: FakeAntom;
  engine: RefundEngine;
}

describe.skipIf(!pgAvailable)('store mode: terminal ownership on recovery', () => {
  const suite = pgSuite('ownership');
  const dirs: { cleanup: () => void }[] = [];

  afterAll(() => {
    for (const d of dirs) d.cleanup();
  });

  async function store(): Promise<[Counter, Counter]> {
    const url = suite.freshUrl();
    const open = async (register: string): Promise<Counter> => {
      const t = tempDir();
      dirs.push(t);
      const journal = await PgJournal.open({ url, register });
      const ledger = openLedger(path.join(t.dir, 'ledger.sqlite'));
      const terminal = new FakeTerminal();
      const antom = new FakeAntom();
      antom.addPayment('PAY1', { amount: { value: 5_000, currency: 'SGD' } });
      const engine = new RefundEngine({ ledger, journal, terminal, antom, settleWaitMs: 2_000 });
      return { journal, ledger, terminal, antom, engine };
    };
    const a = await open('counter-1');
    const b = await open('counter-2');
    await a.journal.upsertPayment({
      paymentId: 'PAY1',
      amount: { value: 5_000, currency: 'SGD' },
      paymentMethod: 'ALIPAY_CN',
      paidAt: new Date().toISOString(),
      status: 'SUCCESS',
      supportsPartialRefund: true,
    });
    return [a, b];
  }

  async function journalAt(owner: Counter, state: 'APPROVED' | 'REFERENCE_REQUESTED'): Promise<string> {
    const inserted = await owner.journal.insert(
      {
        refundRequestId: `RR-${state}`,
        intentId: `INT-${state}`,
        paymentId: 'PAY1',
        mode: 'PARTIAL',
        amount: { value: 1_000, currency: 'SGD' },
        memo: null,
        state: 'APPROVED',
        cashier: 'ann',
        message: 'Approved.',
        nextAction: 'WAIT',
        approvalReasons: [],
      },
      'ann',
    );
    if (!inserted.ok) throw new Error(inserted.error.message);
    // The owner then died (its lease, if any, is gone with it): the refund is left where it was journaled.
    if (state === 'REFERENCE_REQUESTED') {
      const t = await owner.journal.transition(inserted.value.refund_request_id, 'APPROVED', 'REFERENCE_REQUESTED', { actor: 'system' });
      if (!t.ok) throw new Error(t.error.message);
    }
    return inserted.value.refund_request_id;
  }

  for (const state of ['APPROVED', 'REFERENCE_REQUESTED'] as const) {
    it(`another counter's recovery leaves a ${state} refund to its register: no foreign reference, lease untouched; the owner finishes it`, async () => {
      const [owner, other] = await store();
      const id = await journalAt(owner, state);

      // The owner restarts while the other counter's recovery is still running (or as soon as it took the lease).
      let otherDone = false;
      const otherRun = other.engine.recover().finally(() => (otherDone = true));
      while (!otherDone && (await other.journal.get(id))?.lease_owner === null) await new Promise((r) => setTimeout(r, 5));
      const summary = await owner.engine.recover();
      await otherRun;
      expect(other.terminal.references).toEqual([]);
      expect(summary.busyElsewhere).toBe(0);
      expect(owner.terminal.references.map((r) => r.refundRequestId)).toEqual([id]);
      expect((await owner.journal.get(id))?.state).toBe('SUCCEEDED');

      for (const c of [owner, other]) {
        await c.engine.stop();
        await c.journal.close();
        c.ledger.close();
      }
    });
  }
});

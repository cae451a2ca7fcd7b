/**
 * Store mode, database outage: PostgreSQL stops while a refund is at Antom.
 * The refund is never called failed and never sent twice; a new refund is
 * refused with STORE_UNAVAILABLE before anything is sent; when the database is
 * back the background pass (tick / held answers) finishes the refund.
 */
import { describe, expect, it } from 'vitest';
import { DEFAULT_POLICY } from '../../../main/ledger/policy';
import { openStoreLedger } from '../../../main/ledger/pg/pg-store';
import { RefundEngine } from '../../../main/refunds/refund-engine';
import { PUBLIC_TEST_KEYS } from '../../../main/secrets/ledger-keys';
import { pgAvailable, pgSuite } from '../../helpers/pg-suite';
import { FakeAntom, FakeTerminal } from './fakes';

describe.skipIf(!pgAvailable)('store mode (PostgreSQL): the database goes away mid-refund', () => {
  const suite = pgSuite('outage');

  it('no new refund starts, the one at Antom stays pending (not FAILED), and it finishes once the database is back', async () => {
    const c = suite.cluster;
    const store = await openStoreLedger(suite.freshUrl(), { register: 'counter-1', keys: PUBLIC_TEST_KEYS });
    const antom = new FakeAntom();
    const terminal = new FakeTerminal();
    let n = 0;
    const engine = new RefundEngine({ store, terminal, antom, newRefundRequestId: () => `RROUT${++n}`, outcomeFlushMs: 100 });
    try {
      expect((await store.settings.setPolicy({ ...DEFAULT_POLICY, paymentOlderThanDays: null }, 'test')).ok).toBe(true);
      antom.addPayment('OUT1', { amount: { value: 5_000, currency: 'SGD' } });
      antom.addPayment('OUT2', { amount: { value: 5_000, currency: 'SGD' } });
      expect((await engine.lookupPayment('OUT1')).ok).toBe(true);
      expect((await engine.lookupPayment('OUT2')).ok).toBe(true);

      // The database stops while Antom is working on the refund.
      antom.delayMs = 1_500;
      const inFlight = engine.submit({ intentId: 'out-1', paymentId: 'OUT1', mode: 'PARTIAL', amount: { value: 1_000, currency: 'SGD' }, cashier: 'alice' });
      while (antom.refundCalls.length === 0) await new Promise((r) => setTimeout(r, 10));
      await c.pause();
      const first = await inFlight;
      // Antom said SUCCESS but it could not be journaled: pending (held), or the store's sentence; never FAILED.
      if (first.ok) {
        expect(first.value.state).not.toBe('FAILED');
        expect(first.value.status).not.toBe('FAILED');
      } else {
        expect(first.error.code).toBe('STORE_UNAVAILABLE');
        expect(first.error.details?.['refundRequestId']).toBe('RROUT1');
        expect(first.error.message).toMatch(/stays pending/);
      }

      // A new refund while the database is down: refused in a plain sentence, nothing sent.
      antom.delayMs = 0;
      const refused = await engine.submit({ intentId: 'out-2', paymentId: 'OUT2', mode: 'FULL', cashier: 'alice' });
      expect(refused.ok ? null : refused.error.code).toBe('STORE_UNAVAILABLE');
      expect(refused.ok ? '' : refused.error.message).toMatch(/cannot be reached, so the refund was not started/);
      expect(refused.ok ? null : refused.error.details?.['refundRequestId']).toBeUndefined();
      expect(antom.refundCalls.map((r) => r.refundRequestId)).toEqual(['RROUT1']);
      // The background pass keeps failing quietly while the database is down (it retries next tick).
      await expect(engine.tick()).rejects.toThrow();

      await c.resume();
      // Back: the held answer is written and/or the background pass resumes the refund.
      const deadline = Date.now() + 20_000;
      let state = '';
      while (Date.now() < deadline) {
        await engine.outcomes.flush(200);
        await engine.tick().catch(() => undefined);
        const r = await engine.get('RROUT1');
        state = r.ok ? r.value.state : '';
        if (state === 'SUCCEEDED') break;
        await new Promise((res) => setTimeout(res, 100));
      }
      expect(state).toBe('SUCCEEDED');
      // Sent once; resolved by inquiry or the held answer, never a second refund.
      expect(antom.refundCalls.filter((r) => r.refundRequestId === 'RROUT1')).toHaveLength(1);
      const again = await engine.submit({ intentId: 'out-2', paymentId: 'OUT2', mode: 'FULL', cashier: 'alice' });
      expect(again.ok && again.value.state).toBe('SUCCEEDED');
    } finally {
      await engine.stop();
      await store.close();
    }
  }, 90_000);
});

/**
 * Issue #17, receipts: the terminal's `printed` answer to `refund.result` is
 * journaled (and shown), and a receipt is only given for a final refund, with
 * the store's details and zone, the same on every reprint.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { openLedger } from '../../../main/ledger/ledger';
import { rig, type Rig } from './engine-helpers';
import { outcome } from './fakes';

const rigs: Rig[] = [];
afterEach(() => rigs.splice(0).forEach((r) => r.cleanup()));
function make(...a: Parameters<typeof rig>): Rig {
  const r = rig(...a);
  rigs.push(r);
  return r;
}
const full = (intentId: string, paymentId = 'PAY1') => ({ intentId, paymentId, mode: 'FULL' as const, cashier: 'alice' });

describe('terminal slip (refund.result -> printed)', () => {
  it.each([
    [{ printed: true }, true],
    [{ printed: false }, false],
  ] as const)('journals the answer %j and returns it in the view', async (answer, expected) => {
    const r = make();
    r.terminal.slipAnswer = answer;
    const res = await r.engine.submit(full(`slip-${String(expected)}`));
    expect(res.ok && res.value.state).toBe('SUCCEEDED');
    if (!res.ok) return;
    expect(res.value.printed).toBe(expected);
    // On disk, for another process (the CLI, a reprint after a restart).
    const other = openLedger(r.dbPath);
    expect(other.refunds.get(res.value.refundRequestId)?.terminal_printed).toBe(expected ? 1 : 0);
    expect(other.audit.list({ limit: 50 }).some((e) => e.kind === 'refund.slip' && e.detail['printed'] === expected)).toBe(true);
    other.close();
  });

  it('leaves printed unknown (null) when the terminal errs or never answers, and the refund stays SUCCEEDED', async () => {
    for (const answer of ['error', 'hang'] as const) {
      const r = make({ resultNoticeTimeoutMs: 50 });
      r.terminal.slipAnswer = answer;
      const res = await r.engine.submit(full(`slip-${answer}`));
      expect(res.ok && res.value.state).toBe('SUCCEEDED');
      expect(res.ok && res.value.printed).toBeNull();
    }
  });

  it('journals printed for a failed refund too (the terminal prints a FAILED slip)', async () => {
    const r = make();
    r.antom.refundScript.push(outcome('FAILED', { resultCode: 'DPOS_REFUND_AMOUNT_EXCEED', nextAction: 'NONE' }));
    r.terminal.slipAnswer = { printed: false };
    const res = await r.engine.submit(full('slip-failed'));
    expect(res.ok && res.value.state).toBe('FAILED');
    expect(res.ok && res.value.printed).toBe(false);
  });
});

describe('receipt', () => {
  it('is refused while the refund is not final, then carries store, register, zone, payment and approval', async () => {
    const r = make();
    r.ledger.settings.setStore({ storeName: 'Orchard Rd', register: 'Counter 2' }, 'maria');
    const res = await r.engine.submit(full('rcpt-1', 'BIG')); // over the default SGD limit: awaits approval
    expect(res.ok && res.value.state).toBe('AWAITING_APPROVAL');
    if (!res.ok) return;
    const id = res.value.refundRequestId;
    const early = r.ledger.receipt(id);
    expect(!early.ok && early.error.code).toBe('NOT_FINAL');
    await r.ledger.users.add({ name: 'maria', role: 'manager', pin: '246813' }, 'test');
    const approved = await r.engine.approve({ refundRequestId: id, manager: 'maria', pin: '246813', reason: 'Goods checked' });
    expect(approved.ok && approved.value.state).toBe('SUCCEEDED');
    const receipt = r.ledger.receipt(id);
    expect(receipt.ok).toBe(true);
    if (!receipt.ok) return;
    expect(receipt.value).toMatchObject({
      storeName: 'Orchard Rd',
      register: 'Counter 2',
      timeZone: 'UTC',
      payment: { amount: { value: 50_000, currency: 'SGD' } },
      refund: { refundRequestId: id, cashier: 'alice', printed: true, approvals: [{ manager: 'maria', decision: 'APPROVED', reason: 'Goods checked' }] },
    });
    // A reprint later shows the same facts.
    expect(r.ledger.receipt(id)).toEqual(receipt);
    expect(r.ledger.receipt('nope').ok).toBe(false);
  });

  it('falls back to empty store details when the stored setting is corrupted', () => {
    const r = make();
    r.ledger.db.prepare("INSERT INTO settings (key, body, updated_at, updated_by) VALUES ('store', '{\"storeName\": 42}', 'x', 'y')").run();
    expect(r.ledger.settings.store()).toEqual({ storeName: null, register: null });
  });
});

/**
 * Issue #17, refunds made another way: cash / store credit recorded against a
 * payment is its own category in the day's report and CSV (never in the Antom
 * totals), counts against the payment's refundable balance (so Antom cannot
 * refund the same money again), is refused while an Antom refund is open,
 * is recorded once per entry id, and is audited.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { newRefund, seedPayment, tempLedger } from './helpers';

const cleanups: (() => void)[] = [];
afterEach(() => cleanups.splice(0).forEach((c) => c()));
const at = new Date('2026-11-25T11:00:00.000Z');
function make() {
  const t = tempLedger(() => at);
  cleanups.push(t.cleanup);
  seedPayment(t.ledger, 'PAY1', 10_000, 'SGD');
  return t.ledger;
}
const cash = (over: Record<string, unknown> = {}) => ({
  id: 'entry-0001',
  paymentId: 'PAY1',
  method: 'CASH' as const,
  amount: { value: 4_000, currency: 'SGD' },
  note: 'Antom refused: paid cash',
  ...over,
});

describe('refunds made another way', () => {
  it('is its own category in the report and CSV, apart from Antom refunds, and audited', () => {
    const ledger = make();
    expect(ledger.refunds.insert(newRefund({ refundRequestId: 'RA', amount: { value: 1_000, currency: 'SGD' } }), 'alice').ok).toBe(true);
    // Through the journal's own moves: a raw UPDATE would be (rightly) reported by audit verify as tampering.
    for (const [from, to] of [
      ['APPROVED', 'REFERENCE_REQUESTED'],
      ['REFERENCE_REQUESTED', 'REFERENCE_OBTAINED'],
      ['REFERENCE_OBTAINED', 'SUBMITTING'],
      ['SUBMITTING', 'SUCCEEDED'],
    ] as const) {
      expect(
        ledger.refunds.transition('RA', from, to, {
          actor: 'system',
          ...(to === 'REFERENCE_OBTAINED' ? { patch: { originalMerchantRefundId: 'REF-RA' } } : {}),
        }).ok,
      ).toBe(true);
    }
    expect(ledger.otherRefunds.record(cash(), 'maria').ok).toBe(true);
    expect(ledger.otherRefunds.record(cash({ id: 'entry-0002', method: 'STORE_CREDIT', amount: { value: 500, currency: 'SGD' } }), 'maria').ok).toBe(true);

    const rep = ledger.dailyReport('2026-11-25');
    expect(rep.totals).toEqual([{ currency: 'SGD', status: 'SUCCEEDED', count: 1, amount: { value: 1_000, currency: 'SGD' } }]);
    expect(rep.otherTotals).toEqual([
      { currency: 'SGD', method: 'CASH', count: 1, amount: { value: 4_000, currency: 'SGD' } },
      { currency: 'SGD', method: 'STORE_CREDIT', count: 1, amount: { value: 500, currency: 'SGD' } },
    ]);
    expect(rep.otherRefunds.map((o) => [o.method, o.recordedBy])).toEqual([
      ['STORE_CREDIT', 'maria'],
      ['CASH', 'maria'],
    ]);

    const csv = ledger.dailyReportCsv('2026-11-25').trim().split('\r\n');
    expect(csv).toHaveLength(5);
    expect(csv[4]).toMatch(/^audit_head,\d+:[0-9a-f]{64}$/);
    expect(csv[1]?.endsWith(',ANTOM_REFUND')).toBe(true);
    expect(csv[2]).toContain(',entry-0001,PAY1,maria,CASH,RECORDED,40.00,SGD,');
    expect(csv[2]?.endsWith(',CASH_OUTSIDE_ANTOM')).toBe(true);
    expect(csv[3]?.endsWith(',STORE_CREDIT_OUTSIDE_ANTOM')).toBe(true);

    const audit = ledger.audit.list({ limit: 20 }).filter((e) => e.kind === 'refund.other_recorded');
    expect(audit).toHaveLength(2);
    expect(ledger.verifyAudit()).toMatchObject({ ok: true });
  });

  it('counts against the refundable balance: Antom cannot refund the same money again', () => {
    const ledger = make();
    expect(ledger.otherRefunds.record(cash({ amount: { value: 7_000, currency: 'SGD' } }), 'maria').ok).toBe(true);
    expect(ledger.refundableBalance('PAY1')).toEqual({ value: 3_000, currency: 'SGD' });
    const over = ledger.refunds.insert(newRefund({ amount: { value: 3_001, currency: 'SGD' } }), 'alice');
    expect(!over.ok && over.error.code).toBe('AMOUNT_EXCEEDS_REFUNDABLE');
    const more = ledger.otherRefunds.record(cash({ id: 'entry-0003', amount: { value: 3_001, currency: 'SGD' } }), 'maria');
    expect(!more.ok && more.error.code).toBe('AMOUNT_EXCEEDS_REFUNDABLE');
  });

  it('is recorded once per entry id; the same id with other details is refused', () => {
    const ledger = make();
    const a = ledger.otherRefunds.record(cash(), 'maria');
    const b = ledger.otherRefunds.record(cash(), 'maria');
    expect(a.ok && b.ok && a.value.id === b.value.id).toBe(true);
    expect(ledger.otherRefunds.list()).toHaveLength(1);
    const c = ledger.otherRefunds.record(cash({ amount: { value: 1, currency: 'SGD' } }), 'maria');
    expect(!c.ok && c.error.code).toBe('INVALID_INPUT');
  });

  it('is refused while an Antom refund of the payment is open, for an unknown payment, or in another currency', () => {
    const ledger = make();
    expect(ledger.refunds.insert(newRefund({ refundRequestId: 'ROPEN' }), 'alice').ok).toBe(true);
    const open = ledger.otherRefunds.record(cash(), 'maria');
    expect(!open.ok && open.error.code).toBe('REFUND_IN_FLIGHT');
    const unknown = ledger.otherRefunds.record(cash({ id: 'entry-0004', paymentId: 'NOPE' }), 'maria');
    expect(!unknown.ok && unknown.error.code).toBe('PAYMENT_NOT_FOUND');
    const jpy = ledger.otherRefunds.record(cash({ id: 'entry-0005', amount: { value: 10, currency: 'JPY' } }), 'maria');
    expect(!jpy.ok && jpy.error.code).toBe('INVALID_INPUT');
    expect(ledger.otherRefunds.list()).toHaveLength(0);
  });

  it('a cash refund deleted, edited or added with SQL is named by audit verify (the balance would grow back)', () => {
    const t = tempLedger(() => at);
    cleanups.push(t.cleanup);
    seedPayment(t.ledger, 'PAY1', 10_000, 'SGD');
    expect(t.ledger.otherRefunds.record(cash(), 'maria').ok).toBe(true);
    expect(t.ledger.otherRefunds.record(cash({ id: 'entry-0002', amount: { value: 1_000, currency: 'SGD' } }), 'maria').ok).toBe(true);
    const problems = () => t.ledger.verifyAudit().refundProblems.map((p) => [p.refundRequestId, /deleted|edited|added/.exec(p.problem)?.[0]]);
    expect(problems()).toEqual([]);
    t.ledger.db.prepare("DELETE FROM other_refunds WHERE id = 'entry-0001'").run();
    t.ledger.db.prepare("UPDATE other_refunds SET amount_value = 1 WHERE id = 'entry-0002'").run();
    t.ledger.db
      .prepare(
        "INSERT INTO other_refunds (id, payment_id, method, amount_value, currency, note, related_refund_request_id, recorded_by, created_at) VALUES ('forged', 'PAY1', 'CASH', 5, 'SGD', 'x', NULL, 'maria', '2026-11-25T11:00:00.000Z')",
      )
      .run();
    expect(problems()).toEqual([
      ['entry-0001', 'deleted'],
      ['entry-0002', 'edited'],
      ['forged', 'added'],
    ]);
  });
});

/**
 * Issue #17, reasons: the manager's list (defaults, validation), the reason
 * travelling with a submit into the journal, refused when unknown or retired
 * (before anything is journaled), kept by retry-as-new, and shown in the CSV
 * with the approver, their words and the payment method.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_REASONS } from '../../../main/ledger/store-settings';
import { rig, type Rig } from './engine-helpers';
import { outcome } from './fakes';

const rigs: Rig[] = [];
afterEach(() => rigs.splice(0).forEach((r) => r.cleanup()));
function make(): Rig {
  const r = rig();
  rigs.push(r);
  return r;
}
const full = (intentId: string, reasonCode?: string, paymentId = 'PAY1') => ({
  intentId,
  paymentId,
  mode: 'FULL' as const,
  cashier: 'alice',
  ...(reasonCode ? { reasonCode } : {}),
});

describe('refund reasons', () => {
  it('starts with the default set, all offered', () => {
    const r = make();
    expect(r.ledger.settings.reasons().map((x) => x.code)).toEqual([
      'RETURNED_GOODS',
      'WRONG_AMOUNT',
      'DUPLICATE_PAYMENT',
      'CHANGED_MIND',
      'DAMAGED_ITEM',
      'OTHER',
    ]);
    expect(DEFAULT_REASONS.every((x) => x.active && x.label === null)).toBe(true);
  });

  it('journals the chosen reason (code and wording) and shows it in the view and the audit', async () => {
    const r = make();
    const res = await r.engine.submit(full('why-1', 'DAMAGED_ITEM'));
    expect(res.ok && res.value.reason).toEqual({ code: 'DAMAGED_ITEM', text: 'Damaged item' });
    if (!res.ok) return;
    const row = r.ledger.refunds.get(res.value.refundRequestId);
    expect([row?.reason_code, row?.reason_text]).toEqual(['DAMAGED_ITEM', 'Damaged item']);
    expect(r.ledger.audit.list({ limit: 50 }).find((e) => e.kind === 'refund.intent')?.detail['reasonCode']).toBe('DAMAGED_ITEM');
  });

  it('refuses an unknown or retired reason before anything is journaled or sent', async () => {
    const r = make();
    const list = r.ledger.settings.reasons().map((x) => (x.code === 'CHANGED_MIND' ? { ...x, active: false } : x));
    r.ledger.settings.setReasons(list, 'maria');
    for (const code of ['NO_SUCH_REASON', 'CHANGED_MIND']) {
      const res = await r.engine.submit(full(`why-${code}`, code));
      expect(!res.ok && res.error.code).toBe('INVALID_INPUT');
    }
    expect(r.ledger.listRefunds()).toHaveLength(0);
    expect(r.terminal.references).toHaveLength(0);
  });

  it('keeps the wording of the day: renaming a reason later does not rewrite old refunds', async () => {
    const r = make();
    r.ledger.settings.setReasons([...r.ledger.settings.reasons(), { code: 'CUSTOM_1', label: 'Price match', active: true }], 'maria');
    const res = await r.engine.submit(full('why-custom', 'CUSTOM_1'));
    expect(res.ok && res.value.reason).toEqual({ code: 'CUSTOM_1', text: 'Price match' });
    r.ledger.settings.setReasons(
      r.ledger.settings.reasons().map((x) => (x.code === 'CUSTOM_1' ? { ...x, label: 'Competitor price' } : x)),
      'maria',
    );
    expect(res.ok && (await r.engine.get(res.value.refundRequestId))).toMatchObject({ ok: true, value: { reason: { text: 'Price match' } } });
  });

  it('validates the list: unique codes, one offered at least, a store reason needs wording; audits the change', () => {
    const r = make();
    const bad = [
      [
        { code: 'A', label: 'x', active: true },
        { code: 'A', label: 'y', active: true },
      ],
      [{ code: 'A', label: 'x', active: false }],
      [{ code: 'MINE', label: null, active: true }],
      [],
    ];
    for (const list of bad) expect(() => r.ledger.settings.setReasons(list, 'maria')).toThrow();
    r.ledger.settings.setReasons([{ code: 'OTHER', label: null, active: true }], 'maria');
    expect(r.ledger.audit.list({ limit: 5 }).find((e) => e.kind === 'config.reasons')?.actor).toBe('maria');
  });

  it('a retry as new keeps the reason', async () => {
    const r = make();
    r.antom.refundScript.push(outcome('FAILED', { resultCode: 'DPOS_REFUND_REQUEST_ID_EXPIRED', nextAction: 'NEW_REQUEST_ID' }));
    const first = await r.engine.submit(full('why-retry', 'WRONG_AMOUNT'));
    expect(first.ok && first.value.state).toBe('FAILED');
    if (!first.ok) return;
    const again = await r.engine.retryAsNew({ refundRequestId: first.value.refundRequestId, actor: 'alice' });
    expect(again.ok && again.value.reason?.code).toBe('WRONG_AMOUNT');
  });

  it('the CSV carries reason, approver, approval words and payment method', async () => {
    const r = make();
    await r.ledger.users.add({ name: 'maria', role: 'manager', pin: '246813' }, 'test');
    const res = await r.engine.submit(full('why-csv', 'RETURNED_GOODS', 'BIG'));
    expect(res.ok && res.value.state).toBe('AWAITING_APPROVAL');
    if (!res.ok) return;
    await r.engine.approve({ refundRequestId: res.value.refundRequestId, manager: 'maria', pin: '246813', reason: 'Saw the goods, "boxed"' });
    const [head, line] = r.ledger.dailyReportCsv('2026-11-25').trim().split('\r\n');
    expect(head?.split(',').slice(-6)).toEqual(['reason_code', 'reason', 'approved_by', 'approval_reason', 'payment_method', 'category']);
    expect(line?.endsWith(',RETURNED_GOODS,Returned goods,maria,"Saw the goods, ""boxed""",ALIPAY_CN,ANTOM_REFUND')).toBe(true);
  });
});

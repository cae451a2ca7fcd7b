/**
 * Issue #12 item 4: a terminal reference (originalMerchantRefundId) is
 * single-use. A terminal that replays a reference it issued for another refund
 * used to get both refunds sent to Antom under one reference.
 */
import BetterSqlite3 from 'better-sqlite3';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { err, ok, type Result } from '../../../preload/contract/result';
import type { RefundReferenceRequest, TerminalErrorCode } from '../../../main/refunds/ports';
import { openLedger } from '../../../main/ledger/ledger';
import { migrate } from '../../../main/ledger/migrations';
import { REFERENCE_REUSED_CODE } from '../../../main/refunds/refund-engine';
import { describeResultCode } from '../../../preload/contract/result-codes';
import { referenceReplayCheck } from '../../../main/cli/commands/doctor';
import { VirtualTerminal } from '../../../native-bridge/sim/virtual-terminal';
import { memoryRig, pairIt } from '../native-bridge/helpers';
import { rig, type Rig } from './engine-helpers';
import { FakeTerminal } from './fakes';
import { newRefund, seedPayment, tempDir, tempLedger } from '../ledger/helpers';

/** Returns the same reference for every refund (a faulty, cloned or reset terminal). */
class ReplayingTerminal extends FakeTerminal {
  constructor(private readonly replay: string) {
    super();
  }
  override async requestRefundReference(req: RefundReferenceRequest): Promise<Result<{ originalMerchantRefundId: string }, TerminalErrorCode>> {
    this.references.push(req);
    return this.failures.length > 0 ? err(this.failures.shift() ?? 'INTERNAL', 'x') : ok({ originalMerchantRefundId: this.replay });
  }
}

const cleanups: (() => void)[] = [];
afterEach(() => cleanups.splice(0).forEach((c) => c()));
function make(): Rig {
  const r = rig({ terminal: new ReplayingTerminal('OMR-SAME') });
  cleanups.push(r.cleanup);
  return r;
}

describe('terminal references are single-use', () => {
  it('the second refund that gets a replayed reference stops FAILED with nothing sent, and the technician is told', async () => {
    const r = make();
    r.antom.addPayment('PAY2', { amount: { value: 5_000, currency: 'SGD' } });
    const first = await r.engine.submit({ intentId: 'i-1', paymentId: 'PAY1', mode: 'FULL', cashier: 'alice' });
    expect(first.ok && first.value.state).toBe('SUCCEEDED');
    const second = await r.engine.submit({ intentId: 'i-2', paymentId: 'PAY2', mode: 'FULL', cashier: 'alice' });
    expect(second.ok).toBe(true);
    if (!second.ok) return;
    expect(second.value).toMatchObject({ state: 'FAILED', resultCode: REFERENCE_REUSED_CODE, nextAction: 'CALL_SUPPORT', originalMerchantRefundId: null });
    expect(second.value.message).toContain('Nothing has been sent to Antom');
    // the screen localises by resultCode: a final failure, not "still being checked"
    expect(describeResultCode(REFERENCE_REUSED_CODE)).toMatchObject({ status: 'FAILED', nextAction: 'CALL_SUPPORT' });
    // exactly one call to Antom, for the first refund
    expect(r.antom.refundCalls.map((c) => c.refundRequestId)).toEqual([first.ok ? first.value.refundRequestId : '']);
    const audit = r.ledger.audit.list({ limit: 100 }).filter((a) => a.kind === 'terminal.reference_reused');
    expect(audit).toHaveLength(1);
    expect(audit[0]?.detail).toMatchObject({
      refundRequestId: second.value.refundRequestId,
      originalMerchantRefundId: 'OMR-SAME',
      usedBy: first.ok ? first.value.refundRequestId : '',
    });
    // the payment can still be refunded once the terminal is fixed: FAILED does not count against it
    expect(r.ledger.refundableBalance('PAY2')?.value).toBe(5_000);
  });

  it('a replay after a crash (recover) is refused the same way', async () => {
    const r = make();
    r.antom.addPayment('PAY2', { amount: { value: 5_000, currency: 'SGD' } });
    await r.engine.submit({ intentId: 'i-1', paymentId: 'PAY1', mode: 'FULL', cashier: 'alice' });
    await r.engine.lookupPayment('PAY2');
    r.ledger.refunds.insert(newRefund({ refundRequestId: 'RX', intentId: 'i-x', paymentId: 'PAY2' }), 'alice');
    r.ledger.refunds.transition('RX', 'APPROVED', 'REFERENCE_REQUESTED', { actor: 'system' });
    const s = await r.engine.recover();
    expect(s.final).toBe(1);
    expect(r.ledger.refunds.get('RX')).toMatchObject({ state: 'FAILED', result_code: REFERENCE_REUSED_CODE });
    expect(r.antom.refundCalls).toHaveLength(1);
  });

  it('asking again for the same refund (same refundRequestId) may get the same reference back', async () => {
    const { ledger, cleanup } = tempLedger();
    cleanups.push(cleanup);
    seedPayment(ledger);
    ledger.refunds.insert(newRefund({ refundRequestId: 'R1', intentId: 'i1' }), 'alice');
    ledger.refunds.transition('R1', 'APPROVED', 'REFERENCE_REQUESTED', { actor: 'system' });
    expect(
      ledger.refunds.transition('R1', 'REFERENCE_REQUESTED', 'REFERENCE_OBTAINED', { actor: 'system', patch: { originalMerchantRefundId: 'OMR-1' } }).ok,
    ).toBe(true);
    expect(ledger.refunds.update('R1', 'REFERENCE_OBTAINED', { originalMerchantRefundId: 'OMR-1' }).ok).toBe(true);
  });

  it('SQLite itself refuses a second row with the same reference (a raw write, not only the code)', () => {
    const { ledger, cleanup } = tempLedger();
    cleanups.push(cleanup);
    seedPayment(ledger, 'PAY1');
    seedPayment(ledger, 'PAY2');
    ledger.refunds.insert(newRefund({ refundRequestId: 'R1', intentId: 'i1', paymentId: 'PAY1' }), 'alice');
    ledger.refunds.insert(newRefund({ refundRequestId: 'R2', intentId: 'i2', paymentId: 'PAY2' }), 'alice');
    ledger.db.prepare("UPDATE refunds SET original_merchant_refund_id = 'OMR-X' WHERE refund_request_id = 'R1'").run();
    expect(() => ledger.db.prepare("UPDATE refunds SET original_merchant_refund_id = 'OMR-X' WHERE refund_request_id = 'R2'").run()).toThrow(/UNIQUE/);
    // and through the store: a typed refusal naming the holder
    ledger.refunds.transition('R2', 'APPROVED', 'REFERENCE_REQUESTED', { actor: 'system' });
    const t = ledger.refunds.transition('R2', 'REFERENCE_REQUESTED', 'REFERENCE_OBTAINED', { actor: 'system', patch: { originalMerchantRefundId: 'OMR-X' } });
    expect(t.ok ? null : t.error).toMatchObject({ code: 'REFERENCE_REUSED', details: { refundRequestId: 'R1' } });
    expect(ledger.refunds.get('R2')?.state).toBe('REFERENCE_REQUESTED');
  });

  it('the migration keeps a journal that already holds a replayed pair (marks the later copy, indexes the rest)', () => {
    const t = tempDir();
    cleanups.push(t.cleanup);
    const file = path.join(t.dir, 'old.sqlite');
    const raw = new BetterSqlite3(file);
    expect(migrate(raw, 3)).toBe(3);
    raw.prepare("INSERT INTO payments VALUES ('P1', 500, 'SGD', 'ALIPAY_CN', '2026-01-01T00:00:00Z', 'SUCCESS', 1, '2026-01-01T00:00:00Z')").run();
    raw.prepare("INSERT INTO payments VALUES ('P2', 500, 'SGD', 'ALIPAY_CN', '2026-01-01T00:00:00Z', 'SUCCESS', 1, '2026-01-01T00:00:00Z')").run();
    const ins = raw.prepare(
      `INSERT INTO refunds (refund_request_id, intent_id, payment_id, mode, amount_value, currency, memo, state, original_merchant_refund_id, message, next_action, cashier, created_at, updated_at)
       VALUES (?, ?, ?, 'FULL', 500, 'SGD', NULL, 'SUCCEEDED', 'OMR-DUP', 'm', 'NONE', 'alice', '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z')`,
    );
    ins.run('RR1', 'I1', 'P1');
    ins.run('RR2', 'I2', 'P2');
    raw.close();
    const ledger = openLedger(file);
    cleanups.push(() => ledger.close());
    const rows = ledger.db.prepare('SELECT refund_request_id, original_merchant_refund_id, reference_reused FROM refunds ORDER BY rowid').all();
    expect(rows).toEqual([
      { refund_request_id: 'RR1', original_merchant_refund_id: 'OMR-DUP', reference_reused: 0 },
      { refund_request_id: 'RR2', original_merchant_refund_id: 'OMR-DUP', reference_reused: 1 },
    ]);
    // from now on the reference is taken
    seedPayment(ledger, 'P3', 500);
    ledger.refunds.insert(newRefund({ refundRequestId: 'RR3', intentId: 'I3', paymentId: 'P3', amount: { value: 100, currency: 'SGD' } }), 'alice');
    expect(() => ledger.db.prepare("UPDATE refunds SET original_merchant_refund_id = 'OMR-DUP' WHERE refund_request_id = 'RR3'").run()).toThrow(/UNIQUE/);
  });

  it('against the virtual terminal with its replay fault: refused, nothing sent, and doctor tells the technician', async () => {
    const terminal = new VirtualTerminal({ serial: 'AT-REPLAY-1' });
    const { link } = memoryRig(terminal);
    link.start();
    cleanups.push(() => void link.stop());
    await pairIt(link, terminal);
    const r = rig({ terminal: link });
    cleanups.push(r.cleanup);
    r.antom.addPayment('PAY2', { amount: { value: 5_000, currency: 'SGD' } });
    const first = await r.engine.submit({ intentId: 'v-1', paymentId: 'PAY1', mode: 'FULL', cashier: 'alice' });
    expect(first.ok && first.value.state).toBe('SUCCEEDED');
    expect(terminal.setFaults({ replayReference: true }).ok).toBe(true);
    const second = await r.engine.submit({ intentId: 'v-2', paymentId: 'PAY2', mode: 'FULL', cashier: 'alice' });
    expect(second.ok && second.value).toMatchObject({ state: 'FAILED', resultCode: REFERENCE_REUSED_CODE });
    expect(r.antom.refundCalls).toHaveLength(1);
    const check = referenceReplayCheck(r.ledger.refunds.referenceReplays(), r.clock.now());
    expect(check).toMatchObject({ id: 'terminal-references', ok: false });
    expect(check.summary).toContain(second.ok ? second.value.refundRequestId : '?');
    // long ago: history, a warning only
    r.clock.advance(31 * 24 * 3600_000);
    expect(referenceReplayCheck(r.ledger.refunds.referenceReplays(), r.clock.now())).toMatchObject({ ok: true, warning: true });
    expect(referenceReplayCheck([], r.clock.now())).toMatchObject({ ok: true });
  });
});

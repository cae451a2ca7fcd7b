/**
 * The approvals push in one-counter mode, through the real services: a refund
 * that starts waiting for a manager, and its decision, each reach the event
 * bus (which Electron IPC and the browser host's /api/events forward) as
 * `approvalsChanged`, without anyone asking; the manager's pending list has
 * it with this counter's register. Fails without the feed in app-services.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { signInAs, startHarness, waitForTerminal, type Harness } from '../security/helpers';

const harnesses: Harness[] = [];
afterEach(async () => {
  for (const h of harnesses.splice(0)) await h.close();
});

async function until(cond: () => boolean, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('not within the generous timeout');
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('approvals feed (one counter)', () => {
  it('pushes approvalsChanged when a refund starts waiting for a manager and when it is decided', async () => {
    const h = await startHarness('rt-feed-');
    harnesses.push(h);
    await waitForTerminal(h);
    const heard: string[] = [];
    h.services.events.on('approvalsChanged', (e) => heard.push(e.refundRequestId));
    await signInAs(h, 'maria', '246813');
    const policy = await h.call('setPolicy', { amountThresholds: { SGD: 1 }, approveAnyPartial: false, paymentOlderThanDays: null, cashierDailyTotals: {} });
    expect(policy.ok).toBe(true);
    await h.call('signOut', {});
    await signInAs(h, 'alice', '1470');
    expect((await h.call('lookupPayment', { paymentId: 'DEMO-SGD-ALIPAY-0001' })).ok).toBe(true);
    const submitted = await h.call('submitRefund', { intentId: 'feed-intent-0001', paymentId: 'DEMO-SGD-ALIPAY-0001', mode: 'FULL' });
    if (!submitted.ok) throw new Error(submitted.error.message);
    expect(submitted.value.status).toBe('AWAITING_APPROVAL');
    const id = submitted.value.refundRequestId;
    await until(() => heard.includes(id));

    await h.call('signOut', {});
    await signInAs(h, 'maria', '246813');
    const pending = await h.call('listPendingApprovals', {});
    expect(pending).toEqual({ ok: true, value: [expect.objectContaining({ refundRequestId: id, register: 'counter-1', cashier: 'alice' })] });
    const before = heard.length;
    const approved = await h.call('approveRefund', { refundRequestId: id, pin: '246813', reason: 'checked the goods' });
    expect(approved.ok).toBe(true);
    await until(() => heard.length > before && heard.at(-1) === id);
    expect(await h.call('listPendingApprovals', {})).toEqual({ ok: true, value: [] });
  }, 60_000);
});

import { beforeEach, describe, expect, it } from 'vitest';
import type { RefundTerminalApi } from '../../../preload/contract/api';
import type { PaymentView, RefundView } from '../../../preload/contract/refunds';
import { installApi } from '../../../renderer/src/api/client';
import { useCashier } from '../../../renderer/src/stores/cashier';
import { outcomeOf, newer } from '../../../renderer/src/lib/refund-state';

const payment: PaymentView = {
  paymentId: 'PAY-1',
  amount: { value: 2500, currency: 'SGD' },
  paymentMethod: 'ALIPAY_CN',
  paidAt: '2026-11-25T10:00:00Z',
  status: 'SUCCESS',
  refundable: { value: 2500, currency: 'SGD' },
  supportsPartialRefund: true,
  balanceSource: 'THIS_TERMINAL',
  refundedHere: { value: 0, currency: 'SGD' },
  refundedAtAntom: null,
  refusedAt: null,
  history: [],
  refundWindowDays: 365,
  refundWindowEndsAt: null,
  refundWindowExpired: false,
  refundClosedCode: null,
  syncRefund: true,
  inFlight: null,
  lookedUpAt: '2026-11-25T10:00:00Z',
};

function refund(over: Partial<RefundView>): RefundView {
  return {
    refundRequestId: 'RR1',
    intentId: 'x',
    paymentId: 'PAY-1',
    mode: 'FULL',
    amount: { value: 2500, currency: 'SGD' },
    memo: null,
    reason: null,
    state: 'SUCCEEDED',
    status: 'SUCCESS',
    originalMerchantRefundId: null,
    refundId: 'RF1',
    resultCode: 'SUCCESS',
    message: 'ok',
    nextAction: 'NONE',
    cashier: 'alice',
    approvals: [],
    approvalReasons: [],
    printed: null,
    createdAt: '2026-11-25T10:00:00Z',
    updatedAt: '2026-11-25T10:00:01Z',
    ...over,
  };
}

type Submit = Parameters<RefundTerminalApi['submitRefund']>[0];

function fakeApi(submitResults: Array<() => Promise<Awaited<ReturnType<RefundTerminalApi['submitRefund']>>>>): { submits: Submit[] } {
  const submits: Submit[] = [];
  const api = {
    lookupPayment: async () => ({ ok: true as const, value: payment }),
    evaluateRefund: async () => ({
      ok: true as const,
      value: { needsApproval: false, reasons: [], amount: payment.refundable, refundable: payment.refundable, selfApprovalAllowed: false },
    }),
    submitRefund: async (req: Submit) => {
      submits.push(req);
      const next = submitResults.shift();
      if (!next) throw new Error('unexpected submit');
      return next();
    },
    on: () => () => undefined,
  };
  installApi(api as unknown as RefundTerminalApi);
  return { submits };
}

describe('cashier flow store', () => {
  beforeEach(() => useCashier.getState().reset());

  it('scan -> review with FULL preselected and one intent', async () => {
    fakeApi([]);
    await useCashier.getState().submitScan('antom:payment:PAY-1\r\n');
    const s = useCashier.getState();
    expect(s.step).toBe('review');
    expect(s.mode).toBe('FULL');
    expect(s.intent?.paymentId).toBe('PAY-1');
    expect(s.intent?.intentId).toMatch(/^[A-Za-z0-9-]{8,64}$/);
  });

  it('garbage scans never reach the API', async () => {
    fakeApi([]);
    await useCashier.getState().submitScan('not a payment id!');
    expect(useCashier.getState().scanError).toBe('INVALID');
    expect(useCashier.getState().step).toBe('scan');
  });

  it('confirming twice sends one request; the outcome follows the refund state', async () => {
    let release: () => void = () => undefined;
    const gate = new Promise<void>((r) => (release = r));
    const f = fakeApi([
      async () => {
        await gate;
        return { ok: true, value: refund({}) };
      },
    ]);
    await useCashier.getState().lookup('PAY-1');
    const first = useCashier.getState().submit();
    const second = useCashier.getState().submit();
    expect(useCashier.getState().step).toBe('progress');
    release();
    await Promise.all([first, second]);
    expect(f.submits).toHaveLength(1);
    expect(f.submits[0]).toMatchObject({ paymentId: 'PAY-1', mode: 'FULL' });
    expect(f.submits[0]).not.toHaveProperty('amount');
    expect(useCashier.getState().step).toBe('outcome');
  });

  it('after a network failure, confirming again re-sends the SAME intentId', async () => {
    const f = fakeApi([
      async () => ({ ok: false, error: { code: 'UNAVAILABLE', message: 'down' } }),
      async () => ({ ok: true, value: refund({ state: 'PENDING_UNKNOWN', status: 'PENDING' }) }),
    ]);
    await useCashier.getState().lookup('PAY-1');
    await useCashier.getState().submit();
    expect(useCashier.getState().step).toBe('review');
    expect(useCashier.getState().submitError?.code).toBe('UNAVAILABLE');
    await useCashier.getState().submit();
    expect(f.submits).toHaveLength(2);
    expect(f.submits[1]?.intentId).toBe(f.submits[0]?.intentId);
    expect(useCashier.getState().step).toBe('outcome');
  });

  it('a partial amount is parsed exactly and gets its own intent', async () => {
    const f = fakeApi([async () => ({ ok: true, value: refund({ mode: 'PARTIAL', amount: { value: 1050, currency: 'SGD' } }) })]);
    await useCashier.getState().lookup('PAY-1');
    const fullIntent = useCashier.getState().intent?.intentId;
    useCashier.getState().choosePartial();
    expect(useCashier.getState().step).toBe('amount');
    useCashier.getState().setAmountText('25.01');
    expect(useCashier.getState().reviewPartial()).toBe(false);
    expect(useCashier.getState().amountError).toBe('OVER_REFUNDABLE');
    useCashier.getState().setAmountText('10.505');
    expect(useCashier.getState().reviewPartial()).toBe(false);
    expect(useCashier.getState().amountError).toBe('TOO_MANY_DECIMALS');
    useCashier.getState().setAmountText('10.5');
    expect(useCashier.getState().reviewPartial()).toBe(true);
    const partialIntent = useCashier.getState().intent;
    expect(partialIntent?.intentId).not.toBe(fullIntent);
    expect(partialIntent?.amount).toEqual({ value: 1050, currency: 'SGD' });
    await useCashier.getState().submit();
    expect(f.submits[0]).toMatchObject({ mode: 'PARTIAL', amount: { value: 1050, currency: 'SGD' }, intentId: partialIntent?.intentId });
  });

  it('live refundUpdated events move progress to the final outcome', async () => {
    fakeApi([async () => ({ ok: true, value: refund({ state: 'SUBMITTING', status: 'IN_PROGRESS', updatedAt: '2026-11-25T10:00:01Z' }) })]);
    await useCashier.getState().lookup('PAY-1');
    await useCashier.getState().submit();
    expect(useCashier.getState().step).toBe('progress');
    useCashier.getState().refundUpdated(refund({ refundRequestId: 'OTHER', state: 'FAILED' }));
    expect(useCashier.getState().step).toBe('progress');
    useCashier.getState().refundUpdated(refund({ state: 'SUCCEEDED', updatedAt: '2026-11-25T10:00:05Z' }));
    expect(useCashier.getState().step).toBe('outcome');
    expect(useCashier.getState().refund?.state).toBe('SUCCEEDED');
  });

  it('the cashier can leave the progress screen while the confirm call still runs; its late answer does not pull them back', async () => {
    let release: () => void = () => undefined;
    const gate = new Promise<void>((r) => (release = r));
    fakeApi([
      async () => {
        await gate;
        return { ok: true, value: refund({ state: 'REFERENCE_REQUESTED', status: 'IN_PROGRESS', resultCode: 'TERMINAL_NOT_CONNECTED' }) };
      },
    ]);
    await useCashier.getState().lookup('PAY-1');
    const pending = useCashier.getState().submit();
    expect(useCashier.getState()).toMatchObject({ step: 'progress', submitting: true });
    useCashier.getState().leaveProgress();
    expect(useCashier.getState()).toMatchObject({ step: 'scan', submitting: false, payment: null });
    // events for that refund no longer move this screen either
    useCashier.getState().refundUpdated(refund({ state: 'SUCCEEDED', intentId: 'x' }));
    release();
    await pending;
    expect(useCashier.getState()).toMatchObject({ step: 'scan', refund: null, submitError: null });
  });
});

describe('refund state helpers', () => {
  it('maps every state to an outcome', () => {
    expect(outcomeOf('SUCCEEDED')).toBe('success');
    expect(outcomeOf('FAILED')).toBe('failed');
    expect(outcomeOf('DECLINED')).toBe('declined');
    expect(outcomeOf('PENDING_UNKNOWN')).toBe('pending');
    expect(outcomeOf('PENDING_IN_PROCESS')).toBe('pending');
    expect(outcomeOf('AWAITING_APPROVAL')).toBe('awaiting-approval');
    expect(outcomeOf('SUBMITTING')).toBe('in-progress');
  });
  it('never lets a late in-progress event overwrite a final state', () => {
    const done = refund({ state: 'SUCCEEDED', updatedAt: '2026-11-25T10:00:05Z' });
    const late = refund({ state: 'SUBMITTING', updatedAt: '2026-11-25T10:00:09Z' });
    expect(newer(done, late).state).toBe('SUCCEEDED');
  });

  it('a lost race (REFUND_IN_FLIGHT / BALANCE_CHANGED) shows the payment as it is now and blocks a stale full refund', async () => {
    const now = {
      ...payment,
      refundable: { value: 1500, currency: 'SGD' },
      inFlight: {
        refundRequestId: 'RRX',
        cashier: 'bob',
        state: 'SUBMITTING',
        startedAt: '2026-11-25T10:00:00Z',
        amount: { value: 1000, currency: 'SGD' },
        where: 'till-2',
      },
    };
    const { submits } = fakeApi([
      async () => ({ ok: false as const, error: { code: 'REFUND_IN_FLIGHT' as const, message: 'bob is refunding', details: { payment: now } } }),
    ]);
    await useCashier.getState().lookup('PAY-1');
    await useCashier.getState().submit();
    expect(submits[0]?.expectedAmount).toEqual({ value: 2500, currency: 'SGD' });
    const s = useCashier.getState();
    expect(s.step).toBe('review');
    expect(s.submitError?.code).toBe('REFUND_IN_FLIGHT');
    expect(s.payment?.refundable.value).toBe(1500);
    expect(s.payment?.inFlight?.cashier).toBe('bob');
  });
});

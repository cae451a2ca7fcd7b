/**
 * The cashier's refund flow: scan -> review (payment + full/partial + confirm)
 * -> [amount entry for partial] -> progress -> outcome.
 *
 * The intent (and its intentId) is created once per distinct refund the cashier
 * is looking at; pressing confirm twice, or again after a network failure,
 * re-sends the same intentId, which the engine treats idempotently.
 */
import { create } from 'zustand';
import type { Money } from '../../../preload/contract/money';
import type { PaymentView, RefundView } from '../../../preload/contract/refunds';
import { api, type ApiFailure } from '../api/client';
import { checkRefundAmount, memoTooLong, type AmountError } from '../lib/amount';
import { newer, outcomeOf } from '../lib/refund-state';
import { parseScan } from '../lib/scan';

export type CashierStep = 'scan' | 'review' | 'amount' | 'progress' | 'outcome';
export type RefundMode = 'FULL' | 'PARTIAL';

export interface RefundIntent {
  readonly intentId: string;
  readonly paymentId: string;
  readonly mode: RefundMode;
  readonly amount: Money | undefined;
  readonly memo: string | undefined;
  readonly reasonCode?: string | undefined;
}

interface CashierState {
  readonly step: CashierStep;
  readonly scanText: string;
  readonly scanError: 'EMPTY' | 'INVALID' | null;
  readonly lookupBusy: boolean;
  readonly lookupError: ApiFailure | null;
  readonly payment: PaymentView | null;
  readonly mode: RefundMode;
  readonly amountText: string;
  readonly amountError: AmountError | null;
  readonly partialAmount: Money | null;
  readonly memo: string;
  /** The refund reason picked on the review screen (ReasonPicker). */
  readonly reasonCode: string | null;
  readonly intent: RefundIntent | null;
  readonly submitting: boolean;
  readonly submitError: ApiFailure | null;
  readonly refund: RefundView | null;
  readonly actionBusy: boolean;
  readonly actionError: ApiFailure | null;

  setScanText(text: string): void;
  submitScan(raw?: string): Promise<void>;
  lookup(paymentId: string): Promise<void>;
  chooseFull(): void;
  choosePartial(): void;
  setAmountText(text: string): void;
  reviewPartial(): boolean;
  setMemo(memo: string): void;
  setReason(code: string | null): void;
  back(): void;
  submit(): Promise<void>;
  refundUpdated(view: RefundView): void;
  refreshRefund(): Promise<void>;
  openRefund(view: RefundView): void;
  approve(manager: string, pin: string, reason: string): Promise<boolean>;
  decline(manager: string, pin: string, reason: string): Promise<boolean>;
  retryAsNew(): Promise<void>;
  reset(): void;
}

const initial = {
  step: 'scan' as CashierStep,
  scanText: '',
  scanError: null,
  lookupBusy: false,
  lookupError: null,
  payment: null,
  mode: 'FULL' as RefundMode,
  amountText: '',
  amountError: null,
  partialAmount: null,
  memo: '',
  reasonCode: null,
  intent: null,
  submitting: false,
  submitError: null,
  refund: null,
  actionBusy: false,
  actionError: null,
};

export function newIntentId(): string {
  if (typeof crypto.randomUUID === 'function') return crypto.randomUUID();
  // randomUUID needs a secure context; getRandomValues does not.
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = ((b[6] ?? 0) & 0x0f) | 0x40;
  b[8] = ((b[8] ?? 0) & 0x3f) | 0x80;
  const h = [...b].map((x) => x.toString(16).padStart(2, '0')).join('');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

function sameIntent(a: RefundIntent | null, paymentId: string, mode: RefundMode, amount: Money | undefined, memo: string | undefined, reasonCode?: string): boolean {
  return (
    a !== null &&
    a.paymentId === paymentId &&
    a.mode === mode &&
    a.memo === memo &&
    a.reasonCode === reasonCode &&
    a.amount?.value === amount?.value &&
    a.amount?.currency === amount?.currency
  );
}

export const useCashier = create<CashierState>((set, get) => {
  /** (Re)creates the intent only when what would be sent has changed. */
  const ensureIntent = (): void => {
    const s = get();
    if (!s.payment || s.submitting) return;
    const amount = s.mode === 'PARTIAL' ? (s.partialAmount ?? undefined) : undefined;
    if (s.mode === 'PARTIAL' && amount === undefined) return;
    const memo = s.memo.trim() === '' ? undefined : s.memo.trim();
    const reasonCode = s.reasonCode ?? undefined;
    if (sameIntent(s.intent, s.payment.paymentId, s.mode, amount, memo, reasonCode)) return;
    set({ intent: { intentId: newIntentId(), paymentId: s.payment.paymentId, mode: s.mode, amount, memo, reasonCode }, submitError: null });
  };

  const afterRefund = (view: RefundView): void => {
    const merged = newer(get().refund, view);
    const outcome = outcomeOf(merged.state);
    set({ refund: merged, step: outcome === 'in-progress' ? 'progress' : 'outcome' });
  };

  const decide = async (kind: 'approve' | 'decline', manager: string, pin: string, reason: string): Promise<boolean> => {
    const s = get();
    if (!s.refund || s.actionBusy) return false;
    set({ actionBusy: true, actionError: null });
    const request = { refundRequestId: s.refund.refundRequestId, manager: manager.trim(), pin, reason: reason.trim() };
    const r = kind === 'approve' ? await api().approveRefund(request) : await api().declineRefund(request);
    set({ actionBusy: false });
    if (!r.ok) {
      set({ actionError: r.error });
      return false;
    }
    afterRefund(r.value);
    return true;
  };

  return {
    ...initial,
    setScanText(text) {
      set({ scanText: text, scanError: null });
    },
    async submitScan(raw) {
      const parsed = parseScan(raw ?? get().scanText);
      if (!parsed.ok) {
        set({ scanError: parsed.reason, lookupError: null });
        return;
      }
      set({ scanText: '', scanError: null });
      await get().lookup(parsed.paymentId);
    },
    async lookup(paymentId) {
      if (get().lookupBusy || get().submitting) return;
      set({ lookupBusy: true, lookupError: null, scanError: null });
      const r = await api().lookupPayment({ paymentId });
      if (!r.ok) {
        set({ lookupBusy: false, lookupError: r.error, step: 'scan' });
        return;
      }
      set({
        ...initial,
        payment: r.value,
        step: 'review',
      });
      ensureIntent();
    },
    chooseFull() {
      set({ mode: 'FULL', step: 'review', amountError: null });
      ensureIntent();
    },
    choosePartial() {
      const s = get();
      if (!s.payment || s.payment.supportsPartialRefund === false) return;
      set({ mode: 'PARTIAL', step: 'amount', amountError: null });
    },
    setAmountText(text) {
      set({ amountText: text, amountError: null });
    },
    reviewPartial() {
      const s = get();
      if (!s.payment) return false;
      const check = checkRefundAmount(s.amountText, s.payment.refundable);
      if (!check.ok) {
        set({ amountError: check.code });
        return false;
      }
      set({ mode: 'PARTIAL', partialAmount: check.amount, amountError: null, step: 'review' });
      ensureIntent();
      return true;
    },
    setMemo(memo) {
      set({ memo });
      if (!memoTooLong(memo)) ensureIntent();
    },
    setReason(code) {
      if (get().submitting) return;
      set({ reasonCode: code });
      ensureIntent();
    },
    back() {
      const s = get();
      if (s.submitting) return;
      if (s.step === 'amount') {
        if (s.partialAmount) set({ step: 'review', amountError: null });
        else {
          set({ mode: 'FULL', step: 'review', amountError: null });
          ensureIntent();
        }
        return;
      }
      if (s.step === 'review' || s.step === 'outcome' || s.step === 'progress') {
        set({ ...initial });
      }
    },
    async submit() {
      const s = get();
      if (s.submitting || !s.intent || !s.payment) return;
      if (memoTooLong(s.memo)) return;
      const intent = s.intent;
      set({ submitting: true, submitError: null, refund: null, step: 'progress' });
      const r = await api().submitRefund({
        intentId: intent.intentId,
        paymentId: intent.paymentId,
        mode: intent.mode,
        ...(intent.amount ? { amount: intent.amount } : {}),
        ...(intent.memo ? { memo: intent.memo } : {}),
        ...(intent.reasonCode ? { reasonCode: intent.reasonCode } : {}),
      });
      if (!r.ok) {
        // Back to review with the SAME intent: confirming again is safe.
        set({ submitting: false, submitError: r.error, step: 'review' });
        return;
      }
      set({ submitting: false });
      afterRefund(r.value);
    },
    refundUpdated(view) {
      const s = get();
      const mine =
        (s.refund !== null && s.refund.refundRequestId === view.refundRequestId) ||
        (s.refund === null && s.submitting && s.intent !== null && s.intent.intentId === view.intentId);
      if (!mine) return;
      if (s.submitting) {
        set({ refund: newer(s.refund, view) });
        return;
      }
      if (s.step === 'progress' || s.step === 'outcome') afterRefund(view);
    },
    async refreshRefund() {
      const s = get();
      if (!s.refund || s.submitting) return;
      const r = await api().getRefund({ refundRequestId: s.refund.refundRequestId });
      if (r.ok) get().refundUpdated(r.value);
    },
    openRefund(view) {
      set({ ...initial, refund: view, step: outcomeOf(view.state) === 'in-progress' ? 'progress' : 'outcome' });
      void get().refreshRefund();
    },
    approve(manager, pin, reason) {
      return decide('approve', manager, pin, reason);
    },
    decline(manager, pin, reason) {
      return decide('decline', manager, pin, reason);
    },
    async retryAsNew() {
      const s = get();
      if (!s.refund || s.actionBusy) return;
      set({ actionBusy: true, actionError: null });
      const r = await api().retryRefundAsNew({ refundRequestId: s.refund.refundRequestId });
      if (!r.ok) {
        set({ actionBusy: false, actionError: r.error });
        return;
      }
      set({ actionBusy: false, refund: null });
      afterRefund(r.value);
    },
    reset() {
      set({ ...initial });
    },
  };
});

/**
 * The cashier's refund flow: scan -> review (payment + full/partial + confirm)
 * -> [amount entry for partial] -> progress -> outcome.
 *
 * The intent (and its intentId) is created once per distinct refund the cashier
 * is looking at; pressing confirm twice, or again after a network failure,
 * re-sends the same intentId, which the engine treats idempotently.
 */
import { create } from 'zustand';
import type { Money, ParseAmountDetails } from '../../../preload/contract/money';
import { PaymentView as PaymentViewSchema, type PaymentView, type RefundView } from '../../../preload/contract/refunds';
import type { RefundEvaluationView } from '../../../preload/contract/views';
import { api, type ApiFailure } from '../api/client';
import { checkRefundAmount, memoTooLong, type AmountError } from '../lib/amount';
import { newer, outcomeOf } from '../lib/refund-state';
import { parseScan } from '../lib/scan';
import { useSettings } from './settings';

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
  readonly amountErrorDetails: ParseAmountDetails | null;
  readonly partialAmount: Money | null;
  readonly memo: string;
  /** The refund reason picked on the review screen (ReasonPicker). */
  readonly reasonCode: string | null;
  readonly intent: RefundIntent | null;
  /** Whether the refund on screen needs a manager, and why (refunds:evaluate), for `evaluationFor`. */
  readonly evaluation: RefundEvaluationView | null;
  readonly evaluationFor: string | null;
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
  /**
   * Back to the counter from the progress screen, also while the confirm call
   * is still running: the refund is journaled and carries on in main (it is
   * listed under Pending refunds); its late answer no longer moves this screen.
   */
  leaveProgress(): void;
  /** After a refusal that a new amount can fix: the payment again, freshly looked up, "refund the rest" preselected. */
  backToPayment(): void;
  /** Looks the payment on screen up again (while another refund of it is running). */
  refreshShownPayment(): Promise<void>;
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
  amountErrorDetails: null,
  partialAmount: null,
  memo: '',
  reasonCode: null,
  intent: null,
  evaluation: null,
  evaluationFor: null,
  submitting: false,
  submitError: null,
  refund: null,
  actionBusy: false,
  actionError: null,
};

/** Submit answers that mean "the payment changed under you": refresh it on this screen. */
const BALANCE_ERRORS: ReadonlySet<string> = new Set(['REFUND_IN_FLIGHT', 'BALANCE_CHANGED', 'AMOUNT_EXCEEDS_REFUNDABLE']);

export function newIntentId(): string {
  if (typeof crypto.randomUUID === 'function') return crypto.randomUUID();
  // randomUUID needs a secure context; getRandomValues does not.
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = ((b[6] ?? 0) & 0x0f) | 0x40;
  b[8] = ((b[8] ?? 0) & 0x3f) | 0x80;
  const h = [...b].map((x) => x.toString(16).padStart(2, '0')).join('');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

function sameIntent(
  a: RefundIntent | null,
  paymentId: string,
  mode: RefundMode,
  amount: Money | undefined,
  memo: string | undefined,
  reasonCode?: string,
): boolean {
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

/** Bumped whenever the cashier leaves a refund's screens; a submit answering for an older one is ignored. */
let flow = 0;

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
    const intent = { intentId: newIntentId(), paymentId: s.payment.paymentId, mode: s.mode, amount, memo, reasonCode };
    set({ intent, submitError: null, evaluation: null, evaluationFor: null });
    void evaluate(intent);
  };

  /** Asks main whether this refund needs a manager before the cashier presses Refund. */
  const evaluate = async (intent: RefundIntent): Promise<void> => {
    if (get().payment?.refundable.value === 0) return;
    const r = await api().evaluateRefund({ paymentId: intent.paymentId, mode: intent.mode, ...(intent.amount ? { amount: intent.amount } : {}) });
    // Only if the screen still shows this very refund.
    if (r.ok && get().intent?.intentId === intent.intentId) set({ evaluation: r.value, evaluationFor: intent.intentId });
  };

  const afterRefund = (view: RefundView): void => {
    const merged = newer(get().refund, view);
    const outcome = outcomeOf(merged.state);
    set({ refund: merged, step: outcome === 'in-progress' ? 'progress' : 'outcome' });
    if (outcome === 'failed' && merged.nextAction === 'FIX_INPUT') void refreshPayment(merged.paymentId);
  };

  /** The payment as main now knows it (Antom asked again), without leaving the current screen. */
  const refreshPayment = async (paymentId: string): Promise<void> => {
    const r = await api().lookupPayment({ paymentId });
    if (r.ok && (get().payment === null || get().payment?.paymentId === paymentId || get().refund?.paymentId === paymentId)) set({ payment: r.value });
  };

  const decide = async (kind: 'approve' | 'decline', manager: string, pin: string, reason: string): Promise<boolean> => {
    const s = get();
    if (!s.refund || s.actionBusy) return false;
    set({ actionBusy: true, actionError: null });
    const request = { refundRequestId: s.refund.refundRequestId, manager: manager.trim(), pin, reason: reason.trim() };
    // An approval may leave out the name (the manager signed in at the counter) and the reason.
    const r =
      kind === 'approve'
        ? await api().approveRefund({
            refundRequestId: request.refundRequestId,
            pin,
            ...(request.manager !== '' ? { manager: request.manager } : {}),
            ...(request.reason !== '' ? { reason: request.reason } : {}),
          })
        : await api().declineRefund(request);
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
      // What was typed stays in the field until the payment is found, so a typo can be corrected.
      set({ scanError: null });
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
      set({ amountText: text, amountError: null, amountErrorDetails: null });
    },
    reviewPartial() {
      const s = get();
      if (!s.payment) return false;
      // The display language decides which mark is the decimal one.
      const check = checkRefundAmount(s.amountText, s.payment.refundable, useSettings.getState().language);
      if (!check.ok) {
        set({ amountError: check.code, amountErrorDetails: check.details ?? null });
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
      const myFlow = flow;
      set({ submitting: true, submitError: null, refund: null, step: 'progress' });
      const r = await api().submitRefund({
        intentId: intent.intentId,
        paymentId: intent.paymentId,
        mode: intent.mode,
        ...(intent.amount ? { amount: intent.amount } : {}),
        // A full refund carries the remainder the cashier saw: main refuses if it moved meanwhile.
        ...(intent.mode === 'FULL' ? { expectedAmount: s.payment.refundable } : {}),
        ...(intent.memo ? { memo: intent.memo } : {}),
        ...(intent.reasonCode ? { reasonCode: intent.reasonCode } : {}),
      });
      if (myFlow !== flow) return; // the cashier went back to the counter meanwhile
      if (!r.ok) {
        if (BALANCE_ERRORS.has(r.error.code)) {
          // Lost a race (another tab, counter or the Dashboard): show the payment as it is now, never the stale one.
          const fresh = PaymentViewSchema.safeParse(r.error.details?.['payment']);
          set({
            submitting: false,
            submitError: r.error,
            step: 'review',
            ...(fresh.success ? { payment: fresh.data, intent: null, mode: 'FULL' as RefundMode, partialAmount: null } : {}),
          });
          if (fresh.success) {
            ensureIntent(); // a new intent for what is now on screen...
            set({ submitError: r.error }); // ...and the sentence saying why it changed
          } else void refreshPayment(intent.paymentId);
          return;
        }
        // Back to review with the SAME intent: confirming again is safe.
        set({ submitting: false, submitError: r.error, step: 'review' });
        return;
      }
      set({ submitting: false });
      afterRefund(r.value);
    },
    refundUpdated(view) {
      const s = get();
      // Another tab or counter moved a refund of the payment on this review screen: show the truth.
      if (s.step === 'review' && !s.submitting && s.payment?.paymentId === view.paymentId && s.refund === null) void get().refreshShownPayment();
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
    leaveProgress() {
      if (get().step !== 'progress') return;
      flow += 1;
      set({ ...initial });
    },
    async refreshShownPayment() {
      const s = get();
      if (!s.payment || s.submitting || s.step !== 'review') return;
      const r = await api().lookupPayment({ paymentId: s.payment.paymentId });
      const now = get();
      if (!r.ok || now.payment?.paymentId !== r.value.paymentId || now.step !== 'review') return;
      const wasBusy = now.payment.inFlight !== null;
      set({ payment: r.value, ...(wasBusy && r.value.inFlight === null ? { submitError: null } : {}) });
      ensureIntent();
      // A full refund's amount (and so whether it needs a manager) moved with the balance: ask again.
      const intent = get().intent;
      if (intent !== null) void evaluate(intent);
    },
    backToPayment() {
      const s = get();
      if (!s.payment) return;
      set({ ...initial, payment: s.payment, step: 'review' });
      ensureIntent();
    },
    reset() {
      flow += 1;
      set({ ...initial });
    },
  };
});

import type { RefundState, RefundView } from '../../../preload/contract/refunds';

export type Outcome = 'success' | 'failed' | 'declined' | 'pending' | 'awaiting-approval' | 'in-progress';

export function outcomeOf(state: RefundState): Outcome {
  switch (state) {
    case 'SUCCEEDED':
      return 'success';
    case 'FAILED':
      return 'failed';
    case 'DECLINED':
      return 'declined';
    case 'PENDING_IN_PROCESS':
    case 'PENDING_UNKNOWN':
      return 'pending';
    case 'AWAITING_APPROVAL':
      return 'awaiting-approval';
    case 'APPROVED':
    case 'REFERENCE_REQUESTED':
    case 'REFERENCE_OBTAINED':
    case 'SUBMITTING':
      return 'in-progress';
  }
}

export function isSettled(view: RefundView): boolean {
  const o = outcomeOf(view.state);
  return o === 'success' || o === 'failed' || o === 'declined';
}

/** Keeps the newest of two views of the same refund (events may arrive out of order with responses). */
export function newer(a: RefundView | null, b: RefundView): RefundView {
  if (a === null || a.refundRequestId !== b.refundRequestId) return b;
  if (isSettled(a) && !isSettled(b)) return a;
  return b.updatedAt >= a.updatedAt ? b : a;
}

/**
 * The approvals feed from the ledger to the screens: every change the store
 * ledger pushes (a refund entering or leaving AWAITING_APPROVAL at any
 * counter) becomes one `approvalsChanged` event on the bus, which Electron
 * sends over IPC and the browser host over /api/events. Manager screens
 * reload their lists on it; nothing polls.
 */
import type { ApprovalsPort } from '../ledger/store-port';
import type { ApiEventBus } from './event-bus';

/** Returns the unsubscribe function. */
export function forwardApprovalChanges(approvals: Pick<ApprovalsPort, 'onApprovalChange'>, events: Pick<ApiEventBus, 'emit'>): () => void {
  return approvals.onApprovalChange((refundRequestId) => events.emit('approvalsChanged', { refundRequestId }));
}

/**
 * The one rule both journal engines apply when `insert` re-checks the policy
 * (journal-port.ts, PolicyRecheck): with the figures as they are at the insert,
 * a refund the policy now sends to a manager is journaled AWAITING_APPROVAL
 * with the fresh reasons. Never the other way: a refund admission already sent
 * to a manager stays there even if a figure went down meanwhile.
 */
import type { JournalRefund, PolicyFigures, PolicyRecheck } from './journal-port';

export function applyPolicyRecheck(n: JournalRefund, recheck: PolicyRecheck, figures: PolicyFigures): JournalRefund {
  const reasons = recheck.reasons(figures);
  if (reasons.length === 0) return n;
  return { ...n, state: 'AWAITING_APPROVAL', message: n.state === 'AWAITING_APPROVAL' ? n.message : recheck.awaitingMessage, approvalReasons: [...reasons] };
}

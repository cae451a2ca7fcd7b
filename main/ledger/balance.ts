/**
 * What can still be refunded on a payment, and where that figure comes from.
 * Pure: the journal's rows for the payment plus what Antom last reported.
 *
 *   refundable = amount - max(what this install knows,
 *                             what Antom reported + ours Antom had not seen yet)
 *
 * capped below the amount Antom last refused as too much (AMOUNT_EXCEED).
 * Refunds Antom lists that this install never journaled were made elsewhere:
 * another counter, the Antom Dashboard, an earlier install.
 */
import { z } from 'zod';
import type { Money } from '../../preload/contract/money';
import type { RefundState } from '../../preload/contract/refunds';
import type { PaymentRow, RefundRow } from './rows';
import { NON_FINAL_STATES } from './state-machine';

/** One refund as Antom reported it on a payment lookup. */
export const AntomKnownRefund = z.object({
  refundRequestId: z.string().max(64).nullable(),
  refundId: z.string().max(64).nullable(),
  value: z.number().int().min(0),
  status: z.enum(['SUCCESS', 'PROCESSING', 'FAIL']),
  at: z.string().max(64).nullable(),
});
export type AntomKnownRefund = z.infer<typeof AntomKnownRefund>;
export const AntomKnownRefunds = z.array(AntomKnownRefund).max(500);

export function parseAntomRefunds(json: string): AntomKnownRefund[] {
  try {
    const parsed = AntomKnownRefunds.safeParse(JSON.parse(json));
    return parsed.success ? parsed.data : [];
  } catch {
    return [];
  }
}

export type BalanceSource = 'THIS_TERMINAL' | 'ANTOM';

export interface Balance {
  readonly refundable: Money;
  /** Succeeded + in-flight refunds in this install's journal. */
  readonly localCommitted: number;
  /** What Antom reported as refunded or being refunded on the last lookup; null = Antom did not say. */
  readonly antomRefunded: number | null;
  /** Antom's refunds this install never journaled. */
  readonly elsewhere: readonly AntomKnownRefund[];
  /** Which side the figure was decided by. */
  readonly source: BalanceSource;
  /** Antom refused this amount as more than is left (the balance is below it); null = no such refusal. */
  readonly refusedAt: number | null;
}

const COMMITTED: ReadonlySet<RefundState> = new Set<RefundState>(['SUCCEEDED', ...NON_FINAL_STATES]);

/**
 * `otherRefunded`: what the store refunded another way (cash, store credit) on
 * this payment. Antom never hears of it, so it is added on both sides: the
 * customer has that money back and Antom must not refund it again.
 */
export function computeBalance(payment: PaymentRow, rows: readonly RefundRow[], otherRefunded = 0): Balance {
  const currency = payment.currency;
  const mine = rows.filter((r) => COMMITTED.has(r.state));
  const localCommitted = mine.reduce((s, r) => s + r.amount_value, 0) + otherRefunded;
  const antomList = parseAntomRefunds(payment.antom_refunds);
  const allLocalIds = new Set(rows.map((r) => r.refund_request_id));
  const elsewhere = antomList.filter((a) => a.status !== 'FAIL' && (a.refundRequestId === null || !allLocalIds.has(a.refundRequestId)));
  let committed = localCommitted;
  let source: BalanceSource = 'THIS_TERMINAL';
  if (payment.antom_refunded !== null) {
    const seenByAntom = new Set(antomList.map((a) => a.refundRequestId).filter((x): x is string => x !== null));
    // Ours that Antom's answer could not have included yet (made after the lookup, or not sent yet).
    const notYetAtAntom = mine.filter((r) => !seenByAntom.has(r.refund_request_id)).reduce((s, r) => s + r.amount_value, 0);
    const antomView = payment.antom_refunded + notYetAtAntom + otherRefunded;
    if (antomView > committed) {
      committed = antomView;
      source = 'ANTOM';
    }
  }
  let refundable = Math.max(0, payment.amount_value - committed);
  const refusedAt = payment.refundable_below;
  if (refusedAt !== null && refundable >= refusedAt) {
    refundable = Math.max(0, refusedAt - 1);
    source = 'ANTOM';
  }
  return { refundable: { value: refundable, currency }, localCommitted, antomRefunded: payment.antom_refunded, elsewhere, source, refusedAt };
}

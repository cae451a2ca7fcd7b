/**
 * The counter's refund operations: finding the payment, reviewing and
 * submitting a refund, a manager's approval or decline, retrying a final
 * failure as a new refund, receipts, and the manager's record of refunds given
 * another way (cash, store credit). The rules live in the refund engine and
 * the ledger; this module says who acts (the signed-in caller) and nothing more.
 */
import type { ApiErrorCode } from '../../../preload/contract/api';
import type { PaymentView } from '../../../preload/contract/refunds';
import { err, ok } from '../../../preload/contract/result';
import { localDate } from '../../ledger';
import { toOtherRefundView } from '../../ledger/other-refunds';
import { storeReceipt, type ReceiptPorts } from '../../ledger/receipt';
import type { OtherRefundsPort } from '../../ledger/store-port';
import type { RefundEngine } from '../../refunds/refund-engine';
import type { HandlerRegistry } from '../registry';

export interface RefundsDeps {
  readonly engine: Pick<RefundEngine, 'lookupPayment' | 'searchPayments' | 'submit' | 'evaluate' | 'get' | 'list' | 'approve' | 'decline' | 'retryAsNew'>;
  /** Where receipts are read from: the store's ledger in store mode (any counter's refund), else this counter's. */
  readonly receipts: ReceiptPorts;
  /** The zone that decides "today": the store's when it has one, else this counter's. */
  timeZone(): Promise<string>;
  /** Cash and store credit: checked against the store-wide balance in store mode. */
  readonly otherRefunds: OtherRefundsPort;
  /** Demo: the sandbox's seeded payment ids, shown as "recent"; null for a real install. */
  demoPaymentIds(): readonly string[] | null;
}

export function registerRefunds(registry: HandlerRegistry, deps: RefundsDeps): void {
  const { engine } = deps;

  registry.handle('lookupPayment', ({ paymentId }) => engine.lookupPayment(paymentId));
  registry.handle('listRecentPayments', async () => {
    // Demo: the sandbox's seeded payments. Real: payments refunded or looked up today on this terminal.
    const ids = deps.demoPaymentIds() ?? [...new Set((await engine.list({ date: localDate(new Date(), await deps.timeZone()) })).map((r) => r.paymentId))];
    const views: PaymentView[] = [];
    for (const id of ids) {
      const looked = await engine.lookupPayment(id);
      if (looked.ok) views.push(looked.value);
    }
    // Newest payment first, whatever order they were looked up in.
    return ok(views.sort((a, b) => Date.parse(b.paidAt) - Date.parse(a.paidAt)));
  });
  registry.handle('searchPayments', async (q) => ok(await engine.searchPayments(q)));

  registry.handle('evaluateRefund', (req, user) => engine.evaluate({ ...req, cashier: user.name }));
  registry.handle('submitRefund', (req, user) => engine.submit({ ...req, cashier: user.name }));
  registry.handle('getRefund', async ({ refundRequestId }) => engine.get(refundRequestId));
  registry.handle('listRefunds', async (filter) =>
    ok((await engine.list({ ...(filter.date ? { date: filter.date } : {}) })).filter((r) => !filter.states || filter.states.includes(r.state))),
  );
  // The approving manager proves presence with their own PIN; whoever is signed in at the counter may hand over.
  registry.handle('approveRefund', (req, user) => {
    // No name typed: the manager signed in at this counter approves with their PIN alone.
    const manager = req.manager ?? (user.role === 'manager' ? user.name : null);
    if (manager === null) return Promise.resolve(err<ApiErrorCode>('INVALID_INPUT', "Type the approving manager's name and PIN."));
    return engine.approve({ refundRequestId: req.refundRequestId, manager, pin: req.pin, reason: req.reason ?? 'Approved at the counter.' });
  });
  registry.handle('declineRefund', (req) => engine.decline(req));
  registry.handle('retryRefundAsNew', ({ refundRequestId }, user) => engine.retryAsNew({ refundRequestId, actor: user.name }));
  registry.handle('getReceipt', async ({ refundRequestId }) => storeReceipt(deps.receipts, refundRequestId, await deps.timeZone()));

  registry.handle('recordOtherRefund', async (input, user) => {
    const r = await deps.otherRefunds.record(
      {
        id: input.entryId,
        paymentId: input.paymentId,
        method: input.method,
        amount: input.amount,
        note: input.note,
        ...(input.relatedRefundRequestId !== undefined ? { relatedRefundRequestId: input.relatedRefundRequestId } : {}),
      },
      user.name,
    );
    return r.ok ? ok(toOtherRefundView(r.value)) : err(r.error.code, r.error.message, r.error.details);
  });
  registry.handle('listOtherRefunds', async (filter) => ok((await deps.otherRefunds.list({ ...filter, tz: await deps.timeZone() })).map(toOtherRefundView)));
}

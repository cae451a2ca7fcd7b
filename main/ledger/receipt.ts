/**
 * What a receipt prints, read through the store ports, so a counter in store
 * mode prints (and reprints) the store's refunds, not its own data folder's:
 * the refund as screens show it, the payment as last seen, the receipt
 * header and the zone times print in (the store's when it has one). Only a final refund has a receipt.
 */
import { err, ok, type Result } from '../../preload/contract/result';
import type { ReceiptView } from '../../preload/contract/views';
import { isFinal } from './state-machine';
import type { StoreLedger } from './store-port';

export type ReceiptPorts = Pick<StoreLedger, 'journal' | 'reports' | 'payments' | 'settings'>;

export async function storeReceipt(store: ReceiptPorts, refundRequestId: string, timeZone: string): Promise<Result<ReceiptView, 'NOT_FOUND' | 'NOT_FINAL'>> {
  const row = await store.journal.get(refundRequestId);
  const refund = row === null ? null : await store.reports.view(refundRequestId);
  if (row === null || refund === null) return err('NOT_FOUND', 'No such refund.');
  if (!isFinal(row.state)) return err('NOT_FINAL', 'This refund is not final yet: its receipt can be printed once the outcome is known.');
  const p = await store.payments.get(row.payment_id);
  const header = await store.settings.store();
  return ok({
    refund,
    payment: p === null ? null : { amount: p.amount, paymentMethod: p.paymentMethod, paidAt: p.paidAt },
    storeName: header.storeName,
    // Store mode: the register that journaled the refund (the header is store-wide); one counter: the header's.
    register: row.register ?? header.register,
    timeZone,
  });
}

import { describeResultCode } from '../../../preload/contract/result-codes';
import type { RefundView } from '../../../preload/contract/refunds';
import type { Language } from './format';

/** The cashier sentence for a refund, localised by its resultCode when there is one. */
export function refundMessage(refund: RefundView, language: Language): string | null {
  if (refund.resultCode) return describeResultCode(refund.resultCode).message[language];
  return language === 'en' && refund.message.trim() !== '' ? refund.message : null;
}

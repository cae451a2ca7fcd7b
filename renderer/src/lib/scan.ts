/**
 * What a scanner (keyboard wedge or the terminal's own) may send us:
 * `antom:payment:<paymentId>` from our receipts, or a bare Antom paymentId,
 * forgiven as preload/contract/payment-id.ts explains (spaces, letter case,
 * scanner prefixes).
 */
import { normalizePaymentId, type NormalizedPaymentId } from '../../../preload/contract/payment-id';

export type ScanResult = NormalizedPaymentId;

export function parseScan(raw: string): ScanResult {
  return normalizePaymentId(raw);
}

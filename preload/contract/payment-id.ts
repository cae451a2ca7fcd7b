/**
 * What a cashier's scanner or fingers may add around an Antom paymentId, and
 * what can safely be forgiven. Shared by the renderer (scan field) and main
 * (lookup, submit, CLI), so both read an ID the same way.
 *
 * Letter case: Antom's paymentIds are digits and upper-case letters (e.g.
 * 202505151940108001001889A0235440943), and Antom issues them; a lower-case
 * letter can only be a person's or a scanner's doing (caps-lock, keyboard-wedge
 * layout). So IDs are upper-cased before Antom is asked. Documented in
 * docs/antom-client.md.
 */

/** Antom paymentId alphabet as accepted at our boundaries (the sandbox's demo ids use '-'). */
export const PAYMENT_ID_PATTERN = /^[A-Za-z0-9_\-*]{1,64}$/;

/** Our receipts' QR payload prefix. */
const RECEIPT_PREFIX = /^antom:payment:/i;
/**
 * AIM symbology identifiers some scanners put first ("]Q1" QR, "]C1" Code 128,
 * "]E0" EAN...), and printed labels a person may type along with the ID.
 */
const SCANNER_PREFIX = /^\][A-Za-z][0-9A-Za-z]/;
const LABEL_PREFIX = /^(?:payment\s*id|paymentid|支付单号|支付编号)\s*[:：#]?\s*/i;

export type NormalizedPaymentId = { readonly ok: true; readonly paymentId: string } | { readonly ok: false; readonly reason: 'EMPTY' | 'INVALID' };

export function normalizePaymentId(raw: string): NormalizedPaymentId {
  // Scanners may add CR/LF/TAB or other control characters around the payload.
  let text = raw
    // eslint-disable-next-line no-control-regex
    .replace(/[\u0000-\u001f\u007f]/g, '')
    .replace(/[\u00a0\u3000]/g, ' ')
    .trim();
  if (text === '') return { ok: false, reason: 'EMPTY' };
  text = text.replace(SCANNER_PREFIX, '').trim();
  text = text.replace(RECEIPT_PREFIX, '').trim();
  text = text.replace(LABEL_PREFIX, '').trim();
  // Digits typed in groups from a receipt ("2025 1125 1140 ...") cannot mean anything else.
  if (/^[0-9][0-9 ]*[0-9]$/.test(text)) text = text.replace(/ +/g, '');
  if (!PAYMENT_ID_PATTERN.test(text)) return { ok: false, reason: 'INVALID' };
  return { ok: true, paymentId: text.toUpperCase() };
}

/**
 * What a scanner (keyboard wedge or the terminal's own) may send us:
 * `antom:payment:<paymentId>` from our receipts, or a bare Antom paymentId.
 */
export type ScanResult = { readonly ok: true; readonly paymentId: string } | { readonly ok: false; readonly reason: 'EMPTY' | 'INVALID' };

const PAYMENT_ID = /^[A-Za-z0-9_\-*]{1,64}$/;
const PREFIX = /^antom:payment:/i;

export function parseScan(raw: string): ScanResult {
  // Scanners may add CR/LF/TAB or other control characters around the payload.
  // eslint-disable-next-line no-control-regex
  const text = raw.replace(/[\u0000-\u001f\u007f]/g, '').trim();
  if (text === '') return { ok: false, reason: 'EMPTY' };
  const candidate = PREFIX.test(text) ? text.replace(PREFIX, '').trim() : text;
  if (!PAYMENT_ID.test(candidate)) return { ok: false, reason: 'INVALID' };
  return { ok: true, paymentId: candidate };
}

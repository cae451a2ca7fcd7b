/** The host's view of its terminal link, as shown to the UI (validated when it crosses IPC). */
import { z } from 'zod';
import { EvtScan, EvtStatus } from '../messages/schemas';

export const LinkStatusSchema = z.object({
  state: z.enum(['disconnected', 'connecting', 'unpaired', 'authenticated', 'down']),
  reason: z.string().optional(),
  port: z.string().optional(),
  terminal: z.object({ serial: z.string(), model: z.string(), firmware: z.string() }).optional(),
});
export type LinkStatus = z.infer<typeof LinkStatusSchema>;

export interface ScanEvent {
  readonly raw: string;
  /** The Antom paymentId when `raw` is `antom:payment:<id>`, else null. */
  readonly paymentId: string | null;
}

export type TerminalEvent = { readonly t: 'evt.status'; readonly state: 'idle' | 'busy' | 'error'; readonly detail?: string };

const ANTOM_PAYMENT = /^antom:payment:([A-Za-z0-9._-]{1,64})$/;

export function parseScan(raw: string): ScanEvent {
  const m = ANTOM_PAYMENT.exec(raw.trim());
  return { raw, paymentId: m?.[1] ?? null };
}

export type DecodedEvent =
  | { readonly kind: 'scan'; readonly scan: ScanEvent }
  | { readonly kind: 'status'; readonly event: TerminalEvent }
  | { readonly kind: 'malformed' }
  | { readonly kind: 'unknown' };

/** What an `evt.*` message from the terminal says; a malformed or unknown one is ignored by the caller. */
export function decodeTerminalEvent(t: string, body: unknown): DecodedEvent {
  if (t === 'evt.scan') {
    const p = EvtScan.safeParse(body);
    return p.success ? { kind: 'scan', scan: parseScan(p.data.data) } : { kind: 'malformed' };
  }
  if (t === 'evt.status') {
    const p = EvtStatus.safeParse(body);
    return p.success
      ? { kind: 'status', event: { t: 'evt.status', state: p.data.state, ...(p.data.detail !== undefined ? { detail: p.data.detail } : {}) } }
      : { kind: 'malformed' };
  }
  return { kind: 'unknown' };
}

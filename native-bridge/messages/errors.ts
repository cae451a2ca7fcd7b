/** Typed failures of a TLP request, as the host reports them (never thrown across the stack). */
import type { TerminalErrorCode } from '../host/terminal-port';
import { PROTOCOL_ERROR_CODES, ProtocolErrorCode } from './schemas';

export type { TerminalErrorCode };

export function isProtocolErrorCode(code: string): code is ProtocolErrorCode {
  return (PROTOCOL_ERROR_CODES as readonly string[]).includes(code);
}

/** Plain-language sentences for a technician or cashier. */
export const TERMINAL_ERROR_MESSAGES: Readonly<Record<TerminalErrorCode, string>> = {
  LINK_DOWN: 'The payment terminal stopped answering (cable unplugged or link lost). Nothing was assumed; check the cable and try again.',
  NOT_CONNECTED: 'No authenticated payment terminal is connected.',
  TIMEOUT: 'The payment terminal did not answer in time.',
  LINE_NOISE:
    'The cable to the payment terminal is noisy: its answers kept arriving damaged, so the request was asked again until its time ran out. Nothing was assumed; check or replace the cable.',
  TERMINAL_SWAPPED: 'This is not the paired payment terminal (different serial number or failed identity check). Re-pair it if it was replaced on purpose.',
  BAD_REQUEST: 'The payment terminal rejected the request as invalid.',
  UNSUPPORTED: 'The payment terminal does not support this request.',
  NOT_PAIRED: 'The payment terminal is not paired with this register. Pair it first.',
  NOT_AUTHENTICATED: 'The session with the payment terminal is not authenticated yet.',
  AUTH_FAILED: "The payment terminal refused this register's identity proof. Re-pair the terminal.",
  PAIR_CODE_MISMATCH: 'The pairing code does not match the one on the terminal screen.',
  PAIR_LOCKED: 'Too many wrong pairing codes: the terminal refuses pairing for 60 seconds.',
  BUSY: 'The payment terminal is busy. Try again in a moment.',
  INTERNAL: 'The payment terminal reported an internal error.',
  PROTOCOL_ERROR: 'The payment terminal sent an answer this app does not understand.',
};

/**
 * Plain-language sentences for states the engine itself reports (Antom's own
 * outcomes carry their cashierMessage). English; the renderer localises by
 * state / resultCode.
 */
import type { TerminalErrorCode } from './ports';
import type { NextAction } from '../../preload/contract/refunds';

export const MSG = {
  awaitingApproval: 'A manager needs to approve this refund before it is sent.',
  approved: 'Approved. Starting the refund.',
  storeUnavailable:
    "The store's refund ledger (its database) cannot be reached, so the refund was not started and nothing was sent. Try again when the store network is back, or call your technician.",
  storeLostAtRecord:
    "The store's refund ledger (its database) stopped answering just as this refund was being recorded. Nothing was sent yet; if it was recorded it shows as pending and continues by itself when the database is back. Do not refund it again or another way until you have looked it up.",
  storeLostMidRefund:
    "The store's refund ledger (its database) stopped answering while this refund was running. It stays pending and continues by itself when the database is back; do not refund it again or another way.",
  referenceRequested: 'Asking the terminal for a refund reference.',
  referenceObtained: 'The terminal gave a refund reference.',
  submitting: 'Sending the refund to Antom. Do not refund in cash or on another device.',
  resubmitting: 'Antom has no record of this refund yet; sending it again with the same reference.',
  declined: (reason: string): string => `A manager declined this refund: ${reason}`,
  gatewayThrew: 'We could not tell whether Antom received the refund. It will be checked again automatically; do not refund another way.',
  inquiryPending: 'The refund is still being checked with Antom. It will update automatically.',
  terminalDown:
    'The payment terminal is not connected, so the refund was not started and nothing was saved or sent. Connect the terminal (cable, power) and confirm again',
  referenceReused:
    'The terminal gave a refund reference it had already given to another refund, so this refund was stopped. Nothing has been sent to Antom; no money moved. Call your technician (the terminal may be faulty).',
  outcomeNotRecorded:
    'Antom answered, but this PC could not save the answer (its disk is full or failing). Treat the refund as PENDING: do not refund again or another way. It is saved automatically once the disk works; call your technician.',
} as const;

/** Terminal errors that prove the terminal refused the request (nothing reached Antom). */
const DEFINITIVE: ReadonlySet<TerminalErrorCode> = new Set(['BAD_REQUEST', 'UNSUPPORTED']);

export function terminalErrorIsDefinitive(code: TerminalErrorCode): boolean {
  return DEFINITIVE.has(code);
}

export function terminalErrorMessage(code: TerminalErrorCode): { message: string; nextAction: NextAction } {
  const nothingSent = 'Nothing has been sent to Antom; no money moved.';
  switch (code) {
    case 'LINK_DOWN':
      return {
        message: `The terminal stopped answering (check its cable and power). ${nothingSent} The refund continues with the same reference once it is back.`,
        nextAction: 'RETRY_SAME_REQUEST',
      };
    case 'LINE_NOISE':
      return {
        message: `The terminal answers, but the cable is too noisy: its answers kept arriving damaged (check or replace the cable). ${nothingSent} The refund will ask it again with the same reference.`,
        nextAction: 'RETRY_SAME_REQUEST',
      };
    case 'TIMEOUT':
      return {
        message: `The terminal did not answer in time. ${nothingSent} The refund will ask it again with the same reference.`,
        nextAction: 'RETRY_SAME_REQUEST',
      };
    case 'NOT_CONNECTED':
    case 'NOT_AUTHENTICATED':
      return {
        message: `No terminal is connected. Connect the terminal; the refund continues with the same reference. ${nothingSent}`,
        nextAction: 'RETRY_SAME_REQUEST',
      };
    case 'NOT_PAIRED':
      return { message: `No terminal is paired with this computer. Ask a technician to pair it. ${nothingSent}`, nextAction: 'CALL_SUPPORT' };
    case 'TERMINAL_SWAPPED':
    case 'AUTH_FAILED':
      return { message: `The connected terminal is not the paired one. Ask a technician before continuing. ${nothingSent}`, nextAction: 'CALL_SUPPORT' };
    case 'BUSY':
      return { message: `The terminal is busy. ${nothingSent} The refund will ask it again shortly.`, nextAction: 'RETRY_SAME_REQUEST' };
    case 'BAD_REQUEST':
    case 'UNSUPPORTED':
      return { message: `The terminal refused this refund request. ${nothingSent}`, nextAction: 'CALL_SUPPORT' };
    default:
      return {
        message: `The terminal reported a problem (${code}). ${nothingSent} The refund will ask it again with the same reference.`,
        nextAction: 'RETRY_SAME_REQUEST',
      };
  }
}

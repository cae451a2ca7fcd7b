/**
 * What the refund engine needs from a payment terminal (TLP/1 `refund.reference`
 * and `refund.result`), and the typed failures of a TLP request. Defined here,
 * beside the link that implements it, so native-bridge depends on nothing of
 * main; main/refunds/ports.ts re-exports these for the engine.
 */
import type { Money } from '../../preload/contract/money';
import type { Result } from '../../preload/contract/result';

export type TerminalErrorCode =
  | 'LINK_DOWN' // no ACK after 3 retransmissions, cable pulled, port closed
  | 'NOT_CONNECTED' // no terminal connected / not authenticated yet
  | 'TIMEOUT' // no reply within the request timeout
  | 'LINE_NOISE' // replies kept arriving damaged: asked again until the request's budget ran out (the terminal is there)
  | 'TERMINAL_SWAPPED' // serial differs from the paired one, or its proof failed
  | 'BAD_REQUEST'
  | 'UNSUPPORTED'
  | 'NOT_PAIRED'
  | 'NOT_AUTHENTICATED'
  | 'AUTH_FAILED'
  | 'PAIR_CODE_MISMATCH'
  | 'PAIR_LOCKED'
  | 'BUSY'
  | 'INTERNAL'
  | 'PROTOCOL_ERROR';

export interface RefundReferenceRequest {
  readonly paymentId: string;
  readonly refundRequestId: string;
  /** Absent for a full refund. */
  readonly refundAmount?: Money;
}

export interface RefundResultNotice {
  readonly refundRequestId: string;
  readonly refundId?: string;
  readonly status: 'SUCCESS' | 'FAILED' | 'PROCESSING';
  readonly resultCode: string;
  readonly refundAmount?: Money;
}

/** TLP/1 `refund.reference` and `refund.result`, as the engine needs them. */
export interface TerminalPort {
  requestRefundReference(req: RefundReferenceRequest): Promise<Result<{ originalMerchantRefundId: string }, TerminalErrorCode>>;
  /** Best effort: tells the terminal the outcome so it can print a slip. */
  sendRefundResult(notice: RefundResultNotice): Promise<Result<{ printed: boolean }, TerminalErrorCode>>;
}

/**
 * The refund engine's view of the outside world. The engine (main/refunds) is
 * written against these ports only; native-bridge implements the terminal
 * port, main/antom implements the gateway port, main/ledger the journal.
 * Tests plug in fakes or the real sandbox / virtual terminal.
 */
import type { Money } from '../../preload/contract/money';
import type { NextAction } from '../../preload/contract/refunds';
import type { Result } from '../../preload/contract/result';
import type { AntomKnownRefund } from '../ledger/balance';

// ---------------------------------------------------------------- terminal

export type TerminalErrorCode =
  | 'LINK_DOWN' // no ACK after 3 retransmissions, cable pulled, port closed
  | 'NOT_CONNECTED' // no terminal connected / not authenticated yet
  | 'TIMEOUT' // no reply within the request timeout
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

// ---------------------------------------------------------------- Antom

export interface AntomRefundRequest {
  readonly refundRequestId: string;
  readonly paymentId: string;
  readonly originalMerchantRefundId: string;
  /** Only for a partial refund. */
  readonly refundAmount?: Money;
  readonly memo?: string;
}

/**
 * One classified answer from Antom (or the absence of one).
 * SUCCESS / FAILED are final; PENDING is never reported as either.
 */
export interface AntomOutcome {
  readonly status: 'SUCCESS' | 'FAILED' | 'PENDING';
  /** IN_PROCESS: Antom accepted it and is working; UNKNOWN: we do not know if it was accepted. */
  readonly pendingKind?: 'IN_PROCESS' | 'UNKNOWN';
  /** Antom's resultCode, or a local one for transport problems (TIMEOUT, NETWORK_ERROR, HTTP_5XX, BAD_SIGNATURE, MALFORMED_RESPONSE, ...). */
  readonly resultCode: string;
  readonly resultMessage: string;
  readonly refundId?: string;
  readonly refundTime?: string;
  readonly refundAmount?: Money;
  /** Plain-language sentence for a cashier. */
  readonly cashierMessage: string;
  readonly nextAction: NextAction;
  /** May a retry reuse the same refundRequestId (and the identical body)? */
  readonly retrySameRequestId: boolean;
}

export interface AntomPaymentInfo {
  readonly paymentId: string;
  readonly amount: Money;
  readonly paymentMethod: string;
  readonly paidAt: string;
  readonly status: string;
  readonly supportsPartialRefund: boolean | null;
  /**
   * The payment's refunds as Antom lists them on inquiryPayment (made here or
   * elsewhere); null/absent = the answer did not say, which is not "none".
   */
  readonly antomRefunds?: readonly AntomKnownRefund[] | null;
}

export interface AntomGatewayPort {
  /** Sends the refund, retrying unknown outcomes with the SAME id and identical body (bounded). */
  refund(req: AntomRefundRequest): Promise<AntomOutcome>;
  /** inquiryRefund by refundRequestId. PENDING when still processing or when the inquiry itself failed. */
  inquireRefund(refundRequestId: string): Promise<AntomOutcome>;
  /** Looks up the original payment (amount, method) for the cashier's screen and the balance check. */
  inquirePayment(paymentId: string): Promise<Result<AntomPaymentInfo, 'PAYMENT_NOT_FOUND' | 'UNAVAILABLE'>>;
}

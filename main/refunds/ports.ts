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

// The terminal port and its wire error codes belong to native-bridge (arrows
// point one way: main -> native-bridge -> kernel); re-exported for the engine.
export type { RefundReferenceRequest, RefundResultNotice, TerminalErrorCode, TerminalPort } from '../../native-bridge/host/terminal-port';

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
  /**
   * inquiryRefund by refundRequestId. PENDING when still processing, when the
   * inquiry itself failed, or when the answer names another payment or amount
   * than `asked` (the journaled request; refundAmount only for a partial refund).
   */
  inquireRefund(refundRequestId: string, asked?: { readonly paymentId: string; readonly refundAmount?: Money }): Promise<AntomOutcome>;
  /**
   * Looks up the original payment (amount, method) for the cashier's screen and the balance check.
   * LOOKUP_MISCONFIGURED: Antom answered but refused the lookup's parameters (a technician's fix, not an outage).
   */
  inquirePayment(paymentId: string): Promise<Result<AntomPaymentInfo, 'PAYMENT_NOT_FOUND' | 'UNAVAILABLE' | 'LOOKUP_MISCONFIGURED'>>;
}

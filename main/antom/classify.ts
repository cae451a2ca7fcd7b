/**
 * Turns what came back (or did not) into an AntomOutcome. The one rule that
 * matters: only a verified, well-formed, catalogued answer can be SUCCESS or
 * FAILED. Everything else is PENDING and is resolved with the same request id.
 */
import type { Money } from '../../preload/contract/money';
import { describeResultCode, isKnownResultCode, normalizeResultCode } from '../../preload/contract/result-codes';
import type { AntomOutcome } from '../refunds/ports';
import type { InquiryRefundResponseBody, RefundResponseBody } from './wire';

export type TransportFault = 'TIMEOUT' | 'NETWORK_ERROR' | 'HTTP_5XX' | 'HTTP_4XX' | 'BAD_SIGNATURE' | 'MALFORMED_RESPONSE' | 'RESPONSE_TOO_LARGE';

/**
 * What an answer must repeat back to be believed: the journaled request.
 * `refundAmount` is absent for a FULL refund (nothing was asked, so Antom's
 * figure is recorded as given); `refundId` is known once an earlier answer
 * carried it.
 */
export interface RefundExpectation {
  readonly refundRequestId: string;
  readonly paymentId?: string;
  readonly refundAmount?: Money;
  readonly refundId?: string;
}

function sameMoney(a: Money, b: { value: number; currency: string }): boolean {
  return a.value === b.value && a.currency === b.currency;
}

/**
 * Why the answer is not about the refund we asked for, or null when it is.
 * Fields Antom left out are not held against it (except the refund's identity,
 * checked by the callers), fields it sent must equal what we asked.
 */
function mismatch(
  body: { paymentId?: string | null | undefined; refundAmount?: { value: number; currency: string } | null | undefined; refundId?: string | null | undefined },
  expected: RefundExpectation,
): string | null {
  if (expected.paymentId !== undefined && body.paymentId != null && body.paymentId !== expected.paymentId) {
    return `Answer names paymentId ${body.paymentId}, not ${expected.paymentId}.`;
  }
  if (expected.refundAmount !== undefined && body.refundAmount != null && !sameMoney(expected.refundAmount, body.refundAmount)) {
    return `Answer names refundAmount ${body.refundAmount.value} ${body.refundAmount.currency}, not ${expected.refundAmount.value} ${expected.refundAmount.currency}.`;
  }
  if (expected.refundId !== undefined && body.refundId != null && body.refundId !== expected.refundId) {
    return `Answer names refundId ${body.refundId}, not ${expected.refundId}.`;
  }
  return null;
}

interface Extra {
  resultMessage?: string;
  refundId?: string | null;
  refundTime?: string | null;
  refundAmount?: Money | null;
}

/** Builds an outcome from the catalogue entry for `code`. */
export function outcomeFor(code: string, extra: Extra = {}, override?: Partial<Pick<AntomOutcome, 'status' | 'pendingKind'>>): AntomOutcome {
  const info = describeResultCode(code);
  const status = override?.status ?? info.status;
  const pendingKind = status === 'PENDING' ? (override?.pendingKind ?? (info.code === 'DPOS_REFUND_REFUND_IN_PROCESS' ? 'IN_PROCESS' : 'UNKNOWN')) : undefined;
  return {
    status,
    ...(pendingKind ? { pendingKind } : {}),
    resultCode: info.code,
    resultMessage: extra.resultMessage ?? info.message.en,
    ...(extra.refundId ? { refundId: extra.refundId } : {}),
    ...(extra.refundTime ? { refundTime: extra.refundTime } : {}),
    ...(extra.refundAmount ? { refundAmount: extra.refundAmount } : {}),
    cashierMessage: info.message.en,
    nextAction: info.nextAction,
    retrySameRequestId: info.retrySameRequestId,
  };
}

/** An answer about some other request than ours: PENDING, resolved with the same id. */
function mismatched(detail: string): AntomOutcome {
  return outcomeFor('RESPONSE_MISMATCH', { resultMessage: detail });
}

export function transportOutcome(fault: TransportFault, detail: string): AntomOutcome {
  return outcomeFor(fault, { resultMessage: detail });
}

/**
 * Result codes that mean the request was refused for its shape or for this
 * terminal's set-up, not because Antom is down; such a lookup fails the same
 * way on every try, so it is a technician's problem, not a cashier's:
 *  - parameters: PARAM_ILLEGAL and its kin (the AMS catalogue) -> the lookup key;
 *  - path: an API Antom does not serve here (DPOS_REFUND_NO_INTERFACE_DEF) -> the base URL;
 *  - credentials: client id / key not accepted.
 */
export type SetupRejection = 'parameters' | 'path' | 'credentials';
export function setupRejectionOf(code: string): SetupRejection | null {
  if (/NO_INTERFACE_DEF|INVALID_API/.test(code)) return 'path';
  if (/KEY_NOT_FOUND|ACCESS_DENIED|INVALID_SIGNATURE|INVALID_CLIENT/.test(code)) return 'credentials';
  if (/PARAM|ILLEGAL/.test(code)) return 'parameters';
  return null;
}

/**
 * Classifies a verified, schema-valid refund response. An answer is only
 * acted on when it is about the request we sent: it must name our
 * refundRequestId (the reference marks it required) and, where it names them,
 * our paymentId and refundAmount. Anything else is RESPONSE_MISMATCH, PENDING
 * and resolved with the same id: believing a stray SUCCESS would record money
 * that never moved, believing a stray F would invite a second refund.
 */
export function classifyRefundResponse(body: RefundResponseBody, expected: RefundExpectation | string): AntomOutcome {
  const want: RefundExpectation = typeof expected === 'string' ? { refundRequestId: expected } : expected;
  const { result } = body;
  if (body.refundRequestId === undefined && body.paymentId === undefined && result.resultStatus === 'F') {
    // Antom's gateway refuses a request it could not authenticate or route
    // before any refund exists, answering with `result` alone (HTTP 200,
    // signed). Such an F is about the request as sent, not another refund,
    // and nothing was processed: FAILED is the truth, and the fix is the setup.
    const code = result.resultCode === undefined ? '' : normalizeResultCode(result.resultCode);
    if (setupRejectionOf(code) !== null && isKnownResultCode(code)) return outcomeFor(code, { resultMessage: result.resultMessage ?? '' });
  }
  if (body.refundRequestId === undefined) {
    return mismatched(`Answer (${result.resultStatus}) names no refundRequestId; expected ${want.refundRequestId}.`);
  }
  if (body.refundRequestId !== want.refundRequestId) {
    return mismatched(`Answer is for refundRequestId ${body.refundRequestId}, not ${want.refundRequestId}.`);
  }
  const off = mismatch(body, want);
  if (off !== null) return mismatched(off);
  const code = result.resultCode === undefined ? '' : normalizeResultCode(result.resultCode);
  const extra: Extra = {
    resultMessage: result.resultMessage ?? '',
    refundId: body.refundId ?? null,
    refundTime: body.refundTime ?? null,
    refundAmount: body.refundAmount ?? null,
  };
  if (result.resultStatus === 'S') {
    // SUCCESS must carry the refundId the reference marks as required.
    if (code !== 'SUCCESS' && code !== '') return outcomeFor('UNKNOWN_RESULT_CODE', { resultMessage: `S with resultCode ${code}` });
    if (!body.refundId) return transportOutcome('MALFORMED_RESPONSE', 'Success answer without refundId.');
    return outcomeFor('SUCCESS', extra);
  }
  if (!isKnownResultCode(code)) {
    return outcomeFor('UNKNOWN_RESULT_CODE', { resultMessage: `${result.resultStatus}/${result.resultCode ?? '(none)'}: ${result.resultMessage ?? ''}` });
  }
  const info = describeResultCode(code);
  if (info.source !== 'ANTOM' || info.antomResultStatus !== result.resultStatus) {
    // A code paired with an unexpected status is not something to act on.
    return outcomeFor('UNKNOWN_RESULT_CODE', { resultMessage: `${result.resultStatus}/${code} does not match the reference` });
  }
  return outcomeFor(code, extra);
}

/**
 * inquiryRefund: `result` only says whether the INQUIRY worked; refundStatus
 * is the refund's state. A failed inquiry never makes the refund FAILED.
 */
export function classifyInquiryRefundResponse(body: InquiryRefundResponseBody, expected: RefundExpectation | string): AntomOutcome {
  const want: RefundExpectation = typeof expected === 'string' ? { refundRequestId: expected } : expected;
  const { refundRequestId } = want;
  const { result } = body;
  const code = result.resultCode === undefined ? '' : normalizeResultCode(result.resultCode);
  if (result.resultStatus !== 'S') {
    if (code === 'DPOS_PAYMENT_ORDER_NOT_EXIST') {
      return outcomeFor('REFUND_NOT_FOUND', { resultMessage: result.resultMessage ?? 'No refund with this id.' });
    }
    return outcomeFor('INQUIRY_FAILED', { resultMessage: `${result.resultStatus}/${code}: ${result.resultMessage ?? ''}` });
  }
  // The v2 page documents refundId (not refundRequestId) in the answer, so
  // either identifies the refund; an answer naming neither, or another one, is
  // about no refund we can vouch for.
  if (body.refundRequestId != null && body.refundRequestId !== refundRequestId) {
    return mismatched(`Inquiry answer is for ${body.refundRequestId}, not ${refundRequestId}.`);
  }
  const identified = body.refundRequestId === refundRequestId || (want.refundId !== undefined && body.refundId === want.refundId);
  if (!identified) {
    return mismatched(`Inquiry answer names neither refundRequestId ${refundRequestId}${want.refundId ? ` nor refundId ${want.refundId}` : ''}.`);
  }
  const off = mismatch(body, want);
  if (off !== null) return mismatched(off);
  const extra: Extra = {
    refundId: body.refundId ?? null,
    refundTime: body.refundTime ?? null,
    refundAmount: body.refundAmount ?? null,
  };
  // v2 documents SUCCESS / FAILED / PENDING; v1 pages use FAIL / PROCESSING.
  switch ((body.refundStatus ?? '').toUpperCase()) {
    case 'SUCCESS':
      return outcomeFor('SUCCESS', { ...extra, resultMessage: 'Refund succeeded (inquiry).' });
    case 'FAILED':
    case 'FAIL':
      return outcomeFor('REFUND_FAILED', { ...extra, resultMessage: 'Refund failed (inquiry).' });
    case 'PENDING':
    case 'PROCESSING':
      return outcomeFor('DPOS_REFUND_REFUND_IN_PROCESS', { ...extra, resultMessage: 'Refund still processing (inquiry).' });
    default:
      return outcomeFor('UNKNOWN_RESULT_CODE', { resultMessage: `refundStatus ${body.refundStatus ?? '(none)'}` });
  }
}

/**
 * notifyRefund: Antom pushes what inquiryRefund would answer, so it is judged
 * by the same rules (identity, paymentId, amount, refundStatus). The one
 * difference: `result` describes the refund itself, not an inquiry. When
 * refundStatus is absent, result.resultStatus stands for it (S success, F
 * failed, U processing); when both are present and disagree, nothing is
 * believed (UNKNOWN_RESULT_CODE, pending, resolved by inquiry).
 */
export function classifyRefundNotification(
  body: {
    refundRequestId: string;
    refundId?: string | null | undefined;
    paymentId?: string | null | undefined;
    refundStatus?: string | null | undefined;
    refundTime?: string | null | undefined;
    refundAmount?: { value: number; currency: string } | null | undefined;
    result: { resultStatus: 'S' | 'F' | 'U'; resultCode?: string | undefined };
  },
  expected: RefundExpectation,
): AntomOutcome {
  const fromResult = body.result.resultStatus === 'S' ? 'SUCCESS' : body.result.resultStatus === 'F' ? 'FAIL' : 'PROCESSING';
  const stated = (body.refundStatus ?? '').toUpperCase();
  const status = stated === '' ? fromResult : stated;
  const said = status === 'FAILED' ? 'FAIL' : status === 'PENDING' ? 'PROCESSING' : status;
  if (stated !== '' && (said === 'SUCCESS' || said === 'FAIL' || said === 'PROCESSING') && said !== fromResult) {
    return outcomeFor('UNKNOWN_RESULT_CODE', { resultMessage: `notifyRefund says refundStatus ${stated} with resultStatus ${body.result.resultStatus}` });
  }
  return classifyInquiryRefundResponse(
    {
      result: { resultStatus: 'S' },
      refundRequestId: body.refundRequestId,
      refundId: body.refundId ?? null,
      paymentId: body.paymentId ?? null,
      refundStatus: status,
      refundTime: body.refundTime ?? null,
      refundAmount: body.refundAmount ?? null,
    },
    expected,
  );
}

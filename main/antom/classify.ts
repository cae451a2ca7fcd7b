/**
 * Turns what came back (or did not) into an AntomOutcome. The one rule that
 * matters: only a verified, well-formed, catalogued answer can be SUCCESS or
 * FAILED. Everything else is PENDING and is resolved with the same request id.
 */
import type { Money } from '../../preload/contract/money';
import { describeResultCode, isKnownResultCode, normalizeResultCode } from '../../preload/contract/result-codes';
import type { AntomOutcome } from '../refunds/ports';
import type { InquiryRefundResponseBody, RefundResponseBody } from './wire';

export type TransportFault = 'TIMEOUT' | 'NETWORK_ERROR' | 'HTTP_5XX' | 'BAD_SIGNATURE' | 'MALFORMED_RESPONSE';

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
  const pendingKind =
    status === 'PENDING' ? (override?.pendingKind ?? (info.code === 'DPOS_REFUND_REFUND_IN_PROCESS' ? 'IN_PROCESS' : 'UNKNOWN')) : undefined;
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

export function transportOutcome(fault: TransportFault, detail: string): AntomOutcome {
  return outcomeFor(fault, { resultMessage: detail });
}

/**
 * Classifies a verified, schema-valid refund response. `sentRequestId` guards
 * against an answer that belongs to another request.
 */
export function classifyRefundResponse(body: RefundResponseBody, sentRequestId: string): AntomOutcome {
  const { result } = body;
  if (body.refundRequestId !== undefined && body.refundRequestId !== sentRequestId) {
    return transportOutcome('MALFORMED_RESPONSE', `Answer is for refundRequestId ${body.refundRequestId}, not ${sentRequestId}.`);
  }
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
export function classifyInquiryRefundResponse(body: InquiryRefundResponseBody, refundRequestId: string): AntomOutcome {
  const { result } = body;
  const code = result.resultCode === undefined ? '' : normalizeResultCode(result.resultCode);
  if (result.resultStatus !== 'S') {
    if (code === 'DPOS_PAYMENT_ORDER_NOT_EXIST') {
      return outcomeFor('REFUND_NOT_FOUND', { resultMessage: result.resultMessage ?? 'No refund with this id.' });
    }
    return outcomeFor('INQUIRY_FAILED', { resultMessage: `${result.resultStatus}/${code}: ${result.resultMessage ?? ''}` });
  }
  if (body.refundRequestId && body.refundRequestId !== refundRequestId) {
    return transportOutcome('MALFORMED_RESPONSE', `Inquiry answer is for ${body.refundRequestId}, not ${refundRequestId}.`);
  }
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

import { describe, expect, it } from 'vitest';
import { NextAction } from '../../../preload/contract/refunds';
import { ANTOM_RESULT_CODES, describeResultCode, LOCAL_RESULT_CODES, RESULT_CODES } from '../../../preload/contract/result-codes';

/** Every row of the refund reference's result-code table: code -> resultStatus. */
const REFERENCE: Record<string, 'S' | 'F' | 'U'> = {
  SUCCESS: 'S',
  DPOS_PAYMENT_ACCESS_DENIED: 'F',
  DPOS_PAYMENT_CURRENCY_NOT_SUPPORT: 'F',
  DPOS_PAYMENT_INVALID_MERCHANT_STATUS: 'F',
  DPOS_PAYMENT_ORDER_IS_CLOSED: 'F',
  DPOS_PAYMENT_ORDER_NOT_EXIST: 'F',
  DPOS_PAYMENT_ORDER_STATUS_INVALID: 'F',
  DPOS_PAYMENT_REPEAT_REQ_INCONSISTENT: 'F',
  DPOS_PAYMENT_RISK_REJECT: 'F',
  DPOS_PAYMENT_ORDER_IS_CANCELED: 'F',
  'DPOS_SYSTEM_ ERROR': 'F',
  DPOS_REFUND_KEY_NOT_FOUND: 'F',
  DPOS_REFUND_MERCHANT_BALANCE_NOT_ENOUGH: 'F',
  DPOS_REFUND_MULTIPLE_REFUNDS_NOT_SUPPORTED: 'F',
  DPOS_REFUND_NO_INTERFACE_DEF: 'F',
  DPOS_REFUND_INVALID_API: 'F',
  DPOS_REFUND_PROCESS_FAIL: 'F',
  DPOS_REFUND_REFUND_AMOUNT_EXCEED: 'F',
  DPOS_REFUND_REFUND_WINDOW_EXCEED: 'F',
  DPOS_REFUND_REQUEST_TRAFFIC_EXCEED_LIMIT: 'F',
  DPOS_REFUND_REFUND_IN_PROCESS: 'U',
  DPOS_REFUND_REFUND_NOT_SUPPORT: 'F',
  DPOS_REFUND_PARTIAL_REFUND_NOT_SUPPORTED: 'F',
  DPOS_REFUND_PAYMENT_METHOD_NOT_SUPPORTED: 'F',
  DPOS_REFUND_UNKNOWN_EXCEPTION: 'U',
};
const STATUS_OF = { S: 'SUCCESS', F: 'FAILED', U: 'PENDING' } as const;

describe('result-code catalogue', () => {
  it('covers exactly the reference codes plus the local ones', () => {
    expect(ANTOM_RESULT_CODES).toHaveLength(Object.keys(REFERENCE).length);
    expect([...LOCAL_RESULT_CODES].sort()).toEqual(
      [
        'BAD_SIGNATURE',
        'HTTP_4XX',
        'HTTP_5XX',
        'INQUIRY_FAILED',
        'RESPONSE_MISMATCH',
        'RESPONSE_TOO_LARGE',
        'INVALID_REQUEST',
        'MALFORMED_RESPONSE',
        'NETWORK_ERROR',
        'REFUND_FAILED',
        'REFUND_NOT_FOUND',
        'TERMINAL_REFERENCE_REUSED',
        'TIMEOUT',
        'UNKNOWN_RESULT_CODE',
      ].sort(),
    );
  });

  for (const [code, resultStatus] of Object.entries(REFERENCE)) {
    it(`${code} -> ${STATUS_OF[resultStatus]}`, () => {
      const info = describeResultCode(code);
      expect(info.source).toBe('ANTOM');
      expect(info.antomResultStatus).toBe(resultStatus);
      expect(info.status).toBe(STATUS_OF[resultStatus]);
      // A FAILED refund is never retried with the same id automatically.
      if (info.status === 'FAILED') expect(info.retrySameRequestId).toBe(false);
    });
  }

  it('reads "DPOS_SYSTEM_ ERROR" and "DPOS_SYSTEM_ERROR" as the same code', () => {
    expect(describeResultCode('DPOS_SYSTEM_ ERROR').code).toBe('DPOS_SYSTEM_ERROR');
    expect(describeResultCode('DPOS_SYSTEM_ERROR')).toEqual(describeResultCode('DPOS_SYSTEM_ ERROR'));
  });

  it('IN_PROCESS is pending and must not be resent; UNKNOWN_EXCEPTION is resent with the same id', () => {
    expect(describeResultCode('DPOS_REFUND_REFUND_IN_PROCESS')).toMatchObject({ status: 'PENDING', nextAction: 'INQUIRE', retrySameRequestId: false });
    expect(describeResultCode('DPOS_REFUND_UNKNOWN_EXCEPTION')).toMatchObject({
      status: 'PENDING',
      nextAction: 'RETRY_SAME_REQUEST',
      retrySameRequestId: true,
    });
  });

  it('local transport codes are pending and resent with the same id', () => {
    for (const code of ['TIMEOUT', 'NETWORK_ERROR', 'HTTP_5XX', 'BAD_SIGNATURE', 'MALFORMED_RESPONSE', 'UNKNOWN_RESULT_CODE']) {
      expect(describeResultCode(code)).toMatchObject({ source: 'LOCAL', status: 'PENDING', retrySameRequestId: true });
    }
    expect(describeResultCode('INVALID_REQUEST')).toMatchObject({ status: 'FAILED', nextAction: 'FIX_INPUT', retrySameRequestId: false });
  });

  it('every entry has English and Chinese text and a valid next action', () => {
    for (const info of Object.values(RESULT_CODES)) {
      expect(info.message.en.length).toBeGreaterThan(10);
      expect(info.message.zh).toMatch(/[\u4e00-\u9fff]/);
      expect(NextAction.safeParse(info.nextAction).success).toBe(true);
    }
  });

  it('unknown codes default to PENDING / INQUIRE', () => {
    expect(describeResultCode('SOMETHING_NEW')).toMatchObject({ code: 'SOMETHING_NEW', status: 'PENDING', nextAction: 'INQUIRE', retrySameRequestId: false });
  });
});

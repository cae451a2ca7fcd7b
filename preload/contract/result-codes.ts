/**
 * Catalogue of every Antom refund resultCode (from the refund API reference)
 * plus the local codes this terminal produces for transport problems.
 *
 * PURE data + types: the renderer imports this file, so no node imports.
 *
 * `status` is what the code means for the refund itself:
 *  - SUCCESS / FAILED are final.
 *  - PENDING means "not known yet": Antom may or may not have the refund.
 *    It is resolved by retrying with the SAME refundRequestId (Antom is
 *    idempotent on it) or by inquiryRefund, never by a new request id.
 */
import type { NextAction } from './refunds';

export type ResultFinalStatus = 'SUCCESS' | 'FAILED' | 'PENDING';

export interface ResultCodeInfo {
  readonly code: string;
  /** Where the code comes from: Antom's reference, or this terminal. */
  readonly source: 'ANTOM' | 'LOCAL';
  /** Antom's resultStatus for the code (S/F/U); null for local codes. */
  readonly antomResultStatus: 'S' | 'F' | 'U' | null;
  readonly status: ResultFinalStatus;
  readonly message: { readonly en: string; readonly zh: string };
  readonly nextAction: NextAction;
  /** True when sending the identical request again with the same refundRequestId is safe and useful. */
  readonly retrySameRequestId: boolean;
}

type Entry = Omit<ResultCodeInfo, 'code'>;

const F = (en: string, zh: string, nextAction: NextAction): Entry => ({
  source: 'ANTOM',
  antomResultStatus: 'F',
  status: 'FAILED',
  message: { en, zh },
  nextAction,
  retrySameRequestId: false,
});

const LOCAL_PENDING = (en: string, zh: string, nextAction: NextAction = 'RETRY_SAME_REQUEST'): Entry => ({
  source: 'LOCAL',
  antomResultStatus: null,
  status: 'PENDING',
  message: { en, zh },
  nextAction,
  retrySameRequestId: true,
});

/** Antom codes, exactly as listed in the refund API reference (resultStatus column kept). */
const ANTOM_CODES = {
  SUCCESS: {
    source: 'ANTOM',
    antomResultStatus: 'S',
    status: 'SUCCESS',
    message: { en: 'Refund completed. Give the customer their receipt.', zh: '退款成功。请将凭条交给顾客。' },
    nextAction: 'NONE',
    retrySameRequestId: false,
  },
  DPOS_PAYMENT_ACCESS_DENIED: F(
    'Antom refused access for this terminal. No money was refunded. Call Antom support.',
    'Antom 拒绝了本终端的访问，未退款。请联系 Antom 技术支持。',
    'CALL_SUPPORT',
  ),
  DPOS_PAYMENT_CURRENCY_NOT_SUPPORT: F(
    'This currency cannot be refunded for this store. No money was refunded. Call Antom support.',
    '本门店不支持该币种的退款，未退款。请联系 Antom 技术支持。',
    'CALL_SUPPORT',
  ),
  DPOS_PAYMENT_INVALID_MERCHANT_STATUS: F(
    'The store account is restricted at Antom. No money was refunded. Call Antom support.',
    '商户账户在 Antom 处受限，未退款。请联系 Antom 技术支持。',
    'CALL_SUPPORT',
  ),
  DPOS_PAYMENT_ORDER_IS_CLOSED: F(
    'This payment is closed and cannot be refunded. No money was refunded.',
    '该笔支付已关闭，无法退款。未退款。',
    'NEW_REQUEST_ID',
  ),
  DPOS_PAYMENT_ORDER_NOT_EXIST: F(
    'No payment was found with this payment ID. Check the ID on the receipt and try again.',
    '找不到该支付单号。请核对小票上的单号后重试。',
    'FIX_INPUT',
  ),
  DPOS_PAYMENT_ORDER_STATUS_INVALID: F(
    'This payment has not completed (still processing or failed), so it cannot be refunded now. Check the payment; if it is still processing, wait and start a new refund later.',
    '该笔支付尚未完成（处理中或已失败），暂不能退款。请核对支付状态；若仍在处理中，请稍后重新发起退款。',
    'WAIT',
  ),
  DPOS_PAYMENT_REPEAT_REQ_INCONSISTENT: F(
    'This refund number was already used with different details. Start a new refund.',
    '该退款单号已用于不同内容的请求。请重新发起一笔新退款。',
    'NEW_REQUEST_ID',
  ),
  DPOS_PAYMENT_RISK_REJECT: F(
    'Antom risk control rejected this refund. No money was refunded. Tell the customer the refund was declined.',
    '该退款被 Antom 风控拒绝，未退款。请告知顾客退款被拒。',
    'CALL_SUPPORT',
  ),
  DPOS_PAYMENT_ORDER_IS_CANCELED: F('This payment was cancelled, so there is nothing to refund.', '该笔支付已取消，无需退款。', 'NONE'),
  DPOS_SYSTEM_ERROR: F(
    'Antom reported a system error. Do not try again. Call Antom support.',
    'Antom 系统错误。请勿重试，请联系 Antom 技术支持。',
    'CALL_SUPPORT',
  ),
  DPOS_REFUND_KEY_NOT_FOUND: F(
    "Antom does not have this terminal's signing key. No money was refunded. Ask your administrator to check the keys in the Antom Dashboard.",
    'Antom 找不到本终端的签名密钥，未退款。请管理员在 Antom Dashboard 中检查密钥。',
    'CALL_SUPPORT',
  ),
  DPOS_REFUND_MERCHANT_BALANCE_NOT_ENOUGH: F(
    "The store's Antom balance is too low for this refund. No money was refunded. Try again later as a new refund.",
    '商户在 Antom 的余额不足，未退款。请稍后重新发起一笔新退款。',
    'NEW_REQUEST_ID',
  ),
  DPOS_REFUND_MULTIPLE_REFUNDS_NOT_SUPPORTED: F(
    'This payment can only be refunded once and already has a refund. Do not refund it again.',
    '该笔支付只允许退款一次，且已有退款。请勿再次退款。',
    'NONE',
  ),
  DPOS_REFUND_NO_INTERFACE_DEF: F(
    'The terminal is set up with a wrong Antom address. No money was refunded. Ask your administrator to check the settings.',
    '终端配置的 Antom 地址有误，未退款。请管理员检查设置。',
    'CALL_SUPPORT',
  ),
  DPOS_REFUND_INVALID_API: F(
    'Refunds are not switched on for this store at Antom. No money was refunded. Call Antom support.',
    '本门店的退款接口未在 Antom 开通，未退款。请联系 Antom 技术支持。',
    'CALL_SUPPORT',
  ),
  DPOS_REFUND_PROCESS_FAIL: F(
    'Antom could not process this refund. No money was refunded. Do not try again; call Antom support.',
    'Antom 无法处理该退款，未退款。请勿重试，请联系 Antom 技术支持。',
    'CALL_SUPPORT',
  ),
  DPOS_REFUND_REFUND_AMOUNT_EXCEED: F(
    'The amount is more than what is left to refund on this payment (or below the minimum). Enter a smaller amount.',
    '退款金额超过该笔支付剩余可退金额（或低于最低金额）。请输入更小的金额。',
    'FIX_INPUT',
  ),
  DPOS_REFUND_REFUND_WINDOW_EXCEED: F(
    'This payment is too old to refund with this payment method. No money was refunded.',
    '该笔支付已超过此支付方式的可退款期限，未退款。',
    'NONE',
  ),
  DPOS_REFUND_REQUEST_TRAFFIC_EXCEED_LIMIT: F(
    'Antom is busy right now. No money was refunded. Wait a minute, then start the refund again.',
    'Antom 当前繁忙，未退款。请稍等一分钟后重新发起退款。',
    'WAIT',
  ),
  DPOS_REFUND_REFUND_IN_PROCESS: {
    source: 'ANTOM',
    antomResultStatus: 'U',
    status: 'PENDING',
    message: {
      en: 'Antom is processing this refund. Do not refund again; the result will appear here when it is final.',
      zh: 'Antom 正在处理该退款。请勿重复退款，最终结果出来后会显示在这里。',
    },
    nextAction: 'INQUIRE',
    retrySameRequestId: false,
  },
  DPOS_REFUND_REFUND_NOT_SUPPORT: F(
    'This payment cannot be refunded. No money was refunded. Call Antom support if you think it should be.',
    '该笔支付不支持退款，未退款。如有疑问请联系 Antom 技术支持。',
    'CALL_SUPPORT',
  ),
  DPOS_REFUND_PARTIAL_REFUND_NOT_SUPPORTED: F(
    'This payment method only allows a full refund. Refund the full amount, or refund the customer another way.',
    '该支付方式只支持全额退款。请全额退款，或通过其他方式退款给顾客。',
    'FIX_INPUT',
  ),
  DPOS_REFUND_PAYMENT_METHOD_NOT_SUPPORTED: F(
    'This payment method does not allow refunds. No money was refunded. Call Antom support.',
    '该支付方式不支持退款，未退款。请联系 Antom 技术支持。',
    'CALL_SUPPORT',
  ),
  DPOS_REFUND_UNKNOWN_EXCEPTION: {
    source: 'ANTOM',
    antomResultStatus: 'U',
    status: 'PENDING',
    message: {
      en: 'Antom could not confirm the refund yet. Do not refund again; the terminal will check and retry the same refund.',
      zh: 'Antom 暂时无法确认退款结果。请勿重复退款，终端会自动查询并重试同一笔退款。',
    },
    nextAction: 'RETRY_SAME_REQUEST',
    retrySameRequestId: true,
  },
} satisfies Record<string, Entry>;

/** Codes this terminal produces itself. */
const LOCAL_CODES = {
  TIMEOUT: LOCAL_PENDING(
    'No answer from Antom in time. The refund may or may not have gone through. Do not refund again; the terminal will check.',
    'Antom 未及时响应，退款可能已成功也可能未成功。请勿重复退款，终端会自动核查。',
  ),
  NETWORK_ERROR: LOCAL_PENDING(
    'The connection to Antom failed. The refund may or may not have gone through. Do not refund again; the terminal will check.',
    '与 Antom 的连接失败，退款可能已成功也可能未成功。请勿重复退款，终端会自动核查。',
  ),
  HTTP_5XX: LOCAL_PENDING(
    'Antom had a server problem. The refund may or may not have gone through. Do not refund again; the terminal will check.',
    'Antom 服务器异常，退款可能已成功也可能未成功。请勿重复退款，终端会自动核查。',
  ),
  BAD_SIGNATURE: LOCAL_PENDING(
    'The answer from Antom could not be verified, so it was not trusted. Do not refund again; the terminal will check.',
    '无法验证 Antom 返回结果的签名，结果不可信。请勿重复退款，终端会自动核查。',
  ),
  MALFORMED_RESPONSE: LOCAL_PENDING(
    'The answer from Antom could not be read. Do not refund again; the terminal will check.',
    '无法读取 Antom 的返回结果。请勿重复退款，终端会自动核查。',
  ),
  HTTP_4XX: LOCAL_PENDING(
    'Antom answered with an HTTP error, so the answer was not trusted. The refund may or may not have gone through. Do not refund again; the terminal will check. If it keeps happening, ask your administrator to check the Antom settings.',
    'Antom 返回了 HTTP 错误，结果不可信。退款可能已成功也可能未成功。请勿重复退款，终端会自动核查。如反复出现，请管理员检查 Antom 设置。',
    'CALL_SUPPORT',
  ),
  RESPONSE_MISMATCH: LOCAL_PENDING(
    "Antom's answer does not match this refund (other refund number, payment or amount), so it was not trusted. Do not refund again; the terminal will check.",
    'Antom 的返回结果与本笔退款不符（退款单号、支付单号或金额不同），结果不可信。请勿重复退款，终端会自动核查。',
    'INQUIRE',
  ),
  RESPONSE_TOO_LARGE: LOCAL_PENDING(
    'The answer from Antom was too large to be a real answer and was not read. The refund may or may not have gone through. Do not refund again; the terminal will check.',
    'Antom 的返回内容过大，不像真实结果，未读取。退款可能已成功也可能未成功。请勿重复退款，终端会自动核查。',
  ),
  UNKNOWN_RESULT_CODE: LOCAL_PENDING(
    'Antom answered with a code this terminal does not know. Do not refund again; the terminal will check.',
    'Antom 返回了本终端无法识别的结果码。请勿重复退款，终端会自动核查。',
  ),
  REFUND_NOT_FOUND: LOCAL_PENDING(
    'Antom has no record of this refund yet. The terminal will send the same refund again.',
    'Antom 尚无该退款记录。终端将重新发送同一笔退款。',
  ),
  INQUIRY_FAILED: LOCAL_PENDING(
    'The refund status could not be checked right now. Do not refund again; the terminal will check later.',
    '暂时无法查询退款状态。请勿重复退款，终端稍后会再次查询。',
    'INQUIRE',
  ),
  REFUND_FAILED: {
    source: 'LOCAL',
    antomResultStatus: null,
    status: 'FAILED',
    message: {
      en: 'Antom reports that this refund failed. No money was refunded. Start a new refund or call Antom support.',
      zh: 'Antom 显示该退款失败，未退款。请重新发起退款或联系 Antom 技术支持。',
    },
    nextAction: 'NEW_REQUEST_ID',
    retrySameRequestId: false,
  },
  // The terminal replayed a reference another refund holds (issue #12): stopped before Antom.
  TERMINAL_REFERENCE_REUSED: {
    source: 'LOCAL',
    antomResultStatus: null,
    status: 'FAILED',
    message: {
      en: 'The terminal gave a refund reference it had already given to another refund, so this refund was stopped. Nothing was sent to Antom; no money moved. Call your technician (the terminal may be faulty).',
      zh: '终端给出的退款参考号已用于另一笔退款，因此此笔退款已停止。未发送给 Antom，资金未变动。请联系技术人员（终端可能有故障）。',
    },
    nextAction: 'CALL_SUPPORT',
    retrySameRequestId: false,
  },
  INVALID_REQUEST: {
    source: 'LOCAL',
    antomResultStatus: null,
    status: 'FAILED',
    message: {
      en: 'Some refund details are missing or wrong. Nothing was sent to Antom. Correct them and try again.',
      zh: '退款信息缺失或有误，未发送给 Antom。请更正后重试。',
    },
    nextAction: 'FIX_INPUT',
    retrySameRequestId: false,
  },
} satisfies Record<string, Entry>;

export type AntomResultCode = keyof typeof ANTOM_CODES;
export type LocalResultCode = keyof typeof LOCAL_CODES;
export type KnownResultCode = AntomResultCode | LocalResultCode;

function withCodes(table: Record<string, Entry>): Readonly<Record<string, ResultCodeInfo>> {
  const out: Record<string, ResultCodeInfo> = {};
  for (const [code, entry] of Object.entries(table)) out[code] = Object.freeze({ code, ...entry });
  return Object.freeze(out);
}

export const RESULT_CODES: Readonly<Record<string, ResultCodeInfo>> = withCodes({ ...ANTOM_CODES, ...LOCAL_CODES });
export const ANTOM_RESULT_CODES: readonly AntomResultCode[] = Object.freeze(Object.keys(ANTOM_CODES) as AntomResultCode[]);
export const LOCAL_RESULT_CODES: readonly LocalResultCode[] = Object.freeze(Object.keys(LOCAL_CODES) as LocalResultCode[]);

/**
 * The reference literally prints "DPOS_SYSTEM_ ERROR" (with a space). Antom may
 * send either spelling, so whitespace inside a code is dropped before lookup.
 */
export function normalizeResultCode(code: string): string {
  return code.replace(/\s+/g, '').toUpperCase();
}

export function isKnownResultCode(code: string): boolean {
  return Object.prototype.hasOwnProperty.call(RESULT_CODES, normalizeResultCode(code));
}

/** Safe default for codes nobody has catalogued: not final, find out by inquiry. */
const UNKNOWN_DEFAULT: Entry = {
  source: 'LOCAL',
  antomResultStatus: null,
  status: 'PENDING',
  message: LOCAL_CODES.UNKNOWN_RESULT_CODE.message,
  nextAction: 'INQUIRE',
  retrySameRequestId: false,
};

export function describeResultCode(code: string): ResultCodeInfo {
  const normalized = normalizeResultCode(code);
  const known = Object.prototype.hasOwnProperty.call(RESULT_CODES, normalized) ? RESULT_CODES[normalized] : undefined;
  return known ?? { code, ...UNKNOWN_DEFAULT };
}

/**
 * Zod schemas for every HTTP body exchanged with Antom (refund, inquiryRefund,
 * inquiryPayment), used by the client AND the sandbox so both sides validate
 * the same shapes. Field names follow the in-store (omnichannel, DPOS) API.
 */
import { z } from 'zod';
import { MAX_MINOR_VALUE } from '../../preload/contract/money';

export const API_PATHS = {
  refund: '/v2/payments/refund',
  inquiryRefund: '/v2/payments/inquiryRefund',
  inquiryPayment: '/v2/payments/inquiryPayment',
} as const;
export type AntomApi = keyof typeof API_PATHS;

/** Outgoing amounts: integers, as the refund reference types Amount.value. */
export const WireAmountOut = z.object({
  value: z.number().int().min(0).max(MAX_MINOR_VALUE),
  currency: z.string().regex(/^[A-Z]{3}$/),
});

/**
 * Incoming amounts: Antom's samples also send value as a digit string
 * ("value": "1000"), so both are accepted and normalised to an integer.
 */
export const WireAmountIn = z.object({
  value: z
    .union([
      z.number().int(),
      z
        .string()
        .regex(/^\d{1,10}$/)
        .transform(Number),
    ])
    .pipe(z.number().int().min(0).max(MAX_MINOR_VALUE)),
  currency: z.string().regex(/^[A-Z]{3}$/),
});

export const WireResult = z.object({
  resultStatus: z.enum(['S', 'F', 'U']),
  resultCode: z.string().max(64).optional(),
  resultMessage: z.string().max(256).optional(),
});
export type WireResult = z.infer<typeof WireResult>;

// ---------------------------------------------------------------- refund

export const RefundRequestBody = z.object({
  refundRequestId: z.string().min(1).max(64),
  paymentId: z.string().min(1).max(64),
  originalMerchantRefundId: z.string().min(1).max(64),
  refundAmount: WireAmountOut.nullish(),
  memo: z.string().max(256).optional(),
});
export type RefundRequestBody = z.infer<typeof RefundRequestBody>;

export const RefundResponseBody = z.object({
  refundRequestId: z.string().optional(),
  refundId: z.string().optional(),
  paymentId: z.string().optional(),
  refundTime: z.string().optional(),
  refundAmount: WireAmountIn.nullish(),
  result: WireResult,
});
export type RefundResponseBody = z.infer<typeof RefundResponseBody>;

// ---------------------------------------------------------------- inquiryRefund

/**
 * The in-store v2 page documents `refundId`; the v1 pages also accept
 * `refundRequestId`. After a timeout only refundRequestId is known, so it is
 * always sent, with refundId added when an earlier answer told us.
 */
export const InquiryRefundRequestBody = z
  .object({
    refundRequestId: z.string().min(1).max(64).optional(),
    refundId: z.string().min(1).max(64).optional(),
  })
  .refine((b) => b.refundRequestId !== undefined || b.refundId !== undefined, 'refundRequestId or refundId is required');
export type InquiryRefundRequestBody = z.infer<typeof InquiryRefundRequestBody>;

export const InquiryRefundResponseBody = z.object({
  result: WireResult,
  refundId: z.string().nullish(),
  refundRequestId: z.string().nullish(),
  paymentId: z.string().nullish(),
  refundStatus: z.string().nullish(),
  refundTime: z.string().nullish(),
  refundAmount: WireAmountIn.nullish(),
});
export type InquiryRefundResponseBody = z.infer<typeof InquiryRefundResponseBody>;

// ---------------------------------------------------------------- inquiryPayment

export const InquiryPaymentRequestBody = z
  .object({
    paymentId: z.string().min(1).max(64).optional(),
    paymentRequestId: z.string().min(1).max(64).optional(),
  })
  .refine((b) => b.paymentId !== undefined || b.paymentRequestId !== undefined, 'paymentId or paymentRequestId is required');
export type InquiryPaymentRequestBody = z.infer<typeof InquiryPaymentRequestBody>;

/**
 * One entry of inquiryPayment's `transactions` list (Antom lists the payment's
 * refunds, captures and cancels there). Only REFUND entries are used: they are
 * how refunds made elsewhere (another counter, the Antom Dashboard) become known.
 */
export const WireTransaction = z.object({
  transactionType: z.string().max(32),
  transactionStatus: z.string().max(32).nullish(),
  transactionAmount: WireAmountIn.nullish(),
  transactionRequestId: z.string().max(64).nullish(),
  transactionId: z.string().max(64).nullish(),
  transactionTime: z.string().max(64).nullish(),
});
export type WireTransaction = z.infer<typeof WireTransaction>;

export const InquiryPaymentResponseBody = z.object({
  result: WireResult,
  paymentId: z.string().nullish(),
  paymentRequestId: z.string().nullish(),
  paymentStatus: z.string().nullish(),
  paymentAmount: WireAmountIn.nullish(),
  paymentMethod: z.string().nullish(),
  paymentTime: z.string().nullish(),
  paymentCreateTime: z.string().nullish(),
  transactions: z.array(WireTransaction).max(500).nullish(),
});
export type InquiryPaymentResponseBody = z.infer<typeof InquiryPaymentResponseBody>;

// ---------------------------------------------------------------- notifyRefund

/**
 * Antom's push of a refund's result (notifyRefund, notifyType REFUND_RESULT),
 * as the integration guide's sample shows it: refundRequestId, refundId,
 * refundAmount, refundStatus, refundTime and `result`. The guide's sample has
 * no paymentId; it is accepted (and then must match) when present.
 */
export const RefundNotifyBody = z.object({
  notifyType: z.literal('REFUND_RESULT'),
  refundRequestId: z.string().min(1).max(64),
  refundId: z.string().min(1).max(64).nullish(),
  paymentId: z.string().min(1).max(64).nullish(),
  refundAmount: WireAmountIn.nullish(),
  refundStatus: z.string().max(32).nullish(),
  refundTime: z.string().max(64).nullish(),
  result: WireResult,
});
export type RefundNotifyBody = z.infer<typeof RefundNotifyBody>;

/** The acknowledgement the integration guide requires for every notification, byte for byte. */
export const NOTIFY_ACK_BODY = '{"result":{"resultCode":"SUCCESS","resultStatus":"S","resultMessage":"success"}}';

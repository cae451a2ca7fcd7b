import { z } from 'zod';
import { CURRENCY_EXPONENTS, MAX_MINOR_VALUE } from './money';

/** Schemas for the refund domain as it crosses IPC / the browser-host channel. */

export const CurrencyCode = z
  .string()
  .regex(/^[A-Z]{3}$/, 'currency must be a 3-letter ISO-4217 code')
  .refine((c) => Object.prototype.hasOwnProperty.call(CURRENCY_EXPONENTS, c), 'unsupported currency');

export const MoneySchema = z.object({
  value: z.number().int().min(0).max(MAX_MINOR_VALUE),
  currency: CurrencyCode,
});

/** Antom paymentId: opaque, printable, bounded. */
export const PaymentId = z
  .string()
  .trim()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9_\-*]+$/, 'paymentId has unexpected characters');
export const RefundRequestId = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9_-]+$/);

/**
 * Journaled life of one refund. Final states: SUCCEEDED, FAILED, DECLINED.
 * PENDING_* are visible, recoverable and keep being resolved in the background.
 */
export const RefundState = z.enum([
  'AWAITING_APPROVAL', // policy needs a manager's PIN first
  'APPROVED', // ready to run (also the start state when no approval is needed)
  'DECLINED', // a manager said no (final)
  'REFERENCE_REQUESTED', // journaled before the first byte goes to the terminal
  'REFERENCE_OBTAINED', // originalMerchantRefundId known
  'SUBMITTING', // journaled before the first byte goes to Antom
  'SUCCEEDED',
  'FAILED',
  'PENDING_IN_PROCESS', // Antom said DPOS_REFUND_REFUND_IN_PROCESS: resolve by inquiry
  'PENDING_UNKNOWN', // timeout / network / 5xx / bad signature / unknown code: same id retried or inquired
]);
export type RefundState = z.infer<typeof RefundState>;

export const FINAL_STATES: readonly RefundState[] = ['SUCCEEDED', 'FAILED', 'DECLINED'];

/** What the cashier should do next, from the result-code catalogue. */
export const NextAction = z.enum(['NONE', 'RETRY_SAME_REQUEST', 'NEW_REQUEST_ID', 'CALL_SUPPORT', 'INQUIRE', 'WAIT', 'FIX_INPUT']);
export type NextAction = z.infer<typeof NextAction>;

export const RefundView = z.object({
  refundRequestId: RefundRequestId,
  intentId: z.string(),
  paymentId: PaymentId,
  mode: z.enum(['FULL', 'PARTIAL']),
  /** Requested amount; for FULL it is the payment's remaining refundable amount when known. */
  amount: MoneySchema.nullable(),
  memo: z.string().max(256).nullable(),
  /** The reason chosen on the review screen: its code and the wording journaled at the time. */
  reason: z.object({ code: z.string(), text: z.string() }).nullable(),
  state: RefundState,
  /** Coarse status as the CLI and Antom talk about it. */
  status: z.enum(['SUCCESS', 'FAILED', 'PENDING', 'AWAITING_APPROVAL', 'DECLINED', 'IN_PROGRESS']),
  originalMerchantRefundId: z.string().nullable(),
  refundId: z.string().nullable(),
  resultCode: z.string().nullable(),
  /** Plain-language sentence for the cashier (English; the renderer localises by resultCode). */
  message: z.string(),
  nextAction: NextAction,
  cashier: z.string(),
  approvals: z.array(z.object({ manager: z.string(), decision: z.enum(['APPROVED', 'DECLINED']), reason: z.string(), at: z.string() })),
  approvalReasons: z.array(z.string()),
  /** The same reasons by code with their figures (approvalReason.<code> on screen); absent from older producers. */
  approvalReasonDetails: z.array(z.object({ code: z.string(), text: z.string(), params: z.record(z.string(), z.string()).optional() })).optional(),
  /** The payment terminal's answer to `refund.result`: slip printed, not printed, or null = it never confirmed. */
  printed: z.boolean().nullable(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type RefundView = z.infer<typeof RefundView>;

/** One refund of a payment, made at this terminal or elsewhere (Antom told us). */
export const RefundHistoryEntry = z.object({
  refundRequestId: z.string().nullable(),
  at: z.string().nullable(),
  /** The cashier who made it here; null when made elsewhere. */
  who: z.string().nullable(),
  where: z.enum(['THIS_TERMINAL', 'ELSEWHERE']),
  amount: MoneySchema,
  /** SUCCESS / FAILED / PENDING / IN_PROGRESS / AWAITING_APPROVAL / DECLINED (here), SUCCESS / PROCESSING (elsewhere). */
  status: z.string(),
});
export type RefundHistoryEntry = z.infer<typeof RefundHistoryEntry>;

export const PaymentView = z.object({
  paymentId: PaymentId,
  amount: MoneySchema,
  paymentMethod: z.string(),
  paidAt: z.string(),
  status: z.string(),
  /**
   * What Antom will accept: amount minus max(refunds this terminal knows,
   * refunds Antom reported), and below any amount Antom refused as too much.
   */
  refundable: MoneySchema,
  supportsPartialRefund: z.boolean().nullable(),
  /** Which side decided `refundable`. */
  balanceSource: z.enum(['THIS_TERMINAL', 'ANTOM']),
  /** Refunded or being refunded, as this terminal's journal has it. */
  refundedHere: MoneySchema,
  /** As Antom reported on the last lookup; null = Antom did not say. */
  refundedAtAntom: MoneySchema.nullable(),
  /** Antom refused this amount as more than is left; null = no such refusal. */
  refusedAt: MoneySchema.nullable(),
  history: z.array(RefundHistoryEntry),
  /** From the method capabilities table (guide, corrected by Antom's answers). */
  refundWindowDays: z.number().int().nullable(),
  /** Last day a refund is accepted, ISO; null = unknown. */
  refundWindowEndsAt: z.string().nullable(),
  /** The window is over (by the table) or Antom said so (refundClosedCode). */
  refundWindowExpired: z.boolean(),
  refundClosedCode: z.string().nullable(),
  /** Synchronous answers (true), asynchronous (false), unknown (null). */
  syncRefund: z.boolean().nullable(),
  /** A refund of this payment still running here: who started it, where. */
  inFlight: z
    .object({ refundRequestId: z.string(), cashier: z.string(), state: z.string(), startedAt: z.string(), amount: MoneySchema, where: z.string() })
    .nullable(),
  /** When this view was built from Antom's answer (ISO). */
  lookedUpAt: z.string(),
});
export type PaymentView = z.infer<typeof PaymentView>;

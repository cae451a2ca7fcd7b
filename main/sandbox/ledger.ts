/**
 * The sandbox's business state and rules: payments, refunds, idempotency by
 * refundRequestId, refundable balance, windows, sync/async settlement. Pure
 * logic over an injected clock; the HTTP server (server.ts) only transports.
 */
import type { Money } from '../../preload/contract/money';
import type {
  InquiryPaymentRequestBody,
  InquiryPaymentResponseBody,
  InquiryRefundRequestBody,
  InquiryRefundResponseBody,
  RefundRequestBody,
  RefundResponseBody,
  WireResult,
} from '../antom/wire';
import { METHOD_RULES, seededRefundRequestId, type SandboxPayment } from './seed';

export interface SandboxRefund {
  readonly refundId: string;
  readonly refundRequestId: string;
  readonly paymentId: string;
  readonly originalMerchantRefundId: string;
  readonly amount: Money;
  readonly memo: string | null;
  readonly status: 'SUCCESS' | 'PROCESSING' | 'FAILED';
  readonly requestedAt: string;
  readonly settledAt: string | null;
}

interface MutablePayment extends Omit<SandboxPayment, 'refunded'> {
  refunded: number;
}
interface MutableRefund extends Omit<SandboxRefund, 'status' | 'settledAt'> {
  status: SandboxRefund['status'];
  settledAt: string | null;
  settleAtMs: number | null;
}

const DAY_MS = 86_400_000;

const RESULTS = {
  SUCCESS: { resultStatus: 'S', resultCode: 'SUCCESS', resultMessage: 'Success.' },
  IN_PROCESS: { resultStatus: 'U', resultCode: 'DPOS_REFUND_REFUND_IN_PROCESS', resultMessage: 'The refund is being processed.' },
} as const satisfies Record<string, WireResult>;

function fail(resultCode: string, resultMessage: string): WireResult {
  return { resultStatus: 'F', resultCode, resultMessage };
}

/** Everything that must match for a repeated refundRequestId to count as "the same request". */
function fingerprint(b: RefundRequestBody): string {
  return JSON.stringify([b.paymentId, b.originalMerchantRefundId, b.refundAmount?.value ?? null, b.refundAmount?.currency ?? null, b.memo ?? '']);
}

export class SandboxLedger {
  private readonly payments = new Map<string, MutablePayment>();
  private readonly refunds = new Map<string, MutableRefund>(); // by refundRequestId
  /** Answers to refund requests that were rejected, replayed for an identical repeat. */
  private readonly rejected = new Map<string, { fp: string; answer: RefundResponseBody }>();
  private readonly fingerprints = new Map<string, string>();
  private counter = 0;

  constructor(
    seed: readonly SandboxPayment[],
    private readonly clock: () => number,
    private readonly asyncSettleMs: number,
  ) {
    for (const p of seed) {
      this.payments.set(p.paymentId, { ...p, amount: { ...p.amount } });
      if (p.refunded > 0) {
        // Give the earlier refund a record so inquiryRefund and refunds() see it.
        const refundRequestId = seededRefundRequestId(p.paymentId);
        this.refunds.set(refundRequestId, {
          refundId: this.nextRefundId(),
          refundRequestId,
          paymentId: p.paymentId,
          originalMerchantRefundId: `SEED-${p.paymentId}`,
          amount: { value: p.refunded, currency: p.amount.currency },
          memo: 'seeded earlier refund',
          status: 'SUCCESS',
          requestedAt: p.paidAt,
          settledAt: p.paidAt,
          settleAtMs: null,
        });
      }
    }
  }

  private nextRefundId(): string {
    this.counter += 1;
    return `SBXRF${String(this.counter).padStart(10, '0')}`;
  }

  /** Settles async refunds whose time has come (lazy: no timers to leak). */
  private settle(): void {
    const now = this.clock();
    for (const r of this.refunds.values()) {
      if (r.status === 'PROCESSING' && r.settleAtMs !== null && now >= r.settleAtMs) {
        r.status = 'SUCCESS';
        r.settledAt = new Date(now).toISOString();
      }
    }
  }

  paymentList(): SandboxPayment[] {
    this.settle();
    return [...this.payments.values()].map((p) => ({ ...p, amount: { ...p.amount } }));
  }

  refundList(): SandboxRefund[] {
    this.settle();
    return [...this.refunds.values()].map(({ settleAtMs: _s, ...r }) => ({ ...r, amount: { ...r.amount } }));
  }

  refundByRequestOrId(refundRequestId?: string, refundId?: string): SandboxRefund | undefined {
    this.settle();
    // The docs: when both are given, refundId takes precedence.
    if (refundId) return this.refundList().find((r) => r.refundId === refundId);
    return refundRequestId ? this.refundList().find((r) => r.refundRequestId === refundRequestId) : undefined;
  }

  private answerFor(r: MutableRefund): RefundResponseBody {
    const common = { refundRequestId: r.refundRequestId, refundId: r.refundId, paymentId: r.paymentId, refundAmount: { ...r.amount } };
    if (r.status === 'SUCCESS') return { ...common, refundTime: r.settledAt ?? r.requestedAt, result: RESULTS.SUCCESS };
    if (r.status === 'PROCESSING') return { ...common, result: RESULTS.IN_PROCESS };
    return { ...common, result: fail('DPOS_REFUND_PROCESS_FAIL', 'The refund failed.') };
  }

  private reject(body: RefundRequestBody, result: WireResult, remember = true): RefundResponseBody {
    const answer: RefundResponseBody = { refundRequestId: body.refundRequestId, result };
    if (remember) {
      this.rejected.set(body.refundRequestId, { fp: fingerprint(body), answer });
      this.fingerprints.set(body.refundRequestId, fingerprint(body));
    }
    return answer;
  }

  refund(body: RefundRequestBody): RefundResponseBody {
    this.settle();
    const now = this.clock();
    const fp = fingerprint(body);

    // Idempotency: same id + same content => same answer; different content => inconsistent.
    const seenFp = this.fingerprints.get(body.refundRequestId);
    if (seenFp !== undefined && seenFp !== fp) {
      return {
        refundRequestId: body.refundRequestId,
        result: fail('DPOS_PAYMENT_REPEAT_REQ_INCONSISTENT', 'The amount or currency is different from the previous request.'),
      };
    }
    const existing = this.refunds.get(body.refundRequestId);
    if (existing) return this.answerFor(existing);
    const earlier = this.rejected.get(body.refundRequestId);
    if (earlier) return earlier.answer;

    const payment = this.payments.get(body.paymentId);
    if (!payment) return this.reject(body, fail('DPOS_PAYMENT_ORDER_NOT_EXIST', 'The order does not exist.'));
    if (payment.status === 'CLOSED') return this.reject(body, fail('DPOS_PAYMENT_ORDER_IS_CLOSED', 'The transaction is closed.'));
    if (payment.status === 'CANCELLED') return this.reject(body, fail('DPOS_PAYMENT_ORDER_IS_CANCELED', 'The transaction is canceled.'));
    if (payment.status !== 'SUCCESS') {
      // Not remembered: once the payment completes the same request may succeed.
      return this.reject(body, fail('DPOS_PAYMENT_ORDER_STATUS_INVALID', 'The order status is invalid.'), false);
    }
    if (!payment.refundSupported) {
      return this.reject(body, fail('DPOS_REFUND_PAYMENT_METHOD_NOT_SUPPORTED', 'The payment method does not support refunding this transaction.'));
    }
    const rules = METHOD_RULES[payment.paymentMethod];
    if (now - Date.parse(payment.paidAt) > rules.windowDays * DAY_MS) {
      return this.reject(body, fail('DPOS_REFUND_REFUND_WINDOW_EXCEED', `Refunds are allowed within ${rules.windowDays} days of payment.`));
    }
    // "Each paymentId only allows one refund request to be processed at the same time."
    // Not remembered, so the same request can be sent again once the other one settles.
    const busy = [...this.refunds.values()].some((r) => r.paymentId === payment.paymentId && r.status === 'PROCESSING');
    if (busy) return this.reject(body, { ...RESULTS.IN_PROCESS, resultMessage: 'Another refund for this payment is being processed.' }, false);

    if (body.refundAmount && body.refundAmount.currency !== payment.amount.currency) {
      return this.reject(body, fail('DPOS_PAYMENT_CURRENCY_NOT_SUPPORT', `The refund currency must be ${payment.amount.currency}.`));
    }
    const remaining = payment.amount.value - payment.refunded;
    const value = body.refundAmount ? body.refundAmount.value : remaining;
    const partial = value !== payment.amount.value;
    if (partial && !payment.supportsPartialRefund) {
      return this.reject(body, fail('DPOS_REFUND_PARTIAL_REFUND_NOT_SUPPORTED', 'A partial refund is not supported for this transaction.'));
    }
    if (value <= 0 || value > remaining) {
      return this.reject(body, fail('DPOS_REFUND_REFUND_AMOUNT_EXCEED', `The refundable amount left is ${remaining} (minor units).`));
    }

    const record: MutableRefund = {
      refundId: this.nextRefundId(),
      refundRequestId: body.refundRequestId,
      paymentId: payment.paymentId,
      originalMerchantRefundId: body.originalMerchantRefundId,
      amount: { value, currency: payment.amount.currency },
      memo: body.memo ?? null,
      status: rules.async ? 'PROCESSING' : 'SUCCESS',
      requestedAt: new Date(now).toISOString(),
      settledAt: rules.async ? null : new Date(now).toISOString(),
      settleAtMs: rules.async ? now + this.asyncSettleMs : null,
    };
    payment.refunded += value; // reserved while processing, kept when it succeeds
    this.refunds.set(record.refundRequestId, record);
    this.fingerprints.set(record.refundRequestId, fp);
    return this.answerFor(record);
  }

  inquiryRefund(body: InquiryRefundRequestBody): InquiryRefundResponseBody {
    const r = this.refundByRequestOrId(body.refundRequestId, body.refundId);
    if (!r) return { result: fail('DPOS_PAYMENT_ORDER_NOT_EXIST', 'The refund does not exist.') };
    return {
      result: RESULTS.SUCCESS,
      refundId: r.refundId,
      refundRequestId: r.refundRequestId,
      paymentId: r.paymentId,
      // v2 inquiryRefund documents SUCCESS / FAILED / PENDING.
      refundStatus: r.status === 'PROCESSING' ? 'PENDING' : r.status,
      ...(r.status === 'SUCCESS' && r.settledAt ? { refundTime: r.settledAt } : {}),
      refundAmount: { ...r.amount },
    };
  }

  inquiryPayment(body: InquiryPaymentRequestBody): InquiryPaymentResponseBody {
    this.settle();
    // The docs: when both are given, paymentId takes precedence.
    const p = body.paymentId ? this.payments.get(body.paymentId) : [...this.payments.values()].find((x) => x.paymentRequestId === body.paymentRequestId);
    if (!p) return { result: fail('DPOS_PAYMENT_ORDER_NOT_EXIST', 'The order does not exist.') };
    // inquiryPayment's documented statuses have no CLOSED; a closed order never succeeded.
    const paymentStatus = p.status === 'CLOSED' ? 'FAIL' : p.status;
    return {
      result: RESULTS.SUCCESS,
      paymentId: p.paymentId,
      paymentRequestId: p.paymentRequestId,
      paymentStatus,
      paymentAmount: { ...p.amount },
      paymentMethod: p.paymentMethod,
      paymentCreateTime: p.paidAt,
      ...(p.status === 'SUCCESS' ? { paymentTime: p.paidAt } : {}),
      // Like Antom: the payment's refunds, whoever made them (seeded "elsewhere" ones included).
      transactions: [...this.refunds.values()]
        .filter((r) => r.paymentId === p.paymentId)
        .map((r) => ({
          transactionType: 'REFUND',
          transactionStatus: r.status,
          transactionAmount: { ...r.amount },
          transactionRequestId: r.refundRequestId,
          transactionId: r.refundId,
          transactionTime: r.settledAt ?? r.requestedAt,
        })),
    };
  }

  /**
   * A refund made outside this install (another counter, the Antom Dashboard):
   * Antom knows it, the terminal's journal does not. For tests and demos.
   */
  refundElsewhere(paymentId: string, value: number): SandboxRefund | { error: string } {
    this.settle();
    const payment = this.payments.get(paymentId);
    if (!payment) return { error: 'no such payment' };
    if (value <= 0 || value > payment.amount.value - payment.refunded) return { error: 'more than is left' };
    const at = new Date(this.clock()).toISOString();
    const record: MutableRefund = {
      refundId: this.nextRefundId(),
      refundRequestId: `ELSEWHERE-${this.counter}-${paymentId}`.slice(0, 64),
      paymentId,
      originalMerchantRefundId: 'DASHBOARD',
      amount: { value, currency: payment.amount.currency },
      memo: 'refunded elsewhere',
      status: 'SUCCESS',
      requestedAt: at,
      settledAt: at,
      settleAtMs: null,
    };
    payment.refunded += value;
    this.refunds.set(record.refundRequestId, record);
    const { settleAtMs: _s, ...out } = record;
    return { ...out, amount: { ...out.amount } };
  }

  /** paymentId a request concerns, for fault scoping. */
  paymentIdOfRefund(refundRequestId?: string, refundId?: string): string | undefined {
    return this.refundByRequestOrId(refundRequestId, refundId)?.paymentId;
  }
}

/** In-memory fakes of the engine's ports, recording every call. */
import type { Money } from '../../../preload/contract/money';
import { err, ok, type Result } from '../../../preload/contract/result';
import type {
  AntomGatewayPort,
  AntomOutcome,
  AntomPaymentInfo,
  AntomRefundRequest,
  RefundReferenceRequest,
  RefundResultNotice,
  TerminalErrorCode,
  TerminalPort,
} from '../../../main/refunds/ports';

export function outcome(status: AntomOutcome['status'], extra: Partial<AntomOutcome> = {}): AntomOutcome {
  return {
    status,
    ...(status === 'PENDING' ? { pendingKind: 'UNKNOWN' as const } : {}),
    resultCode: status === 'SUCCESS' ? 'SUCCESS' : status === 'FAILED' ? 'REFUND_FAILED' : 'TIMEOUT',
    resultMessage: status,
    cashierMessage: `cashier: ${status}`,
    nextAction: status === 'SUCCESS' ? 'NONE' : status === 'FAILED' ? 'NEW_REQUEST_ID' : 'INQUIRE',
    retrySameRequestId: status === 'PENDING',
    ...(status === 'SUCCESS' ? { refundId: 'AR-1' } : {}),
    ...extra,
  };
}

export const NOT_FOUND = outcome('FAILED', { resultCode: 'REFUND_NOT_EXIST', nextAction: 'INQUIRE' });

export class FakeTerminal implements TerminalPort {
  readonly references: RefundReferenceRequest[] = [];
  readonly notices: RefundResultNotice[] = [];
  /** Errors returned by the next calls, in order; then success. */
  failures: TerminalErrorCode[] = [];
  delayMs = 0;
  /** How the terminal answers `refund.result`: printed or not, an error, or never. */
  slipAnswer: { printed: boolean } | 'error' | 'hang' = { printed: true };

  async requestRefundReference(req: RefundReferenceRequest): Promise<Result<{ originalMerchantRefundId: string }, TerminalErrorCode>> {
    this.references.push(req);
    if (this.delayMs > 0) await new Promise((r) => setTimeout(r, this.delayMs));
    const f = this.failures.shift();
    if (f !== undefined) return err(f, `terminal ${f}`);
    return ok({ originalMerchantRefundId: `OMR-${req.refundRequestId}` });
  }

  async sendRefundResult(notice: RefundResultNotice): Promise<Result<{ printed: boolean }, TerminalErrorCode>> {
    this.notices.push(notice);
    if (this.slipAnswer === 'hang') return new Promise(() => undefined);
    if (this.slipAnswer === 'error') return err('TIMEOUT', 'terminal TIMEOUT');
    return ok(this.slipAnswer);
  }
}

export interface FakePayment {
  amount: Money;
  paidAt?: string;
  supportsPartialRefund?: boolean | null;
  status?: string;
}

export class FakeAntom implements AntomGatewayPort {
  readonly refundCalls: AntomRefundRequest[] = [];
  readonly inquiries: string[] = [];
  readonly payments = new Map<string, FakePayment>();
  /** Outcomes for the next refund calls, in order; default SUCCESS. */
  refundScript: AntomOutcome[] = [];
  /** Outcomes for the next inquiries; default: what Antom "knows" (SUCCESS if refunded, else not found). */
  inquiryScript: AntomOutcome[] = [];
  /** Refunds Antom actually accepted, by id. */
  readonly accepted = new Map<string, AntomOutcome>();
  delayMs = 0;
  unavailable = false;

  addPayment(id: string, p: FakePayment): void {
    this.payments.set(id, p);
  }

  async refund(req: AntomRefundRequest): Promise<AntomOutcome> {
    this.refundCalls.push(req);
    if (this.delayMs > 0) await new Promise((r) => setTimeout(r, this.delayMs));
    const o = this.refundScript.shift() ?? outcome('SUCCESS', { refundId: `AR-${req.refundRequestId}` });
    if (o.status !== 'PENDING' || o.pendingKind === 'IN_PROCESS') this.accepted.set(req.refundRequestId, o.status === 'PENDING' ? outcome('SUCCESS') : o);
    return o;
  }

  async inquireRefund(refundRequestId: string): Promise<AntomOutcome> {
    this.inquiries.push(refundRequestId);
    const scripted = this.inquiryScript.shift();
    if (scripted !== undefined) return scripted;
    return this.accepted.get(refundRequestId) ?? NOT_FOUND;
  }

  async inquirePayment(paymentId: string): Promise<Result<AntomPaymentInfo, 'PAYMENT_NOT_FOUND' | 'UNAVAILABLE'>> {
    if (this.unavailable) return err('UNAVAILABLE', 'down');
    const p = this.payments.get(paymentId);
    if (p === undefined) return err('PAYMENT_NOT_FOUND', 'no such payment');
    return ok({
      paymentId,
      amount: p.amount,
      paymentMethod: 'ALIPAY_CN',
      paidAt: p.paidAt ?? '2026-11-25T10:00:00.000Z',
      status: p.status ?? 'SUCCESS',
      supportsPartialRefund: p.supportsPartialRefund ?? true,
    });
  }
}

/** A clock tests can move. */
export class TestClock {
  constructor(private t: number = Date.parse('2026-11-25T12:00:00.000Z')) {}
  readonly now = (): Date => new Date(this.t);
  advance(ms: number): void {
    this.t += ms;
  }
}

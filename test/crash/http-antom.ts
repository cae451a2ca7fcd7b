/** AntomGatewayPort over the counter server's HTTP API (out of process, so a SIGKILL can land mid-request). */
import { z } from 'zod';
import { err, ok, type Result } from '../../preload/contract/result';
import type { AntomGatewayPort, AntomOutcome, AntomPaymentInfo, AntomRefundRequest } from '../../main/refunds/ports';

const Reply = z.object({
  status: z.enum(['SUCCESS', 'FAILED', 'PENDING']),
  pendingKind: z.enum(['IN_PROCESS', 'UNKNOWN']).optional(),
  resultCode: z.string(),
  refundId: z.string().optional(),
});
const PaymentReply = z.object({ ok: z.literal(true), paymentId: z.string(), amount: z.object({ value: z.number().int(), currency: z.string() }) });

function toOutcome(r: z.infer<typeof Reply>): AntomOutcome {
  return {
    status: r.status,
    ...(r.pendingKind !== undefined ? { pendingKind: r.pendingKind } : {}),
    resultCode: r.resultCode,
    resultMessage: r.resultCode,
    ...(r.refundId !== undefined ? { refundId: r.refundId } : {}),
    cashierMessage: r.status === 'SUCCESS' ? 'Refunded.' : r.status === 'FAILED' ? 'The refund failed.' : 'Checking with Antom.',
    nextAction: r.status === 'SUCCESS' ? 'NONE' : r.status === 'FAILED' ? 'NEW_REQUEST_ID' : 'INQUIRE',
    retrySameRequestId: r.status === 'PENDING',
  };
}

const UNKNOWN: AntomOutcome = {
  status: 'PENDING',
  pendingKind: 'UNKNOWN',
  resultCode: 'NETWORK_ERROR',
  resultMessage: 'network error',
  cashierMessage: 'Checking with Antom.',
  nextAction: 'INQUIRE',
  retrySameRequestId: true,
};

export class HttpAntom implements AntomGatewayPort {
  constructor(private readonly baseUrl: string) {}

  private async post(path: string, body: unknown): Promise<unknown> {
    const res = await fetch(`${this.baseUrl}${path}`, { method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json' } });
    return (await res.json()) as unknown;
  }

  async refund(req: AntomRefundRequest): Promise<AntomOutcome> {
    try {
      // Key order fixed here so the same journaled request is the same bytes every time.
      const body = {
        refundRequestId: req.refundRequestId,
        paymentId: req.paymentId,
        originalMerchantRefundId: req.originalMerchantRefundId,
        refundAmount: req.refundAmount,
        memo: req.memo,
      };
      const r = Reply.safeParse(await this.post('/refund', body));
      return r.success ? toOutcome(r.data) : { ...UNKNOWN, resultCode: 'MALFORMED_RESPONSE' };
    } catch {
      return UNKNOWN;
    }
  }

  async inquireRefund(refundRequestId: string): Promise<AntomOutcome> {
    try {
      const r = Reply.safeParse(await this.post('/inquire', { refundRequestId }));
      return r.success ? toOutcome(r.data) : UNKNOWN;
    } catch {
      return UNKNOWN;
    }
  }

  async inquirePayment(paymentId: string): Promise<Result<AntomPaymentInfo, 'PAYMENT_NOT_FOUND' | 'UNAVAILABLE'>> {
    try {
      const r = PaymentReply.safeParse(await this.post('/payment', { paymentId }));
      if (!r.success) return err('UNAVAILABLE', 'bad reply');
      return ok({
        paymentId,
        amount: r.data.amount,
        paymentMethod: 'ALIPAY_CN',
        paidAt: new Date().toISOString(),
        status: 'SUCCESS',
        supportsPartialRefund: true,
      });
    } catch {
      return err('UNAVAILABLE', 'unreachable');
    }
  }
}

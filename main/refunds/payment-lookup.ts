/**
 * Payment lookup: asking Antom about a payment, the local cache of payments
 * seen (payment-cache.ts), and the payment as the cashier sees it (balance,
 * history, refund window, the refund in flight), including search among them.
 */
import { hostname } from 'node:os';
import { toMajorString, type Money } from '../../preload/contract/money';
import { normalizePaymentId } from '../../preload/contract/payment-id';
import { MoneySchema, PaymentId, type PaymentView } from '../../preload/contract/refunds';
import { err, ok, type Result } from '../../preload/contract/result';
import type { PaymentQuery, PaymentRecord } from '../ledger/payment-cache';
import type { RefundRow } from '../ledger/rows';
import { isFinal } from '../ledger/state-machine';
import { coarseStatus } from '../ledger/views';
import { PAYMENT_FRESH_MS, type EngineCore } from './engine-core';
import type { AntomGatewayPort } from './ports';

export class PaymentLookup {
  constructor(private readonly c: EngineCore) {}

  async lookupPayment(paymentId: string): Promise<Result<PaymentView, 'INVALID_INPUT' | 'PAYMENT_NOT_FOUND' | 'UNAVAILABLE' | 'LOOKUP_MISCONFIGURED'>> {
    // Spaces, letter case, scanner prefixes: read the ID as the scan field does.
    const normalized = normalizePaymentId(paymentId);
    const id = PaymentId.safeParse(normalized.ok ? normalized.paymentId : paymentId);
    if (!id.success) return err('INVALID_INPUT', 'That does not look like a payment ID.');
    const fetched = await this.fetchPayment(id.data);
    if (!fetched.ok) return fetched;
    return ok(await this.paymentView(fetched.value));
  }

  /** A payment looked up within PAYMENT_FRESH_MS, or null. */
  async freshCachedPayment(paymentId: string): Promise<Result<PaymentRecord, never> | null> {
    const cached = await this.c.store.payments.get(paymentId);
    if (cached === null) return null;
    const age = this.c.clock().getTime() - Date.parse(cached.fetchedAt);
    return age >= 0 && age < PAYMENT_FRESH_MS ? ok(cached) : null;
  }

  async fetchPayment(paymentId: string): Promise<Result<PaymentRecord, 'PAYMENT_NOT_FOUND' | 'UNAVAILABLE' | 'LOOKUP_MISCONFIGURED'>> {
    let res: Awaited<ReturnType<AntomGatewayPort['inquirePayment']>>;
    try {
      res = await this.c.antom.inquirePayment(paymentId);
    } catch (e) {
      this.c.log.warn({ paymentId, err: String(e) }, 'inquirePayment threw');
      res = err('UNAVAILABLE', 'Antom could not be reached.');
    }
    if (res.ok) {
      const p = res.value;
      const amount = MoneySchema.safeParse(p.amount);
      if (!amount.success || p.paymentId !== paymentId) return err('UNAVAILABLE', 'Antom answered with an unexpected payment.');
      return ok(
        await this.c.store.payments.upsert({
          paymentId,
          amount: amount.data,
          paymentMethod: p.paymentMethod,
          paidAt: p.paidAt,
          status: p.status,
          supportsPartialRefund: p.supportsPartialRefund,
          antomRefunds: p.antomRefunds ?? null,
        }),
      );
    }
    // A lookup Antom refuses for its parameters is a set-up fault: say so, never "cannot be reached".
    if (res.error.code === 'LOOKUP_MISCONFIGURED') return err('LOOKUP_MISCONFIGURED', res.error.message);
    // Offline: the cached payment is still good for the balance check (the amount never changes).
    const cached = await this.c.store.payments.get(paymentId);
    if (res.error.code === 'UNAVAILABLE' && cached !== null) return ok(cached);
    return res.error.code === 'PAYMENT_NOT_FOUND'
      ? err('PAYMENT_NOT_FOUND', 'No payment with this ID was found.')
      : err('UNAVAILABLE', 'Antom could not be reached. Check the network and try again.');
  }

  /** Payments looked up recently (store-wide in store mode), with their refundable balance (no Antom call). */
  async listRecentPayments(limit = 20): Promise<PaymentView[]> {
    return Promise.all((await this.c.store.payments.recent(limit)).map((p) => this.paymentView(p)));
  }

  /**
   * Finds payments among those this install has seen (Antom offers no search by
   * amount or time): by amount, time range, method and the last digits of the ID.
   */
  async searchPayments(q: PaymentQuery): Promise<{ payments: PaymentView[]; methods: string[]; currencies: string[]; seen: number }> {
    const facets = await this.c.store.payments.facets();
    const found = await this.c.store.payments.search(q);
    return { payments: await Promise.all(found.map((p) => this.paymentView(p))), ...facets };
  }

  async paymentView(p: PaymentRecord): Promise<PaymentView> {
    const balance = await this.c.store.payments.balance(p.paymentId);
    const currency = p.amount.currency;
    const money = (value: number): Money => ({ value, currency });
    const rows = await this.c.journal.list({ paymentId: p.paymentId });
    const here = rows.map((r) => ({
      refundRequestId: r.refund_request_id,
      at: r.created_at,
      who: r.cashier,
      where: 'THIS_TERMINAL' as const,
      amount: money(r.amount_value),
      status: coarseStatus(r.state),
    }));
    const elsewhere = (balance?.elsewhere ?? []).map((a) => ({
      refundRequestId: a.refundRequestId,
      at: a.at,
      who: null,
      where: 'ELSEWHERE' as const,
      amount: money(a.value),
      status: a.status,
    }));
    const history = [...here, ...elsewhere].sort((a, b) => (b.at ?? '').localeCompare(a.at ?? ''));
    const cap = await this.c.store.payments.capability(p.paymentMethod);
    const paid = Date.parse(p.paidAt);
    const windowEnds = cap.windowDays !== null && !Number.isNaN(paid) ? new Date(paid + cap.windowDays * 86_400_000) : null;
    const expired = p.refundClosedCode !== null || (windowEnds !== null && windowEnds.getTime() < this.c.clock().getTime());
    const partialRefused = cap.partialSupported === false ? false : null;
    const flying = rows.find((r) => !isFinal(r.state));
    return {
      paymentId: p.paymentId,
      amount: p.amount,
      paymentMethod: p.paymentMethod,
      paidAt: p.paidAt,
      status: p.status,
      refundable: balance?.refundable ?? p.amount,
      // The payment's own answer first, then what Antom taught us about the method.
      supportsPartialRefund: p.supportsPartialRefund ?? partialRefused,
      balanceSource: balance?.source ?? 'THIS_TERMINAL',
      refundedHere: money(balance?.localCommitted ?? 0),
      refundedAtAntom: balance?.antomRefunded === null || balance === null ? null : money(balance.antomRefunded),
      refusedAt: balance?.refusedAt === null || balance === null ? null : money(balance.refusedAt),
      history,
      refundWindowDays: cap.windowDays,
      refundWindowEndsAt: windowEnds === null ? null : windowEnds.toISOString(),
      refundWindowExpired: expired,
      refundClosedCode: p.refundClosedCode,
      syncRefund: cap.sync,
      inFlight:
        flying === undefined
          ? null
          : {
              refundRequestId: flying.refund_request_id,
              cashier: flying.cashier,
              state: flying.state,
              startedAt: flying.created_at,
              amount: money(flying.amount_value),
              where: flying.lease_owner?.split(':')[0] ?? hostname(),
            },
      lookedUpAt: p.fetchedAt,
    };
  }

  inFlightSentence(row: RefundRow): string {
    const where = row.lease_owner?.split(':')[0] ?? hostname();
    return `${row.cashier} is refunding ${toMajorString({ value: row.amount_value, currency: row.currency })} ${row.currency} of this payment right now (started ${row.created_at}, on ${where}). Wait for it to finish; nothing was refunded twice.`;
  }

  /** The payment as the cashier should now see it (cache + journal, no Antom call). */
  async currentPaymentView(paymentId: string): Promise<PaymentView | null> {
    const p = await this.c.store.payments.get(paymentId);
    return p === null ? null : this.paymentView(p);
  }
}

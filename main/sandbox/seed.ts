/**
 * Sandbox payment model and the deterministic demo seed. Ids are fixed so the
 * UI, docs and e2e tests can refer to them; paidAt is relative to "now".
 */
import type { Money } from '../../preload/contract/money';

export type SandboxPaymentMethod = 'ALIPAY_CN' | 'ALIPAY_HK' | 'GCASH' | 'DANA' | 'TNG' | 'EXPRESS_BANKTRANSFER';
export type SandboxPaymentStatus = 'SUCCESS' | 'PROCESSING' | 'FAIL' | 'CLOSED' | 'CANCELLED';

export interface SandboxPayment {
  readonly paymentId: string;
  readonly paymentRequestId: string;
  readonly paymentMethod: SandboxPaymentMethod;
  readonly amount: Money;
  readonly paidAt: string;
  readonly status: SandboxPaymentStatus;
  /** Minor units already refunded (succeeded) or reserved by a refund in process. */
  readonly refunded: number;
  readonly supportsPartialRefund: boolean;
  /** False for a contract where this payment cannot be refunded at all. */
  readonly refundSupported: boolean;
}

/**
 * From the integration guide's Table 1: Alipay+ wallets refund synchronously
 * within 365 days; Express Banktransfer is asynchronous (T+3) within 180 days.
 */
export const METHOD_RULES: Readonly<Record<SandboxPaymentMethod, { windowDays: number; async: boolean }>> = Object.freeze({
  ALIPAY_CN: { windowDays: 365, async: false },
  ALIPAY_HK: { windowDays: 365, async: false },
  GCASH: { windowDays: 365, async: false },
  DANA: { windowDays: 365, async: false },
  TNG: { windowDays: 365, async: false },
  EXPRESS_BANKTRANSFER: { windowDays: 180, async: true },
});

interface DemoSpec {
  readonly paymentId: string;
  readonly paymentMethod: SandboxPaymentMethod;
  readonly amount: Money;
  readonly paidDaysAgo: number;
  readonly status?: SandboxPaymentStatus;
  readonly refunded?: number;
  readonly supportsPartialRefund?: boolean;
  readonly refundSupported?: boolean;
  /** What this payment demonstrates. */
  readonly covers: string;
}

/** The demo payments, keyed by what they show. */
export const DEMO_PAYMENTS = {
  SGD_ALIPAY: {
    paymentId: 'DEMO-SGD-ALIPAY-0001',
    paymentMethod: 'ALIPAY_CN',
    amount: { value: 12_550, currency: 'SGD' },
    paidDaysAgo: 0.1,
    covers: 'Plain SGD (2 decimals) Alipay payment: full and partial refunds succeed synchronously.',
  },
  JPY_ALIPAYHK: {
    paymentId: 'DEMO-JPY-ALIPAYHK-0002',
    paymentMethod: 'ALIPAY_HK',
    amount: { value: 4_800, currency: 'JPY' },
    paidDaysAgo: 1,
    covers: 'JPY (0 decimals) payment.',
  },
  KWD_ALIPAY: {
    paymentId: 'DEMO-KWD-ALIPAY-0003',
    paymentMethod: 'ALIPAY_CN',
    amount: { value: 12_345, currency: 'KWD' },
    paidDaysAgo: 2,
    covers: 'KWD (3 decimals) payment.',
  },
  SGD_FULL_ONLY: {
    paymentId: 'DEMO-SGD-GCASH-FULLONLY-0004',
    paymentMethod: 'GCASH',
    amount: { value: 5_000, currency: 'SGD' },
    paidDaysAgo: 3,
    supportsPartialRefund: false,
    covers: 'Partial refund refused (DPOS_REFUND_PARTIAL_REFUND_NOT_SUPPORTED); full refund works.',
  },
  SGD_ASYNC_BANKTRANSFER: {
    paymentId: 'DEMO-SGD-BANKTRANSFER-ASYNC-0005',
    paymentMethod: 'EXPRESS_BANKTRANSFER',
    amount: { value: 20_000, currency: 'SGD' },
    paidDaysAgo: 5,
    covers: 'Asynchronous refund: DPOS_REFUND_REFUND_IN_PROCESS, settles after asyncSettleMs (inquiryRefund).',
  },
  SGD_WINDOW_EXPIRED: {
    paymentId: 'DEMO-SGD-ALIPAY-EXPIRED-0006',
    paymentMethod: 'ALIPAY_CN',
    amount: { value: 3_000, currency: 'SGD' },
    paidDaysAgo: 400,
    covers: 'Paid 400 days ago, beyond the 365-day Alipay+ window (DPOS_REFUND_REFUND_WINDOW_EXCEED).',
  },
  SGD_BANKTRANSFER_EXPIRED: {
    paymentId: 'DEMO-SGD-BANKTRANSFER-EXPIRED-0007',
    paymentMethod: 'EXPRESS_BANKTRANSFER',
    amount: { value: 7_000, currency: 'SGD' },
    paidDaysAgo: 200,
    covers: 'Paid 200 days ago, beyond the 180-day Express Banktransfer window.',
  },
  SGD_CLOSED: {
    paymentId: 'DEMO-SGD-ALIPAY-CLOSED-0008',
    paymentMethod: 'ALIPAY_CN',
    amount: { value: 1_500, currency: 'SGD' },
    paidDaysAgo: 1,
    status: 'CLOSED',
    covers: 'Closed order (DPOS_PAYMENT_ORDER_IS_CLOSED).',
  },
  SGD_CANCELLED: {
    paymentId: 'DEMO-SGD-ALIPAY-CANCELLED-0009',
    paymentMethod: 'ALIPAY_CN',
    amount: { value: 2_500, currency: 'SGD' },
    paidDaysAgo: 1,
    status: 'CANCELLED',
    covers: 'Cancelled order (DPOS_PAYMENT_ORDER_IS_CANCELED).',
  },
  SGD_PARTLY_REFUNDED: {
    paymentId: 'DEMO-SGD-DANA-PARTLY-0010',
    paymentMethod: 'DANA',
    amount: { value: 10_000, currency: 'SGD' },
    paidDaysAgo: 7,
    refunded: 4_000,
    covers: 'Already refunded 40.00 of 100.00: only 60.00 left (DPOS_REFUND_REFUND_AMOUNT_EXCEED above that).',
  },
  SGD_PROCESSING: {
    paymentId: 'DEMO-SGD-TNG-PROCESSING-0011',
    paymentMethod: 'TNG',
    amount: { value: 900, currency: 'SGD' },
    paidDaysAgo: 0,
    status: 'PROCESSING',
    covers: 'Payment not completed yet (DPOS_PAYMENT_ORDER_STATUS_INVALID).',
  },
  HKD_NOT_REFUNDABLE: {
    paymentId: 'DEMO-HKD-ALIPAYHK-NOREFUND-0012',
    paymentMethod: 'ALIPAY_HK',
    amount: { value: 8_800, currency: 'HKD' },
    paidDaysAgo: 1,
    refundSupported: false,
    covers: 'Contract forbids refunds for this payment (DPOS_REFUND_PAYMENT_METHOD_NOT_SUPPORTED).',
  },
} as const satisfies Record<string, DemoSpec>;

export type DemoPaymentKey = keyof typeof DEMO_PAYMENTS;

/** refundRequestId of the synthetic earlier refund the sandbox records for a seeded `refunded` amount. */
export function seededRefundRequestId(paymentId: string): string {
  return `SEED-REFUND-${paymentId}`;
}

const DAY_MS = 86_400_000;

export function demoPayments(nowMs: number): SandboxPayment[] {
  return (Object.values(DEMO_PAYMENTS) as readonly DemoSpec[]).map((s) => ({
    paymentId: s.paymentId,
    paymentRequestId: `PR-${s.paymentId}`,
    paymentMethod: s.paymentMethod,
    amount: { ...s.amount },
    paidAt: new Date(nowMs - Math.round(s.paidDaysAgo * DAY_MS)).toISOString(),
    status: s.status ?? 'SUCCESS',
    refunded: s.refunded ?? 0,
    supportsPartialRefund: s.supportsPartialRefund ?? true,
    refundSupported: s.refundSupported ?? true,
  }));
}

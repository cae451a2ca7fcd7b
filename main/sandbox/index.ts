/** Local Antom sandbox gateway (demo mode and tests). */
export { startAntomSandbox, type AntomSandbox, type StartAntomSandboxOptions, type SandboxLogEntry } from './server';
export { FaultController, FaultSpec, FaultKind, type ActiveFault, type FaultSpecInput } from './faults';
export { generateDemoKeyPair, ensureDemoCredentials, DEMO_CLIENT_ID, type DemoCredentials, type PemKeyPair } from './keys';
export {
  DEMO_PAYMENTS,
  METHOD_RULES,
  demoPayments,
  seededRefundRequestId,
  type DemoPaymentKey,
  type SandboxPayment,
  type SandboxPaymentMethod,
  type SandboxPaymentStatus,
} from './seed';
export type { SandboxRefund } from './ledger';
export { ANTOM_NOTIFY_RETRY_DELAYS_MS, notifyBodyFor, type NotifyAttempt } from './notifier';

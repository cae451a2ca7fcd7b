import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { openLedger, type Ledger } from '../../../main/ledger/ledger';
import type { NewRefund } from '../../../main/ledger/refund-store';

export function tempDir(): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(path.join(tmpdir(), 'ledger-test-'));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export function tempLedger(clock?: () => Date): { ledger: Ledger; dbPath: string; cleanup: () => void } {
  const t = tempDir();
  const dbPath = path.join(t.dir, 'ledger.sqlite');
  const ledger = openLedger(dbPath, clock ? { clock } : {});
  return {
    ledger,
    dbPath,
    cleanup: () => {
      ledger.close();
      t.cleanup();
    },
  };
}

export function seedPayment(ledger: Ledger, id = 'PAY1', value = 10_000, currency = 'SGD'): void {
  ledger.payments.upsert({
    paymentId: id,
    amount: { value, currency },
    paymentMethod: 'ALIPAY_CN',
    paidAt: '2026-11-25T10:00:00.000Z',
    status: 'SUCCESS',
    supportsPartialRefund: true,
  });
}

let n = 0;
export function newRefund(over: Partial<NewRefund> = {}): NewRefund {
  n += 1;
  return {
    refundRequestId: `RR${n}`,
    intentId: `intent-${n}`,
    paymentId: 'PAY1',
    mode: 'PARTIAL',
    amount: { value: 1_000, currency: 'SGD' },
    memo: null,
    state: 'APPROVED',
    cashier: 'alice',
    message: 'm',
    nextAction: 'WAIT',
    approvalReasons: [],
    ...over,
  };
}

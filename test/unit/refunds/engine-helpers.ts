import { openLedger, type Ledger } from '../../../main/ledger/ledger';
import { RefundEngine, type RefundEngineDeps } from '../../../main/refunds/refund-engine';
import { tempDir } from '../ledger/helpers';
import { FakeAntom, FakeTerminal, TestClock } from './fakes';
import path from 'node:path';

export interface Rig {
  ledger: Ledger;
  engine: RefundEngine;
  antom: FakeAntom;
  terminal: FakeTerminal;
  clock: TestClock;
  dbPath: string;
  cleanup: () => void;
}

let ids = 0;
export function rig(over: Partial<RefundEngineDeps> = {}): Rig {
  const t = tempDir();
  const dbPath = path.join(t.dir, 'ledger.sqlite');
  const clock = new TestClock();
  const ledger = openLedger(dbPath, { clock: clock.now });
  const antom = new FakeAntom();
  const terminal = new FakeTerminal();
  antom.addPayment('PAY1', { amount: { value: 5_000, currency: 'SGD' } });
  antom.addPayment('BIG', { amount: { value: 50_000, currency: 'SGD' } });
  antom.addPayment('OLD', { amount: { value: 5_000, currency: 'SGD' }, paidAt: '2026-01-01T00:00:00.000Z' });
  antom.addPayment('NOPARTIAL', { amount: { value: 5_000, currency: 'SGD' }, supportsPartialRefund: false });
  antom.addPayment('JPY1', { amount: { value: 5_000, currency: 'JPY' } });
  const engine = new RefundEngine({
    ledger,
    terminal,
    antom,
    clock: clock.now,
    newRefundRequestId: () => `RR${++ids}`,
    settleWaitMs: 5_000,
    ...over,
  });
  return {
    ledger,
    engine,
    antom,
    terminal,
    clock,
    dbPath,
    cleanup: () => {
      void engine.stop();
      ledger.close();
      t.cleanup();
    },
  };
}

/**
 * The whole loop without any inquiry: the engine refunds an asynchronous
 * payment -> the sandbox answers PROCESSING -> it settles and pushes a signed
 * notifyRefund -> the notify endpoint applies it -> the refund is final.
 * And the sandbox re-sends, like Antom, until it is acknowledged.
 */
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openLedger, type Ledger } from '../../../main/ledger';
import { sqliteJournal } from '../../../main/ledger/sqlite-journal';
import { RefundEngine } from '../../../main/refunds/refund-engine';
import { DEMO_PAYMENTS, type AntomSandbox } from '../../../main/sandbox';
import { startNotifyServer, type NotifyServer } from '../../../main/store/notify-server';
import { gatewayFor, startTestSandbox } from '../antom/helpers';
import { tempDir } from '../ledger/helpers';
import { FakeTerminal } from '../refunds/fakes';
import { antomKeys, CLIENT_ID } from './notify-helpers';

const SILENT = { info: () => undefined, warn: () => undefined, error: () => undefined };
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function until(what: string, probe: () => boolean, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!probe()) {
    if (Date.now() > end) throw new Error(`timed out: ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe('engine -> sandbox PROCESSING -> notifyRefund -> store serve -> final', () => {
  it('finishes an asynchronous refund from the push alone (no inquiryRefund is ever sent)', async () => {
    const t = tempDir();
    const ledger: Ledger = openLedger(path.join(t.dir, 'ledger.sqlite'));
    const server: NotifyServer = await startNotifyServer({
      journal: sqliteJournal(ledger),
      clientId: CLIENT_ID,
      antomPublicKeys: antomKeys(),
      port: 0,
      log: SILENT,
    });
    const sandbox: AntomSandbox = await startTestSandbox({ asyncSettleMs: 1_000, notifyUrl: `${server.url}/antom/notify`, notifyRetryDelaysMs: [100, 100] });
    const engine = new RefundEngine({
      ledger,
      terminal: new FakeTerminal(),
      antom: gatewayFor(sandbox).gateway,
      // No re-check comes due during the test: only the push can finish the refund.
      pollPolicy: { initialDelayMs: 3_600_000, maxDelayMs: 3_600_000 },
      settleWaitMs: 0,
      newRefundRequestId: () => `RR-LOOP-${process.pid}`,
    });
    cleanups.push(
      () => t.cleanup(),
      () => ledger.close(),
      () => server.close(),
      () => sandbox.stop(),
      () => engine.stop(),
    );

    const paymentId = DEMO_PAYMENTS.SGD_ASYNC_BANKTRANSFER.paymentId;
    expect((await engine.lookupPayment(paymentId)).ok).toBe(true);
    const submitted = await engine.submit({ intentId: 'loop-1', paymentId, mode: 'PARTIAL', amount: { value: 1_000, currency: 'SGD' }, cashier: 'bob' });
    // Normally PENDING_IN_PROCESS; on a loaded machine the push may land before the engine journals Antom's
    // PROCESSING answer, and then it finishes the refund from SUBMITTING (the engine's own CAS loses): both are right.
    expect(['PENDING_IN_PROCESS', 'SUCCEEDED']).toContain(submitted.ok ? submitted.value.state : 'NOT_OK');
    const id = submitted.ok ? submitted.value.refundRequestId : '';

    await until('the refund to be final', () => ledger.refunds.get(id)?.state === 'SUCCEEDED');
    expect(ledger.refunds.transitions(id).at(-1)).toMatchObject({ actor: 'antom:notify', to_state: 'SUCCEEDED' });
    expect(sandbox.requestLog().filter((e) => e.api === 'inquiryRefund')).toEqual([]);
    // The journal is final before the acknowledgement reaches the sandbox, which logs the send only then.
    await until('the sandbox to log the acknowledged send', () => sandbox.notifyLog().length > 0);
    expect(sandbox.notifyLog()).toEqual([expect.objectContaining({ refundRequestId: id, attempt: 1, httpStatus: 200, acknowledged: true })]);
  }, 30_000);

  it('re-sends until acknowledged (endpoint down at first), then stops', async () => {
    const t = tempDir();
    const ledger: Ledger = openLedger(path.join(t.dir, 'ledger.sqlite'));
    // Reserve a port, then close it: the first sends find nobody listening.
    const probe = await startNotifyServer({ journal: sqliteJournal(ledger), clientId: CLIENT_ID, antomPublicKeys: antomKeys(), port: 0, log: SILENT });
    const port = probe.port;
    await probe.close();
    const sandbox = await startTestSandbox({ asyncSettleMs: 50, notifyUrl: `http://127.0.0.1:${port}/`, notifyRetryDelaysMs: [300, 300, 300, 300] });
    cleanups.push(
      () => t.cleanup(),
      () => ledger.close(),
      () => sandbox.stop(),
    );
    const { gateway } = gatewayFor(sandbox);
    const paymentId = DEMO_PAYMENTS.SGD_ASYNC_BANKTRANSFER.paymentId;
    const first = await gateway.refund({
      refundRequestId: `RR-RESEND-${process.pid}`,
      paymentId,
      originalMerchantRefundId: 'REF-RESEND',
      refundAmount: { value: 500, currency: 'SGD' },
    });
    expect(first.pendingKind).toBe('IN_PROCESS');
    await until('a failed first send', () => sandbox.notifyLog().length >= 1);
    expect(sandbox.notifyLog()[0]).toMatchObject({ acknowledged: false, httpStatus: null });
    const server = await startNotifyServer({ journal: sqliteJournal(ledger), clientId: CLIENT_ID, antomPublicKeys: antomKeys(), port, log: SILENT });
    cleanups.push(() => server.close());
    await until('an acknowledged re-send', () => sandbox.notifyLog().some((a) => a.acknowledged));
    const count = sandbox.notifyLog().length;
    await new Promise((r) => setTimeout(r, 800));
    expect(sandbox.notifyLog().length).toBe(count);
    // The refund is unknown to this journal: acknowledged all the same (nothing applied, audited).
    expect(ledger.audit.list({ limit: 10 }).some((e) => e.kind === 'notify.unknown_refund')).toBe(true);
  }, 30_000);
});

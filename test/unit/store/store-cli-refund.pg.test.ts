/**
 * CLI `refund` in store mode (attack3 findings 18 and 20): the cashier named with --cashier is proven against the
 * store's people (a cashier disabled store-wide is refused even when this PC's old SQLite file still has her; a
 * store cashier is accepted), and a refund the engine journaled in the store before an unexpected error is never
 * reported "Nothing was journaled and nothing was sent" (exit 1): exit 4 with the store's refundRequestId.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { makeRefundCommand } from '../../../main/cli/commands/refund';
import { EXIT } from '../../../main/cli/exit-codes';
import { main } from '../../../main/cli/index';
import { openStoreLedger } from '../../../main/ledger/pg/pg-store';
import type { RefundEngine } from '../../../main/refunds/refund-engine';
import { generateDemoKeyPair } from '../../../main/sandbox/keys';
import { openDataLedger } from '../../../main/services/data-ledger';
import { pgAvailable, pgSuite } from '../../helpers/pg-suite';

const dirs: string[] = [];
function dir(): string {
  const d = mkdtempSync(path.join(os.tmpdir(), 'rt-store-cli-refund-'));
  dirs.push(d);
  return d;
}

function sink(): { stream: PassThrough; text: () => string } {
  let text = '';
  const stream = new PassThrough();
  stream.on('data', (d: Buffer) => (text += d.toString()));
  return { stream, text: () => text };
}

describe.skipIf(!pgAvailable)('CLI refund on the store ledger', () => {
  const suite = pgSuite('store_cli_refund');
  afterAll(() => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  it('proves --cashier against the store: disabled store-wide is refused, a store cashier is accepted', async () => {
    const url = suite.freshUrl();
    const dataDir = dir();
    const { ledger, keys } = await openDataLedger(dataDir);
    // eve was this PC's cashier before it joined the store; the store's manager has disabled her since.
    expect((await ledger.users.add({ name: 'eve', role: 'cashier', pin: '4826' }, 'maria')).ok).toBe(true);
    ledger.close();
    const store = await openStoreLedger(url, { register: 'counter-1', keys });
    expect((await store.people.add({ name: 'eve', role: 'cashier', pin: '4826' }, 'maria')).ok).toBe(true);
    expect((await store.people.add({ name: 'sam', role: 'cashier', pin: '4826' }, 'maria')).ok).toBe(true);
    expect((await store.people.disable('eve', 'maria')).ok).toBe(true);
    await store.close();
    const k = generateDemoKeyPair();
    writeFileSync(path.join(dataDir, 'm.pem'), k.privateKeyPem);
    writeFileSync(path.join(dataDir, 'a.pem'), k.publicKeyPem);
    const env = {
      REFUND_TERMINAL_DEMO: '0',
      REFUND_TERMINAL_STORE_URL: url,
      REFUND_TERMINAL_REGISTER: 'counter-1',
      ANTOM_BASE_URL: 'http://127.0.0.1:1',
      ANTOM_CLIENT_ID: 'CLIENT',
      ANTOM_PRIVATE_KEY_FILE: path.join(dataDir, 'm.pem'),
      ANTOM_PUBLIC_KEY_FILE: path.join(dataDir, 'a.pem'),
      REFUND_TERMINAL_CASHIER_PIN: '4826',
    };
    const refund = async (cashier: string) => {
      const out = sink();
      const errs = sink();
      const argv = ['--data-dir', dataDir, 'refund', '--payment', 'P-1', '--amount', '1,00', '--currency', 'SGD', '--cashier', cashier];
      const code = await main(argv, { env, stdout: out.stream, stderr: errs.stream });
      return { code, stderr: errs.text() };
    };
    const refusedAsCashier = (s: string) => /not an active cashier|Name or PIN not accepted/.test(s);
    const eve = await refund('eve');
    expect(refusedAsCashier(eve.stderr)).toBe(true);
    // sam gets past the cashier check (then waits for a terminal that is not there).
    const sam = await refund('sam');
    expect(refusedAsCashier(sam.stderr)).toBe(false);
  }, 90_000);

  it('an unexpected error after the refund is journaled in the store: exit 4 with its id, never "nothing was journaled"', async () => {
    const url = suite.freshUrl();
    const { ledger, keys } = await openDataLedger(dir());
    ledger.close();
    const store = await openStoreLedger(url, { register: 'counter-1', keys });
    try {
      await store.journal.upsertPayment({
        paymentId: 'P2',
        amount: { value: 1_000, currency: 'SGD' },
        paymentMethod: 'ALIPAY_CN',
        paidAt: new Date().toISOString(),
        status: 'SUCCESS',
      } as never);
      // The engine journals the refund, then something unforeseen throws (a raw store error, a bug).
      const engine = {
        submit: async (req: { intentId: string; paymentId: string; amount: { value: number; currency: string } }) => {
          const ins = await store.journal.insert(
            {
              refundRequestId: 'RR-JOURNALED-1',
              intentId: req.intentId,
              paymentId: req.paymentId,
              mode: 'PARTIAL',
              amount: { value: 100, currency: 'SGD' },
              memo: null,
              state: 'APPROVED',
              cashier: 'cli:test',
              message: 'approved',
              nextAction: 'WAIT',
              approvalReasons: [],
            },
            'cli:test',
          );
          expect(ins.ok).toBe(true);
          throw new Error('something unforeseen');
        },
        outcomes: { get: () => undefined },
      };
      const cmd = makeRefundCommand({
        open: async () => ({
          ok: true,
          session: {
            engine: engine as unknown as RefundEngine,
            store,
            antomProblem: null,
            demoOwnerPid: null,
            terminalReady: async () => ({ ready: true }),
            close: async () => undefined,
          },
        }),
        terminalWaitMs: 100,
      });
      const out = sink();
      const errs = sink();
      const stdin = new PassThrough();
      stdin.end();
      const argv = ['--payment', 'P2', '--amount', '1,00', '--currency', 'SGD', '--intent', 'second-refund', '--json'];
      const code = await cmd.run(argv, { dataDir: dir(), env: { REFUND_TERMINAL_DEMO: '0' }, stdout: out.stream, stderr: errs.stream, stdin });
      expect((await store.journal.getByIntent('second-refund'))?.refund_request_id).toBe('RR-JOURNALED-1');
      expect(errs.text()).not.toMatch(/Nothing was journaled/);
      expect(code).toBe(EXIT.OUTCOME_UNKNOWN);
      expect(JSON.parse(out.text())).toMatchObject({ status: 'UNKNOWN', refundRequestId: 'RR-JOURNALED-1' });
    } finally {
      await store.close();
    }
  }, 60_000);
});

/**
 * One counter of a store, as its own process, for the store-mode multi-process
 * and crash tests (store-counters.ts spawns it). It composes what a counter
 * composes in store mode: the store ledger on the shared PostgreSQL
 * (`openStoreLedger(url, { register, keys })`) with the engine on its journal,
 * the real Antom client against the parent's sandbox (signed HTTP) and a
 * TerminalLink on its own pty, whose other end is the parent's VirtualTerminal.
 * Like the app in store mode, the engine gets every port from the store ledger
 * (people, policy, approvals, payments) and no SQLite ledger. It follows the
 * journal's change feed (engine.followDecisions) but runs no background pass,
 * so a refund of its own that a manager approved at another counter continues
 * only because the decision was pushed to it.
 *
 * Commands arrive as JSON lines on stdin ({ id, op, ... }) and each answer is
 * one JSON line on stdout ({ id, ok, value | error }); READY once the terminal
 * session is authenticated. Every refund the engine writes is also reported,
 * unasked, as { event: 'updated', refundRequestId, state }. The
 * parent may SIGKILL it at any moment.
 */
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { z } from 'zod';
import { openStoreLedger } from '../../main/ledger/pg/pg-store';
import { PUBLIC_TEST_KEYS } from '../../main/secrets/ledger-keys';
import { RefundEngine } from '../../main/refunds/refund-engine';
import type { AntomGatewayPort } from '../../main/refunds/ports';
import { AntomClientConfig, createAntomGateway } from '../../main/antom';
import { createMemoryPairingStore, PairingSchema, SerialPortTransport, TerminalLink } from '../../native-bridge';

const Config = z.object({
  storeUrl: z.string(),
  register: z.string(),
  dataDir: z.string(),
  baseUrl: z.string(),
  clientId: z.string(),
  merchantPrivateKeyFile: z.string(),
  gatewayPublicKeyFile: z.string(),
  hostPath: z.string(),
  pairingFile: z.string(),
});

const Money = z.object({ value: z.number().int().positive(), currency: z.string() });
const Command = z.discriminatedUnion('op', [
  z.object({
    id: z.number(),
    op: z.literal('submit'),
    intentId: z.string(),
    paymentId: z.string(),
    cashier: z.string(),
    amount: Money.optional(),
  }),
  z.object({ id: z.number(), op: z.literal('recover') }),
  z.object({
    id: z.number(),
    op: z.literal('decide'),
    refundRequestId: z.string(),
    manager: z.string(),
    pin: z.string(),
    decision: z.enum(['APPROVED', 'DECLINED']),
    reason: z.string(),
  }),
  z.object({ id: z.number(), op: z.literal('stop') }),
]);

function reply(line: Record<string, unknown>): void {
  process.stdout.write(`${JSON.stringify(line)}\n`);
}

async function waitAuthenticated(link: TerminalLink, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (link.status().state !== 'authenticated') {
    if (Date.now() > deadline) throw new Error(`no authenticated terminal session: ${JSON.stringify(link.status())}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

async function main(): Promise<void> {
  const cfg = Config.parse(JSON.parse(process.env['STORE_COUNTER_CONFIG'] ?? '{}'));
  const store = await openStoreLedger(cfg.storeUrl, { register: cfg.register, keys: PUBLIC_TEST_KEYS, maxConnections: 3 });
  const real = createAntomGateway(
    AntomClientConfig.parse({
      baseUrl: cfg.baseUrl,
      clientId: cfg.clientId,
      merchantPrivateKeyPem: readFileSync(cfg.merchantPrivateKeyFile, 'utf8'),
      antomPublicKeyPem: readFileSync(cfg.gatewayPublicKeyFile, 'utf8'),
      requestTimeoutMs: 5_000,
      inquiryTimeoutMs: 5_000,
    }),
    { retry: { maxAttempts: 3, baseDelayMs: 20 } },
  );
  // The engine's payment lookup still writes only the counter's own cache; the store's admission needs
  // the payment row in PostgreSQL (it locks it), so every lookup is recorded there too, as store mode will.
  const antom: AntomGatewayPort = {
    refund: (req) => real.refund(req),
    inquireRefund: (id, asked) => real.inquireRefund(id, asked),
    async inquirePayment(paymentId) {
      const r = await real.inquirePayment(paymentId);
      if (r.ok) await store.journal.upsertPayment(r.value);
      return r;
    },
  };
  const link = new TerminalLink({
    openTransport: () => SerialPortTransport.open(cfg.hostPath),
    pairingStore: createMemoryPairingStore(PairingSchema.parse(JSON.parse(readFileSync(cfg.pairingFile, 'utf8')))),
    host: { app: 'store-counter', version: '0', hostId: cfg.register, hostName: cfg.register },
    requestTimeoutMs: 3_000,
    reconnectDelayMs: 50,
    maxReconnectDelayMs: 400,
    heartbeatMs: 0,
  });
  link.start();
  await waitAuthenticated(link, 15_000);
  const engine = new RefundEngine({ store, terminal: link, antom, resultNoticeTimeoutMs: 500, settleWaitMs: 5_000 });
  engine.on('updated', (v) => reply({ event: 'updated', refundRequestId: v.refundRequestId, state: v.state }));
  engine.followDecisions();
  reply({ ready: true, pid: process.pid });

  const rl = createInterface({ input: process.stdin });
  for await (const line of rl) {
    const cmd = Command.parse(JSON.parse(line));
    switch (cmd.op) {
      case 'submit': {
        const input = {
          intentId: cmd.intentId,
          paymentId: cmd.paymentId,
          cashier: cmd.cashier,
          ...(cmd.amount !== undefined ? { mode: 'PARTIAL' as const, amount: cmd.amount } : { mode: 'FULL' as const }),
        };
        // Not awaited in the loop: the parent may have several refunds of this counter running at once.
        void engine.submit(input).then(
          (r) =>
            reply(
              r.ok
                ? { id: cmd.id, ok: true, value: { refundRequestId: r.value.refundRequestId, state: r.value.state } }
                : { id: cmd.id, ok: false, error: r.error },
            ),
          (e: unknown) => reply({ id: cmd.id, ok: false, error: { code: 'THREW', message: String(e) } }),
        );
        break;
      }
      case 'decide': {
        const input = { refundRequestId: cmd.refundRequestId, manager: cmd.manager, pin: cmd.pin, reason: cmd.reason };
        // Not awaited either: two counters race to decide one approval.
        void (cmd.decision === 'APPROVED' ? engine.approve(input) : engine.decline(input)).then(
          (r) => reply(r.ok ? { id: cmd.id, ok: true, value: { state: r.value.state } } : { id: cmd.id, ok: false, error: r.error }),
          (e: unknown) => reply({ id: cmd.id, ok: false, error: { code: 'THREW', message: String(e) } }),
        );
        break;
      }
      case 'recover': {
        const summary = await engine.recover();
        reply({ id: cmd.id, ok: true, value: summary });
        break;
      }
      case 'stop': {
        await engine.stop();
        await link.stop();
        await store.close();
        reply({ id: cmd.id, ok: true, value: null });
        process.exit(0);
      }
    }
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`store counter failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exit(1);
});

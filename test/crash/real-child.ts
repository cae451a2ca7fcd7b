/**
 * Real-mode crash child: the ledger on disk, the real Antom client against the
 * parent's sandbox, a TerminalLink on the pty's host end (pairing loaded from
 * the parent's file), and the RefundEngine with kill hooks. Kills itself with
 * SIGKILL right after journaling CRASH_AT (the CRASH_NTH time) or right after
 * the gateway answered (AFTER_GATEWAY); RANDOM kills come from the parent.
 * Prints READY once the terminal session is authenticated.
 * Config comes as JSON in CRASH_CHILD_CONFIG.
 */
import { z } from 'zod';
import { openLedger } from '../../main/ledger/ledger';
import { RefundEngine } from '../../main/refunds/refund-engine';
import { openHostSide } from './real-env';
import { killSwitch } from './kill-switch';

const Money = z.object({ value: z.number().int().positive(), currency: z.string() });
const Config = z.object({
  dbPath: z.string(),
  host: z.object({
    baseUrl: z.string(),
    clientId: z.string(),
    merchantPrivateKeyFile: z.string(),
    gatewayPublicKeyFile: z.string(),
    hostPath: z.string(),
    pairingFile: z.string(),
  }),
  intents: z.array(z.object({ intentId: z.string(), paymentId: z.string(), amount: Money.optional() })),
  crashAt: z.string().nullable(),
  crashNth: z.number().int().min(1),
  doubleClick: z.boolean(),
});

async function main(): Promise<void> {
  const cfg = Config.parse(JSON.parse(process.env['CRASH_CHILD_CONFIG'] ?? '{}'));
  const maybeDie = killSwitch(cfg);
  const ledger = openLedger(cfg.dbPath);
  const host = await openHostSide(cfg.host);
  const engine = new RefundEngine({
    ledger,
    terminal: host.link,
    antom: host.antom,
    resultNoticeTimeoutMs: 1_000,
    afterJournal: (state) => maybeDie(state),
    afterGatewayReply: () => maybeDie('AFTER_GATEWAY'),
  });
  process.stdout.write('READY\n');
  await Promise.all(
    cfg.intents.map(async (i) => {
      const input = {
        intentId: i.intentId,
        paymentId: i.paymentId,
        cashier: 'crash',
        ...(i.amount !== undefined ? { mode: 'PARTIAL' as const, amount: i.amount } : { mode: 'FULL' as const }),
      };
      // The impatient double-click: the same intent confirmed twice at once.
      const results = await Promise.all(cfg.doubleClick ? [engine.submit(input), engine.submit(input)] : [engine.submit(input)]);
      for (const r of results) if (!r.ok) process.stderr.write(`submit ${i.intentId}: ${r.error.code} ${r.error.message}\n`);
    }),
  );
  await engine.stop();
  await host.close();
  ledger.close();
  process.stdout.write('DONE\n');
}

main().catch((e: unknown) => {
  process.stderr.write(`child failed: ${String(e)}\n`);
  process.exitCode = 1;
});

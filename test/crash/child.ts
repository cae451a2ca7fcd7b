/**
 * Crash-harness child: runs refunds against the counter server and kills
 * itself with SIGKILL right after journaling CRASH_AT (the CRASH_NTH time),
 * or right after the gateway answered (AFTER_GATEWAY), before journaling it.
 * Config comes as JSON in CRASH_CHILD_CONFIG.
 */
import { z } from 'zod';
import { openLedger } from '../../main/ledger/ledger';
import { RefundEngine } from '../../main/refunds/refund-engine';
import { FakeTerminal } from '../unit/refunds/fakes';
import { HttpAntom } from './http-antom';
import { killSwitch } from './kill-switch';

const Config = z.object({
  dbPath: z.string(),
  url: z.string(),
  intents: z.array(z.object({ intentId: z.string(), paymentId: z.string(), amount: z.number().int().positive().optional() })),
  crashAt: z.string().nullable(),
  crashNth: z.number().int().min(1),
  doubleClick: z.boolean(),
});

async function main(): Promise<void> {
  const cfg = Config.parse(JSON.parse(process.env['CRASH_CHILD_CONFIG'] ?? '{}'));
  const maybeDie = killSwitch(cfg);
  const ledger = openLedger(cfg.dbPath);
  const engine = new RefundEngine({
    ledger,
    terminal: new FakeTerminal(),
    antom: new HttpAntom(cfg.url),
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
        ...(i.amount !== undefined ? { mode: 'PARTIAL' as const, amount: { value: i.amount, currency: 'SGD' } } : { mode: 'FULL' as const }),
      };
      // The impatient double-click: the same intent confirmed twice at once.
      await Promise.all(cfg.doubleClick ? [engine.submit(input), engine.submit(input)] : [engine.submit(input)]);
    }),
  );
  await engine.stop();
  ledger.close();
  process.stdout.write('DONE\n');
}

main().catch((e: unknown) => {
  process.stderr.write(`child failed: ${String(e)}\n`);
  process.exitCode = 1;
});

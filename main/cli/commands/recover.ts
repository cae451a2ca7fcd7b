/**
 * `recover [--json]`: resumes every refund the journal shows as not final
 * (same refundRequestId every time; see docs/ledger.md). It needs the real
 * terminal and Antom gateway, so whoever registers it passes a factory.
 * Exit: 0 all final or pending; 3 some still waiting on the terminal; 1 errors;
 * 4 an Antom answer could not be journaled (outcome unknown: run it again once the disk works).
 */
import { parseArgs } from 'node:util';
import type { CliCommand, CliContext } from '../command';
import type { RefundEngine } from '../../refunds/refund-engine';
import { EXIT } from '../exit-codes';

export interface RecoverDeps {
  openEngine(ctx: CliContext): Promise<{ engine: RefundEngine; close(): void | Promise<void> }>;
}

export function makeRecoverCommand(deps: RecoverDeps): CliCommand {
  return {
    name: 'recover',
    summary: 'Resume refunds interrupted by a crash or power loss',
    usage: 'Usage: refund-terminal [--data-dir DIR] recover [--json]\n  exit 0: every refund final or pending; 3: some wait for the terminal; 1: errors; 4: an answer could not be journaled (disk full)',
    async run(args, ctx) {
      const { values } = parseArgs({ args: [...args], options: { json: { type: 'boolean', default: false } }, strict: true });
      const { engine, close } = await deps.openEngine(ctx);
      try {
        const s = await engine.recover();
        if (values.json) {
          ctx.stdout.write(`${JSON.stringify(s, null, 2)}\n`);
        } else {
          ctx.stdout.write(
            `Examined ${s.examined} unfinished refund(s) in ${s.durationMs} ms: ${s.final} final, ${s.pending} pending at Antom, ` +
              `${s.awaitingApproval} awaiting a manager, ${s.stuck} waiting for the terminal, ${s.busyElsewhere} being handled by the running app, ${s.errors} error(s).\n`,
          );
          for (const r of s.refunds) {
            const v = engine.get(r.refundRequestId);
            const msg = v.ok ? ` - ${v.value.message}` : '';
            const note = r.error ? `  ERROR ${r.error}` : r.busyElsewhere ? '  (in progress in another process; left alone)' : msg;
            ctx.stdout.write(`  ${r.refundRequestId}  ${r.from} -> ${r.to}${note}\n`);
          }
        }
        // Antom answered but the journal could not take it (disk full): outcome unknown, never "stuck".
        const held = engine.outcomes.list();
        for (const h of held) {
          ctx.stderr.write(`Outcome unknown: Antom answered ${h.outcome.status} for ${h.refundRequestId} but the journal could not record it (${h.lastError}). Free disk space and run recover again; do not refund it again.\n`);
        }
        return held.length > 0 ? EXIT.OUTCOME_UNKNOWN : s.errors > 0 ? 1 : s.stuck > 0 ? 3 : 0;
      } finally {
        await engine.stop();
        await close();
      }
    },
  };
}

/**
 * `recover [--json]`: resumes every refund the journal shows as not final
 * (same refundRequestId every time; see docs/ledger.md). It needs the real
 * terminal and Antom gateway, so whoever registers it passes a factory.
 * Exit: 0 all final or pending; 3 some still waiting on the terminal; 1 errors;
 * 4 an Antom answer could not be journaled (outcome unknown: run it again once the disk works).
 *
 * The terminal link connects in the background when the engine opens, so when
 * a refund needs the terminal (APPROVED, REFERENCE_REQUESTED) recover first
 * waits up to RECOVER_TERMINAL_WAIT_MS for it to authenticate; otherwise every
 * such refund would be reported "waiting for the terminal" while `ping` works.
 */
import { parseArgs } from 'node:util';
import type { CliCommand, CliContext } from '../command';
import { waitsOnTerminal, type RefundEngine } from '../../refunds/refund-engine';
import { EXIT } from '../exit-codes';

/** Upper bound on waiting for the terminal link before recovering (documented in the usage text and docs/ledger.md). */
export const RECOVER_TERMINAL_WAIT_MS = 10_000;

export interface RecoverDeps {
  openEngine(ctx: CliContext): Promise<{
    engine: RefundEngine;
    close(): void | Promise<void>;
    /** Resolves true once the terminal is authenticated, false after `timeoutMs`; absent = nothing to wait for. */
    terminalReady?(timeoutMs: number): Promise<boolean>;
    /** The link's state, for the message when it did not come up. */
    terminalState?(): string;
  }>;
  /** Overrides RECOVER_TERMINAL_WAIT_MS (tests). */
  readonly terminalWaitMs?: number;
}

export function makeRecoverCommand(deps: RecoverDeps): CliCommand {
  return {
    name: 'recover',
    summary: 'Resume refunds interrupted by a crash or power loss',
    usage:
      'Usage: refund-terminal [--data-dir DIR] recover [--json]\n' +
      `  waits up to ${RECOVER_TERMINAL_WAIT_MS / 1000} s for the terminal when a refund needs it\n` +
      '  exit 0: every refund final or pending; 3: some wait for the terminal; 1: errors; 4: an answer could not be journaled (disk full)',
    async run(args, ctx) {
      const { values } = parseArgs({ args: [...args], options: { json: { type: 'boolean', default: false } }, strict: true });
      const { engine, close, terminalReady, terminalState } = await deps.openEngine(ctx);
      try {
        let terminalNote = '';
        let terminal: { ready: boolean; waitedMs: number; state?: string } | null = null;
        if (terminalReady !== undefined && (await engine.list({ states: ['APPROVED', 'REFERENCE_REQUESTED'] })).some((v) => waitsOnTerminal(v.state))) {
          const waitStarted = Date.now();
          const ready = await terminalReady(deps.terminalWaitMs ?? RECOVER_TERMINAL_WAIT_MS);
          const waitedMs = Date.now() - waitStarted;
          terminal = ready ? { ready, waitedMs } : { ready, waitedMs, state: terminalState?.() ?? 'not connected' };
          if (!ready)
            terminalNote = ` The terminal was not ready after ${(waitedMs / 1000).toFixed(1)} s (${terminal.state}); check it with \`refund-terminal ping\` and run recover again.`;
        }
        const s = await engine.recover();
        if (values.json) {
          ctx.stdout.write(`${JSON.stringify(terminal === null ? s : { ...s, terminal }, null, 2)}\n`);
        } else {
          ctx.stdout.write(
            `Examined ${s.examined} unfinished refund(s) in ${s.durationMs} ms: ${s.final} final, ${s.pending} pending at Antom, ` +
              `${s.awaitingApproval} awaiting a manager, ${s.stuck} waiting for the terminal, ${s.busyElsewhere} being handled by the running app, ${s.errors} error(s).` +
              `${s.stuck > 0 ? terminalNote : ''}\n`,
          );
          for (const r of s.refunds) {
            const v = await engine.get(r.refundRequestId);
            const msg = v.ok ? ` - ${v.value.message}` : '';
            const note = r.error ? `  ERROR ${r.error}` : r.busyElsewhere ? '  (in progress in another process; left alone)' : msg;
            ctx.stdout.write(`  ${r.refundRequestId}  ${r.from} -> ${r.to}${note}\n`);
          }
        }
        // Antom answered but the journal could not take it (disk full): outcome unknown, never "stuck".
        const held = engine.outcomes.list();
        for (const h of held) {
          ctx.stderr.write(
            `Outcome unknown: Antom answered ${h.outcome.status} for ${h.refundRequestId} but the journal could not record it (${h.lastError}). Free disk space and run recover again; do not refund it again.\n`,
          );
        }
        return held.length > 0 ? EXIT.OUTCOME_UNKNOWN : s.errors > 0 ? 1 : s.stuck > 0 ? 3 : 0;
      } finally {
        await engine.stop();
        await close();
      }
    },
  };
}

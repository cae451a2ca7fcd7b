/** Every `refund-terminal` subcommand, in the order `help` lists them. */
import type { CliCommand } from './command';
import { auditCommand } from './commands/audit';
import { devicesCommand } from './commands/devices';
import { doctorCommand } from './commands/doctor';
import { journalCommand } from './commands/journal';
import { pairCommand } from './commands/pair';
import { pingCommand } from './commands/ping';
import { makeRecoverCommand } from './commands/recover';
import { makeRefundCommand } from './commands/refund';
import { serveCommand } from './commands/serve';
import { simAntomCommand } from './commands/sim-antom';
import { simTerminalCommand } from './commands/sim-terminal';
import { startCommand } from './commands/start';
import { statusCommand } from './commands/status';
import { storeCommand } from './commands/store';
import { unpairCommand } from './commands/unpair';
import { usersCommand } from './commands/users';
import { openCliCore, waitForAuthenticated } from './engine-session';
import { CliFailure } from './exit-codes';

const recoverCommand = makeRecoverCommand({
  async openEngine(ctx) {
    const opened = await openCliCore(ctx);
    if (!opened.ok) throw new CliFailure(opened.message, opened.exitCode);
    const { core } = opened;
    return {
      engine: core.engine,
      close: () => core.close(),
      terminalReady: (timeoutMs) => waitForAuthenticated(core.link, timeoutMs),
      terminalState: () => {
        const st = core.link.status();
        return st.reason ? `${st.state}: ${st.reason}` : st.state;
      },
    };
  },
});

export const refundCommand = makeRefundCommand({
  async open(ctx, opts) {
    const opened = await openCliCore(ctx, opts);
    if (!opened.ok) return opened;
    const { core } = opened;
    return {
      ok: true,
      session: {
        engine: core.engine,
        // The ledger the engine runs on: the store's in store mode, never this folder's SQLite file then.
        store: core.store,
        antomProblem: core.antom ? null : (core.antomProblem ?? 'Antom is not configured.'),
        demoOwnerPid: core.demoOwner?.pid ?? null,
        async terminalReady(timeoutMs) {
          if (await waitForAuthenticated(core.link, timeoutMs)) return { ready: true };
          const s = core.link.status();
          return { ready: false, detail: `${s.state}${s.reason ? `: ${s.reason}` : ''}` };
        },
        close: () => core.close(),
      },
    };
  },
});

export function commandRegistry(): readonly CliCommand[] {
  return [
    startCommand,
    serveCommand,
    refundCommand,
    statusCommand,
    recoverCommand,
    journalCommand,
    usersCommand,
    auditCommand,
    devicesCommand,
    pairCommand,
    unpairCommand,
    pingCommand,
    doctorCommand,
    storeCommand,
    simTerminalCommand,
    simAntomCommand,
  ];
}

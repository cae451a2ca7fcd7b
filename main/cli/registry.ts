/** Every `refund-terminal` subcommand, in the order `help` lists them. */
import type { CliCommand } from './command';
import { refundCommand } from './commands/refund';
import { serveCommand } from './commands/serve';
import { simAntomCommand } from './commands/sim-antom';
import { startCommand } from './commands/start';
import { statusCommand } from './commands/status';

export function commandRegistry(): readonly CliCommand[] {
  return [startCommand, serveCommand, refundCommand, statusCommand, simAntomCommand];
}

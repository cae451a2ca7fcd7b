/** Every `refund-terminal` subcommand, in the order `help` lists them. */
import type { CliCommand } from './command';
import { serveCommand } from './commands/serve';
import { startCommand } from './commands/start';

export function commandRegistry(): readonly CliCommand[] {
  return [startCommand, serveCommand];
}

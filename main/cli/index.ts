/**
 * `refund-terminal`: the command-line entry over the same services the app
 * uses. Global option: --data-dir DIR (or REFUND_TERMINAL_DATA_DIR).
 * Each subcommand lives in main/cli/commands/ and returns an exit code.
 */
import { diskFullMessage, isDiskFull } from './disk-full';
import type { CliCommand, CliContext } from './command';
import { resolveDataDir } from '../config/data-dir';
import { loadAppConfig } from '../config/app-config';
import { resolveLedgerSelection } from '../config/store-config';
import { JournalUnavailableError } from '../ledger/journal-file';
import { isStoreUnreachable } from '../ledger/pg/pg-errors';
import { CliFailure, EXIT } from './exit-codes';
import { commandRegistry } from './registry';

function usage(commands: readonly CliCommand[]): string {
  const width = Math.max(...commands.map((c) => c.name.length));
  return [
    'Usage: refund-terminal [--data-dir DIR] <command> [options]',
    '',
    'Commands:',
    ...commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    "Run `refund-terminal <command> --help` for a command's options.",
  ].join('\n');
}

/** Whether this data folder and environment select the store ledger (a lost connection is then the store's). */
async function inStoreMode(ctx: CliContext): Promise<boolean> {
  const loaded = await loadAppConfig(ctx.dataDir).catch(() => null);
  if (loaded === null || !loaded.ok) return false;
  const sel = resolveLedgerSelection(loaded.value, ctx.env);
  return sel.ok && sel.value.engine === 'postgres';
}

/** Splits the global --data-dir off, wherever it appears. */
export function splitGlobalArgs(argv: readonly string[]): { dataDir: string | undefined; rest: string[] } {
  const rest: string[] = [];
  let dataDir: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === '--data-dir') {
      dataDir = argv[++i];
      if (dataDir === undefined) throw new Error('--data-dir needs a folder');
    } else if (arg.startsWith('--data-dir=')) {
      dataDir = arg.slice('--data-dir='.length);
    } else {
      rest.push(arg);
    }
  }
  return { dataDir, rest };
}

export async function main(argv: readonly string[], io: Partial<CliContext> = {}): Promise<number> {
  const stdout = io.stdout ?? process.stdout;
  const stderr = io.stderr ?? process.stderr;
  const commands = commandRegistry();
  let parsed: { dataDir: string | undefined; rest: string[] };
  try {
    parsed = splitGlobalArgs(argv);
  } catch (e) {
    stderr.write(`${(e as Error).message}\n`);
    return 1;
  }
  const [name, ...args] = parsed.rest;
  if (name === undefined || name === 'help' || name === '--help' || name === '-h') {
    stdout.write(`${usage(commands)}\n`);
    return name === undefined ? 1 : 0;
  }
  // `sim terminal` / `sim antom` read as one command name.
  const fullName = name === 'sim' && args[0] ? `sim ${args.shift() as string}` : name;
  const command = commands.find((c) => c.name === fullName);
  if (!command) {
    stderr.write(`Unknown command "${fullName}".\n\n${usage(commands)}\n`);
    return 1;
  }
  if (args.includes('--help') || args.includes('-h')) {
    stdout.write(`${command.usage}\n`);
    return 0;
  }
  const ctx: CliContext = {
    dataDir: io.dataDir ?? resolveDataDir(parsed.dataDir, io.env ?? process.env),
    env: io.env ?? process.env,
    stdout,
    stderr,
    stdin: io.stdin ?? process.stdin,
  };
  try {
    return await command.run(args, ctx);
  } catch (e) {
    // Commands report expected problems themselves; this is the last guard.
    if (isDiskFull(e) && !(e instanceof CliFailure)) {
      // Commands that journal report a full disk after journaling themselves (exit 4); what gets here came before (F8).
      stderr.write(`refund-terminal ${fullName}: ${diskFullMessage(ctx.dataDir)}\n`);
      return EXIT.JOURNAL_UNAVAILABLE;
    }
    if (isStoreUnreachable(e) && (await inStoreMode(ctx))) {
      // Store mode, the database went away mid-command: never a local fallback, never "bad input".
      stderr.write(
        `refund-terminal ${fullName}: the store's refund ledger (its database) cannot be reached: ${(e as Error).message}. Check the store network and run \`refund-terminal doctor\`; unfinished refunds stay pending.\n`,
      );
      return EXIT.JOURNAL_UNAVAILABLE;
    }
    stderr.write(`refund-terminal ${fullName}: ${(e as Error).message ?? String(e)}\n`);
    return e instanceof CliFailure ? e.exitCode : e instanceof JournalUnavailableError ? EXIT.JOURNAL_UNAVAILABLE : EXIT.BAD_INPUT;
  }
}

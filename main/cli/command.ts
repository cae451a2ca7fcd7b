/**
 * A CLI subcommand of `refund-terminal`. Each lives in main/cli/commands/<name>.ts
 * and is registered in main/cli/index.ts. Commands print to the given streams
 * and return the process exit code; they never call process.exit themselves.
 */
export interface CliContext {
  /** Resolved data directory (--data-dir, REFUND_TERMINAL_DATA_DIR, or the OS app-data folder). */
  readonly dataDir: string;
  readonly env: NodeJS.ProcessEnv;
  readonly stdout: NodeJS.WritableStream;
  readonly stderr: NodeJS.WritableStream;
  readonly stdin: NodeJS.ReadableStream;
}

export interface CliCommand {
  readonly name: string;
  readonly summary: string;
  readonly usage: string;
  run(args: readonly string[], ctx: CliContext): Promise<number>;
}

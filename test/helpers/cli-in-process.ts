/**
 * `refund-terminal` run in this process through its real entry (`main`: argument
 * parsing, configuration, the command, the last-guard exit codes), with stdin
 * closed and stdout/stderr collected. The spawned form is ./cli-process.ts.
 */
import { PassThrough } from 'node:stream';
import { main } from '../../main/cli/index';

export interface CliRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

export async function runMain(argv: readonly string[], io: { readonly env: NodeJS.ProcessEnv; readonly dataDir?: string }): Promise<CliRun> {
  let stdout = '';
  let stderr = '';
  const out = new PassThrough();
  out.on('data', (d: Buffer) => (stdout += d.toString()));
  const errs = new PassThrough();
  errs.on('data', (d: Buffer) => (stderr += d.toString()));
  const stdin = new PassThrough();
  stdin.end();
  const code = await main(argv, { env: io.env, stdout: out, stderr: errs, stdin, ...(io.dataDir !== undefined ? { dataDir: io.dataDir } : {}) });
  return { code, stdout, stderr };
}

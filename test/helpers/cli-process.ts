/**
 * The built CLI (`bin/refund-terminal.cjs`, which runs dist/) as separate
 * processes, the way a technician or a script runs it. Shared by the CLI
 * end-to-end tests.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';

export const ROOT = path.resolve(__dirname, '..', '..');
export const BIN = path.join(ROOT, 'bin', 'refund-terminal.cjs');
/** The CLI tests need `npm run build` first. */
export const built = existsSync(path.join(ROOT, 'dist', 'main', 'cli', 'index.js'));

/** A long-running command (sim, pair); its stdout and stderr interleaved in `output()`. */
export function startLong(args: string[], env: NodeJS.ProcessEnv = {}): { child: ChildProcess; output: () => string } {
  const child = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  return { child, output: () => out };
}

/** Polls `probe` until it gives a value, or fails naming `what`. */
export async function waitFor<T>(what: string, probe: () => T | null, timeoutMs = 20_000): Promise<T> {
  const start = Date.now();
  for (;;) {
    const v = probe();
    if (v !== null) return v;
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

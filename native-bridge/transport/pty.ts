/**
 * A connected pseudo-terminal pair made by socat, so the host and the virtual
 * terminal can talk through the real serialport bindings without hardware.
 */
import { spawn, ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';

export interface PtyPair {
  /** The end the host opens. */
  readonly hostPath: string;
  /** The end the virtual terminal opens. */
  readonly terminalPath: string;
  readonly pid: number;
  /** Kills socat; both ends hang up. */
  close(): Promise<void>;
}

export interface PtyPairOptions {
  readonly socatPath?: string;
  /** Stable symlinks for the two ends (so a test can re-create the pair under the same names). */
  readonly hostLink?: string;
  readonly terminalLink?: string;
  readonly timeoutMs?: number;
}

export const DEFAULT_SOCAT = '/usr/bin/socat';

export function socatAvailable(path: string = DEFAULT_SOCAT): boolean {
  return existsSync(path);
}

export function createPtyPair(opts: PtyPairOptions = {}): Promise<PtyPair> {
  const socat = opts.socatPath ?? DEFAULT_SOCAT;
  const end = (link?: string): string => `pty,raw,echo=0${link ? `,link=${link}` : ''}`;
  return new Promise((resolve, reject) => {
    let child: ChildProcess;
    try {
      child = spawn(socat, ['-d', '-d', end(opts.hostLink), end(opts.terminalLink)], { stdio: ['ignore', 'ignore', 'pipe'] });
    } catch (e) {
      reject(e instanceof Error ? e : new Error(String(e)));
      return;
    }
    const paths: string[] = [];
    let stderr = '';
    let settled = false;
    const exited = new Promise<void>((r) => child.once('exit', () => r()));
    const timer = setTimeout(
      () => fail(new Error(`socat did not report two ptys within ${opts.timeoutMs ?? 5000} ms: ${stderr.trim()}`)),
      opts.timeoutMs ?? 5000,
    );
    const fail = (e: Error): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      child.kill('SIGTERM');
      reject(e);
    };
    child.once('error', (e) => fail(e));
    child.once('exit', (code) => fail(new Error(`socat exited (${code}) before the ptys were ready: ${stderr.trim()}`)));
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (chunk: string) => {
      if (settled) return;
      stderr += chunk;
      // "N PTY is /dev/pts/5" once per end, then "starting data transfer loop".
      for (const m of chunk.matchAll(/PTY is (\S+)/g)) if (m[1]) paths.push(m[1]);
      if (paths.length >= 2 && /starting data transfer loop/.test(stderr)) {
        settled = true;
        clearTimeout(timer);
        const [hostPath, terminalPath] = paths as [string, string];
        resolve({
          hostPath: opts.hostLink ?? hostPath,
          terminalPath: opts.terminalLink ?? terminalPath,
          pid: child.pid ?? -1,
          async close() {
            if (child.exitCode === null && child.signalCode === null) {
              child.kill('SIGTERM');
              await exited;
            }
          },
        });
      }
    });
  });
}

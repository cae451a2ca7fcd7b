/**
 * The log file never blocks or crashes the process when the disk refuses
 * writes (issue #12: on a full disk the CLI printed its outcome and then hung,
 * holding the terminal, because the log's exit flush retried ENOSPC for ever).
 * /dev/full answers every write with ENOSPC, like a full disk.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FileLogStream } from '../../../main/logging/file-stream';

const ROOT = path.resolve(__dirname, '..', '..', '..');
const CHILD = path.join(ROOT, 'test', 'fixtures', 'logging', 'log-then-exit.ts');
const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));

function dataDir(): string {
  const d = mkdtempSync(path.join(os.tmpdir(), 'rt-log-'));
  dirs.push(d);
  mkdirSync(path.join(d, 'logs'));
  return d;
}

function runChild(dir: string): { status: number | null; signal: string | null; stdout: string } {
  const r = spawnSync(process.execPath, ['--import', 'tsx', CHILD, dir], { cwd: ROOT, encoding: 'utf8', timeout: 20_000 });
  return { status: r.status, signal: r.signal, stdout: r.stdout };
}

describe('log file stream', () => {
  it('writes the lines to the log file on a working disk', () => {
    const d = dataDir();
    const r = runChild(d);
    expect(r.status).toBe(0);
    const text = readFileSync(path.join(d, 'logs', 'refund-terminal.log'), 'utf8');
    expect(text.trim().split('\n')).toHaveLength(2_000);
  });

  it.skipIf(!existsSync('/dev/full'))('exits promptly, without an error, when every log write fails with ENOSPC', () => {
    const d = dataDir();
    symlinkSync('/dev/full', path.join(d, 'logs', 'refund-terminal.log'));
    const r = runChild(d);
    // Killed by the 20 s timeout (signal SIGTERM) with the old pino.destination.
    expect(r.signal).toBeNull();
    expect(r.status).toBe(0);
    expect(r.stdout).toBe('logged\n');
  });
});

describe('log file size cap and rotation (attack report F6)', () => {
  it('past its cap the log rotates to <file>.1, and neither file ever exceeds the cap', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'rt-logrot-'));
    try {
      const file = path.join(dir, 'refund-terminal.log');
      const cap = 64 * 1024;
      const stream = new FileLogStream(file, cap);
      const line = `${JSON.stringify({ level: 40, msg: 'protocol version mismatch', pad: 'x'.repeat(80) })}\n`;
      let maxSeen = 0;
      for (let i = 0; i < 5000; i++) {
        stream.write(line);
        if (i % 50 === 0) {
          await new Promise((r) => setImmediate(r));
          for (const f of [file, `${file}.1`]) if (existsSync(f)) maxSeen = Math.max(maxSeen, statSync(f).size);
        }
      }
      await new Promise((r) => setTimeout(r, 200));
      stream.close();
      const sizes = [file, `${file}.1`].map((f) => statSync(f).size);
      maxSeen = Math.max(maxSeen, ...sizes);
      expect(maxSeen).toBeLessThanOrEqual(cap);
      expect(sizes[1]).toBeGreaterThan(cap - line.length * 2); // it really rotated, near the cap
      expect(readdirSync(dir).sort()).toEqual(['refund-terminal.log', 'refund-terminal.log.1']); // two files, no more
      expect(
        readFileSync(file, 'utf8')
          .split('\n')
          .every((l) => l === '' || l === line.trimEnd()),
      ).toBe(true); // whole lines only
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

/**
 * Attack F8: a refund on a data folder whose disk fills up BEFORE anything is
 * journaled (opening the ledger, migrations, secret store, pairing/config) must
 * exit 5 with the free-space sentence, never 1 with raw ENOSPC / "database or
 * disk is full" text or a terminal blamed for it; and nothing is sent. Swept
 * over the headroom left on a 2 MiB tmpfs (floor 0, so the refund is tried).
 * Once something is journaled the rule is exit 4 (full-disk-end-to-end.test.ts).
 * Needs root (mount).
 */
import BetterSqlite3 from 'better-sqlite3';
import { spawnSync } from 'node:child_process';
import { closeSync, cpSync, existsSync, mkdtempSync, openSync, rmSync, statfsSync, writeSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXIT } from '../../../main/cli/exit-codes';
import { runMain, type CliRun } from '../../helpers/cli-in-process';

function canMount(): boolean {
  if (process.platform !== 'linux' || process.getuid?.() !== 0) return false;
  const probe = mkdtempSync(path.join(os.tmpdir(), 'rt-mnt-probe-'));
  try {
    if (spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', probe], { stdio: 'ignore' }).status !== 0) return false;
    spawnSync('umount', [probe], { stdio: 'ignore' });
    return true;
  } finally {
    rmSync(probe, { recursive: true, force: true });
  }
}
const ready = canMount();

const ENV = { ...process.env, REFUND_TERMINAL_DEMO: '1', REFUND_TERMINAL_JOURNAL_MIN_FREE_MB: '0' };

function cli(dataDir: string, args: string[]): Promise<CliRun> {
  return runMain(['--data-dir', dataDir, ...args], { env: ENV });
}

/** Leaves about `kib` KiB free on the filesystem of `dir`. */
function fillTo(dir: string, kib: number): void {
  const s = statfsSync(dir);
  let left = Number(s.bavail) * Number(s.bsize) - kib * 1024;
  const fd = openSync(path.join(dir, 'filler'), 'w');
  const chunk = Buffer.alloc(4096, 7);
  try {
    while (left > 0) {
      writeSync(fd, chunk, 0, Math.min(chunk.length, left));
      left -= chunk.length;
    }
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOSPC') throw e;
  } finally {
    closeSync(fd);
  }
}

function journaled(dataDir: string): number {
  const db = path.join(dataDir, 'ledger.sqlite');
  if (!existsSync(db)) return 0;
  const raw = new BetterSqlite3(db, { readonly: true });
  try {
    return (raw.prepare('SELECT COUNT(*) AS n FROM refunds').get() as { n: number }).n;
  } finally {
    raw.close();
  }
}

/** socat pty pairs of the demo terminal in `dir` still running (a failed open must stop what it started). */
function socatOf(dir: string): number[] {
  const r = spawnSync('pgrep', ['-f', `socat .*link=${dir}/`], { encoding: 'utf8' });
  return r.stdout
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map(Number);
}

let seed: string;
beforeAll(async () => {
  if (!ready) return;
  seed = mkdtempSync(path.join(os.tmpdir(), 'rt-f8-seed-'));
  await cli(seed, ['users', 'list']);
}, 60_000);
afterAll(() => {
  if (seed) rmSync(seed, { recursive: true, force: true });
});

describe.skipIf(!ready)('full disk before anything is journaled (attack F8)', () => {
  it.each([0, 16, 32, 64, 96, 128, 192])(
    'with %i KiB free: exit 5 with the free-space sentence (or 4 once journaled), never 1, nothing sent unjournaled',
    async (kib) => {
      const mnt = mkdtempSync(path.join(os.tmpdir(), 'rt-f8-'));
      expect(spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=2m', 'tmpfs', mnt]).status).toBe(0);
      try {
        cpSync(seed, mnt, { recursive: true });
        fillTo(mnt, kib);
        const r = await cli(mnt, ['refund', '--payment', 'DEMO-SGD-DANA-PARTLY-0010', '--amount', '1.00', '--currency', 'SGD', '--json']);
        // However the run ended, it took its virtual terminal's pty pair along.
        expect(socatOf(mnt)).toEqual([]);
        rmSync(path.join(mnt, 'filler'), { force: true });
        const n = journaled(mnt);
        if (n === 0) {
          expect({ code: r.code, stderr: r.stderr }).toMatchObject({ code: EXIT.JOURNAL_UNAVAILABLE, stderr: expect.stringMatching(/is full|free/) });
          expect(r.stderr).not.toMatch(/unpaired|not ready/);
          expect(r.stdout).not.toMatch(/"status":"SUCCESS"/);
        } else {
          expect([EXIT.SUCCESS, EXIT.OUTCOME_UNKNOWN, EXIT.JOURNAL_UNAVAILABLE]).toContain(r.code);
        }
      } finally {
        // Never leave one behind, even when the check above failed.
        for (const pid of socatOf(mnt)) process.kill(pid, 'SIGTERM');
        spawnSync('umount', ['-l', mnt]);
        rmSync(mnt, { recursive: true, force: true });
      }
    },
    90_000,
  );
});

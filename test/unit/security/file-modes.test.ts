/**
 * Files at rest (issue #14, item 3): with a data folder that already existed
 * with loose modes (0755 folder, a 0644 journal, a 0644 key file), opening the
 * services leaves the folder 0700 and every file 0600, warns about what was
 * wider, and `doctor` reports it. On the original code the journal stayed 0644.
 */
import { chmodSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { doctorCommand } from '../../../main/cli/commands/doctor';
import { looseDataFiles } from '../../../main/security/file-modes';
import { openDataLedger } from '../../../main/services/data-ledger';

const cleanups: (() => void)[] = [];
afterEach(() => cleanups.splice(0).forEach((c) => c()));

const mode = (p: string) => (statSync(p).mode & 0o777).toString(8);

describe.skipIf(process.platform === 'win32')('data folder modes', () => {
  it('tightens a pre-existing loose folder to 0700/0600, including files SQLite creates, and says what was wider', async () => {
    const parent = mkdtempSync(path.join(tmpdir(), 'modes-'));
    cleanups.push(() => rmSync(parent, { recursive: true, force: true }));
    const dir = path.join(parent, 'data');
    const old = process.umask(0o022);
    try {
      mkdirSync(path.join(dir, 'logs'), { recursive: true, mode: 0o755 });
      chmodSync(dir, 0o755);
      writeFileSync(path.join(dir, 'ledger.sqlite'), '');
      chmodSync(path.join(dir, 'ledger.sqlite'), 0o644);
      writeFileSync(path.join(dir, 'logs', 'app.log'), 'x', { mode: 0o644 });
      writeFileSync(path.join(dir, 'config.json'), '{}', { mode: 0o666 });

      const { ledger, loosened } = await openDataLedger(dir);
      ledger.audit.append('test', 'config.change', {}); // makes SQLite write its -wal
      expect(loosened.map((f) => path.relative(dir, f.path)).sort()).toEqual(['', 'config.json', 'ledger.sqlite', 'logs', 'logs/app.log']);
      expect(mode(dir)).toBe('700');
      expect(mode(path.join(dir, 'logs'))).toBe('700');
      for (const f of ['ledger.sqlite', 'ledger.sqlite-wal', 'ledger.sqlite-shm', 'secrets.json', 'data-key.bin', 'config.json', 'logs/app.log']) {
        expect([f, mode(path.join(dir, f))]).toEqual([f, '600']);
      }
      ledger.close();
      expect(looseDataFiles(dir)).toEqual([]);
    } finally {
      process.umask(old);
    }
  });

  it('doctor fails the file-modes check when something is wider, and passes once tightened', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'modes-doc-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    writeFileSync(path.join(dir, 'ledger.sqlite'), '', { mode: 0o644 });
    chmodSync(path.join(dir, 'ledger.sqlite'), 0o644);
    chmodSync(dir, 0o755);
    const run = async () => {
      let out = '';
      const stdout = new PassThrough();
      stdout.on('data', (d: Buffer) => (out += d.toString()));
      await doctorCommand.run(['--json'], { dataDir: dir, env: { REFUND_TERMINAL_DEMO: '1' }, stdout, stderr: new PassThrough(), stdin: new PassThrough() });
      const parsed = JSON.parse(out) as { checks: { id: string; ok: boolean; summary: string }[] } | { id: string; ok: boolean; summary: string }[];
      const checks = Array.isArray(parsed) ? parsed : parsed.checks;
      return checks.find((c) => c.id === 'file-modes');
    };
    const first = await run();
    expect(first?.ok).toBe(false);
    expect(first?.summary).toMatch(/ledger\.sqlite \(644\)/);
    const second = await run();
    expect(second?.ok).toBe(true);
  });
});

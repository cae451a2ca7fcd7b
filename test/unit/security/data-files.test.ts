/**
 * The small JSON files read back from the data folder (attack report F7, F9).
 * On the code before: config.json as a symlink to /dev/zero ate hundreds of MB
 * and crashed, a FIFO hung the reader for ever, a huge file was read whole, and
 * a corrupt secrets.json said only "Unexpected end of JSON input".
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CONFIG_FILE, loadAppConfig } from '../../../main/config/app-config';
import { readSmallFileSync, SMALL_FILE_MAX_BYTES, UnsafeFileError } from '../../../main/config/safe-file';
import { openSecretStore } from '../../../main/secrets/secret-store';
import { readAlarmEntries } from '../../../main/ledger/journal-alarm-file';

let dir = '';
beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'rt-datafiles-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const reason = (f: () => unknown): string => {
  try {
    f();
  } catch (e) {
    if (e instanceof UnsafeFileError) return e.reason;
    throw e;
  }
  return 'read';
};

describe('config.json and the other data-folder files: regular file, capped', () => {
  it('refuses a symlink to /dev/zero, a FIFO, an oversize file; reads a normal one; missing is null', async () => {
    const file = path.join(dir, CONFIG_FILE);
    symlinkSync('/dev/zero', file);
    expect(reason(() => readSmallFileSync(file))).toBe('symlink');
    const cfg = await loadAppConfig(dir);
    expect(cfg.ok).toBe(false);
    if (!cfg.ok) expect(cfg.error.message).toMatch(/config\.json is a symbolic link.*Replace it/);
    rmSync(file);

    execFileSync('mkfifo', [file]);
    expect(reason(() => readSmallFileSync(file))).toBe('not-regular'); // would block for ever on the code before
    const fifo = await loadAppConfig(dir);
    expect(fifo.ok).toBe(false);
    if (!fifo.ok) expect(fifo.error.message).toMatch(/config\.json is not a regular file/);
    rmSync(file);

    writeFileSync(file, Buffer.alloc(SMALL_FILE_MAX_BYTES + 1, 0x20));
    expect(reason(() => readSmallFileSync(file))).toBe('too-large');
    const big = await loadAppConfig(dir);
    expect(big.ok).toBe(false);
    if (!big.ok) expect(big.error.message).toMatch(/over the 1048576-byte limit/);

    writeFileSync(file, '{}');
    expect(readSmallFileSync(file)).toBe('{}');
    expect((await loadAppConfig(dir)).ok).toBe(true);
    expect(readSmallFileSync(path.join(dir, 'missing.json'))).toBeNull();
  });

  it('a corrupt secrets.json names the file, says it is unreadable and what to do, and never prints its content', async () => {
    const store = await openSecretStore(dir);
    await store.set('probe', 'value');
    const secretish = '{"version":1,"entries":{"probe":{"iv":"SECRETCONTENT';
    writeFileSync(path.join(dir, 'secrets.json'), secretish);
    const message = await store.get('probe').then(
      () => 'no error',
      (e: unknown) => (e as Error).message,
    );
    expect(message).toContain(path.join(dir, 'secrets.json'));
    expect(message).toMatch(/unreadable/);
    expect(message).toMatch(/backup/);
    expect(message).toMatch(/technician screen/);
    expect(message).not.toContain('SECRETCONTENT');
    expect(message).not.toMatch(/Unexpected end of JSON/);
  });

  it('journal-alarm.json as a FIFO or a symlink to /dev/zero reads as no entries, at once (it hung / ate memory before)', () => {
    const file = path.join(dir, 'journal-alarm.json');
    execFileSync('mkfifo', [file]);
    expect(readAlarmEntries(dir)).toEqual([]);
    rmSync(file);
    symlinkSync('/dev/zero', file);
    expect(readAlarmEntries(dir)).toEqual([]);
  });
});

/**
 * A missing, empty or unreadable journal in a data folder that was set up
 * (secrets / pairing present) is an alarm, never a fresh start (issue #12 item 10).
 */
import { mkdirSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runMain, type CliRun } from '../../helpers/cli-in-process';
import { EXIT } from '../../../main/cli/exit-codes';
import { ensureDataLedger } from '../../../main/services/data-ledger';
import { inspectJournalFile, JournalUnavailableError, openJournal } from '../../../main/ledger/journal-file';
import { createSilentLogger } from '../../../main/logging/logger';
import { openSecretStore } from '../../../main/secrets/secret-store';
import { openCoreServices } from '../../../main/services/core-services';
import { createSecretStorePairingStore } from '../../../main/terminal';
import { tempDir } from './helpers';

const cleanups: (() => void)[] = [];
afterEach(() => cleanups.splice(0).forEach((c) => c()));

function dir(): string {
  const t = tempDir();
  cleanups.push(t.cleanup);
  return t.dir;
}

/** A data folder as an installed terminal leaves it: a journal with a user, secrets with a pairing. */
async function installed(): Promise<string> {
  const d = dir();
  const ledger = openJournal(d);
  await ledger.users.add({ name: 'maria', role: 'manager', pin: '246813' }, 'setup');
  ledger.close();
  const secrets = await openSecretStore(d);
  await secrets.set('host.id', 'host-1');
  await createSecretStorePairingStore(secrets).save({ serial: 'AT-1', model: 'PX', pairingKey: 'k'.repeat(43), pairedAt: '2026-11-25T10:00:00.000Z' });
  return d;
}

function cli(args: string[]): Promise<CliRun> {
  return runMain(args, { env: { REFUND_TERMINAL_DEMO: '0' } });
}

describe('journal file guard', () => {
  it('creates a journal in a genuinely new folder (also a 0-byte file there)', () => {
    const d = dir();
    expect(inspectJournalFile(d)).toEqual({ state: 'NEW' });
    openJournal(d).close();
    expect(inspectJournalFile(d)).toEqual({ state: 'PRESENT' });
    const d2 = dir();
    writeFileSync(path.join(d2, 'ledger.sqlite'), '');
    openJournal(d2).close();
    expect(statSync(path.join(d2, 'ledger.sqlite')).size).toBeGreaterThan(0);
  });

  it('refuses an emptied journal where secrets exist, naming the path and what to do', async () => {
    const d = await installed();
    truncateSync(path.join(d, 'ledger.sqlite'), 0);
    rmSync(path.join(d, 'ledger.sqlite-wal'), { force: true });
    const thrown = (() => {
      try {
        openJournal(d).close();
        return null;
      } catch (e) {
        return e;
      }
    })();
    expect(thrown).toBeInstanceOf(JournalUnavailableError);
    const e = thrown as JournalUnavailableError;
    expect(e.problem).toBe('EMPTY');
    expect(e.message).toContain(path.join(d, 'ledger.sqlite'));
    expect(e.message).toMatch(/restore ledger\.sqlite/i);
    // Nothing was created in its place.
    expect(statSync(path.join(d, 'ledger.sqlite')).size).toBe(0);
  });

  it('refuses a missing journal and a non-SQLite one, and a directory in its place', async () => {
    const d = await installed();
    rmSync(path.join(d, 'ledger.sqlite'));
    rmSync(path.join(d, 'ledger.sqlite-wal'), { force: true });
    rmSync(path.join(d, 'ledger.sqlite-shm'), { force: true });
    expect(inspectJournalFile(d)).toMatchObject({ state: 'MISSING' });
    expect(() => openJournal(d)).toThrow(JournalUnavailableError);
    writeFileSync(path.join(d, 'ledger.sqlite'), 'this is not a database, just some bytes');
    expect(inspectJournalFile(d)).toMatchObject({ state: 'UNREADABLE' });
    expect(() => openJournal(d)).toThrow(/cannot be read/);
    rmSync(path.join(d, 'ledger.sqlite'));
    mkdirSync(path.join(d, 'ledger.sqlite'));
    expect(inspectJournalFile(d)).toMatchObject({ state: 'UNREADABLE' });
  });

  it('a damaged SQLite file (valid header, garbage after) is reported, not replaced', async () => {
    const d = await installed();
    const file = path.join(d, 'ledger.sqlite');
    rmSync(`${file}-wal`, { force: true });
    rmSync(`${file}-shm`, { force: true });
    const garbage = Buffer.alloc(8192, 0xab);
    Buffer.from('SQLite format 3\u0000', 'latin1').copy(garbage, 0);
    writeFileSync(file, garbage);
    expect(() => openJournal(d)).toThrow(JournalUnavailableError);
  });

  it('start-up of the app services stops with JOURNAL_UNAVAILABLE instead of starting empty', async () => {
    const d = await installed();
    truncateSync(path.join(d, 'ledger.sqlite'), 0);
    rmSync(path.join(d, 'ledger.sqlite-wal'), { force: true });
    const opened = await openCoreServices({ dataDir: d, env: { REFUND_TERMINAL_DEMO: '0' }, log: createSilentLogger() });
    if (opened.ok) await opened.value.close();
    expect(opened.ok).toBe(false);
    if (!opened.ok) {
      expect(opened.error.code).toBe('JOURNAL_UNAVAILABLE');
      expect(opened.error.message).toContain(path.join(d, 'ledger.sqlite'));
    }
  });

  it('every CLI command that opens the journal refuses with exit 5 and the path', async () => {
    const d = await installed();
    truncateSync(path.join(d, 'ledger.sqlite'), 0);
    rmSync(path.join(d, 'ledger.sqlite-wal'), { force: true });
    for (const args of [['users', 'list'], ['journal'], ['audit', 'verify'], ['status', 'RR1'], ['recover'], ['refund', '--payment', 'PAY-1']]) {
      const r = await cli(['--data-dir', d, ...args]);
      expect(r.code, args.join(' ')).toBe(EXIT.JOURNAL_UNAVAILABLE);
      expect(r.stderr, args.join(' ')).toContain(path.join(d, 'ledger.sqlite'));
    }
    // Still 0 bytes: no command made a new journal.
    expect(statSync(path.join(d, 'ledger.sqlite')).size).toBe(0);
  });

  it('ensureDataLedger (run by `pair` before it saves the pairing) makes the journal first in a new folder', async () => {
    const d = dir();
    await ensureDataLedger(d);
    const secrets = await openSecretStore(d);
    await secrets.set('host.id', 'h');
    expect(inspectJournalFile(d)).toEqual({ state: 'PRESENT' });
    // And on an installed folder whose journal is gone it refuses too.
    const d2 = await installed();
    rmSync(path.join(d2, 'ledger.sqlite'));
    rmSync(path.join(d2, 'ledger.sqlite-wal'), { force: true });
    await expect(ensureDataLedger(d2)).rejects.toThrow(JournalUnavailableError);
  });
});

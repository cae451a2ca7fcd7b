/**
 * Whether `<dataDir>/ledger.sqlite` may be opened, and opening it.
 *
 * SQLite happily turns a missing or 0-byte file into a brand-new, empty
 * database. For the journal that is a silent disaster: the pending refunds,
 * the users and the audit chain of an installed terminal vanish and the app
 * carries on as if it were new. So a new journal is only created in a data
 * folder that has never been set up: one without `secrets.json` (where the
 * host id, the Antom keys and the terminal pairing live) and without a stray
 * `-wal` file. Anything else that is missing, empty or unreadable stops
 * start-up with the path and what to do (docs/ledger.md, "The file").
 */
import { closeSync, openSync, readSync, statSync } from 'node:fs';
import path from 'node:path';
import { measureJournalSpace } from './disk-space';
import { openLedger, type Ledger, type LedgerOptions } from './ledger';
import { LEDGER_FILE, ledgerPath } from './paths';

/** Files whose presence means "this data folder was set up before". */
export const INSTALL_MARKERS = ['secrets.json', `${LEDGER_FILE}-wal`] as const;

export type JournalProblem = 'MISSING' | 'EMPTY' | 'UNREADABLE';

export type JournalFileState =
  { readonly state: 'NEW' } | { readonly state: 'PRESENT' } | { readonly state: JournalProblem; readonly path: string; readonly detail: string };

const SQLITE_HEADER = Buffer.from('SQLite format 3\u0000', 'latin1');

/** A journal that must not be opened (or created). The message says where it is and what to do. */
export class JournalUnavailableError extends Error {
  readonly code = 'JOURNAL_UNAVAILABLE';
  constructor(
    readonly problem: JournalProblem,
    readonly journalPath: string,
    message: string,
  ) {
    super(message);
    this.name = 'JournalUnavailableError';
  }
}

function installMarker(dataDir: string): string | null {
  for (const name of INSTALL_MARKERS) {
    const p = path.join(dataDir, name);
    try {
      if (statSync(p).size > 0) return name;
    } catch {
      // absent: not a marker
    }
  }
  return null;
}

/** Looks at the file only (no SQLite): safe to call from `doctor` and before anything else starts. */
export function inspectJournalFile(dataDir: string): JournalFileState {
  const file = path.join(dataDir, LEDGER_FILE);
  const marker = installMarker(dataDir);
  let size: number;
  try {
    const st = statSync(file);
    if (!st.isFile()) return { state: 'UNREADABLE', path: file, detail: 'it is not a regular file' };
    size = st.size;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code !== 'ENOENT') return { state: 'UNREADABLE', path: file, detail: (e as Error).message };
    return marker === null ? { state: 'NEW' } : { state: 'MISSING', path: file, detail: `the data folder has ${marker}, so it was in use` };
  }
  if (size === 0) {
    return marker === null ? { state: 'NEW' } : { state: 'EMPTY', path: file, detail: `it is 0 bytes, while the data folder has ${marker}` };
  }
  let fd: number;
  try {
    // r+: the journal is written too; a read-only file would fail at the first refund instead.
    fd = openSync(file, 'r+');
  } catch (e) {
    return { state: 'UNREADABLE', path: file, detail: (e as Error).message };
  }
  try {
    const head = Buffer.alloc(SQLITE_HEADER.length);
    const n = readSync(fd, head, 0, head.length, 0);
    if (n < head.length || !head.equals(SQLITE_HEADER)) return { state: 'UNREADABLE', path: file, detail: 'it is not an SQLite database' };
  } catch (e) {
    return { state: 'UNREADABLE', path: file, detail: (e as Error).message };
  } finally {
    closeSync(fd);
  }
  return { state: 'PRESENT' };
}

export function journalProblemMessage(problem: JournalProblem, file: string, detail: string): string {
  const what = problem === 'MISSING' ? 'is missing' : problem === 'EMPTY' ? 'is empty' : 'cannot be read';
  return [
    `The refund journal ${file} ${what} (${detail}).`,
    'Refund Terminal will not start with a new, empty journal: pending refunds, users and the audit trail would be forgotten.',
    `What to do: stop the app, restore ${LEDGER_FILE} (and ${LEDGER_FILE}-wal if your backup has one) from the latest backup into ${path.dirname(file)}, then start again.`,
    "If the journal is truly lost, call support: check this terminal's recent refunds in the Antom dashboard, then move the whole data folder aside and set the terminal up again.",
  ].join('\n');
}

/** Throws JournalUnavailableError unless the journal is present and looks like SQLite, or the folder is genuinely new. */
export function assertJournalUsable(dataDir: string): void {
  const s = inspectJournalFile(dataDir);
  if (s.state === 'NEW' || s.state === 'PRESENT') return;
  throw new JournalUnavailableError(s.state, s.path, journalProblemMessage(s.state, s.path, s.detail));
}

/**
 * Opens the data folder's journal, creating it only in a genuinely new folder.
 * Production code calls it through main/services/data-ledger.ts (which adds the
 * keys from the secret store); tests call it directly.
 */
export function openJournal(dataDir: string, opts: LedgerOptions = {}): Ledger {
  assertJournalUsable(dataDir);
  return openCheckedJournal(dataDir, opts);
}

/**
 * Opens a journal whose file `assertJournalUsable` already accepted. For a
 * caller that must write other files (the secret store) between the check and
 * the open: checking again then would take the new secrets.json for the mark of
 * an installed folder whose journal is missing.
 */
export function openCheckedJournal(dataDir: string, opts: LedgerOptions = {}): Ledger {
  const file = ledgerPath(dataDir);
  try {
    return openLedger(file, opts);
  } catch (e) {
    // A full disk makes SQLite fail to open its -wal / -shm files: say so, not "restore a backup".
    const code = String((e as { code?: unknown }).code ?? '');
    const space = measureJournalSpace(dataDir, 1024 * 1024);
    if ((code.startsWith('SQLITE_IOERR') || code === 'SQLITE_FULL' || code === 'SQLITE_CANTOPEN') && space.low) {
      throw new JournalUnavailableError(
        'UNREADABLE',
        file,
        `The refund journal ${file} cannot be opened: its disk is full (${space.freeBytes ?? 0} bytes free; SQLite: ${(e as Error).message}). Nothing was journaled or sent. Free disk space on this PC, then try again.`,
      );
    }
    // e.g. "file is not a database", "database disk image is malformed", or a schema newer than this app.
    throw new JournalUnavailableError('UNREADABLE', file, journalProblemMessage('UNREADABLE', file, (e as Error).message));
  }
}

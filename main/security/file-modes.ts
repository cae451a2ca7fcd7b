/**
 * Files at rest: the data folder holds the journal (PIN hashes, every refund),
 * the encrypted secrets and, without an OS keychain, the key that opens them.
 * On POSIX the folder is 0700 and everything in it 0600 (folders inside 0700),
 * whatever existed before: a folder made by an older version, by hand or by an
 * installer with a loose umask is tightened at every start, and what was wider
 * is reported so the technician can find out who may have copied it.
 * Symlinks are neither followed nor changed. Windows relies on the per-user
 * profile folder's ACL (no POSIX modes to set).
 */
import { chmodSync, closeSync, lstatSync, mkdirSync, openSync, readdirSync } from 'node:fs';
import path from 'node:path';

export const DIR_MODE = 0o700;
export const FILE_MODE = 0o600;

const posix = process.platform !== 'win32';

export interface LooseFile {
  readonly path: string;
  /** The mode it had, as octal text ("644"). */
  readonly mode: string;
  readonly kind: 'file' | 'dir';
}

function walk(dir: string, visit: (p: string, kind: 'file' | 'dir', mode: number) => void): void {
  let st;
  try {
    st = lstatSync(dir);
  } catch {
    return;
  }
  if (!st.isDirectory()) return;
  visit(dir, 'dir', st.mode & 0o777);
  for (const name of readdirSync(dir)) {
    const p = path.join(dir, name);
    let s;
    try {
      s = lstatSync(p);
    } catch {
      continue; // removed meanwhile (a -shm at close)
    }
    if (s.isSymbolicLink()) continue;
    if (s.isDirectory()) walk(p, visit);
    else if (s.isFile()) visit(p, 'file', s.mode & 0o777);
  }
}

/** What in the data folder is readable or writable by anyone but its owner (or, for files, executable). */
export function looseDataFiles(dataDir: string): LooseFile[] {
  if (!posix) return [];
  const out: LooseFile[] = [];
  walk(dataDir, (p, kind, mode) => {
    if ((kind === 'dir' && (mode & 0o077) !== 0) || (kind === 'file' && (mode & 0o177) !== 0)) out.push({ path: p, mode: mode.toString(8), kind });
  });
  return out;
}

/** Creates the folder 0700 and brings it and everything in it to 0700/0600. Returns what was wider. */
export function secureDataDir(dataDir: string): LooseFile[] {
  mkdirSync(dataDir, { recursive: true, mode: DIR_MODE });
  if (!posix) return [];
  const loose = looseDataFiles(dataDir);
  for (const f of loose) chmodSync(f.path, f.kind === 'dir' ? DIR_MODE : FILE_MODE);
  return loose;
}

/**
 * The ledger's own files: the database is created 0600 before SQLite opens it
 * (SQLite gives its -wal and -shm the database's mode), and any that exist are
 * brought to 0600. Only these files: a ledger opened in some other folder
 * (tests, a copy under investigation) does not get its neighbours chmodded.
 */
export function secureLedgerFiles(dbPath: string): void {
  mkdirSync(path.dirname(dbPath), { recursive: true, mode: DIR_MODE });
  closeSync(openSync(dbPath, 'a', FILE_MODE));
  if (!posix) return;
  for (const suffix of ['', '-wal', '-shm', '-journal']) {
    try {
      const p = dbPath + suffix;
      if ((lstatSync(p).mode & 0o177) !== 0) chmodSync(p, FILE_MODE);
    } catch {
      // not there
    }
  }
}

/**
 * Opens the SQLite file with the durability settings the journal relies on.
 * See docs/ledger.md for why synchronous=FULL under WAL.
 */
import BetterSqlite3, { type Database } from 'better-sqlite3';

export const BUSY_TIMEOUT_MS = 5_000;

export function openDatabase(dbPath: string): Database {
  const db = new BetterSqlite3(dbPath);
  db.pragma('journal_mode = WAL');
  // FULL: every commit fsyncs the WAL, so a journaled intent survives power loss
  // before the terminal or Antom hear about it (NORMAL could lose the last commits).
  db.pragma('synchronous = FULL');
  // The app and the CLI may share the file; wait for the other's write lock.
  db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
  db.pragma('foreign_keys = ON');
  return db;
}

/**
 * Opens the SQLite file with the durability settings the journal relies on.
 * See docs/ledger.md for why synchronous=FULL under WAL.
 */
import BetterSqlite3, { type Database, type Statement } from 'better-sqlite3';

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
  cacheStatements(db);
  return db;
}

/** Distinct SQL texts kept compiled per connection (the ledger's own are a few hundred at most). */
const STATEMENT_CACHE_SIZE = 1_000;

/**
 * The ledger prepares its statements where it runs them (`db.prepare(sql).get(...)`),
 * which compiled every statement again on every call: a tenth of a refund's
 * journal time and a fifth of recovery's. Compiled once per SQL text instead.
 * A statement still being iterated is busy and gets a fresh copy; a cached one
 * is handed out with its result mode reset (pluck/raw/expand are per statement).
 */
function cacheStatements(db: Database): void {
  const cache = new Map<string, Statement>();
  const compile = db.prepare.bind(db);
  const prepare = (sql: string): Statement => {
    const hit = cache.get(sql);
    if (hit !== undefined && !hit.busy) {
      if (hit.reader) hit.raw(false).expand(false).pluck(false);
      return hit;
    }
    const stmt = compile(sql);
    if (hit === undefined && cache.size < STATEMENT_CACHE_SIZE) cache.set(sql, stmt);
    return stmt;
  };
  db.prepare = prepare as Database['prepare'];
}

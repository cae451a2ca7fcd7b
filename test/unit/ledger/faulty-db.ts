/**
 * Fault injection for journal writes: wraps a better-sqlite3 connection so that
 * write statements (INSERT / UPDATE / DELETE) throw an SqliteError, the way a
 * full disk (SQLITE_FULL) or a failing one (SQLITE_IOERR) makes them throw.
 * Reads keep working, as they do on a full disk.
 */
import BetterSqlite3, { type Database } from 'better-sqlite3';

export interface WriteFaults {
  /** Every write from now on fails (after `after` more succeed). */
  failWrites(opts?: { after?: number; code?: string; only?: RegExp }): void;
  heal(): void;
  readonly failed: number;
  readonly writes: number;
}

const WRITE = /^\s*(INSERT|UPDATE|DELETE|REPLACE)\b/i;

export function injectWriteFaults(db: Database): WriteFaults {
  let armed = false;
  let allowance = 0;
  let code = 'SQLITE_FULL';
  let only: RegExp | null = null;
  let failed = 0;
  let writes = 0;
  const prepare = db.prepare.bind(db);
  // The ledger hands out one compiled statement per SQL text (db.ts): each is wrapped once.
  const wrapped = new WeakSet<object>();
  (db as { prepare: Database['prepare'] }).prepare = ((sql: string) => {
    const stmt = prepare(sql);
    if (!WRITE.test(sql) || wrapped.has(stmt)) return stmt;
    wrapped.add(stmt);
    const run = stmt.run.bind(stmt);
    (stmt as { run: typeof stmt.run }).run = ((...params: unknown[]) => {
      writes += 1;
      if (armed && (only === null || only.test(sql))) {
        if (allowance > 0) allowance -= 1;
        else {
          failed += 1;
          throw new BetterSqlite3.SqliteError(code === 'SQLITE_FULL' ? 'database or disk is full' : 'disk I/O error', code);
        }
      }
      return run(...(params as []));
    }) as typeof stmt.run;
    return stmt;
  }) as Database['prepare'];
  return {
    failWrites(o = {}) {
      armed = true;
      allowance = o.after ?? 0;
      code = o.code ?? 'SQLITE_FULL';
      only = o.only ?? null;
    },
    heal() {
      armed = false;
    },
    get failed() {
      return failed;
    },
    get writes() {
      return writes;
    },
  };
}

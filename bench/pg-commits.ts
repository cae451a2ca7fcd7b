/**
 * Commits per refund in store mode, counted two ways in the same window:
 *
 *  - server side: `pg_stat_database.xact_commit` of the bench database (every
 *    committed transaction, read-only autocommit SELECTs included) and
 *    `pg_stat_wal.wal_sync` (WAL fsyncs: durable commits plus the WAL
 *    writer's background flushes of relaxed ones);
 *  - client side: every statement this process sends through `pg`, classified
 *    as a durable transaction (BEGIN ... COMMIT), a relaxed one (BEGIN; SET
 *    LOCAL synchronous_commit = off), an autocommit write (one durable commit
 *    each) or an autocommit read (commits nothing to the WAL).
 */
import pg from 'pg';

export interface ClientCommitCounts {
  durableTx: number;
  relaxedTx: number;
  autocommitWrites: number;
  autocommitReads: number;
  /** The autocommit writes by statement (first 70 characters): what runs outside a transaction. */
  autocommitWriteTexts: Record<string, number>;
}

const zero = (): ClientCommitCounts => ({ durableTx: 0, relaxedTx: 0, autocommitWrites: 0, autocommitReads: 0, autocommitWriteTexts: {} });

let counts = zero();
let installed = false;
/** Per connection: inside BEGIN..COMMIT, and whether that transaction is relaxed. */
const open = new WeakMap<object, { relaxed: boolean }>();

function textOf(arg: unknown): string | null {
  if (typeof arg === 'string') return arg;
  if (arg !== null && typeof arg === 'object' && typeof (arg as { text?: unknown }).text === 'string') return (arg as { text: string }).text;
  return null;
}

/** Patches pg.Client.prototype.query once for this process (a bench, never the app). */
export function installClientCounter(): void {
  if (installed) return;
  installed = true;
  const proto = pg.Client.prototype as unknown as { query: (...a: unknown[]) => unknown };
  const original = proto.query;
  proto.query = function (this: object, ...args: unknown[]): unknown {
    const text = textOf(args[0])?.trim().toUpperCase() ?? '';
    const tx = open.get(this);
    if (text.startsWith('BEGIN')) open.set(this, { relaxed: /SYNCHRONOUS_COMMIT\s*=\s*OFF/.test(text) });
    else if (text === 'COMMIT' && tx) {
      if (tx.relaxed) counts.relaxedTx++;
      else counts.durableTx++;
      open.delete(this);
    } else if (text === 'ROLLBACK') open.delete(this);
    else if (!tx && text !== '') {
      if (/^(INSERT|UPDATE|DELETE|WITH[\s\S]*\b(INSERT|UPDATE|DELETE)\b)/.test(text)) {
        counts.autocommitWrites++;
        const key = text.replace(/\s+/g, ' ').slice(0, 70);
        counts.autocommitWriteTexts[key] = (counts.autocommitWriteTexts[key] ?? 0) + 1;
      } else counts.autocommitReads++;
    }
    return original.apply(this, args);
  };
}

export function takeClientCounts(): ClientCommitCounts {
  const out = counts;
  counts = zero();
  return out;
}

export interface ServerCounters {
  readonly xactCommit: number;
  readonly walSync: number;
  readonly walRecords: number;
}

/**
 * The server's counters after the activity so far is flushed to them: backends
 * report their statistics when idle, at most once a second (PostgreSQL 15), so
 * this waits that long first. The reading query's own commit is subtracted by the caller (1).
 */
export async function serverCounters(url: string, database: string): Promise<ServerCounters> {
  await new Promise((r) => setTimeout(r, 1_200));
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    const r = await c.query<{ x: string; s: string; w: string }>(
      `SELECT (SELECT xact_commit FROM pg_stat_database WHERE datname = $1) AS x, wal_sync AS s, wal_records AS w FROM pg_stat_wal`,
      [database],
    );
    const row = r.rows[0];
    return { xactCommit: Number(row?.x ?? 0), walSync: Number(row?.s ?? 0), walRecords: Number(row?.w ?? 0) };
  } finally {
    await c.end();
  }
}

/** Durable autocommit INSERTs on loopback (synchronous_commit = on): the store-mode floor's commit. */
export async function measurePgCommits(url: string, count: number): Promise<number[]> {
  const c = new pg.Client({ connectionString: url, options: '-c synchronous_commit=on' });
  await c.connect();
  const out: number[] = [];
  try {
    await c.query('CREATE TABLE IF NOT EXISTS bench_floor_commit (id bigserial PRIMARY KEY, body text NOT NULL)');
    const body = 'x'.repeat(300);
    for (let i = 0; i < count + 10; i++) {
      const t = performance.now();
      await c.query('INSERT INTO bench_floor_commit (body) VALUES ($1)', [body]);
      if (i >= 10) out.push(performance.now() - t);
    }
    await c.query('DROP TABLE bench_floor_commit');
  } finally {
    await c.end();
  }
  return out;
}

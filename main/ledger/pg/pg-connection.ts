/**
 * How every counter connects to the store's PostgreSQL: one place for the
 * settings that decide what a cashier sees when the database or the network
 * to it misbehaves (attack3 finding 2).
 *
 * Without them, a database that stops answering without closing the socket
 * (a switch or Wi-Fi drop, a frozen VM: no RST arrives) hangs every query until
 * TCP gives up, about 15 minutes later: the cashier watches a spinner instead
 * of "the store's database cannot be reached", and the journal-health probe
 * hangs with it. With them:
 *  - connecting gives up after CONNECT_TIMEOUT_MS;
 *  - a statement whose answer does not come within the query timeout is
 *    abandoned by the client and its connection destroyed (never reused:
 *    the server may still be running it);
 *  - TCP keepalive notices a dead peer on idle connections.
 * A statement that really takes long on a healthy server (a report over a
 * year of refunds, the import) gets its own larger timeout.
 */
import type pg from 'pg';
import { CommitOutcomeUnknownError, isStoreUnreachable } from './pg-errors';

export const CONNECT_TIMEOUT_MS = 5_000;
/** Every journal statement is a few index lookups; 10 s means the database or the path to it is gone. */
export const QUERY_TIMEOUT_MS = 10_000;
/** Reports, verification of a long chain, the import: long on a healthy server. */
export const LONG_QUERY_TIMEOUT_MS = 120_000;

export interface StoreConnectionOptions {
  readonly max?: number;
  /** Client-side timeout of one statement (default QUERY_TIMEOUT_MS). */
  readonly queryTimeoutMs?: number;
}

/**
 * Pool settings for the store ledger. `synchronous_commit=on` is a startup
 * parameter, in force before the first statement: a refund is durable in
 * PostgreSQL before any byte of it leaves the counter (docs/ledger.md).
 */
export function storePoolConfig(url: string, opts: StoreConnectionOptions = {}): pg.PoolConfig {
  return {
    ...storeClientConfig(url, opts),
    max: opts.max ?? 4,
    options: '-c synchronous_commit=on',
  };
}

/** Settings for a single client (LISTEN connections, doctor). */
export function storeClientConfig(url: string, opts: StoreConnectionOptions = {}): pg.ClientConfig {
  return {
    connectionString: url,
    connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
    query_timeout: opts.queryTimeoutMs ?? QUERY_TIMEOUT_MS,
    keepAlive: true,
    keepAliveInitialDelayMillis: 10_000,
  };
}

/**
 * Returns a pool client after use: destroyed when its last error says the
 * connection may be unusable (a client-side timeout leaves the server still
 * answering on it), back to the pool otherwise.
 */
export function releaseClient(c: pg.PoolClient, error: unknown): void {
  c.release(error instanceof Error && isStoreUnreachable(error) ? error : undefined);
}

/**
 * Runs `fn` in one transaction on one pooled connection: committed if it
 * returns, rolled back if it throws. `durable: false` commits without waiting
 * for the WAL flush (durability.ts; the next durable commit flushes it).
 * A connection lost while COMMIT was in flight raises CommitOutcomeUnknownError:
 * the caller must not say "nothing happened".
 */
export async function inTransaction<T>(pool: pg.Pool, fn: (c: pg.PoolClient) => Promise<T>, durable = true): Promise<T> {
  const c = await pool.connect();
  let failure: unknown;
  try {
    await c.query(durable ? 'BEGIN' : 'BEGIN; SET LOCAL synchronous_commit = off');
    const out = await fn(c);
    await c.query('COMMIT').catch((e: unknown) => {
      throw isStoreUnreachable(e) ? new CommitOutcomeUnknownError(e) : e;
    });
    return out;
  } catch (e) {
    failure = e;
    // On a lost connection there is nothing to roll back (the server does), and waiting would hang again.
    if (!isStoreUnreachable(e)) await c.query('ROLLBACK').catch(() => undefined);
    throw e;
  } finally {
    releaseClient(c, failure);
  }
}

/**
 * A statement that may take long on a healthy server (reading the whole audit
 * chain or refunds table to verify them): the client-side timeout raised to
 * LONG_QUERY_TIMEOUT_MS for it alone. pg reads `query_timeout` per query too;
 * its type declarations only list it on the client.
 */
export function longQuery<R extends pg.QueryResultRow = Record<string, unknown>>(
  c: pg.Pool | pg.PoolClient,
  text: string,
  values: unknown[] = [],
): Promise<pg.QueryResult<R>> {
  const config: pg.QueryConfig & { query_timeout: number } = { text, values, query_timeout: LONG_QUERY_TIMEOUT_MS };
  return c.query<R>(config);
}

/**
 * The set-up most store-mode suites share: one throwaway PostgreSQL cluster
 * for the suite (started before its first test, stopped after its last) and a
 * fresh database per test, plus a one-shot second connection to look at what
 * a test wrote. Call `pgSuite` at the top of a test file or inside its
 * `describe.skipIf(!pgAvailable)`; where PostgreSQL is absent it starts nothing
 * (those suites skip).
 */
import pg from 'pg';
import { afterAll, beforeAll } from 'vitest';
import { pgAvailable, startPgCluster, type PgCluster } from './pg-cluster';

export { pgAvailable };

export interface PgSuite {
  /** The suite's running cluster (throws outside its tests). */
  readonly cluster: PgCluster;
  /** A new empty database `PREFIX_PID_N` on the cluster, as a connection URL. */
  freshUrl(): string;
}

export function pgSuite(prefix: string): PgSuite {
  let cluster: PgCluster | null = null;
  let n = 0;
  beforeAll(async () => {
    if (pgAvailable) cluster = await startPgCluster();
  }, 60_000);
  afterAll(async () => {
    await cluster?.stop();
  }, 30_000);
  const running = (): PgCluster => {
    if (cluster === null) throw new Error('no cluster: pgSuite is used outside its suite');
    return cluster;
  };
  return {
    get cluster() {
      return running();
    },
    freshUrl() {
      const c = running();
      n += 1;
      const name = `${prefix}_${process.pid}_${n}`;
      c.createDatabase(name);
      return c.url(name);
    },
  };
}

/** One statement on its own connection (not the code under test's pool), closed again. */
export async function pgQuery<R extends pg.QueryResultRow = Record<string, unknown>>(url: string, text: string, params: readonly unknown[] = []): Promise<R[]> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return (await c.query<R>(text, [...params])).rows;
  } finally {
    await c.end();
  }
}

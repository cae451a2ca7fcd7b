/**
 * `doctor`'s store-mode checks: can this counter reach the store ledger, how
 * long a round trip takes, whether the schema is the one this app speaks, and
 * whether its database role may write what a refund writes. Read-only: the
 * checks never migrate, create or change anything.
 */
import pg from 'pg';
import type { LedgerSelection } from '../config/store-config';
import { redactStoreUrl } from '../config/store-config';
import { PG_LATEST_VERSION } from '../ledger/pg/pg-migrations';
import { LATE_SUCCESS_CODE } from './notify-apply';

export interface StoreCheck {
  readonly id: string;
  readonly ok: boolean;
  readonly summary: string;
  readonly fix?: string;
  readonly warning?: boolean;
}

/** Above this median round trip a refund's two durable commits start to show at the counter. */
export const SLOW_ROUND_TRIP_MS = 50;

/**
 * What a counter's role must be allowed on each table of the store schema
 * (every table the migrations create; a table not named here needs SELECT,
 * INSERT and UPDATE). The audit chain and the transitions are append-only
 * (the audit by trigger), the version table is only read.
 */
const APPEND_ONLY: ReadonlySet<string> = new Set(['audit', 'refund_transitions']);
const READ_ONLY: ReadonlySet<string> = new Set(['schema_migrations']);

function privilegesFor(table: string): readonly string[] {
  if (READ_ONLY.has(table)) return ['SELECT'];
  if (APPEND_ONLY.has(table)) return ['SELECT', 'INSERT'];
  return ['SELECT', 'INSERT', 'UPDATE'];
}

/** The GRANT statements that give `missing` (as "PRIV on table" / "USAGE on sequence s"), for the fix text. */
function grantsFor(missing: readonly { privilege: string; object: string; sequence: boolean }[]): string {
  const byObject = new Map<string, { privileges: string[]; sequence: boolean }>();
  for (const m of missing) {
    const e = byObject.get(m.object) ?? { privileges: [], sequence: m.sequence };
    e.privileges.push(m.privilege);
    byObject.set(m.object, e);
  }
  return [...byObject]
    .map(([object, e]) =>
      object === '' ? 'GRANT USAGE ON SCHEMA <schema> TO <role>;' : `GRANT ${e.privileges.join(', ')} ON ${e.sequence ? 'SEQUENCE ' : ''}${object} TO <role>;`,
    )
    .join(' ');
}

export async function storeLedgerChecks(
  sel: Extract<LedgerSelection, { engine: 'postgres' }>,
  opts: { connectTimeoutMs?: number } = {},
): Promise<StoreCheck[]> {
  const where = redactStoreUrl(sel.url);
  const client = new pg.Client({ connectionString: sel.url, connectionTimeoutMillis: opts.connectTimeoutMs ?? 5_000 });
  client.on('error', () => undefined);
  try {
    await client.connect();
  } catch (e) {
    return [
      {
        id: 'store-reachable',
        ok: false,
        summary: `The store ledger ${where} cannot be reached: ${(e as Error).message}. No refund can start at this counter until it is; unfinished refunds stay pending and resume when it is back.`,
        fix: "Check that the store's PostgreSQL is running, that this PC may connect to it (host, port, pg_hba.conf, firewall), and the user and password in REFUND_TERMINAL_STORE_URL / ledger.url.",
      },
    ];
  }
  const checks: StoreCheck[] = [];
  try {
    const who = await client.query<{ u: string; v: string }>('SELECT current_user AS u, current_setting($1) AS v', ['server_version']);
    checks.push({
      id: 'store-reachable',
      ok: true,
      summary: `The store ledger ${where} answers (PostgreSQL ${who.rows[0]?.v ?? '?'}, role ${who.rows[0]?.u ?? '?'}, register "${sel.register}").`,
    });

    const samples: number[] = [];
    for (let i = 0; i < 7; i += 1) {
      const t0 = process.hrtime.bigint();
      await client.query('SELECT 1');
      samples.push(Number(process.hrtime.bigint() - t0) / 1e6);
    }
    samples.sort((a, b) => a - b);
    const median = samples[Math.floor(samples.length / 2)] ?? 0;
    const worst = samples[samples.length - 1] ?? 0;
    const slow = median > SLOW_ROUND_TRIP_MS;
    checks.push({
      id: 'store-latency',
      ok: true,
      warning: slow,
      summary: `Round trip to the store ledger: ${median.toFixed(1)} ms median, ${worst.toFixed(1)} ms worst of ${samples.length}.${slow ? ' That is slow for a store on one network: each refund waits for two commits.' : ''}`,
      ...(slow ? { fix: 'Put the database on the store network (not across a WAN), or check for a congested link.' } : {}),
    });

    const has = await client.query<{ t: string | null }>("SELECT to_regclass('schema_migrations')::text AS t");
    // A role without SELECT on the version table (a DBA's partial grants) is a permission problem, named below.
    const readable =
      has.rows[0]?.t != null &&
      (await client.query<{ ok: boolean }>("SELECT has_table_privilege(current_user, 'schema_migrations', 'SELECT') AS ok")).rows[0]?.ok === true;
    const version =
      has.rows[0]?.t == null
        ? 0
        : readable
          ? ((await client.query<{ v: number | null }>('SELECT max(version) AS v FROM schema_migrations')).rows[0]?.v ?? 0)
          : null;
    if (version === null) {
      checks.push({
        id: 'store-schema',
        ok: false,
        summary: "The store ledger's schema version cannot be read by this counter's database role (see store-permissions).",
      });
    } else if (version === PG_LATEST_VERSION) {
      checks.push({ id: 'store-schema', ok: true, summary: `The store ledger's schema is v${version}, the one this app uses.` });
    } else if (version > PG_LATEST_VERSION) {
      checks.push({
        id: 'store-schema',
        ok: false,
        summary: `The store ledger's schema is v${version}, newer than this app (v${PG_LATEST_VERSION}): another counter runs a newer version. This counter refuses to use it.`,
        fix: "Update Refund Terminal on this counter to the version the store's other counters run.",
      });
    } else {
      checks.push({
        id: 'store-schema',
        ok: false,
        summary:
          version === 0
            ? 'The store ledger database is empty: no refund journal has been created in it yet.'
            : `The store ledger's schema is v${version}, older than this app (v${PG_LATEST_VERSION}).`,
        fix: `Start Refund Terminal once on one counter with a database role that may create tables; it brings the schema to v${PG_LATEST_VERSION} under a lock (the other counters wait), then run doctor again.`,
      });
    }

    if (version !== 0) {
      // Every table and sequence of the schema the counter uses (the migrations' list, read from the database itself).
      const missing: { privilege: string; object: string; sequence: boolean }[] = [];
      const schemaOk = await client.query<{ ok: boolean }>("SELECT has_schema_privilege(current_schema(), 'USAGE') AS ok");
      if (schemaOk.rows[0]?.ok !== true) missing.push({ privilege: 'USAGE', object: '', sequence: false });
      const tables = await client.query<{ name: string }>(
        "SELECT c.relname AS name FROM pg_class c WHERE c.relnamespace = current_schema()::regnamespace AND c.relkind IN ('r', 'p') ORDER BY 1",
      );
      for (const t of tables.rows) {
        for (const p of privilegesFor(t.name)) {
          const r = await client.query<{ ok: boolean }>('SELECT has_table_privilege(current_user, $1, $2) AS ok', [t.name, p]);
          if (r.rows[0]?.ok !== true) missing.push({ privilege: p, object: t.name, sequence: false });
        }
      }
      const sequences = await client.query<{ name: string }>(
        "SELECT c.relname AS name FROM pg_class c WHERE c.relnamespace = current_schema()::regnamespace AND c.relkind = 'S' ORDER BY 1",
      );
      for (const q of sequences.rows) {
        const r = await client.query<{ ok: boolean }>("SELECT has_sequence_privilege(current_user, $1, 'USAGE') AS ok", [q.name]);
        if (r.rows[0]?.ok !== true) missing.push({ privilege: 'USAGE', object: q.name, sequence: true });
      }
      checks.push(
        missing.length === 0
          ? {
              id: 'store-permissions',
              ok: true,
              summary: 'This counter may record refunds, their transitions, payments and audit entries in the store ledger.',
            }
          : {
              id: 'store-permissions',
              ok: false,
              summary: `This counter's database role lacks: ${missing
                .map((m) => (m.object === '' ? 'USAGE on the schema' : `${m.privilege} on ${m.sequence ? 'sequence ' : ''}${m.object}`))
                .join(', ')}. Refunds cannot be journaled until it has them.`,
              fix: `As the database owner: ${grantsFor(missing)}`,
            },
      );
    }
    if (version !== null && version >= 1) {
      // Refunds journaled FAILED that Antom's notification then reported refunded (notify-apply.ts): the customer may
      // also have been given a retry or cash. Shown until support has looked; the journal keeps the mark for good.
      const late = await client.query<{ id: string; payment_id: string }>(
        'SELECT refund_request_id AS id, payment_id FROM refunds WHERE result_code = $1 ORDER BY updated_at DESC LIMIT 20',
        [LATE_SUCCESS_CODE],
      );
      if (late.rows.length > 0) {
        checks.push({
          id: 'store-late-success',
          ok: true,
          warning: true,
          summary: `${late.rows.length} refund(s) were recorded as failed, then Antom reported them refunded (${late.rows
            .map((r) => `${r.id} on ${r.payment_id}`)
            .join(', ')}). They now count as refunded.`,
          fix: 'For each: check that no retry or cash refund was also given for the same money; if it was, call Antom support.',
        });
      }
    }
  } catch (e) {
    checks.push({
      id: 'store-query',
      ok: false,
      summary: `The store ledger answered with an error: ${(e as Error).message}.`,
      fix: 'Run doctor again; if it persists, check the database log.',
    });
  } finally {
    await client.end().catch(() => undefined);
  }
  return checks;
}

/**
 * Seals on the store rows that decide who may do what (issue #16; the SQLite
 * side is ../row-mac.ts): users (role, PIN hash, disabled, ...) and settings
 * (the approval policy is settings key `policy`). row_mac =
 * HMAC-SHA256(audit key, domain + canonical content), written only by the
 * code paths that change the row, in the transaction of their audit entry;
 * someone with SQL access but not the key cannot make one.
 *
 * The store goes one step further than the SQLite seal: each audit entry of a
 * sealed change carries the new seal (`detail.seals`), so `verify` also names
 * a row put back to an earlier sealed version (a demoted manager's old row
 * restored, an older laxer policy) and a sealed row deleted: the row's seal
 * must be the latest one the chain recorded for it.
 *
 * Lockout columns (failed_attempts, locked_until) and the screen language are
 * left out, as in SQLite: they change without a person behind them.
 */
import type pg from 'pg';
import { z } from 'zod';
import { rowMac, rowMacValid, sealProblem, USER_SEALED_COLUMNS, type RowProblem, type Sealed } from '../row-mac';

/** Domains differ from the SQLite ones: a row sealed in a counter's own ledger is not a valid seal in the store. */
export const PG_USERS: Sealed = { table: 'users', domain: 'store/users', keyColumn: 'name', columns: USER_SEALED_COLUMNS };
export const PG_SETTINGS: Sealed = { table: 'settings', domain: 'store/settings', keyColumn: 'key', columns: ['key', 'body'] };
const PG_SEALED: readonly Sealed[] = [PG_USERS, PG_SETTINGS];

/** The store's key fingerprints (pg-store.ts): sealed, written once by the first counter, never changed, so not audited. */
export const KEY_CHECK_SETTING = 'store.key_check';

export interface SealRecord {
  readonly table: string;
  readonly key: string;
  readonly mac: string;
}

type Queryable = pg.PoolClient | pg.Pool;

/** Seals one row after a legitimate change, inside the caller's transaction; null when the row is gone. */
export async function sealPgRow(c: pg.PoolClient, auditKey: Buffer, t: Sealed, key: string): Promise<SealRecord | null> {
  const r = await c.query(`SELECT * FROM ${t.table} WHERE ${t.keyColumn} = $1`, [key]);
  const row = r.rows[0] as Record<string, unknown> | undefined;
  if (row === undefined) return null;
  const mac = rowMac(auditKey, t, row);
  await c.query(`UPDATE ${t.table} SET row_mac = $1 WHERE ${t.keyColumn} = $2`, [mac, key]);
  return { table: t.table, key, mac };
}

export function pgRowTrusted(auditKey: Buffer, t: Sealed, row: Readonly<Record<string, unknown>>): boolean {
  return rowMacValid(auditKey, t, row);
}

const SealsDetail = z.object({ seals: z.array(z.object({ table: z.string(), key: z.string(), mac: z.string() })) });

/** The latest seal the chain recorded for each (table, key), and the entry that did (entries in seq order). */
function sealCoverage(entries: readonly { seq: number; detail: string }[]): Map<string, { seq: number; mac: string; table: string; key: string }> {
  const out = new Map<string, { seq: number; mac: string; table: string; key: string }>();
  for (const e of entries) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(e.detail);
    } catch {
      continue; // the chain check reports it
    }
    const d = SealsDetail.safeParse(parsed);
    if (!d.success) continue;
    for (const s of d.data.seals) out.set(`${s.table}\u0000${s.key}`, { seq: e.seq, ...s });
  }
  return out;
}

/** Every sealed row whose seal is missing, wrong, not the latest audited one, or whose row was deleted. */
export async function verifyPgSeals(c: Queryable, auditKey: Buffer): Promise<RowProblem[]> {
  const entries = await c.query<{ seq: string; detail: string }>(`SELECT seq, detail FROM audit WHERE detail LIKE '%"seals":%' ORDER BY seq`);
  const covered = sealCoverage(entries.rows.map((e) => ({ seq: Number(e.seq), detail: e.detail })));
  const out: RowProblem[] = [];
  const seen = new Set<string>();
  for (const t of PG_SEALED) {
    const rows = await c.query(`SELECT * FROM ${t.table} ORDER BY ${t.keyColumn}`);
    for (const row of rows.rows as Record<string, unknown>[]) {
      const key = String(row[t.keyColumn]);
      const id = `${t.table}\u0000${key}`;
      seen.add(id);
      const audited = covered.get(id);
      if (!rowMacValid(auditKey, t, row)) out.push({ table: t.table, key, problem: sealProblem(t) });
      else if (audited === undefined && !(t === PG_SETTINGS && key === KEY_CHECK_SETTING))
        out.push({ table: t.table, key, problem: 'added outside the app: no audit entry recorded its seal' });
      else if (audited !== undefined && audited.mac !== row['row_mac'])
        out.push({ table: t.table, key, problem: `replaced with an earlier version: its seal is not the one audit entry ${audited.seq} recorded` });
    }
  }
  for (const [id, a] of covered) {
    if (!seen.has(id)) out.push({ table: a.table, key: a.key, problem: `deleted: the row sealed by audit entry ${a.seq} is missing` });
  }
  return out;
}

/** Rows of the sealed tables that have no seal yet (only right after V5: see adoptPgSeals). */
export async function unsealedPgRows(c: pg.PoolClient): Promise<{ t: Sealed; key: string }[]> {
  const out: { t: Sealed; key: string }[] = [];
  for (const t of PG_SEALED) {
    const r = await c.query<{ k: string }>(`SELECT ${t.keyColumn} AS k FROM ${t.table} WHERE row_mac IS NULL ORDER BY ${t.keyColumn}`);
    for (const x of r.rows) out.push({ t, key: x.k });
  }
  return out;
}

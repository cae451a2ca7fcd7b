/**
 * Seals on the rows that decide who may do what (attack F4): users (role, PIN
 * hash, disabled), the approval policy and the settings. The audit chain only
 * records that these changed; nothing tied the CURRENT row to that record, so
 * an SQL edit (a cashier made manager, a manager's PIN hash copied onto another
 * user, approval limits removed) passed `audit verify` and took effect.
 *
 * Each such row carries row_mac = HMAC-SHA256(auditKey, table + canonical
 * content). Only the code paths that change the row legitimately (in the same
 * transaction as their audit entry) write it; someone editing the SQLite file
 * has no key and cannot. `audit verify` names every row whose seal is wrong,
 * and the row is refused where it is used (users.ts, ledger.getPolicy,
 * store-settings.ts).
 *
 * Left out of the users seal on purpose: failed_attempts and locked_until
 * change on every wrong PIN without a person behind it; editing them only
 * lifts a lockout, which the per-process limiter and the argon2 pool still bound.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Database } from 'better-sqlite3';
import { canonicalJson } from './canonical-json';

export interface RowProblem {
  /** users, policy or settings. */
  readonly table: string;
  /** The user's name, the policy id or the setting key. */
  readonly key: string;
  readonly problem: string;
}

/**
 * A sealed table: `domain` goes into the MAC, so a row sealed in one place
 * (a counter's SQLite users table) is not a valid seal in another (the store's).
 */
export type Sealed = { readonly table: string; readonly domain: string; readonly keyColumn: string; readonly columns: readonly string[] };

/** The user columns that decide what a person may do (lockout columns left out, see above). */
export const USER_SEALED_COLUMNS = ['name', 'role', 'pin_hash', 'pin_keyed', 'must_change_pin', 'disabled'] as const;
const USERS: Sealed = { table: 'users', domain: 'users', keyColumn: 'name', columns: USER_SEALED_COLUMNS };
const POLICY: Sealed = { table: 'policy', domain: 'policy', keyColumn: 'id', columns: ['id', 'body'] };
const SETTINGS: Sealed = { table: 'settings', domain: 'settings', keyColumn: 'key', columns: ['key', 'body'] };
const SEALED: readonly Sealed[] = [USERS, POLICY, SETTINGS];

/** The seal of one row (pure; shared with the store ledger, ./pg/pg-row-seals.ts). */
export function rowMac(key: Buffer, t: Sealed, row: Readonly<Record<string, unknown>>): string {
  const content: Record<string, unknown> = {};
  for (const c of t.columns) content[c] = row[c] ?? null;
  return createHmac('sha256', key)
    .update(`refund-terminal/row/v1\n${t.domain}\n${canonicalJson(content)}`)
    .digest('hex');
}

/** Whether the row's `row_mac` is its seal (constant-time). */
export function rowMacValid(key: Buffer, t: Sealed, row: Readonly<Record<string, unknown>>): boolean {
  const mac = row['row_mac'];
  if (typeof mac !== 'string') return false;
  const x = Buffer.from(mac);
  const y = Buffer.from(rowMac(key, t, row));
  return x.length === y.length && timingSafeEqual(x, y);
}

/** The problem text of a row whose seal is missing or wrong. */
export function sealProblem(t: Sealed): string {
  return `edited outside the app: ${t.columns.filter((c) => c !== t.keyColumn).join(', ')} no longer match their seal`;
}

export class RowSeals {
  constructor(
    private readonly db: Database,
    private readonly key: Buffer,
  ) {}

  /** Whether the ledger has the row_mac columns yet (false before the F4 migration). */
  static present(db: Database): boolean {
    const cols = db.prepare("SELECT name FROM pragma_table_info('users')").all() as { name: string }[];
    return cols.some((c) => c.name === 'row_mac');
  }

  private seal(t: Sealed, k: string | number): void {
    const row = this.db.prepare(`SELECT * FROM ${t.table} WHERE ${t.keyColumn} = ?`).get(k) as Record<string, unknown> | undefined;
    if (row === undefined) return;
    this.db.prepare(`UPDATE ${t.table} SET row_mac = ? WHERE ${t.keyColumn} = ?`).run(rowMac(this.key, t, row), k);
  }

  private valid(t: Sealed, row: Readonly<Record<string, unknown>>): boolean {
    return rowMacValid(this.key, t, row);
  }

  /** Call inside the transaction that changed the user (after the change). */
  sealUser(name: string): void {
    this.seal(USERS, name);
  }
  sealPolicy(): void {
    this.seal(POLICY, 1);
  }
  sealSetting(key: string): void {
    this.seal(SETTINGS, key);
  }
  userValid(row: Readonly<Record<string, unknown>>): boolean {
    return this.valid(USERS, row);
  }
  policyValid(row: Readonly<Record<string, unknown>>): boolean {
    return this.valid(POLICY, row);
  }
  settingValid(row: Readonly<Record<string, unknown>>): boolean {
    return this.valid(SETTINGS, row);
  }

  /**
   * Seals rows that have none, once: only on the upgrade that adds the column
   * or when the audit key was just created (the same moments unsigned audit
   * entries are adopted). Later a missing seal is tampering.
   */
  adoptUnsealed(): number {
    let n = 0;
    const run = this.db.transaction(() => {
      for (const t of SEALED) {
        const rows = this.db.prepare(`SELECT ${t.keyColumn} AS k FROM ${t.table} WHERE row_mac IS NULL`).all() as { k: string | number }[];
        for (const r of rows) this.seal(t, r.k);
        n += rows.length;
      }
    });
    run.immediate();
    return n;
  }

  /** Every sealed row whose seal is missing or wrong. */
  verify(): RowProblem[] {
    const out: RowProblem[] = [];
    for (const t of SEALED) {
      for (const row of this.db.prepare(`SELECT * FROM ${t.table} ORDER BY ${t.keyColumn}`).iterate() as Iterable<Record<string, unknown>>) {
        if (!this.valid(t, row)) {
          out.push({ table: t.table, key: String(row[t.keyColumn]), problem: sealProblem(t) });
        }
      }
    }
    return out;
  }
}

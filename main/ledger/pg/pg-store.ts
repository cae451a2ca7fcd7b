/**
 * Store mode for everything besides the refund journal: people, audit,
 * settings, other refunds, payments, approvals and reports of every counter
 * on one PostgreSQL database, behind the ports of ../store-port.ts. This file
 * composes them; each port is its own module, sharing ./pg-store-context.ts.
 *
 * Store-wide invariants, each enforced by PostgreSQL:
 *  - PIN lockout: counted by one atomic UPDATE before the hash is checked,
 *    judged by the database's clock (./pg-people.ts).
 *  - audit: one chain, appends under an advisory lock in the transaction of
 *    the change, MAC-keyed with the ledger's audit key (./pg-audit.ts).
 *  - other refunds: inserted under the payment's row lock (FOR UPDATE), the
 *    same lock a refund admission takes (./pg-other-refunds.ts).
 *  - approvals feed: a trigger on refunds notifies `approval_changed` on
 *    commit whenever a refund enters or leaves AWAITING_APPROVAL (./pg-approvals.ts).
 */
import { timingSafeEqual } from 'node:crypto';
import pg from 'pg';
import type { LedgerKeys } from '../../secrets/ledger-keys';
import { DEFAULT_PIN_POLICY, type PinPolicy } from '../pin-policy';
import type { AuditPort, StoreLedger } from '../store-port';
import { PgApprovals } from './pg-approvals';
import { adoptUnsignedPgAudit, appendPgAudit, KEY_CHECK_SETTING, listPgAudit, pgAuditHead, storeKeyCheck, verifyPgAudit } from './pg-audit';
import { storePoolConfig } from './pg-connection';
import { PgJournal } from './pg-journal';
import { claimPgRegister, type InstallIdentity } from './pg-registers';
import { PgOtherRefunds } from './pg-other-refunds';
import { pgPayments } from './pg-payments';
import { PgPeople } from './pg-people';
import { PgReports } from './pg-reports';
import { PG_SETTINGS, sealPgRow } from './pg-row-seals';
import { PgSettings } from './pg-settings';
import { storeContext, type PgStoreContext } from './pg-store-context';

export interface StoreLedgerOptions {
  /** This counter's register name: recorded on every refund and other refund it writes. */
  readonly register: string;
  /**
   * Audit key and PIN pepper from the secret store, required: the same keys on
   * every counter of the store (a PIN hashed at one counter is checked at
   * another; the chain is signed and verified with one key).
   */
  readonly keys: LedgerKeys;
  /** Sign entries of a V1-V3 store chain once (only right after the keys were created, as in SQLite). */
  readonly adoptUnsignedAudit?: boolean;
  readonly pinPolicy?: PinPolicy;
  readonly maxConnections?: number;
  /** A counter's data folder: the register is claimed for it (pg-registers.ts); absent for tools and tests. */
  readonly install?: InstallIdentity;
  /** `store register claim --yes`: move the register to this install (a replaced PC). */
  readonly takeOverRegister?: { readonly actor: string };
}

/**
 * Opens the store ledger for one counter: the refund journal (PgJournal) and
 * every other port, on one database, migrated once across counters.
 */
export async function openStoreLedger(url: string, opts: StoreLedgerOptions): Promise<StoreLedger> {
  const keys = opts.keys;
  const journal = await PgJournal.open({ url, register: opts.register, auditKey: keys.auditKey, maxConnections: opts.maxConnections });
  // Durable before any byte leaves: synchronous_commit on as a startup parameter, in force before the first statement.
  const pool = new pg.Pool(storePoolConfig(url, { max: opts.maxConnections ?? 4 }));
  pool.on('error', () => undefined);
  try {
    await checkStoreKeys(pool, keys, opts.register);
    if (opts.adoptUnsignedAudit === true) await adoptUnsignedPgAudit(pool, keys.auditKey);
  } catch (e) {
    await pool.end();
    await journal.close();
    throw e;
  }
  const ctx = storeContext(url, pool, opts.register, keys, opts.pinPolicy ?? DEFAULT_PIN_POLICY);
  if (opts.install !== undefined) {
    try {
      await claimPgRegister(ctx, opts.install, opts.takeOverRegister ? { takeOver: true, actor: opts.takeOverRegister.actor } : {});
    } catch (e) {
      await pool.end();
      await journal.close();
      throw e;
    }
  }
  return composeLedger(ctx, journal);
}

/** Raised when this counter's audit key or PIN pepper is not the store's: nothing was written. */
export class StoreKeysMismatchError extends Error {
  constructor(readonly register: string) {
    super(
      `This counter's ledger keys are not the store's: its audit entries could not be verified and its PINs would not match at other counters. ` +
        `Copy the keys from a counter of this store (refund-terminal store keys export there, then store keys import here) before using store mode on register "${register}".`,
    );
    this.name = 'StoreKeysMismatchError';
  }
}

const KEY_CHECK = KEY_CHECK_SETTING;
const keyCheck = storeKeyCheck;

/**
 * Every counter of a store must hold the same audit key and PIN pepper
 * (docs/ledger.md, "Store keys"). The first counter to open the store records
 * the keys' fingerprints; every later open compares and refuses another pair
 * before it writes anything, instead of signing a chain nobody else can verify.
 */
export async function checkStoreKeys(pool: pg.Pool, keys: LedgerKeys, register: string): Promise<void> {
  const mine = { audit: keyCheck(keys.auditKey, 'audit'), pepper: keyCheck(keys.pinPepper, 'pepper') };
  const c = await pool.connect();
  try {
    await c.query('BEGIN');
    const ins = await c.query('INSERT INTO settings (key, body, updated_by) VALUES ($1, $2, $3) ON CONFLICT (key) DO NOTHING RETURNING key', [
      KEY_CHECK,
      JSON.stringify(mine),
      register,
    ]);
    // The first counter records the fingerprints, sealed like every settings row (pg-row-seals.ts; written once, so not audited).
    if (ins.rows[0]) await sealPgRow(c, keys.auditKey, PG_SETTINGS, KEY_CHECK);
    await c.query('COMMIT');
  } catch (e) {
    await c.query('ROLLBACK').catch(() => undefined);
    throw e;
  } finally {
    c.release();
  }
  const r = await pool.query<{ body: string }>('SELECT body FROM settings WHERE key = $1', [KEY_CHECK]);
  const stored: unknown = JSON.parse(r.rows[0]?.body ?? 'null');
  const same = (a: unknown, b: string): boolean => typeof a === 'string' && a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b));
  const s = stored as { audit?: unknown; pepper?: unknown } | null;
  if (s === null || !same(s.audit, mine.audit) || !same(s.pepper, mine.pepper)) throw new StoreKeysMismatchError(register);
}

function auditPort(ctx: PgStoreContext): AuditPort {
  return {
    append: (actor, kind, detail) => ctx.tx((c) => appendPgAudit(c, ctx.keys.auditKey, actor, kind, detail)),
    head: () => pgAuditHead(ctx.pool),
    list: (q) => listPgAudit(ctx.pool, q),
    verify: (o) => verifyPgAudit(ctx.pool, ctx.keys.auditKey, o?.expectedHead),
  };
}

function composeLedger(ctx: PgStoreContext, journal: PgJournal): StoreLedger & { approvalsReady(): Promise<void> } {
  const settings = new PgSettings(ctx).port();
  const approvals = new PgApprovals(ctx);
  const approvalsPort = approvals.port();
  return {
    engine: 'postgres',
    register: ctx.register,
    journal,
    people: new PgPeople(ctx).port(),
    audit: auditPort(ctx),
    settings,
    otherRefunds: new PgOtherRefunds(ctx, settings).port(),
    payments: pgPayments(ctx),
    approvals: approvalsPort,
    reports: new PgReports(ctx, journal, settings, approvalsPort).port(),
    approvalsReady: () => approvals.approvalsReady(),
    feeds: () => [journal.feedStatus(), approvals.feedStatus()].filter((f) => f !== null),
    close: async () => {
      await approvals.close();
      await ctx.pool.end();
      await journal.close();
    },
  };
}

/**
 * What every port of the store ledger shares (./pg-store.ts composes them):
 * the pool, this counter's register, the ledger's keys and PIN policy, one
 * transaction helper and the audit append that runs inside it.
 */
import type pg from 'pg';
import type { LedgerKeys } from '../../secrets/ledger-keys';
import type { PinPolicy } from '../pin-policy';
import { ApprovalRowSchema, OtherRefundRowSchema, parseRow, type ApprovalRow, type OtherRefundRow } from '../rows';
import { appendPgAudit } from './pg-audit';
import { inTransaction } from './pg-connection';
import { pgInt, pgIso } from './pg-rows';

export interface PgStoreContext {
  readonly url: string;
  readonly pool: pg.Pool;
  readonly register: string;
  readonly keys: LedgerKeys;
  readonly pinPolicy: PinPolicy;
  /** Runs `fn` in one transaction on one pooled connection: committed if it returns, rolled back if it throws. */
  tx<T>(fn: (c: pg.PoolClient) => Promise<T>): Promise<T>;
  /** Appends to the store's audit chain, MAC-keyed with the audit key, inside the caller's transaction. */
  audit(c: pg.PoolClient, actor: string, kind: string, detail: Record<string, unknown>): Promise<unknown>;
}

export function storeContext(url: string, pool: pg.Pool, register: string, keys: LedgerKeys, pinPolicy: PinPolicy): PgStoreContext {
  return {
    url,
    pool,
    register,
    keys,
    pinPolicy,
    tx: (fn) => inTransaction(pool, fn),
    audit: (c, actor, kind, detail) => appendPgAudit(c, keys.auditKey, actor, kind, detail),
  };
}

export function toOther(raw: Record<string, unknown>): OtherRefundRow {
  return parseRow(OtherRefundRowSchema, { ...raw, amount_value: pgInt(raw['amount_value']), created_at: pgIso(raw['created_at']) }, 'other refund');
}

export function toApproval(raw: Record<string, unknown>): ApprovalRow {
  return parseRow(ApprovalRowSchema, { ...raw, id: pgInt(raw['id']), at: pgIso(raw['at']) }, 'approval');
}

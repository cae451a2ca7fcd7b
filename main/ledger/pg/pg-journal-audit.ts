/**
 * What PgJournal writes into the store's audit chain besides the change it
 * makes: the transition row, the audit entry carrying the refund row's
 * audited content (`detail.row`, ../audit-compare.ts — the same columns as the
 * SQLite journal, so `audit verify` compares the refunds table with the chain
 * on both engines with one function) and the change notice, all inside the
 * caller's transaction.
 *
 * Which writes carry `detail.row`: every one that can change an audited column
 * (insert, transition, manager decision, Antom's amount, a patch that sets a
 * refundId or terminal reference). Leases, the slip flag and re-check
 * bookkeeping change no audited column and add no entry.
 */
import type pg from 'pg';
import type { RefundState } from '../../../preload/contract/refunds';
import { patchDetail, type RefundPatch } from '../refund-store';
import { appendPgAudit, type AuditCursor } from './pg-audit';
import { patchSql } from './pg-journal-rows';
import { pgAuditedRefund } from './pg-rows';

export const CHANGE_CHANNEL = 'refund_changed';

/** Transition row, audit entry (with the row's content) and change notice, inside the caller's transaction. */
export async function recordPgChange(
  c: pg.PoolClient,
  auditKey: Buffer,
  change: {
    id: string;
    actor: string;
    from: RefundState | null;
    to: RefundState;
    detail: Record<string, unknown>;
    kind: string;
    auditDetail: Record<string, unknown>;
    /** The refund row as it is after the change (RETURNING *). */
    row: Readonly<Record<string, unknown>>;
  },
  cursor?: AuditCursor,
): Promise<void> {
  // The transition row and the notice in one statement. Notices go out at commit whatever their place;
  // sent before the audit append, the store-wide audit lock is held one round trip less.
  await c.query(
    `WITH t AS (INSERT INTO refund_transitions (refund_request_id, actor, from_state, to_state, detail) VALUES ($1, $2, $3, $4, $5) RETURNING refund_request_id)
     SELECT pg_notify($6, t.refund_request_id) FROM t`,
    [change.id, change.actor, change.from, change.to, JSON.stringify(change.detail), CHANGE_CHANNEL],
  );
  await appendPgAudit(c, auditKey, change.actor, change.kind, { ...change.auditDetail, row: pgAuditedRefund(change.row) }, cursor);
}

/** Whether a patch can change an audited column (the others are bookkeeping: see AUDITED_REFUND_COLUMNS). */
export function patchTouchesAudit(patch: RefundPatch): boolean {
  return patch.refundId !== undefined || patch.originalMerchantRefundId !== undefined;
}

/**
 * A compare-and-set patch of non-state columns that may change audited ones:
 * the row is locked, patched, and when its audited content changed a
 * `refund.updated` entry carries the new content (as the SQLite journal's update).
 * Returns the patched row, or null when the refund is not (or no longer) in `expected`.
 */
export async function auditedPgUpdate(
  c: pg.PoolClient,
  auditKey: Buffer,
  id: string,
  expected: RefundState,
  patch: RefundPatch,
): Promise<Record<string, unknown> | null> {
  const before = await c.query('SELECT * FROM refunds WHERE refund_request_id = $1 AND state = $2 FOR UPDATE', [id, expected]);
  if (!before.rows[0]) return null;
  const { sets, params } = patchSql(patch, 3);
  const r = await c.query(`UPDATE refunds SET updated_at = now()${sets} WHERE refund_request_id = $1 AND state = $2 RETURNING *`, [id, expected, ...params]);
  const after = r.rows[0] as Record<string, unknown> | undefined;
  if (after === undefined) return null;
  const content = pgAuditedRefund(after);
  if (JSON.stringify(pgAuditedRefund(before.rows[0] as Record<string, unknown>)) !== JSON.stringify(content)) {
    await appendPgAudit(c, auditKey, 'system', 'refund.updated', { refundRequestId: id, state: expected, ...patchDetail(patch), row: content });
  }
  return after;
}

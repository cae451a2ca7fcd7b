/**
 * One compare-and-set state move of the store journal inside the caller's
 * transaction (PgJournal.transition, and the following moves of
 * journal-port.ts that share a commit), with its transition row, audit entry
 * and change notice.
 */
import type pg from 'pg';
import type { RefundState } from '../../../preload/contract/refunds';
import { err, ok, type Result } from '../../../preload/contract/result';
import type { AdmittedMove } from '../journal-port';
import { patchDetail, type RefundPatch, type TransitionError } from '../refund-store';
import type { AuditCursor } from './pg-audit';
import { recordPgChange } from './pg-journal-audit';
import { patchSql } from './pg-journal-rows';

export interface PgMove {
  readonly id: string;
  readonly from: RefundState;
  readonly to: RefundState;
  readonly actor: string;
  readonly detail?: Record<string, unknown>;
  readonly patch?: RefundPatch;
  /** The drive lease taken in the same UPDATE (a refund admitted and moved on at its insert). */
  readonly lease?: AdmittedMove['lease'];
}

/** Returns the row as the UPDATE left it. `register`: this counter's (terminal ownership). */
export async function pgMove(
  c: pg.PoolClient,
  auditKey: Buffer,
  register: string,
  m: PgMove,
  cursor?: AuditCursor,
): Promise<Result<Record<string, unknown>, TransitionError>> {
  const { id, from, to, lease } = m;
  // Terminal ownership (docs/ledger.md, Store mode): the steps that ask a terminal for the reference
  // (leaving APPROVED or REFERENCE_REQUESTED) belong to the refund's own register, whoever holds a lease.
  const ownerOnly = from === 'APPROVED' || from === 'REFERENCE_REQUESTED';
  const { sets, params } = patchSql(m.patch ?? {}, 4);
  const extra: unknown[] = [...(ownerOnly ? [register] : []), ...(lease ? [lease.owner, lease.ttlMs] : [])];
  let k = 4 + params.length;
  const owner = ownerOnly ? ` AND register = $${k++}` : '';
  const leaseSets = lease ? `, lease_owner = $${k++}, lease_until = now() + ($${k++}::int * interval '1 millisecond')` : '';
  const r = await c.query(
    `UPDATE refunds SET state = $1, updated_at = now()${sets}${leaseSets} WHERE refund_request_id = $2 AND state = $3${owner} RETURNING *`,
    [to, id, from, ...params, ...extra],
  );
  if (r.rowCount === 0) {
    const cur = await c.query<{ state: string; register: string }>('SELECT state, register FROM refunds WHERE refund_request_id = $1', [id]);
    const row = cur.rows[0];
    if (row && row.state === from && ownerOnly) {
      return err('STALE_STATE', `This refund belongs to register ${row.register}: only that counter asks its own terminal for the reference.`, {
        state: row.state,
        register: row.register,
      });
    }
    return row ? err('STALE_STATE', `The refund is ${row.state}, not ${from}.`, { state: row.state }) : err('NOT_FOUND', 'No such refund.');
  }
  const detail = { ...(m.detail ?? {}), ...patchDetail(m.patch ?? {}) };
  const row = r.rows[0] as Record<string, unknown>;
  await recordPgChange(
    c,
    auditKey,
    {
      id,
      actor: m.actor,
      from,
      to,
      detail,
      kind: 'refund.transition',
      auditDetail: { refundRequestId: id, from, to, ...detail },
      row,
    },
    cursor,
  );
  return ok(row);
}

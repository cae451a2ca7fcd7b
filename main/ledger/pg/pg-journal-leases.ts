/**
 * The drive leases of the store journal (PgJournal claimLease & co.): who may
 * drive a refund right now, judged by the database's clock. Each runs inside
 * the caller's (relaxed, durability.ts) transaction. Leases are bookkeeping:
 * not audited content (../audit-compare.ts), so they add no audit entry.
 *
 * Relaxed: a lease lost with a database crash can be taken by another engine
 * while its holder still drives; every step is a compare-and-set and every
 * Antom call carries the same refundRequestId and body.
 */
import type pg from 'pg';

const free = (x: { lease_owner: string | null; expired: boolean }, owner: string, ownerAlive: (owner: string) => boolean): boolean =>
  x.lease_owner === null || x.lease_owner === owner || x.expired || !ownerAlive(x.lease_owner);

export async function pgClaimLease(c: pg.PoolClient, id: string, owner: string, ttlMs: number, ownerAlive: (owner: string) => boolean): Promise<boolean> {
  const ids = await pgClaimLeases(c, [id], owner, ttlMs, ownerAlive);
  return ids.has(id);
}

export async function pgClaimLeases(
  c: pg.PoolClient,
  ids: readonly string[],
  owner: string,
  ttlMs: number,
  ownerAlive: (owner: string) => boolean,
): Promise<Set<string>> {
  const r = await c.query<{ refund_request_id: string; lease_owner: string | null; expired: boolean }>(
    'SELECT refund_request_id, lease_owner, (lease_until IS NULL OR lease_until <= now()) AS expired FROM refunds WHERE refund_request_id = ANY($1) FOR UPDATE',
    [ids],
  );
  const taken = r.rows.filter((x) => free(x, owner, ownerAlive)).map((x) => x.refund_request_id);
  if (taken.length > 0) {
    await c.query(`UPDATE refunds SET lease_owner = $2, lease_until = now() + ($3::int * interval '1 millisecond') WHERE refund_request_id = ANY($1)`, [
      taken,
      owner,
      ttlMs,
    ]);
  }
  return new Set(taken);
}

export async function pgRenewLease(c: pg.PoolClient, id: string, owner: string, ttlMs: number): Promise<void> {
  await c.query(`UPDATE refunds SET lease_until = now() + ($3::int * interval '1 millisecond') WHERE refund_request_id = $1 AND lease_owner = $2`, [
    id,
    owner,
    ttlMs,
  ]);
}

export async function pgReleaseLease(c: pg.PoolClient, id: string, owner: string): Promise<void> {
  await c.query('UPDATE refunds SET lease_owner = NULL, lease_until = NULL WHERE refund_request_id = $1 AND lease_owner = $2', [id, owner]);
}

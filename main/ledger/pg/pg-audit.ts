/**
 * The store-wide audit chain on PostgreSQL: the same entries as the SQLite
 * chain (audit.ts: hash = SHA-256(prev_hash + "\n" + canonical entry),
 * mac = HMAC-SHA256(audit key, hash)), one chain for every counter.
 *
 * Appends serialize on a transaction-level advisory lock taken inside the
 * transaction of the change they describe, so two counters never fork the
 * chain and an entry exists exactly when its change committed. Verification
 * reads the whole chain on whatever connection asks: any counter sees an
 * edited, deleted, inserted or re-hashed entry.
 */
import { timingSafeEqual } from 'node:crypto';
import type pg from 'pg';
import type { AuditEntryView, AuditHeadView, AuditVerifyView } from '../../../preload/contract/views';
import { entryHash, entryMac, GENESIS_HASH, parseHead } from '../audit';
import { canonicalJson } from '../canonical-json';
import { localDate, widenedUtcBounds } from '../local-date';
import { AuditRowSchema } from '../rows';
import type { AuditListQuery } from '../store-port';
import { pgInt } from './pg-rows';

/** pg_advisory_xact_lock key for audit appends ("refund-terminal audit"); PgJournal uses the same. */
export const AUDIT_LOCK = 0x52544144;

type Queryable = pg.PoolClient | pg.Pool;

/** Must run inside the caller's transaction (the lock is released at its end). */
export async function appendPgAudit(c: pg.PoolClient, key: Buffer, actor: string, kind: string, detail: Record<string, unknown>): Promise<AuditHeadView> {
  await c.query('SELECT pg_advisory_xact_lock($1)', [AUDIT_LOCK]);
  const last = await c.query<{ seq: string; hash: string }>('SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1');
  const seq = last.rows[0] ? pgInt(last.rows[0].seq) + 1 : 1;
  const prevHash = last.rows[0]?.hash ?? GENESIS_HASH;
  const at = new Date().toISOString();
  const detailText = canonicalJson(detail);
  const hash = entryHash(prevHash, { seq, at, actor, kind, detail: detailText });
  await c.query('INSERT INTO audit (seq, at, actor, kind, detail, prev_hash, hash, mac) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)', [
    seq,
    at,
    actor,
    kind,
    detailText,
    prevHash,
    hash,
    entryMac(key, hash),
  ]);
  return { seq, hash };
}

export async function pgAuditHead(c: Queryable): Promise<AuditHeadView> {
  const r = await c.query<{ seq: string; hash: string }>('SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1');
  return r.rows[0] ? { seq: pgInt(r.rows[0].seq), hash: r.rows[0].hash } : { seq: 0, hash: GENESIS_HASH };
}

function sameHex(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

type ChainResult = { ok: true; count: number } | { ok: false; count: number; firstBrokenSeq: number; reason: string };

async function verifyChain(c: Queryable, key: Buffer, requireMac: boolean): Promise<ChainResult> {
  const r = await c.query('SELECT * FROM audit ORDER BY seq ASC');
  let prevHash = GENESIS_HASH;
  let expectedSeq = 1;
  let count = 0;
  for (const raw of r.rows as Record<string, unknown>[]) {
    const parsed = AuditRowSchema.safeParse({ ...raw, seq: pgInt(raw['seq']) });
    if (!parsed.success) return { ok: false, count, firstBrokenSeq: expectedSeq, reason: 'entry is malformed' };
    const e = parsed.data;
    if (e.seq !== expectedSeq) return { ok: false, count, firstBrokenSeq: expectedSeq, reason: `entry ${expectedSeq} is missing (next present is ${e.seq})` };
    if (e.prev_hash !== prevHash)
      return { ok: false, count, firstBrokenSeq: e.seq, reason: 'link to the previous entry is broken (deleted or reordered entry)' };
    let recomputed: string;
    try {
      recomputed = entryHash(prevHash, e);
    } catch {
      return { ok: false, count, firstBrokenSeq: e.seq, reason: 'entry detail is not valid JSON' };
    }
    if (recomputed !== e.hash) return { ok: false, count, firstBrokenSeq: e.seq, reason: 'entry content does not match its hash (edited)' };
    if (requireMac && (e.mac === null || !sameHex(e.mac, entryMac(key, e.hash)))) {
      return { ok: false, count, firstBrokenSeq: e.seq, reason: "entry is not signed with this store's audit key (the chain was rewritten)" };
    }
    prevHash = e.hash;
    expectedSeq += 1;
    count += 1;
  }
  return { ok: true, count };
}

/**
 * Chain and MACs, and with `expectedHead` that a head written down earlier is
 * still in it. The store chain does not carry refund row content yet
 * (PgJournal audits transitions, not `detail.row`), so `refundProblems` is
 * always empty here: the refunds table is covered by the chain's transitions only.
 */
export async function verifyPgAudit(c: Queryable, key: Buffer, expectedHeadText?: string): Promise<AuditVerifyView> {
  const head = await pgAuditHead(c);
  const chain = await verifyChain(c, key, true);
  if (!chain.ok) return { ...chain, head, refundProblems: [] };
  if (expectedHeadText !== undefined) {
    const want = parseHead(expectedHeadText);
    if (want === null) throw new RangeError('a head is SEQ:HASH (as printed by audit verify) or the 64-hex hash');
    const found = await c.query<{ seq: string }>('SELECT seq FROM audit WHERE hash = $1', [want.hash]);
    const seq = found.rows[0] ? pgInt(found.rows[0].seq) : null;
    if (seq === null || (want.seq !== null && seq !== want.seq)) {
      return {
        ok: false,
        count: chain.count,
        firstBrokenSeq: want.seq ?? head.seq + 1,
        reason: `the head written down earlier (${want.seq !== null ? `#${want.seq} ` : ''}${want.hash}) is not in the chain: entries were removed or replaced`,
        head,
        refundProblems: [],
      };
    }
  }
  return { ok: true, count: chain.count, head, refundProblems: [] };
}

/**
 * Signs entries written before the store chain was keyed (a store ledger from
 * V1-V3), once, and only if the unkeyed chain verifies. The V4 trigger allows
 * exactly this update (a NULL mac set, nothing else changed).
 */
export async function adoptUnsignedPgAudit(pool: pg.Pool, key: Buffer): Promise<number> {
  const c = await pool.connect();
  try {
    await c.query('BEGIN');
    await c.query('SELECT pg_advisory_xact_lock($1)', [AUDIT_LOCK]);
    const unsigned = await c.query<{ seq: string; hash: string }>('SELECT seq, hash FROM audit WHERE mac IS NULL ORDER BY seq');
    if (unsigned.rows.length === 0 || !(await verifyChain(c, key, false)).ok) {
      await c.query('COMMIT');
      return 0;
    }
    for (const r of unsigned.rows) await c.query('UPDATE audit SET mac = $1 WHERE seq = $2 AND mac IS NULL', [entryMac(key, r.hash), r.seq]);
    await c.query('COMMIT');
    return unsigned.rows.length;
  } catch (e) {
    await c.query('ROLLBACK').catch(() => undefined);
    throw e;
  } finally {
    c.release();
  }
}

export async function listPgAudit(c: Queryable, q: AuditListQuery = {}): Promise<AuditEntryView[]> {
  const limit = Math.min(Math.max(Math.trunc(q.limit ?? 100), 1), 10_000);
  const where = ['seq < $1'];
  const params: unknown[] = [q.beforeSeq ?? Number.MAX_SAFE_INTEGER];
  if (q.kinds !== undefined && q.kinds.length > 0) {
    params.push([...q.kinds]);
    where.push(`kind = ANY($${params.length})`);
  }
  if (q.actor !== undefined) {
    params.push(q.actor);
    where.push(`actor = $${params.length}`);
  }
  const date = q.date;
  const tz = q.timeZone ?? 'UTC';
  if (date !== undefined) {
    // `at` is ISO-8601 UTC text: the wide bounds compare as text; the exact local day is checked below.
    const b = widenedUtcBounds(date);
    params.push(b.from, b.to);
    where.push(`at >= $${params.length - 1} AND at < $${params.length}`);
  }
  params.push(limit);
  const out: AuditEntryView[] = [];
  for (;;) {
    const r = await c.query(`SELECT * FROM audit WHERE ${where.join(' AND ')} ORDER BY seq DESC LIMIT $${params.length}`, params);
    const rows = (r.rows as Record<string, unknown>[]).map((raw) => AuditRowSchema.parse({ ...raw, seq: pgInt(raw['seq']) }));
    for (const e of rows) {
      if (date !== undefined && localDate(e.at, tz) !== date) continue;
      out.push({ seq: e.seq, at: e.at, actor: e.actor, kind: e.kind, detail: parseDetail(e.detail) });
      if (out.length === limit) return out;
    }
    const last = rows.at(-1);
    if (rows.length < limit || last === undefined) return out;
    params[0] = last.seq;
  }
}

function parseDetail(text: string): Record<string, unknown> {
  try {
    const parsed: unknown = JSON.parse(text);
    return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : { raw: text };
  } catch {
    return { raw: text };
  }
}

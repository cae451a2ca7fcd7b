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
 *
 * Like the SQLite chain, it also covers the money and the people: every change
 * of a refund row's content carries that content (`detail.row`), every change
 * of a sealed row its seal (`detail.seals`, ./pg-row-seals.ts), and `verify`
 * compares the tables with the chain (../audit-compare.ts, shared). Each append
 * also moves `audit_head` (the last seq and hash, MAC-keyed), so entries cut
 * off the END of the chain — a valid shorter chain — are named too.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type pg from 'pg';
import type { AuditEntryView, AuditHeadView, AuditVerifyView, RefundProblemView } from '../../../preload/contract/views';
import { entryHash, entryMac, GENESIS_HASH, parseHead } from '../audit';
import { compareApprovals, compareOtherRefunds, compareRefunds, refundCoverage, sortProblems } from '../audit-compare';
import { canonicalJson } from '../canonical-json';
import { localDate, widenedUtcBounds } from '../local-date';
import type { RowProblem } from '../row-mac';
import { AuditRowSchema } from '../rows';
import type { AuditListQuery } from '../store-port';
import { KEY_CHECK_SETTING, sealPgRow, unsealedPgRows, verifyPgSeals, type SealRecord } from './pg-row-seals';
import { longQuery } from './pg-connection';
import { pgAuditedRefund, pgInt } from './pg-rows';

/** pg_advisory_xact_lock key for audit appends ("refund-terminal audit"); PgJournal uses the same. */
export const AUDIT_LOCK = 0x52544144;

type Queryable = pg.PoolClient | pg.Pool;

/** Must run inside the caller's transaction (the lock is released at its end). */
/**
 * One transaction's place in the chain: after its first append the transaction holds the audit
 * lock until it ends, so nobody else can append and the next entry follows the one it wrote
 * (two round trips fewer per further entry). Create one per transaction, never share or keep it.
 */
export interface AuditCursor {
  head?: AuditHeadView;
}

export async function appendPgAudit(
  c: pg.PoolClient,
  key: Buffer,
  actor: string,
  kind: string,
  detail: Record<string, unknown>,
  cursor?: AuditCursor,
): Promise<AuditHeadView> {
  let prev = cursor?.head;
  if (prev === undefined) {
    await c.query('SELECT pg_advisory_xact_lock($1)', [AUDIT_LOCK]);
    const last = await c.query<{ seq: string; hash: string }>('SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1');
    prev = last.rows[0] ? { seq: pgInt(last.rows[0].seq), hash: last.rows[0].hash } : { seq: 0, hash: GENESIS_HASH };
  }
  const seq = prev.seq + 1;
  const prevHash = prev.hash;
  const at = new Date().toISOString();
  const detailText = canonicalJson(detail);
  const hash = entryHash(prevHash, { seq, at, actor, kind, detail: detailText });
  // The entry and the head record in one statement (one round trip on every refund step).
  await c.query(
    `WITH e AS (INSERT INTO audit (seq, at, actor, kind, detail, prev_hash, hash, mac) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING seq)
     INSERT INTO audit_head (id, seq, hash, mac) SELECT 1, e.seq, $7, $9 FROM e
     ON CONFLICT (id) DO UPDATE SET seq = excluded.seq, hash = excluded.hash, mac = excluded.mac`,
    [seq, at, actor, kind, detailText, prevHash, hash, entryMac(key, hash), headMac(key, seq, hash)],
  );
  if (cursor !== undefined) cursor.head = { seq, hash };
  return { seq, hash };
}

function headMac(key: Buffer, seq: number, hash: string): string {
  return createHmac('sha256', key).update(`refund-terminal/audit-head/v1\n${seq}\n${hash}`).digest('hex');
}

/** The chain's last entry, written down next to it in the same transaction (V5's audit_head). */
async function writeHeadRecord(c: pg.PoolClient, key: Buffer, seq: number, hash: string): Promise<void> {
  await c.query(
    'INSERT INTO audit_head (id, seq, hash, mac) VALUES (1, $1, $2, $3) ON CONFLICT (id) DO UPDATE SET seq = excluded.seq, hash = excluded.hash, mac = excluded.mac',
    [seq, hash, headMac(key, seq, hash)],
  );
}

/** Null when audit_head agrees with the chain's last entry; otherwise why not. */
async function checkHeadRecord(c: Queryable, key: Buffer, head: AuditHeadView): Promise<string | null> {
  const r = await c.query<{ seq: string; hash: string; mac: string }>('SELECT seq, hash, mac FROM audit_head WHERE id = 1');
  const rec = r.rows[0];
  if (rec === undefined) return head.seq === 0 ? null : 'the head record (audit_head) is missing: it was deleted outside the app';
  const seq = Number(rec.seq);
  if (!sameHex(rec.mac, headMac(key, seq, rec.hash))) return 'the head record (audit_head) is not signed with the audit key: it was edited outside the app';
  if (seq !== head.seq || rec.hash !== head.hash) {
    return `the chain ends at entry ${head.seq} but its head record says ${seq}: entries were removed from the end of the chain (or the record was put back)`;
  }
  return null;
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

/** `signed`: a MAC may be missing (not yet adopted) but every MAC present must be the key's. */
async function verifyChain(c: Queryable, key: Buffer, requireMac: boolean | 'signed'): Promise<ChainResult> {
  const r = await longQuery(c, 'SELECT * FROM audit ORDER BY seq ASC');
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
    const macWrong = e.mac === null ? requireMac === true : requireMac !== false && !sameHex(e.mac, entryMac(key, e.hash));
    if (macWrong) {
      return { ok: false, count, firstBrokenSeq: e.seq, reason: "entry is not signed with this store's audit key (the chain was rewritten)" };
    }
    prevHash = e.hash;
    expectedSeq += 1;
    count += 1;
  }
  return { ok: true, count };
}

/** The refunds and approvals tables against the chain (../audit-compare.ts, the same rules as SQLite). */
async function verifyPgRefunds(c: Queryable): Promise<RefundProblemView[]> {
  const withRow = await c.query<{ seq: string; detail: string }>(`SELECT seq, detail FROM audit WHERE detail LIKE '%"row":%' ORDER BY seq`);
  const covered = refundCoverage(withRow.rows.map((e) => ({ seq: Number(e.seq), detail: e.detail })));
  const refunds = await longQuery(c, 'SELECT * FROM refunds');
  const decisions = await c.query<{ actor: string; kind: string; detail: string }>(
    "SELECT actor, kind, detail FROM audit WHERE kind IN ('refund.approved','refund.declined') ORDER BY seq",
  );
  const approvals = await c.query<{ refund_request_id: string; manager: string; decision: string; reason: string }>(
    'SELECT refund_request_id, manager, decision, reason FROM approvals ORDER BY id',
  );
  // Recorded here (refund.other_recorded), or carried from a counter's own journal by `store import` (import.audit).
  const recorded = await c.query<{ actor: string; kind: string; detail: string }>(
    "SELECT actor, kind, detail FROM audit WHERE kind = 'refund.other_recorded' OR (kind = 'import.audit' AND detail LIKE '%refund.other_recorded%') ORDER BY seq",
  );
  const others = await c.query<{
    id: string;
    payment_id: string;
    method: string;
    amount_value: string;
    currency: string;
    note: string;
    related_refund_request_id: string | null;
    recorded_by: string;
  }>('SELECT id, payment_id, method, amount_value, currency, note, related_refund_request_id, recorded_by FROM other_refunds');
  return sortProblems([
    ...compareRefunds(covered, (refunds.rows as Record<string, unknown>[]).map(pgAuditedRefund)),
    ...compareApprovals(decisions.rows, approvals.rows),
    ...compareOtherRefunds(
      recorded.rows.flatMap((e) => otherRecordedEntry(e)),
      others.rows.map((o) => ({ ...o, amount_value: pgInt(o.amount_value) })),
    ),
  ]);
}

/** A refund.other_recorded entry as (actor, detail), whether written here or carried by an import (its source's). */
function otherRecordedEntry(e: { actor: string; kind: string; detail: string }): { actor: string; detail: string }[] {
  if (e.kind === 'refund.other_recorded') return [e];
  const d = parseDetail(e.detail);
  const actor = d['sourceActor'];
  const source = d['sourceDetail'];
  const detail = typeof source === 'string' ? source : typeof source === 'object' && source !== null ? canonicalJson(source) : null;
  return d['sourceKind'] === 'refund.other_recorded' && typeof actor === 'string' && detail !== null ? [{ actor, detail }] : [];
}

/**
 * Chain, MACs and head record; the refunds, approvals and sealed tables
 * against the chain; with `expectedHead`, also that a head written down
 * earlier is still in it. Any counter's connection sees the same verdict.
 */
export async function verifyPgAudit(c: Queryable, key: Buffer, expectedHeadText?: string): Promise<AuditVerifyView> {
  const want = expectedHeadText === undefined ? undefined : parseHead(expectedHeadText);
  if (want === null) throw new RangeError('a head is SEQ:HASH (as printed by audit verify) or the 64-hex hash');
  const head = await pgAuditHead(c);
  const chain = await verifyChain(c, key, true);
  const refundProblems = await verifyPgRefunds(c);
  const rows = await verifyPgSeals(c, key);
  const verdict = (v: AuditVerifyView): AuditVerifyView => withRowProblems(v, rows);
  if (!chain.ok) return verdict({ ...chain, head, refundProblems });
  const broken = (reason: string, firstBrokenSeq = head.seq + 1): AuditVerifyView =>
    verdict({ ok: false, count: chain.count, firstBrokenSeq, reason, head, refundProblems });
  const headProblem = await checkHeadRecord(c, key, head);
  if (headProblem !== null) return broken(headProblem);
  if (want !== undefined) {
    const found = await c.query<{ seq: string }>('SELECT seq FROM audit WHERE hash = $1', [want.hash]);
    const seq = found.rows[0] ? pgInt(found.rows[0].seq) : null;
    if (seq === null || (want.seq !== null && seq !== want.seq)) {
      return broken(
        `the head written down earlier (${want.seq !== null ? `#${want.seq} ` : ''}${want.hash}) is not in the chain: entries were removed or replaced`,
        want.seq ?? head.seq + 1,
      );
    }
  }
  const first = refundProblems[0];
  if (first !== undefined) {
    return broken(`${refundProblems.length} refund row(s) do not match the audit trail (first: ${first.refundRequestId} ${first.problem})`);
  }
  return verdict({ ok: true, count: chain.count, head, refundProblems });
}

/** The chain's verdict, made a failure when a sealed row (user, policy, setting) was edited outside the app (as ledger.ts). */
function withRowProblems(v: AuditVerifyView, rows: readonly RowProblem[]): AuditVerifyView {
  const first = rows[0];
  if (first === undefined) return v;
  const why = `${rows.length} user/policy/settings row(s) were edited outside the app (first: ${first.table} ${first.key}: ${first.problem})`;
  const rowProblems = rows.map((r) => ({ table: r.table, key: r.key, problem: r.problem }));
  if (!v.ok) return { ...v, reason: `${v.reason}; ${why}`, rowProblems };
  return { ok: false, count: v.count, firstBrokenSeq: v.head.seq + 1, reason: why, head: v.head, refundProblems: v.refundProblems, rowProblems };
}

/** A fingerprint that proves a key without revealing it (HMAC of a fixed label under the key); pg-store.ts records the store's. */
export function storeKeyCheck(key: Buffer, label: string): string {
  return createHmac('sha256', key).update(`refund-terminal store key check: ${label}`).digest('hex');
}

export { KEY_CHECK_SETTING };

async function keyIsTheStores(c: pg.PoolClient, key: Buffer): Promise<boolean> {
  const r = await c.query<{ body: string }>('SELECT body FROM settings WHERE key = $1', [KEY_CHECK_SETTING]);
  if (!r.rows[0]) return true; // no counter has recorded the store's keys yet: the chain check above is the proof
  let stored: unknown;
  try {
    stored = JSON.parse(r.rows[0].body);
  } catch {
    return false;
  }
  const audit = (stored as { audit?: unknown } | null)?.audit;
  return typeof audit === 'string' && sameHex(audit, storeKeyCheck(key, 'audit'));
}

/**
 * Run once, in the transaction that migrates the store to V5 (pg-migrations.ts),
 * by a process holding the audit key: seals the users and settings rows that
 * exist, snapshots every refund's content into the chain (refund.snapshot), and
 * writes the head record. Only when the chain verifies (every MAC present is
 * this key's) and the store's key fingerprint, if recorded, is this key's: a
 * process with another key, or a chain already edited, blesses nothing and the
 * rows stay unsealed, named by verify and refused where used.
 *
 * Why only at the migration: the moment is recorded by the schema version
 * itself. Sealing "whatever has no seal" at every open would seal a row an
 * attacker inserted with row_mac NULL at the next start of any counter.
 */
export async function adoptPgSeals(c: pg.PoolClient, key: Buffer): Promise<number> {
  await c.query('SELECT pg_advisory_xact_lock($1)', [AUDIT_LOCK]);
  if (!(await verifyChain(c, key, 'signed')).ok || !(await keyIsTheStores(c, key))) return 0;
  const seals: SealRecord[] = [];
  for (const u of await unsealedPgRows(c)) {
    const s = await sealPgRow(c, key, u.t, u.key);
    if (s !== null) seals.push(s);
  }
  const refunds = await longQuery(c, 'SELECT * FROM refunds ORDER BY created_at, refund_request_id');
  for (const raw of refunds.rows as Record<string, unknown>[]) {
    const row = pgAuditedRefund(raw);
    await appendPgAudit(c, key, 'system', 'refund.snapshot', { refundRequestId: String(raw['refund_request_id']), row });
  }
  if (seals.length > 0) await appendPgAudit(c, key, 'system', 'store.rows_sealed', { seals });
  const head = await pgAuditHead(c);
  if (head.seq > 0) await writeHeadRecord(c, key, head.seq, head.hash);
  return seals.length + refunds.rows.length;
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

/**
 * Tamper-evident audit trail. Each entry's hash is
 *   SHA-256( prev_hash + "\n" + canonicalJson({seq, at, actor, kind, detail}) )
 * so editing, deleting or reordering any row breaks the chain from that row on.
 * Appends happen inside the caller's transaction (IMMEDIATE), so two processes
 * never fork the chain.
 */
import { createHash } from 'node:crypto';
import type { Database } from 'better-sqlite3';
import { z } from 'zod';
import type { AuditEntryView, AuditVerifyView } from '../../preload/contract/views';
import { canonicalJson } from './canonical-json';
import { localDate, widenedUtcBounds } from './local-date';
import { AuditHeadSchema, AuditRowSchema, parseRow, parseRows, type AuditRow } from './rows';

export interface AuditListOptions {
  readonly limit?: number;
  readonly beforeSeq?: number;
  readonly kinds?: readonly string[];
  readonly actor?: string;
  /** YYYY-MM-DD in `timeZone`. */
  readonly date?: string;
  readonly timeZone?: string;
}

export const GENESIS_HASH = '0'.repeat(64);

/** Kinds used across the app; free-form strings are allowed for new ones. */
export type AuditKind =
  | 'auth.sign_in'
  | 'auth.sign_out'
  | 'auth.pin_failed'
  | 'auth.locked'
  | 'user.added'
  | 'user.disabled'
  | 'refund.intent'
  | 'refund.transition'
  | 'refund.approved'
  | 'refund.declined'
  | 'refund.retry_as_new'
  | 'refund.note'
  | 'refund.slip'
  | 'refund.other_recorded'
  | 'recovery.run'
  | 'terminal.pairing'
  | 'config.policy'
  | 'config.change'
  | 'config.store'
  | 'config.reasons'
  | (string & {});

export function entryHash(prevHash: string, e: { seq: number; at: string; actor: string; kind: string; detail: string }): string {
  const detail: unknown = JSON.parse(e.detail);
  const content = canonicalJson({ seq: e.seq, at: e.at, actor: e.actor, kind: e.kind, detail });
  return createHash('sha256').update(`${prevHash}\n${content}`).digest('hex');
}

export class AuditLog {
  constructor(
    private readonly db: Database,
    private readonly clock: () => Date,
  ) {}

  /** Must run inside a write transaction when combined with other writes. */
  append(actor: string, kind: AuditKind, detail: Record<string, unknown>): AuditRow {
    const write = this.db.transaction(() => {
      const lastRaw = this.db.prepare('SELECT * FROM audit ORDER BY seq DESC LIMIT 1').get();
      const last = lastRaw === undefined ? null : parseRow(AuditRowSchema, lastRaw, 'audit');
      const seq = (last?.seq ?? 0) + 1;
      const prevHash = last?.hash ?? GENESIS_HASH;
      const at = this.clock().toISOString();
      const detailText = canonicalJson(detail);
      const hash = entryHash(prevHash, { seq, at, actor, kind, detail: detailText });
      const row: AuditRow = { seq, at, actor, kind, detail: detailText, prev_hash: prevHash, hash };
      this.db
        .prepare('INSERT INTO audit (seq, at, actor, kind, detail, prev_hash, hash) VALUES (@seq, @at, @actor, @kind, @detail, @prev_hash, @hash)')
        .run(row);
      return row;
    });
    // Nested inside an outer transaction this becomes a savepoint; standalone it takes the write lock up front.
    return this.db.inTransaction ? write() : write.immediate();
  }

  /**
   * The newest entry's seq and hash. Dropping entries from the END of the
   * chain leaves a valid shorter chain; only a head written down elsewhere
   * (printed by `audit verify`, kept by the operator) exposes that.
   */
  head(): { seq: number; hash: string } {
    const raw = this.db.prepare('SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1').get();
    return raw === undefined ? { seq: 0, hash: GENESIS_HASH } : parseRow(AuditHeadSchema, raw, 'audit head');
  }

  /**
   * Newest first, one page: entries before `beforeSeq` (the last seq of the
   * previous page), optionally only some kinds, one person, one calendar day
   * of `timeZone` (default UTC).
   */
  list(opts: AuditListOptions = {}): AuditEntryView[] {
    const limit = Math.min(Math.max(opts.limit ?? 100, 1), 10_000);
    const where = ['seq < @before'];
    const params: Record<string, string | number> = { before: opts.beforeSeq ?? Number.MAX_SAFE_INTEGER };
    if (opts.kinds !== undefined && opts.kinds.length > 0) {
      where.push(`kind IN (${opts.kinds.map((k, i) => ((params[`k${i}`] = k), `@k${i}`)).join(',')})`);
    }
    if (opts.actor !== undefined) {
      where.push('actor = @actor');
      params['actor'] = opts.actor;
    }
    const date = opts.date;
    const tz = opts.timeZone ?? 'UTC';
    if (date !== undefined) {
      const b = widenedUtcBounds(date);
      where.push('at >= @from AND at < @to');
      params['from'] = b.from;
      params['to'] = b.to;
    }
    const out: AuditEntryView[] = [];
    // The SQL day bounds are wide (any zone); the exact local day is checked here, page by page.
    for (;;) {
      const rows = parseRows(
        AuditRowSchema,
        this.db.prepare(`SELECT * FROM audit WHERE ${where.join(' AND ')} ORDER BY seq DESC LIMIT @limit`).all({ ...params, limit }),
        'audit',
      );
      for (const r of rows) {
        if (date !== undefined && localDate(r.at, tz) !== date) continue;
        out.push({ seq: r.seq, at: r.at, actor: r.actor, kind: r.kind, detail: parseDetail(r.detail) });
        if (out.length === limit) return out;
      }
      const last = rows.at(-1);
      if (rows.length < limit || last === undefined) return out;
      params['before'] = last.seq;
    }
  }

  /**
   * Walks the chain in seq order: a gap is a deletion, a wrong prev_hash is a
   * deletion or reordering, a wrong hash is an edit (including a swapped row).
   */
  verify(): AuditVerifyView {
    const rows = this.db.prepare('SELECT * FROM audit ORDER BY seq ASC').all();
    let prevHash = GENESIS_HASH;
    let expectedSeq = 1;
    let count = 0;
    for (const raw of rows) {
      const parsed = AuditRowSchema.safeParse(raw);
      if (!parsed.success) return { ok: false, count, firstBrokenSeq: expectedSeq, reason: 'entry is malformed' };
      const r = parsed.data;
      if (r.seq !== expectedSeq) {
        return { ok: false, count, firstBrokenSeq: expectedSeq, reason: `entry ${expectedSeq} is missing (next present is ${r.seq})` };
      }
      if (r.prev_hash !== prevHash) return { ok: false, count, firstBrokenSeq: r.seq, reason: 'link to the previous entry is broken (deleted or reordered entry)' };
      let recomputed: string;
      try {
        recomputed = entryHash(prevHash, r);
      } catch {
        return { ok: false, count, firstBrokenSeq: r.seq, reason: 'entry detail is not valid JSON' };
      }
      if (recomputed !== r.hash) return { ok: false, count, firstBrokenSeq: r.seq, reason: 'entry content does not match its hash (edited)' };
      prevHash = r.hash;
      expectedSeq += 1;
      count += 1;
    }
    return { ok: true, count };
  }
}

const DetailSchema = z.record(z.string(), z.unknown());
function parseDetail(text: string): Record<string, unknown> {
  try {
    const parsed = DetailSchema.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : { raw: text };
  } catch {
    return { raw: text };
  }
}

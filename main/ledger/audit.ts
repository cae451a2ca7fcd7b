/**
 * Tamper-evident audit trail. Each entry's hash is
 *   SHA-256( prev_hash + "\n" + canonicalJson({seq, at, actor, kind, detail}) )
 * so editing, deleting or reordering any row breaks the chain from that row on,
 * and each entry also carries mac = HMAC-SHA256(auditKey, hash), keyed with a
 * secret from the secret store (not in this file): someone who edits the
 * SQLite file and recomputes the chain with the plain hash is still caught,
 * because they cannot make the MACs.
 *
 * The audit also covers the money: every change to a refund row's content is
 * an entry carrying that content (`detail.row`, see refundAuditContent), so
 * `verify` compares the `refunds` table with the chain and names every refund
 * deleted, added or edited behind the app's back.
 *
 * Appends happen inside the caller's transaction (IMMEDIATE), so two processes
 * never fork the chain.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { Database } from 'better-sqlite3';
import { z } from 'zod';
import type { AuditEntryView, AuditHeadView, AuditVerifyView, RefundProblemView } from '../../preload/contract/views';
import { canonicalJson } from './canonical-json';
import {
  compareApprovals,
  compareOtherRefunds,
  compareRefunds,
  refundAuditContent,
  refundCoverage,
  sortProblems,
  type AuditedEntry,
  type OtherRefundFacts,
  type RefundCoverage,
} from './audit-compare';
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
  | 'user.enabled'
  | 'user.unlocked'
  | 'user.pin_reset'
  | 'user.pin_changed'
  | 'user.pin_rekeyed'
  | 'user.role_changed'
  | 'refund.intent'
  | 'refund.transition'
  | 'refund.updated'
  | 'refund.snapshot'
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

export { AUDITED_REFUND_COLUMNS, refundAuditContent } from './audit-compare';

export function entryHash(prevHash: string, e: { seq: number; at: string; actor: string; kind: string; detail: string }): string {
  const detail: unknown = JSON.parse(e.detail);
  const content = canonicalJson({ seq: e.seq, at: e.at, actor: e.actor, kind: e.kind, detail });
  return createHash('sha256').update(`${prevHash}\n${content}`).digest('hex');
}

export function entryMac(key: Buffer, hash: string): string {
  return createHmac('sha256', key).update(`refund-terminal/audit/v1\n${hash}`).digest('hex');
}

function sameHex(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** A head written down earlier: `SEQ:HASH`, `#SEQ HASH`, or the hash alone. */
export function parseHead(text: string): { seq: number | null; hash: string } | null {
  const m = /^\s*#?(\d+)?[\s:]*([0-9a-f]{64})\s*$/i.exec(text);
  if (!m || m[2] === undefined) return null;
  return { seq: m[1] === undefined ? null : Number(m[1]), hash: m[2].toLowerCase() };
}

export class AuditLog {
  constructor(
    private readonly db: Database,
    private readonly clock: () => Date,
    private readonly key: Buffer,
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
      const row: AuditRow = { seq, at, actor, kind, detail: detailText, prev_hash: prevHash, hash, mac: entryMac(this.key, hash) };
      this.db
        .prepare('INSERT INTO audit (seq, at, actor, kind, detail, prev_hash, hash, mac) VALUES (@seq, @at, @actor, @kind, @detail, @prev_hash, @hash, @mac)')
        .run(row);
      return row;
    });
    // Nested inside an outer transaction this becomes a savepoint; standalone it takes the write lock up front.
    return this.db.inTransaction ? write() : write.immediate();
  }

  /**
   * Signs entries written before the chain was keyed (an upgrade), once: only
   * when the caller has just created the key, and only if the unkeyed chain
   * verifies. Refunds journaled before the audit covered the money get a
   * `refund.snapshot` entry with their current content. Returns how many
   * entries were signed.
   */
  adoptUnsigned(): number {
    const run = this.db.transaction((): number => {
      const unsigned = this.db.prepare('SELECT COUNT(*) AS n FROM audit WHERE mac IS NULL').get() as { n: number };
      if (unsigned.n === 0) return 0;
      if (!this.verifyChain(false).ok) return 0;
      const rows = parseRows(AuditRowSchema, this.db.prepare('SELECT * FROM audit WHERE mac IS NULL ORDER BY seq').all(), 'audit');
      const sign = this.db.prepare('UPDATE audit SET mac = ? WHERE seq = ? AND mac IS NULL');
      for (const r of rows) sign.run(entryMac(this.key, r.hash), r.seq);
      const covered = this.coverage();
      for (const raw of this.db.prepare('SELECT * FROM refunds ORDER BY created_at, rowid').all() as Record<string, unknown>[]) {
        const id = String(raw['refund_request_id']);
        if (!covered.has(id)) this.append('system', 'refund.snapshot', { refundRequestId: id, row: refundAuditContent(raw) });
      }
      return rows.length;
    });
    return run.immediate();
  }

  /**
   * The newest entry's seq and hash. Dropping entries from the END of the
   * chain leaves a valid shorter chain; only a head written down elsewhere
   * (printed by `audit verify`, on the daily report and CSV) exposes that.
   */
  head(): AuditHeadView {
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

  /** Latest audited content of each refund, and the seq of the entry carrying it. */
  private coverage(): RefundCoverage {
    return refundCoverage(this.db.prepare('SELECT seq, detail FROM audit WHERE detail LIKE \'%"row":%\' ORDER BY seq').iterate() as Iterable<AuditedEntry>);
  }

  /**
   * Walks the chain in seq order: a gap is a deletion, a wrong prev_hash is a
   * deletion or reordering, a wrong hash is an edit (including a swapped row),
   * a wrong or missing MAC is a chain rewritten without the key.
   */
  private verifyChain(requireMac: boolean): { ok: true; count: number } | { ok: false; count: number; firstBrokenSeq: number; reason: string } {
    const rows = this.db.prepare('SELECT * FROM audit ORDER BY seq ASC').iterate();
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
      if (r.prev_hash !== prevHash)
        return { ok: false, count, firstBrokenSeq: r.seq, reason: 'link to the previous entry is broken (deleted or reordered entry)' };
      let recomputed: string;
      try {
        recomputed = entryHash(prevHash, r);
      } catch {
        return { ok: false, count, firstBrokenSeq: r.seq, reason: 'entry detail is not valid JSON' };
      }
      if (recomputed !== r.hash) return { ok: false, count, firstBrokenSeq: r.seq, reason: 'entry content does not match its hash (edited)' };
      if (requireMac && (r.mac === null || !sameHex(r.mac, entryMac(this.key, r.hash)))) {
        return { ok: false, count, firstBrokenSeq: r.seq, reason: "entry is not signed with this terminal's audit key (the chain was rewritten)" };
      }
      prevHash = r.hash;
      expectedSeq += 1;
      count += 1;
    }
    return { ok: true, count };
  }

  /** The refunds and approvals tables against the chain (audit-compare.ts, shared with the store ledger). */
  private verifyRefunds(): RefundProblemView[] {
    const refunds = compareRefunds(this.coverage(), this.db.prepare('SELECT * FROM refunds').iterate() as Iterable<Record<string, unknown>>);
    const approvals = compareApprovals(
      this.db
        .prepare("SELECT actor, kind, detail FROM audit WHERE kind IN ('refund.approved','refund.declined') ORDER BY seq")
        .iterate() as Iterable<AuditedEntry>,
      this.db.prepare('SELECT refund_request_id, manager, decision, reason FROM approvals ORDER BY id').iterate() as Iterable<{
        refund_request_id: string;
        manager: string;
        decision: string;
        reason: string;
      }>,
    );
    const others = compareOtherRefunds(
      this.db.prepare("SELECT actor, detail FROM audit WHERE kind = 'refund.other_recorded' ORDER BY seq").iterate() as Iterable<{
        actor: string;
        detail: string;
      }>,
      this.db
        .prepare('SELECT id, payment_id, method, amount_value, currency, note, related_refund_request_id, recorded_by FROM other_refunds')
        .iterate() as Iterable<OtherRefundFacts>,
    );
    return sortProblems([...refunds, ...approvals, ...others]);
  }

  /**
   * Chain, MACs and refunds table; with `expectedHead`, also that the head
   * written down earlier is still in the chain (entries cut off the end are
   * otherwise undetectable).
   */
  verify(opts: { expectedHead?: { seq: number | null; hash: string } } = {}): AuditVerifyView {
    const head = this.head();
    const chain = this.verifyChain(true);
    const refundProblems = this.verifyRefunds();
    if (!chain.ok) return { ...chain, head, refundProblems };
    if (opts.expectedHead !== undefined) {
      const want = opts.expectedHead;
      const found = this.db.prepare('SELECT seq FROM audit WHERE hash = ?').get(want.hash) as { seq: number } | undefined;
      if (found === undefined || (want.seq !== null && found.seq !== want.seq)) {
        return {
          ok: false,
          count: chain.count,
          firstBrokenSeq: want.seq ?? head.seq + 1,
          reason: `the head written down earlier (${want.seq !== null ? `#${want.seq} ` : ''}${want.hash}) is not in the chain: entries were removed or replaced`,
          head,
          refundProblems,
        };
      }
    }
    if (refundProblems.length > 0) {
      const first = refundProblems[0] as RefundProblemView;
      return {
        ok: false,
        count: chain.count,
        firstBrokenSeq: head.seq + 1,
        reason: `${refundProblems.length} refund row(s) do not match the audit trail (first: ${first.refundRequestId} ${first.problem})`,
        head,
        refundProblems,
      };
    }
    return { ok: true, count: chain.count, head, refundProblems };
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

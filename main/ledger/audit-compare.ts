/**
 * The money half of `audit verify`, pure and shared by both engines (audit.ts
 * for SQLite, pg/pg-audit.ts for the store): the refunds table against the
 * latest audited content of each refund (`detail.row`, see
 * refundAuditContent), the approvals table against the
 * refund.approved/declined entries, and the cash / store-credit refunds
 * (other_refunds) against their refund.other_recorded entries. Each engine only reads its rows and
 * entries; what counts as added, deleted or edited is decided here, once.
 */
import { z } from 'zod';
import type { RefundProblemView } from '../../preload/contract/views';
import { canonicalJson } from './canonical-json';

/**
 * The columns of a refund row that say what money moved, for whom, and where
 * it stands. Left out on purpose: bookkeeping that changes without a person or
 * an outcome (message text, next action, result code of a re-check, retry
 * counters, leases, updated_at, the slip flag) — none of it changes an amount,
 * a state or a report line.
 */
export const AUDITED_REFUND_COLUMNS = [
  'refund_request_id',
  'intent_id',
  'root_intent_id',
  'parent_refund_request_id',
  'payment_id',
  'mode',
  'amount_value',
  'currency',
  'memo',
  'state',
  'original_merchant_refund_id',
  'refund_id',
  'cashier',
  'approval_reasons',
  'created_at',
] as const;

/** The audited content of a refund row, as the engine's row reads (amount a number, created_at ISO-8601 text). */
export function refundAuditContent(row: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const c of AUDITED_REFUND_COLUMNS) out[c] = row[c] ?? null;
  return out;
}

export interface AuditedEntry {
  readonly seq: number;
  readonly actor: string;
  readonly kind: string;
  readonly detail: string;
}

export type RefundCoverage = Map<string, { seq: number; row: Record<string, unknown> }>;

const DetailWithRow = z.object({ refundRequestId: z.string(), row: z.record(z.string(), z.unknown()) });
const ApprovalDetail = z.object({ refundRequestId: z.string(), reason: z.string() });

function parsed(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null; // the chain check reports it
  }
}

/** Latest audited content of each refund, and the seq of the entry carrying it (entries in seq order). */
export function refundCoverage(entries: Iterable<Pick<AuditedEntry, 'seq' | 'detail'>>): RefundCoverage {
  const out: RefundCoverage = new Map();
  for (const e of entries) {
    const d = DetailWithRow.safeParse(parsed(e.detail));
    if (d.success) out.set(d.data.refundRequestId, { seq: e.seq, row: d.data.row });
  }
  return out;
}

/** Every refund row added, edited or deleted behind the app's back (rows as the engine reads them). */
export function compareRefunds(covered: RefundCoverage, rows: Iterable<Readonly<Record<string, unknown>>>): RefundProblemView[] {
  const problems: RefundProblemView[] = [];
  const seen = new Set<string>();
  for (const raw of rows) {
    const id = String(raw['refund_request_id']);
    seen.add(id);
    const audited = covered.get(id);
    if (audited === undefined) {
      problems.push({ refundRequestId: id, problem: 'added: the refund is in the table but not in the audit trail' });
      continue;
    }
    const now = refundAuditContent(raw);
    const changed = AUDITED_REFUND_COLUMNS.filter((c) => canonicalJson(now[c] ?? null) !== canonicalJson(audited.row[c] ?? null));
    if (changed.length > 0) problems.push({ refundRequestId: id, problem: `edited: ${changed.join(', ')} differ from audit entry ${audited.seq}` });
  }
  for (const [id, audited] of covered) {
    if (!seen.has(id)) problems.push({ refundRequestId: id, problem: `deleted: the refund of audit entry ${audited.seq} is missing from the table` });
  }
  return problems;
}

/**
 * The approvals table against its audit entries (refund.approved/declined are
 * appended in the same transaction as each row): per refund, the same
 * (manager, decision, reason) in the same order. Catches an approval added,
 * removed or re-attributed with SQL (attack F4).
 */
export function compareApprovals(
  entries: Iterable<Pick<AuditedEntry, 'actor' | 'kind' | 'detail'>>,
  approvals: Iterable<{ refund_request_id: string; manager: string; decision: string; reason: string }>,
): RefundProblemView[] {
  const key = (manager: string, decision: string, reason: string) => canonicalJson([manager, decision, reason]);
  const audited = new Map<string, string[]>();
  for (const e of entries) {
    if (e.kind !== 'refund.approved' && e.kind !== 'refund.declined') continue;
    const d = ApprovalDetail.safeParse(parsed(e.detail));
    if (!d.success) continue;
    const list = audited.get(d.data.refundRequestId) ?? [];
    list.push(key(e.actor, e.kind === 'refund.approved' ? 'APPROVED' : 'DECLINED', d.data.reason));
    audited.set(d.data.refundRequestId, list);
  }
  const stored = new Map<string, string[]>();
  for (const r of approvals) {
    const list = stored.get(r.refund_request_id) ?? [];
    list.push(key(r.manager, r.decision, r.reason));
    stored.set(r.refund_request_id, list);
  }
  const problems: RefundProblemView[] = [];
  for (const id of new Set([...audited.keys(), ...stored.keys()])) {
    const a = audited.get(id) ?? [];
    const s = stored.get(id) ?? [];
    if (canonicalJson(a) !== canonicalJson(s)) {
      problems.push({ refundRequestId: id, problem: `approvals edited: ${s.length} approval row(s) do not match the ${a.length} audited decision(s)` });
    }
  }
  return problems;
}

const OtherDetail = z.object({
  id: z.string(),
  paymentId: z.string(),
  method: z.string(),
  amount: z.object({ value: z.number().int(), currency: z.string() }),
  note: z.string(),
  relatedRefundRequestId: z.string().nullable(),
});

/** A cash / store-credit refund row as both engines read it (amount a number). */
export interface OtherRefundFacts {
  readonly id: string;
  readonly payment_id: string;
  readonly method: string;
  readonly amount_value: number;
  readonly currency: string;
  readonly note: string;
  readonly related_refund_request_id: string | null;
  readonly recorded_by: string;
}

/**
 * The other_refunds table against its audit entries (each row is written with its
 * refund.other_recorded entry, or carried by a store import as that entry): one row per
 * audited id, with the same payment, method, amount, note, link and recorder. Catches cash or
 * store credit deleted (the payment's balance would grow back: a second refund of the same
 * money), added or edited with SQL. `entries` are (actor, detail) of those entries.
 */
export function compareOtherRefunds(entries: Iterable<{ actor: string; detail: string }>, rows: Iterable<OtherRefundFacts>): RefundProblemView[] {
  const facts = (paymentId: string, method: string, value: number, currency: string, note: string, related: string | null, by: string) =>
    canonicalJson([paymentId, method, value, currency, note, related, by]);
  const audited = new Map<string, string>();
  for (const e of entries) {
    const d = OtherDetail.safeParse(parsed(e.detail));
    if (!d.success) continue;
    const x = d.data;
    audited.set(x.id, facts(x.paymentId, x.method, x.amount.value, x.amount.currency, x.note, x.relatedRefundRequestId, e.actor));
  }
  const problems: RefundProblemView[] = [];
  const seen = new Set<string>();
  for (const r of rows) {
    seen.add(r.id);
    const a = audited.get(r.id);
    const s = facts(r.payment_id, r.method, r.amount_value, r.currency, r.note, r.related_refund_request_id, r.recorded_by);
    if (a === undefined)
      problems.push({ refundRequestId: r.id, problem: `other refund (${r.method}) on payment ${r.payment_id} has no audit entry: added outside the app` });
    else if (a !== s)
      problems.push({ refundRequestId: r.id, problem: `other refund (${r.method}) on payment ${r.payment_id} edited: it does not match its audit entry` });
  }
  for (const id of audited.keys()) {
    if (!seen.has(id))
      problems.push({
        refundRequestId: id,
        problem: 'other refund (cash / store credit) deleted: its audit entry has no row (the payment shows more left to refund than it has)',
      });
  }
  return problems;
}

export function sortProblems(problems: RefundProblemView[]): RefundProblemView[] {
  return problems.sort((a, b) => a.refundRequestId.localeCompare(b.refundRequestId));
}

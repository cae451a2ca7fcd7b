/**
 * `store import`: moves one counter's SQLite journal (payments, refunds with
 * their transitions, and its audit entries) into the store ledger, in one
 * PostgreSQL transaction: all of it or none of it.
 *
 * Idempotent: a refund already in the store (same refundRequestId) is left
 * as it is, and audit entries are imported only past the last source seq an
 * earlier import of this register recorded; a second run finds nothing new,
 * writes nothing and says so.
 *
 * Both chains stay verifiable. The SQLite chain's entries are never changed:
 * an import appends one `store.import` entry to it (naming the store chain's
 * head). In the store chain each imported entry is re-chained as an
 * `import.audit` entry carrying its source seq, time, actor, kind and detail,
 * and a closing `store.import` entry names the source head (seq and hash),
 * which `audit verify --expected-head` on the counter can check.
 *
 * Refused when the SQLite journal does not verify (chain, MACs, row seals,
 * refunds against their audit trail): an edited journal must not become the
 * store's truth with a fresh, verifying chain on top of it.
 *
 * Everything the counter's balance stands on moves with it: the payments'
 * Antom-reported refunds (antom_refunded, antom_refunds, refundable_below,
 * refund_closed_code) and the cash / store-credit refunds (other_refunds),
 * so the store admits no refund the counter would have refused.
 *
 * Unfinished refunds: refused while any has a live drive lease (a process is
 * moving it right now, and its next step would land only in SQLite).
 * Unfinished refunds without a live owner are imported as they stand; once
 * this counter runs in store mode they are resumed from the store ledger
 * with the same refundRequestId and body, so Antom never sees a second
 * refund. The SQLite journal must not be driven again after the import
 * (the counter switches to store mode): the report says so.
 */
import pg from 'pg';
import type { Ledger } from '../ledger';
import { appendPgAudit } from '../ledger/pg/pg-audit';
import { pgAuditedRefund } from '../ledger/pg/pg-rows';
import { PUBLIC_TEST_KEYS, type LedgerKeys } from '../secrets/ledger-keys';
import { checkStoreKeys, StoreKeysMismatchError } from '../ledger/pg/pg-store';
import { LONG_QUERY_TIMEOUT_MS, storePoolConfig } from '../ledger/pg/pg-connection';
import { PgJournal } from '../ledger/pg/pg-journal';
import type { RefundRow } from '../ledger/rows';
import { isFinal } from '../ledger/state-machine';
import { liveDemoLockOwner } from '../demo/demo-lock';

export interface ImportReport {
  readonly register: string;
  readonly payments: number;
  readonly refunds: number;
  readonly transitions: number;
  /** Cash / store-credit refunds recorded on this counter (other_refunds) newly in the store. */
  readonly otherRefunds: number;
  readonly auditEntries: number;
  /** Refunds already in the store ledger (an earlier import): left untouched. */
  readonly alreadyPresent: number;
  /**
   * Of those, the ones whose row in this SQLite journal differs from the store's (state, amount, Antom's refundId or
   * result): the SQLite journal moved on after the import (it should not have), or another counter changed the store's.
   * Never overwritten either way; named so a person settles them.
   */
  readonly differing: readonly { readonly refundRequestId: string; readonly sqlite: string; readonly store: string }[];
  /** Imported refunds that are not final: resumed from the store ledger in store mode. */
  readonly unfinished: readonly string[];
  readonly nothingNew: boolean;
  readonly sourceHead: { seq: number; hash: string };
}

export type ImportResult =
  | { readonly ok: true; readonly report: ImportReport }
  | { readonly ok: false; readonly code: 'LIVE_OWNER' | 'APP_RUNNING' | 'CONFLICT' | 'UNVERIFIED' | 'KEYS_MISMATCH'; readonly message: string };

const IMPORT_KEYS_HINT =
  "This counter's ledger keys are not the store's, so what it imports could not be verified at the other counters. " +
  'Export the store keys at a counter of this store (refund-terminal store keys export FILE) and run the import here with --store-keys FILE.';

export const IMPORT_ACTOR = 'store:import';

/** When an imported payment record counts as fetched: never fresh, never newer than the store's own. */
const IMPORTED_AS_OF = '1970-01-01T00:00:00.000Z';

function liveLease(row: RefundRow, now: Date): boolean {
  return row.lease_owner !== null && row.lease_until !== null && Date.parse(row.lease_until) > now.getTime();
}

/** Every audit entry of the SQLite chain after `afterSeq`, oldest first. */
function auditAfter(ledger: Ledger, afterSeq: number): { seq: number; at: string; actor: string; kind: string; detail: Record<string, unknown> }[] {
  const out: ReturnType<typeof auditAfter> = [];
  let before = Number.MAX_SAFE_INTEGER;
  for (;;) {
    const page = ledger.audit.list({ limit: 10_000, beforeSeq: before });
    for (const e of page) if (e.seq > afterSeq) out.push(e);
    const last = page.at(-1);
    if (page.length < 10_000 || last === undefined || last.seq <= afterSeq) break;
    before = last.seq;
  }
  return out.sort((a, b) => a.seq - b.seq);
}

export async function importSqliteJournal(
  ledger: Ledger,
  opts: {
    url: string;
    register: string;
    now?: Date;
    /**
     * The store's ledger keys (audit key and PIN pepper). The store chain is signed with its audit key and checked
     * against the store's key fingerprints (pg-store.ts checkStoreKeys) before anything is written: a counter whose
     * own keys are not the store's passes the store's (`store import --store-keys FILE`). Tests: the public ones.
     */
    storeKeys?: LedgerKeys;
    /** This counter's data folder: the import is refused while the app or host runs on it (its demo lock is live). */
    dataDir?: string;
  },
): Promise<ImportResult> {
  const storeKeys = opts.storeKeys ?? PUBLIC_TEST_KEYS;
  const auditKey = storeKeys.auditKey;
  const now = opts.now ?? new Date();
  // The journal must verify before it becomes the store's truth: the store chain re-signs what it imports, so an
  // edit made here by SQL would otherwise come out of the import looking intact.
  const verified = ledger.verifyAudit();
  if (!verified.ok) {
    return {
      ok: false,
      code: 'UNVERIFIED',
      message: `This counter's journal does not verify (${verified.reason}, first broken entry ${verified.firstBrokenSeq}). It may have been edited outside Refund Terminal; run \`audit verify\` on this counter and settle it before importing. Nothing was imported.`,
    };
  }
  // A running app keeps writing this SQLite journal, and those writes would never reach the store. The demo
  // environment's lock is the one a running app/host holds on its data folder; live drive leases (below) cover the rest.
  const running = opts.dataDir === undefined ? null : liveDemoLockOwner(opts.dataDir);
  if (running !== null) {
    return {
      ok: false,
      code: 'APP_RUNNING',
      message: `Refund Terminal is running on this data folder (pid ${running.pid} on ${running.host}, since ${running.createdAt}). Close it, then import again. Nothing was imported.`,
    };
  }
  const rows = ledger.listRefunds({});
  const others = ledger.otherRefunds.list({});
  const driven = rows.filter((r) => !isFinal(r.state) && liveLease(r, now));
  if (driven.length > 0) {
    return {
      ok: false,
      code: 'LIVE_OWNER',
      message: `${driven.length} refund(s) are being driven right now by a running process (${driven
        .slice(0, 5)
        .map((r) => `${r.refund_request_id} ${r.state}, lease ${r.lease_owner ?? ''}`)
        .join('; ')}). Stop Refund Terminal on this counter (its lease ends within a minute), then import again. Nothing was imported.`,
    };
  }
  // Brings the store schema up to date (under its migration lock) before we write to it.
  await (await PgJournal.open({ url: opts.url, register: opts.register, auditKey })).close();
  const pool = new pg.Pool(storePoolConfig(opts.url, { max: 1, queryTimeoutMs: LONG_QUERY_TIMEOUT_MS }));
  pool.on('error', () => undefined);
  try {
    // Refused before any write: entries signed with another key would make every counter's `audit verify` fail.
    await checkStoreKeys(pool, storeKeys, opts.register);
  } catch (e) {
    await pool.end();
    if (e instanceof StoreKeysMismatchError) return { ok: false, code: 'KEYS_MISMATCH', message: `${IMPORT_KEYS_HINT} Nothing was imported.` };
    throw e;
  }
  const c = await pool.connect();
  try {
    await c.query('BEGIN');
    await c.query('SET LOCAL synchronous_commit = on');
    // One import at a time per store: the audit lock is taken by appendAudit too; this one serializes the reads below.
    await c.query('SELECT pg_advisory_xact_lock($1)', [0x5254494d]);
    const previous = await c.query<{ detail: string }>("SELECT detail FROM audit WHERE kind = 'store.import' ORDER BY seq");
    let importedUpTo = 0;
    for (const p of previous.rows) {
      const d = JSON.parse(p.detail) as { register?: string; sourceHead?: { seq?: number } };
      if (d.register === opts.register && typeof d.sourceHead?.seq === 'number') importedUpTo = Math.max(importedUpTo, d.sourceHead.seq);
    }
    let payments = 0;
    let reportUpdates = 0;
    const paymentIds = [...new Set([...rows.map((r) => r.payment_id), ...others.map((o) => o.payment_id)])];
    for (const id of paymentIds) {
      const p = ledger.payments.row(id);
      if (p === null) continue;
      // Antom's reported refunds go with the payment, but as the counter's file says them: nothing in that file proves
      // them (audit verify does not cover payments rows; attack3 finding 6). So they arrive as of the epoch: stale,
      // the first refund on the payment asks Antom again (amount and refunds), and a store record of the payment,
      // which another counter fetched from Antom, always wins; the lower refusal ceiling stays (never more room).
      const r = await c.query<{ inserted: boolean }>(
        `INSERT INTO payments (payment_id, amount_value, currency, payment_method, paid_at, status, supports_partial, fetched_at,
           antom_refunded, antom_refunds, refundable_below, refund_closed_code)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
         ON CONFLICT (payment_id) DO UPDATE SET
           antom_refunded = CASE WHEN excluded.antom_refunded IS NOT NULL AND (payments.antom_refunded IS NULL OR excluded.fetched_at > payments.fetched_at)
                            THEN excluded.antom_refunded ELSE payments.antom_refunded END,
           antom_refunds = CASE WHEN excluded.antom_refunded IS NOT NULL AND (payments.antom_refunded IS NULL OR excluded.fetched_at > payments.fetched_at)
                           THEN excluded.antom_refunds ELSE payments.antom_refunds END,
           refundable_below = LEAST(payments.refundable_below, excluded.refundable_below),
           refund_closed_code = COALESCE(payments.refund_closed_code, excluded.refund_closed_code)
         WHERE (excluded.antom_refunded IS NOT NULL AND (payments.antom_refunded IS NULL OR excluded.fetched_at > payments.fetched_at)
                AND excluded.antom_refunded IS DISTINCT FROM payments.antom_refunded)
            OR (excluded.refundable_below IS NOT NULL AND (payments.refundable_below IS NULL OR excluded.refundable_below < payments.refundable_below))
            OR (payments.refund_closed_code IS NULL AND excluded.refund_closed_code IS NOT NULL)
         RETURNING (xmax = 0) AS inserted`,
        [
          p.payment_id,
          p.amount_value,
          p.currency,
          p.payment_method,
          p.paid_at,
          p.status,
          p.supports_partial === null ? null : p.supports_partial !== 0,
          IMPORTED_AS_OF,
          p.antom_refunded,
          p.antom_refunds,
          p.refundable_below,
          p.refund_closed_code,
        ],
      );
      payments += r.rows.filter((x) => x.inserted).length;
      reportUpdates += r.rows.filter((x) => !x.inserted).length;
    }
    let refunds = 0;
    let transitions = 0;
    let alreadyPresent = 0;
    const unfinished: string[] = [];
    const differing: { refundRequestId: string; sqlite: string; store: string }[] = [];
    for (const r of rows) {
      const ins = await c.query(
        `INSERT INTO refunds (refund_request_id, intent_id, root_intent_id, parent_refund_request_id, payment_id, register, mode, amount_value, currency,
           memo, state, original_merchant_refund_id, refund_id, result_code, message, next_action, cashier, approval_reasons, attempts, next_check_at,
           send_amount, terminal_printed, reason_code, reason_text, created_at, updated_at)
         VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17,$18,$19,$20,$21,$22,$23,$24,$25,$26)
         ON CONFLICT (refund_request_id) DO NOTHING`,
        [
          r.refund_request_id,
          r.intent_id,
          r.root_intent_id,
          r.parent_refund_request_id,
          r.payment_id,
          opts.register,
          r.mode,
          r.amount_value,
          r.currency,
          r.memo,
          r.state,
          r.original_merchant_refund_id,
          r.refund_id,
          r.result_code,
          r.message,
          r.next_action,
          r.cashier,
          r.approval_reasons,
          r.attempts,
          r.next_check_at,
          r.send_amount,
          r.terminal_printed,
          r.reason_code,
          r.reason_text,
          r.created_at,
          r.updated_at,
        ],
      );
      if ((ins.rowCount ?? 0) === 0) {
        alreadyPresent += 1;
        const there = await c.query<{ state: string; amount_value: string; refund_id: string | null; result_code: string | null }>(
          'SELECT state, amount_value, refund_id, result_code FROM refunds WHERE refund_request_id = $1',
          [r.refund_request_id],
        );
        const t = there.rows[0];
        const mine = `${r.state} ${r.amount_value} ${r.currency} refundId=${r.refund_id ?? '-'} result=${r.result_code ?? '-'}`;
        const theirs =
          t === undefined ? '(missing)' : `${t.state} ${t.amount_value} ${r.currency} refundId=${t.refund_id ?? '-'} result=${t.result_code ?? '-'}`;
        if (mine !== theirs) differing.push({ refundRequestId: r.refund_request_id, sqlite: mine, store: theirs });
        continue;
      }
      refunds += 1;
      // The row as the store holds it, in the chain: `audit verify` on any counter compares the refunds table with it.
      const stored = await c.query('SELECT * FROM refunds WHERE refund_request_id = $1', [r.refund_request_id]);
      await appendPgAudit(c, auditKey, IMPORT_ACTOR, 'refund.snapshot', {
        refundRequestId: r.refund_request_id,
        register: opts.register,
        via: 'import',
        row: pgAuditedRefund(stored.rows[0] as Record<string, unknown>),
      });
      if (!isFinal(r.state)) unfinished.push(r.refund_request_id);
      for (const t of ledger.refunds.transitions(r.refund_request_id)) {
        await c.query('INSERT INTO refund_transitions (refund_request_id, at, actor, from_state, to_state, detail) VALUES ($1, $2, $3, $4, $5, $6)', [
          t.refund_request_id,
          t.at,
          t.actor,
          t.from_state,
          t.to_state,
          t.detail,
        ]);
        transitions += 1;
      }
    }
    // Cash / store credit given on this counter counts against the payment in the store as it did here.
    let otherRefunds = 0;
    for (const o of others) {
      const r = await c.query(
        `INSERT INTO other_refunds (id, payment_id, register, method, amount_value, currency, note, related_refund_request_id, recorded_by, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) ON CONFLICT (id) DO NOTHING`,
        [o.id, o.payment_id, opts.register, o.method, o.amount_value, o.currency, o.note, o.related_refund_request_id, o.recorded_by, o.created_at],
      );
      otherRefunds += r.rowCount ?? 0;
    }
    const sourceHead = ledger.audit.head();
    // The counter's own record of an earlier import is not news for the store (it already has its own).
    const entries = auditAfter(ledger, importedUpTo).filter((e) => !(e.actor === IMPORT_ACTOR && e.kind === 'store.import'));
    for (const e of entries) {
      await appendPgAudit(c, auditKey, IMPORT_ACTOR, 'import.audit', {
        register: opts.register,
        sourceSeq: e.seq,
        sourceAt: e.at,
        sourceActor: e.actor,
        sourceKind: e.kind,
        sourceDetail: e.detail,
      });
    }
    const nothingNew = payments === 0 && reportUpdates === 0 && refunds === 0 && otherRefunds === 0 && entries.length === 0;
    const report: ImportReport = {
      register: opts.register,
      payments,
      refunds,
      transitions,
      otherRefunds,
      auditEntries: entries.length,
      alreadyPresent,
      differing,
      unfinished,
      nothingNew,
      sourceHead: { seq: sourceHead.seq ?? 0, hash: sourceHead.hash },
    };
    if (nothingNew) {
      await c.query('ROLLBACK');
      return { ok: true, report };
    }
    await appendPgAudit(c, auditKey, IMPORT_ACTOR, 'store.import', {
      register: opts.register,
      sourceHead: report.sourceHead,
      payments,
      refunds,
      transitions,
      otherRefunds,
      paymentReportsUpdated: reportUpdates,
      auditEntries: entries.length,
      unfinished,
    });
    const storeHead = await c.query<{ seq: string; hash: string }>('SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1');
    await c.query('COMMIT');
    // The counter's own chain records where its journal went (appended; no earlier entry changes).
    ledger.audit.append(IMPORT_ACTOR, 'store.import', {
      register: opts.register,
      refunds,
      auditEntries: entries.length,
      storeHead: { seq: Number(storeHead.rows[0]?.seq ?? 0), hash: storeHead.rows[0]?.hash ?? '' },
    });
    return { ok: true, report };
  } catch (e) {
    await c.query('ROLLBACK').catch(() => undefined);
    const x = e as { code?: string; constraint?: string; message?: string };
    if (x.code === '23505') {
      return {
        ok: false,
        code: 'CONFLICT',
        message: `The store ledger already holds something this journal also claims (${x.constraint ?? 'unique'}: ${x.message ?? ''}): another counter has an unfinished refund for the same payment, or the same terminal reference or intent. Nothing was imported; finish that refund first.`,
      };
    }
    throw e;
  } finally {
    c.release();
    await pool.end();
  }
}

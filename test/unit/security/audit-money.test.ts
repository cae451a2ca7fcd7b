/**
 * The audit covers the money (issue #14, item 2). An attacker with the ledger
 * file deletes, adds and edits rows of the `refunds` table directly with SQL,
 * and rewrites the audit chain with the project's own (plain) hash so it
 * matches: `audit verify` must name every changed refund and refuse the
 * rewritten chain, because the chain is MAC'd with a key from the secret store.
 * On the original code the report moved and verify still said intact.
 */
import BetterSqlite3 from 'better-sqlite3';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import type { CliContext } from '../../../main/cli/command';
import { auditCommand } from '../../../main/cli/commands/audit';
import { journalCommand } from '../../../main/cli/commands/journal';
import { canonicalJson } from '../../../main/ledger/canonical-json';
import { entryHash, GENESIS_HASH, refundAuditContent } from '../../../main/ledger/audit';
import { openLedger, type Ledger } from '../../../main/ledger/ledger';
import type { LedgerKeys } from '../../../main/secrets/ledger-keys';
import { openDataLedger } from '../../../main/services/data-ledger';
import { newRefund, seedPayment, tempDir } from '../ledger/helpers';

const cleanups: (() => void)[] = [];
afterEach(() => cleanups.splice(0).forEach((c) => c()));

const NOW = new Date('2026-11-25T10:00:00Z');
const keys = (): LedgerKeys => ({ auditKey: randomBytes(32), pinPepper: randomBytes(32) });

/** Five refunds through real store calls: intents, transitions, an Antom refundId set by update(). */
function journal(ledger: Ledger): string[] {
  seedPayment(ledger, 'PAY1', 100_000);
  const ids: string[] = [];
  for (let i = 0; i < 5; i++) {
    const r = ledger.refunds.insert(newRefund({ refundRequestId: `M${i}`, amount: { value: 100 + i, currency: 'SGD' } }), 'alice');
    if (!r.ok) throw new Error(r.error.message);
    ids.push(`M${i}`);
    for (const [from, to] of [
      ['APPROVED', 'REFERENCE_REQUESTED'],
      ['REFERENCE_REQUESTED', 'REFERENCE_OBTAINED'],
      ['REFERENCE_OBTAINED', 'SUBMITTING'],
      ['SUBMITTING', 'SUCCEEDED'],
    ] as const) {
      const moved = ledger.refunds.transition(`M${i}`, from, to, {
        actor: 'system',
        ...(to === 'REFERENCE_OBTAINED' ? { patch: { originalMerchantRefundId: `REF${i}` } } : {}),
      });
      if (!moved.ok) throw new Error(moved.error.message);
    }
    ledger.refunds.update(`M${i}`, 'SUCCEEDED', { refundId: `ANTOM${i}` });
  }
  return ids;
}

function raw(dbPath: string, sql: string): void {
  const db = new BetterSqlite3(dbPath);
  db.exec('DROP TRIGGER IF EXISTS audit_no_update; DROP TRIGGER IF EXISTS audit_no_delete;');
  db.exec(sql);
  db.close();
}

/** What a careful attacker does next: make the audit agree with the edited table, rehashing the whole chain. */
function rewriteChainToMatch(dbPath: string, mac: (hash: string) => string | null): void {
  const db = new BetterSqlite3(dbPath);
  db.exec('DROP TRIGGER IF EXISTS audit_no_update; DROP TRIGGER IF EXISTS audit_no_delete;');
  const refunds = new Map((db.prepare('SELECT * FROM refunds').all() as Record<string, unknown>[]).map((r) => [String(r['refund_request_id']), r]));
  const rows = db.prepare('SELECT * FROM audit ORDER BY seq').all() as { seq: number; at: string; actor: string; kind: string; detail: string }[];
  const seen = new Set<string>();
  const kept: typeof rows = [];
  for (const r of rows) {
    const d = JSON.parse(r.detail) as Record<string, unknown>;
    const id = typeof d['refundRequestId'] === 'string' ? d['refundRequestId'] : null;
    if (id !== null && d['row'] !== undefined) {
      const now = refunds.get(id);
      if (now === undefined) continue; // drop entries of deleted refunds
      d['row'] = refundAuditContent(now);
      seen.add(id);
    }
    kept.push({ ...r, detail: canonicalJson(d) });
  }
  for (const [id, r] of refunds)
    if (!seen.has(id))
      kept.push({
        seq: 0,
        at: NOW.toISOString(),
        actor: 'alice',
        kind: 'refund.intent',
        detail: canonicalJson({ refundRequestId: id, row: refundAuditContent(r) }),
      });
  db.exec('DELETE FROM audit');
  let prev = GENESIS_HASH;
  const ins = db.prepare('INSERT INTO audit (seq, at, actor, kind, detail, prev_hash, hash, mac) VALUES (?, ?, ?, ?, ?, ?, ?, ?)');
  kept.forEach((r, i) => {
    const hash = entryHash(prev, { seq: i + 1, at: r.at, actor: r.actor, kind: r.kind, detail: r.detail });
    ins.run(i + 1, r.at, r.actor, r.kind, r.detail, prev, hash, mac(hash));
    prev = hash;
  });
  db.close();
}

function cli(dataDir: string): { ctx: CliContext; out: () => string } {
  let out = '';
  const stdout = new PassThrough();
  stdout.on('data', (d: Buffer) => (out += d.toString()));
  return { ctx: { dataDir, env: {}, stdout, stderr: new PassThrough(), stdin: new PassThrough() }, out: () => out };
}

describe('the audit covers the refunds table', () => {
  it('every refund change carries the row; verify names deleted, added and edited refunds; the report moved', () => {
    const t = tempDir();
    cleanups.push(t.cleanup);
    const dbPath = path.join(t.dir, 'ledger.sqlite');
    const k = keys();
    const l = openLedger(dbPath, { keys: k, adoptUnsignedAudit: false, clock: () => NOW });
    journal(l);
    const before = l.dailyReport('2026-11-25');
    expect(l.verifyAudit()).toMatchObject({ ok: true, refundProblems: [] });
    expect(before.auditHead?.seq).toBe(l.audit.head().seq);
    l.close();

    raw(
      dbPath,
      `DELETE FROM refund_transitions WHERE refund_request_id = 'M1'; DELETE FROM refunds WHERE refund_request_id = 'M1';
       UPDATE refunds SET amount_value = 1 WHERE refund_request_id = 'M2';
       UPDATE refunds SET cashier = 'mallory' WHERE refund_request_id = 'M3';`,
    );
    // A row added behind the app's back (copy of M0 under a new id).
    const db = new BetterSqlite3(dbPath);
    const m0 = db.prepare("SELECT * FROM refunds WHERE refund_request_id = 'M0'").get() as Record<string, unknown>;
    const cols = Object.keys(m0);
    db.prepare(`INSERT INTO refunds (${cols.join(',')}) VALUES (${cols.map((c) => `@${c}`).join(',')})`).run({
      ...m0,
      refund_request_id: 'M9',
      intent_id: 'intent-M9',
      state: 'SUCCEEDED',
      payment_id: 'PAY1',
      original_merchant_refund_id: m0['original_merchant_refund_id'] === null ? null : 'REF-M9',
    });
    db.close();

    const l2 = openLedger(dbPath, { keys: k, adoptUnsignedAudit: false, clock: () => NOW });
    cleanups.push(() => l2.close());
    expect(l2.dailyReport('2026-11-25').totals).not.toEqual(before.totals);
    const v = l2.verifyAudit();
    expect(v.ok).toBe(false);
    const problems = Object.fromEntries(v.refundProblems.map((p) => [p.refundRequestId, p.problem]));
    expect(Object.keys(problems).sort()).toEqual(['M1', 'M2', 'M3', 'M9']);
    expect(problems['M1']).toMatch(/^deleted/);
    expect(problems['M2']).toMatch(/^edited: amount_value/);
    expect(problems['M3']).toMatch(/^edited: cashier/);
    expect(problems['M9']).toMatch(/^added/);
  });

  it('a chain rewritten with the plain hash (or any key but ours) to match the edits is refused', () => {
    const t = tempDir();
    cleanups.push(t.cleanup);
    const dbPath = path.join(t.dir, 'ledger.sqlite');
    const k = keys();
    const l = openLedger(dbPath, { keys: k, adoptUnsignedAudit: false, clock: () => NOW });
    journal(l);
    l.close();
    raw(
      dbPath,
      "UPDATE refunds SET amount_value = 1 WHERE refund_request_id = 'M2'; DELETE FROM refund_transitions WHERE refund_request_id = 'M4'; DELETE FROM refunds WHERE refund_request_id = 'M4';",
    );

    for (const forge of [
      () => null,
      (h: string) => h,
      (h: string) => entryHash(GENESIS_HASH, { seq: 0, at: '', actor: '', kind: '', detail: JSON.stringify(h) }),
    ]) {
      rewriteChainToMatch(dbPath, forge);
      const l2 = openLedger(dbPath, { keys: k, adoptUnsignedAudit: false });
      const v = l2.verifyAudit();
      l2.close();
      expect(v.refundProblems).toEqual([]); // the attacker did make the table and the chain agree...
      expect(v).toMatchObject({ ok: false, firstBrokenSeq: 1, reason: expect.stringMatching(/audit key/) }); // ...but cannot sign it
    }
  });

  it('entries cut off the end are caught against a head written down earlier', () => {
    const t = tempDir();
    cleanups.push(t.cleanup);
    const dbPath = path.join(t.dir, 'ledger.sqlite');
    const k = keys();
    const l = openLedger(dbPath, { keys: k, adoptUnsignedAudit: false, clock: () => NOW });
    journal(l);
    const written = l.audit.head();
    l.close();
    raw(dbPath, `DELETE FROM audit WHERE seq > ${written.seq - 3}`);
    const l2 = openLedger(dbPath, { keys: k, adoptUnsignedAudit: false });
    cleanups.push(() => l2.close());
    // Cutting the end also un-does M4's last audited change, so the table no longer matches...
    expect(l2.verifyAudit().ok).toBe(false);
    // ...and the written-down head is gone, in either notation.
    expect(l2.verifyAudit({ expectedHead: `${written.seq}:${written.hash}` })).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/written down earlier/),
    });
    expect(l2.verifyAudit({ expectedHead: written.hash })).toMatchObject({ ok: false, reason: expect.stringMatching(/written down earlier/) });
  });

  it('upgrade: entries written before the chain was keyed are signed once, with a snapshot of each refund; later unsigned entries are tampering', () => {
    const t = tempDir();
    cleanups.push(t.cleanup);
    const dbPath = path.join(t.dir, 'ledger.sqlite');
    const k = keys();
    const l = openLedger(dbPath, { keys: k, adoptUnsignedAudit: false, clock: () => NOW });
    journal(l);
    l.close();
    // As an older version left it: no MACs, refunds audited without their rows.
    raw(dbPath, 'UPDATE audit SET mac = NULL');
    const refused = openLedger(dbPath, { keys: k, adoptUnsignedAudit: false });
    expect(refused.verifyAudit()).toMatchObject({ ok: false, reason: expect.stringMatching(/audit key/) });
    refused.close();
    const upgraded = openLedger(dbPath, { keys: k, adoptUnsignedAudit: true });
    cleanups.push(() => upgraded.close());
    expect(upgraded.verifyAudit()).toMatchObject({ ok: true });
  });

  it('CLI: audit verify prints the head and each changed refund, --head checks a written-down head, the journal carries the head', async () => {
    const t = tempDir();
    cleanups.push(t.cleanup);
    const { ledger } = await openDataLedger(t.dir);
    journal(ledger);
    ledger.close();
    const c = cli(t.dir);
    expect(await auditCommand.run(['verify'], c.ctx)).toBe(0);
    const head = /Head \(write it down\): (\d+:[0-9a-f]{64})/.exec(c.out())?.[1];
    expect(head).toBeDefined();
    expect(await journalCommand.run(['--date', new Date().toISOString().slice(0, 10), '--csv'], c.ctx)).toBe(0);
    expect(c.out()).toContain(`audit_head,${head}`);
    expect(await auditCommand.run(['verify', '--head', head as string], c.ctx)).toBe(0);
    raw(path.join(t.dir, 'ledger.sqlite'), "UPDATE refunds SET amount_value = 99999 WHERE refund_request_id = 'M0'");
    expect(await auditCommand.run(['verify'], c.ctx)).toBe(1);
    expect(c.out()).toMatch(/refund M0: edited: amount_value/);
    expect(await auditCommand.run(['verify', '--head', 'nonsense'], c.ctx)).toBe(1);
  });
});

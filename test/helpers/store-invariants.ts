/**
 * The store-wide invariants, judged from what PostgreSQL holds and what the
 * Antom sandbox did (not from what the counters said): no refund duplicated at
 * Antom, no payment refunded past its amount, every Antom refund journaled,
 * every journaled refund final (or, when `allowPending`, visibly pending),
 * SUCCEEDED exactly where Antom has the refund, every approval decided exactly
 * once (approvals table, the state change, the audit chain, and Antom agree:
 * one decision, declined ones never sent), and the store audit chain verifying.
 */
import pg from 'pg';
import { openStoreLedger } from '../../main/ledger/pg/pg-store';
import { isFinal, isPending } from '../../main/ledger/state-machine';
import type { RefundState } from '../../preload/contract/refunds';
import { PUBLIC_TEST_KEYS } from '../../main/secrets/ledger-keys';
import type { AntomSandbox } from '../../main/sandbox';
import type { IssuedReference } from './store-counters';

export interface StoreCheck {
  readonly refunds: number;
  readonly byState: Record<string, number>;
  readonly byRegister: Record<string, number>;
  readonly antomRefunds: number;
  readonly duplicatesAtAntom: number;
  readonly overRefundedPayments: number;
  /** References asked for a refund at a terminal that is not its register's (only with `issued`). */
  readonly foreignReferences: number;
  /** Refunds that ever waited for a manager. */
  readonly approvalsAsked: number;
  readonly approvalsDecided: number;
  readonly approvalsApproved: number;
  readonly approvalsDeclined: number;
  readonly auditEntries: number;
  readonly violations: string[];
}

interface Row {
  refund_request_id: string;
  intent_id: string;
  payment_id: string;
  amount_value: string;
  state: RefundState;
  register: string;
  original_merchant_refund_id: string | null;
  result_code: string | null;
}

export async function checkStore(
  url: string,
  sandbox: AntomSandbox,
  opts: { allowPending?: boolean; issued?: readonly IssuedReference[] } = {},
): Promise<StoreCheck> {
  const violations: string[] = [];
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  let rows: Row[];
  let approvals: { refund_request_id: string; decision: string; manager: string }[];
  let asked: Set<string>;
  let leftAwaiting: { refund_request_id: string; to_state: string }[];
  let auditDecisions: { kind: string; detail: string; actor: string }[];
  try {
    rows = (
      await client.query<Row>(
        'SELECT refund_request_id, intent_id, payment_id, amount_value, state, register, original_merchant_refund_id, result_code FROM refunds',
      )
    ).rows;
    approvals = (
      await client.query<{ refund_request_id: string; decision: string; manager: string }>(
        'SELECT refund_request_id, decision, manager FROM approvals ORDER BY id',
      )
    ).rows;
    // Every refund that ever waited for a manager (journaled so, or moved there), and every way out of the wait.
    asked = new Set(
      (
        await client.query<{ refund_request_id: string }>("SELECT DISTINCT refund_request_id FROM refund_transitions WHERE to_state = 'AWAITING_APPROVAL'")
      ).rows.map((r) => r.refund_request_id),
    );
    leftAwaiting = (
      await client.query<{ refund_request_id: string; to_state: string }>(
        "SELECT refund_request_id, to_state FROM refund_transitions WHERE from_state = 'AWAITING_APPROVAL'",
      )
    ).rows;
    auditDecisions = (
      await client.query<{ kind: string; detail: string; actor: string }>(
        "SELECT kind, detail, actor FROM audit WHERE kind IN ('refund.approved', 'refund.declined') ORDER BY seq",
      )
    ).rows;
  } finally {
    await client.end();
  }

  const byState: Record<string, number> = {};
  const byRegister: Record<string, number> = {};
  const byId = new Map<string, Row>();
  for (const r of rows) {
    byState[r.state] = (byState[r.state] ?? 0) + 1;
    byRegister[r.register] = (byRegister[r.register] ?? 0) + 1;
    byId.set(r.refund_request_id, r);
    if (!isFinal(r.state) && !(opts.allowPending === true && (isPending(r.state) || r.state === 'AWAITING_APPROVAL')))
      violations.push(`${r.refund_request_id} (${r.register}) is ${r.state}, not final`);
  }

  // Antom's side: one refund per refundRequestId and per terminal reference, each one journaled, never more than paid.
  const antom = sandbox.refunds();
  const perRequest = new Map<string, number>();
  const perReference = new Map<string, number>();
  const perIntent = new Map<string, number>();
  const antomRefunded = new Map<string, number>();
  for (const a of antom) {
    perRequest.set(a.refundRequestId, (perRequest.get(a.refundRequestId) ?? 0) + 1);
    perReference.set(a.originalMerchantRefundId, (perReference.get(a.originalMerchantRefundId) ?? 0) + 1);
    const j = byId.get(a.refundRequestId);
    if (j === undefined) {
      violations.push(`Antom refund ${a.refundRequestId} of ${a.paymentId} is in no journal`);
      continue;
    }
    perIntent.set(j.intent_id, (perIntent.get(j.intent_id) ?? 0) + 1);
    if (a.status !== 'FAILED') antomRefunded.set(a.paymentId, (antomRefunded.get(a.paymentId) ?? 0) + a.amount.value);
    if (a.status === 'SUCCESS' && j.state !== 'SUCCEEDED' && isFinal(j.state)) violations.push(`${a.refundRequestId} succeeded at Antom but is ${j.state}`);
    if (a.amount.value !== Number(j.amount_value)) violations.push(`${a.refundRequestId}: Antom refunded ${a.amount.value}, journal says ${j.amount_value}`);
  }
  let duplicatesAtAntom = 0;
  const duplicated = (counts: Map<string, number>, what: string): void => {
    for (const [key, n] of counts) {
      if (n <= 1) continue;
      duplicatesAtAntom += n - 1;
      violations.push(`${what} ${key} refunded ${n} times at Antom`);
    }
  };
  duplicated(perRequest, 'refundRequestId');
  duplicated(perReference, 'terminal reference');
  duplicated(perIntent, 'intent');
  for (const r of rows)
    if (r.state === 'SUCCEEDED' && !perRequest.has(r.refund_request_id)) violations.push(`${r.refund_request_id} SUCCEEDED but Antom has no such refund`);
  // A refund Antom refused for the balance means the store admitted more than was left.
  for (const r of rows) if (r.state === 'FAILED') violations.push(`${r.refund_request_id} FAILED (${r.result_code ?? '?'}): admitted but refused`);

  // Terminal ownership (docs/ledger.md): only the refund's own register asks its own terminal for the reference,
  // and the reference Antom got is the one that terminal issued for that refund.
  let foreignReferences = 0;
  if (opts.issued !== undefined) {
    const issuedFor = new Map<string, IssuedReference[]>();
    for (const i of opts.issued) issuedFor.set(i.refundRequestId, [...(issuedFor.get(i.refundRequestId) ?? []), i]);
    for (const [id, list] of issuedFor) {
      const j = byId.get(id);
      if (j === undefined) continue;
      for (const i of list) {
        if (i.register === j.register) continue;
        foreignReferences += 1;
        violations.push(`${id} of ${j.register} got a reference from ${i.register}'s terminal`);
      }
    }
    for (const a of antom) {
      const j = byId.get(a.refundRequestId);
      const own = issuedFor.get(a.refundRequestId)?.find((i) => i.register === j?.register);
      if (own?.originalMerchantRefundId !== a.originalMerchantRefundId)
        violations.push(`${a.refundRequestId} went to Antom with a reference its own terminal did not issue`);
    }
  }

  let overRefundedPayments = 0;
  const succeeded = new Map<string, number>();
  for (const r of rows) if (r.state === 'SUCCEEDED') succeeded.set(r.payment_id, (succeeded.get(r.payment_id) ?? 0) + Number(r.amount_value));
  for (const p of sandbox.payments()) {
    const over = Math.max(succeeded.get(p.paymentId) ?? 0, antomRefunded.get(p.paymentId) ?? 0) > p.amount.value;
    if (over) {
      overRefundedPayments += 1;
      violations.push(`${p.paymentId} refunded ${succeeded.get(p.paymentId) ?? 0} (Antom ${antomRefunded.get(p.paymentId) ?? 0}) of ${p.amount.value}`);
    }
  }

  // Every approval decided exactly once, the same way in each record: the approvals table, the state change
  // out of AWAITING_APPROVAL, the audit chain, the refund's state now, and Antom (a declined refund never sent).
  const group = <T>(items: readonly T[], key: (t: T) => string): Map<string, T[]> => {
    const m = new Map<string, T[]>();
    for (const t of items) m.set(key(t), [...(m.get(key(t)) ?? []), t]);
    return m;
  };
  const byApproval = group(approvals, (a) => a.refund_request_id);
  const byExit = group(leftAwaiting, (t) => t.refund_request_id);
  const byAudit = group(
    auditDecisions.map((e) => ({ ...e, id: String((JSON.parse(e.detail) as { refundRequestId?: unknown }).refundRequestId) })),
    (e) => e.id,
  );
  let approvalsDecided = 0;
  let approvalsApproved = 0;
  let approvalsDeclined = 0;
  for (const id of new Set([...asked, ...byApproval.keys(), ...byExit.keys(), ...byAudit.keys()])) {
    const row = byId.get(id);
    const recorded = byApproval.get(id) ?? [];
    const exits = byExit.get(id) ?? [];
    const audited = byAudit.get(id) ?? [];
    if (!asked.has(id)) violations.push(`${id} has a decision but never waited for a manager`);
    if (row?.state === 'AWAITING_APPROVAL') {
      if (recorded.length + exits.length + audited.length > 0) violations.push(`${id} still waits for a manager but has a decision`);
      continue;
    }
    if (recorded.length !== 1 || exits.length !== 1 || audited.length !== 1) {
      violations.push(`approval of ${id} decided ${recorded.length} times (state changes ${exits.length}, audit entries ${audited.length})`);
      continue;
    }
    approvalsDecided += 1;
    const decision = recorded[0]!.decision;
    if (decision === 'APPROVED') approvalsApproved += 1;
    else approvalsDeclined += 1;
    if (exits[0]!.to_state !== decision) violations.push(`approval of ${id}: recorded ${decision}, the refund moved to ${exits[0]!.to_state}`);
    const kind = decision === 'APPROVED' ? 'refund.approved' : 'refund.declined';
    if (audited[0]!.kind !== kind || audited[0]!.actor !== recorded[0]!.manager)
      violations.push(`approval of ${id}: recorded ${decision} by ${recorded[0]!.manager}, audited ${audited[0]!.kind} by ${audited[0]!.actor}`);
    if (decision === 'DECLINED' && row?.state !== 'DECLINED') violations.push(`${id} was declined but is ${row?.state ?? 'missing'}`);
    if (decision === 'APPROVED' && row?.state === 'DECLINED') violations.push(`${id} was approved but is DECLINED`);
    if (decision === 'DECLINED' && perRequest.has(id)) violations.push(`${id} was declined but reached Antom`);
  }

  const auditor = await openStoreLedger(url, { register: 'auditor', keys: PUBLIC_TEST_KEYS, maxConnections: 1 });
  let auditEntries = 0;
  try {
    const v = await auditor.audit.verify();
    auditEntries = v.count;
    if (!v.ok) violations.push(`store audit chain broken at ${v.firstBrokenSeq}: ${v.reason}`);
  } finally {
    await auditor.close();
  }
  return {
    refunds: rows.length,
    byState,
    byRegister,
    antomRefunds: antom.length,
    duplicatesAtAntom,
    overRefundedPayments,
    foreignReferences,
    approvalsAsked: asked.size,
    approvalsDecided,
    approvalsApproved,
    approvalsDeclined,
    auditEntries,
    violations,
  };
}

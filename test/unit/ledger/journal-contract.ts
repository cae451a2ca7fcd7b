/**
 * The refund journal's contract: the same tests run against every engine
 * behind main/ledger/journal-port.ts (SQLite embedded, PostgreSQL store mode).
 * `open()` gives two journals on the same data, standing for two processes
 * (SQLite: two connections to one file) or two counters (PostgreSQL: two pools).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { localDate } from '../../../main/ledger/local-date';
import type { JournalRefund, PolicyFigures, PolicyRecheck, RefundJournal } from '../../../main/ledger/journal-port';

export interface JournalPair {
  readonly a: RefundJournal;
  readonly b: RefundJournal;
  close(): Promise<void>;
}

let n = 0;
function refund(paymentId: string, value: number, over: Partial<JournalRefund> = {}): JournalRefund {
  n += 1;
  return {
    refundRequestId: `RR-C-${n}-${Math.random().toString(36).slice(2, 8)}`,
    intentId: `intent-${n}-${Math.random().toString(36).slice(2, 8)}`,
    paymentId,
    mode: 'PARTIAL',
    amount: { value, currency: 'SGD' },
    memo: null,
    state: 'APPROVED',
    cashier: 'alice',
    message: 'approved',
    nextAction: 'WAIT',
    approvalReasons: [],
    ...over,
  };
}

async function pay(j: RefundJournal, paymentId: string, value = 10_000): Promise<void> {
  await j.upsertPayment({
    paymentId,
    amount: { value, currency: 'SGD' },
    paymentMethod: 'ALIPAY_CN',
    paidAt: '2026-12-01T08:00:00Z',
    status: 'SUCCESS',
    supportsPartialRefund: true,
  });
}

/** Drives an APPROVED refund straight to SUCCEEDED through legal, journaled steps. */
async function succeed(j: RefundJournal, id: string): Promise<void> {
  for (const [from, to] of [
    ['APPROVED', 'REFERENCE_REQUESTED'],
    ['REFERENCE_REQUESTED', 'REFERENCE_OBTAINED'],
    ['REFERENCE_OBTAINED', 'SUBMITTING'],
    ['SUBMITTING', 'SUCCEEDED'],
  ] as const) {
    const r = await j.transition(id, from, to, {
      actor: 'system',
      ...(to === 'REFERENCE_OBTAINED' ? { patch: { originalMerchantRefundId: `REF-${id}` } } : {}),
    });
    if (!r.ok) throw new Error(`${from}->${to}: ${r.error.message}`);
  }
}

export function journalContract(engine: string, open: () => Promise<JournalPair>, opts: { crossProcessNotices: boolean }): void {
  describe(`refund journal contract: ${engine}`, () => {
    let pair: JournalPair | null = null;
    const openPair = async (): Promise<JournalPair> => (pair = await open());
    afterEach(async () => {
      await pair?.close();
      pair = null;
    });

    it('journals an intent with its transition and audit entry; reads it back from the other process', async () => {
      const { a, b } = await openPair();
      await pay(a, 'P1');
      const r = refund('P1', 250);
      const ins = await a.insert(r, 'alice');
      expect(ins.ok).toBe(true);
      const seen = await b.get(r.refundRequestId);
      expect(seen).toMatchObject({ refund_request_id: r.refundRequestId, intent_id: r.intentId, state: 'APPROVED', amount_value: 250, currency: 'SGD' });
      expect(await b.getByIntent(r.intentId)).toMatchObject({ refund_request_id: r.refundRequestId });
      expect((await b.transitions(r.refundRequestId)).map((t) => [t.from_state, t.to_state])).toEqual([[null, 'APPROVED']]);
      expect(await b.refundableBalance('P1')).toEqual({ value: 9_750, currency: 'SGD' });
      expect(await b.verifyAudit()).toMatchObject({ intact: true });
      expect((await b.auditHead()).seq).toBeGreaterThan(0);
    });

    it('an audit note given with an insert or a move is journaled in the same commit, and only when the write applies', async () => {
      const { a, b } = await openPair();
      await pay(a, 'P-AUD');
      const head = async (): Promise<number> => (await b.auditHead()).seq;
      const r = refund('P-AUD', 100);
      const before = await head();
      expect((await a.insert(r, 'alice', { audit: { kind: 'refund.retry_as_new', detail: { to: r.refundRequestId } } })).ok).toBe(true);
      expect(await head()).toBe(before + 2);
      // Refused (same intent): neither the refund nor its note.
      const dup = await a.insert({ ...r, refundRequestId: `${r.refundRequestId}-2` }, 'alice', { audit: { kind: 'refund.retry_as_new', detail: {} } });
      expect(dup.ok).toBe(false);
      expect(await head()).toBe(before + 2);
      const note = { kind: 'terminal.reference_reused', detail: { refundRequestId: r.refundRequestId } };
      expect((await a.transition(r.refundRequestId, 'APPROVED', 'REFERENCE_REQUESTED', { actor: 'system', audit: note })).ok).toBe(true);
      expect(await head()).toBe(before + 4);
      // A stale compare-and-set writes no note either.
      expect((await b.transition(r.refundRequestId, 'APPROVED', 'REFERENCE_REQUESTED', { actor: 'system', audit: note })).ok).toBe(false);
      expect(await head()).toBe(before + 4);
      expect(await b.verifyAudit()).toMatchObject({ intact: true });
    });

    it("journals the terminal's slip answer with an audit entry, without touching the state", async () => {
      const { a, b } = await openPair();
      await pay(a, 'P-SLIP');
      const r = refund('P-SLIP', 100);
      expect((await a.insert(r, 'alice')).ok).toBe(true);
      const before = (await b.auditHead()).seq;
      expect(await a.recordSlip(r.refundRequestId, true)).toMatchObject({ terminal_printed: 1, state: 'APPROVED' });
      expect(await b.get(r.refundRequestId)).toMatchObject({ terminal_printed: 1 });
      expect((await b.auditHead()).seq).toBe(before + 1);
      expect(await a.recordSlip('RR-NOPE', false)).toBeNull();
      expect(await b.verifyAudit()).toMatchObject({ intact: true });
    });

    it('refuses an unknown payment, another currency and a duplicate intent (from either process)', async () => {
      const { a, b } = await openPair();
      expect((await a.insert(refund('NOPE', 1), 'alice')).ok).toBe(false);
      await pay(a, 'P2');
      const wrong = await a.insert(refund('P2', 1, { amount: { value: 1, currency: 'JPY' } }), 'alice');
      expect(wrong.ok === false && wrong.error.code).toBe('CURRENCY_MISMATCH');
      const r = refund('P2', 100);
      expect((await a.insert(r, 'alice')).ok).toBe(true);
      const again = await b.insert({ ...r, refundRequestId: `${r.refundRequestId}-2` }, 'alice');
      expect(again.ok === false && again.error.code).toBe('DUPLICATE_INTENT');
    });

    it('one unfinished refund per payment: 20 parallel inserts from two processes, exactly one wins', async () => {
      const { a, b } = await openPair();
      await pay(a, 'P3');
      const results = await Promise.all(Array.from({ length: 20 }, (_, i) => (i % 2 ? a : b).insert(refund('P3', 10), 'alice')));
      expect(results.filter((x) => x.ok)).toHaveLength(1);
      expect(results.filter((x) => !x.ok).map((x) => (x.ok ? '' : x.error.code))).toEqual(Array(19).fill('REFUND_IN_FLIGHT'));
      expect(await a.inFlightFor('P3')).not.toBeNull();
    });

    it('the balance is never exceeded: rounds of parallel admissions from both processes, each winner refunded', async () => {
      const { a, b } = await openPair();
      await pay(a, 'P4', 1_000);
      let succeeded = 0;
      for (let round = 0; round < 6; round += 1) {
        const tries = await Promise.all(Array.from({ length: 6 }, (_, i) => (i % 2 ? a : b).insert(refund('P4', 300), 'alice')));
        const won = tries.filter((t) => t.ok);
        expect(won.length).toBeLessThanOrEqual(1);
        // Driven by the counter that journaled it (its own terminal gives the reference).
        for (let i = 0; i < tries.length; i += 1) {
          const t = tries[i];
          if (t?.ok) await succeed(i % 2 ? a : b, t.value.refund_request_id);
        }
        succeeded += won.length * 300;
        expect(succeeded).toBeLessThanOrEqual(1_000);
      }
      expect(succeeded).toBe(900);
      const last = await b.insert(refund('P4', 101), 'alice');
      expect(last.ok === false && last.error.code).toBe('AMOUNT_EXCEEDS_REFUNDABLE');
      expect((await b.insert(refund('P4', 100), 'alice')).ok).toBe(true);
      expect(await a.committedAmount('P4')).toBe(1_000);
    });

    it('state changes are compare-and-set: of two parallel moves one applies, the other sees STALE_STATE; illegal moves are refused', async () => {
      const { a, b } = await openPair();
      await pay(a, 'P5');
      const r = refund('P5', 10);
      await a.insert(r, 'alice');
      const [x, y] = await Promise.all([
        a.transition(r.refundRequestId, 'APPROVED', 'REFERENCE_REQUESTED', { actor: 'A' }),
        b.transition(r.refundRequestId, 'APPROVED', 'REFERENCE_REQUESTED', { actor: 'B' }),
      ]);
      expect([x.ok, y.ok].filter(Boolean)).toHaveLength(1);
      const loser = x.ok ? y : x;
      expect(loser.ok === false && loser.error.code).toBe('STALE_STATE');
      const illegal = await a.transition(r.refundRequestId, 'REFERENCE_REQUESTED', 'SUCCEEDED', { actor: 'A' });
      expect(illegal.ok === false && illegal.error.code).toBe('ILLEGAL_TRANSITION');
      const stale = await b.update(r.refundRequestId, 'APPROVED', { message: 'late' });
      expect(stale.ok === false && stale.error.code).toBe('STALE_STATE');
      const fine = await b.update(r.refundRequestId, 'REFERENCE_REQUESTED', { message: 'asking the terminal', attempts: 1 });
      expect(fine.ok && fine.value.message).toBe('asking the terminal');
      expect((await a.transitions(r.refundRequestId)).length).toBe(2);
      expect(await a.verifyAudit()).toMatchObject({ intact: true });
    });

    it('drive leases: held against a live owner, free when expired by the journal clock or when the owner is dead', async () => {
      const { a, b } = await openPair();
      await pay(a, 'P6');
      const r = refund('P6', 10);
      await a.insert(r, 'alice');
      const alive = () => true;
      expect(await a.claimLease(r.refundRequestId, 'owner-A', 60_000, alive)).toBe(true);
      expect(await b.claimLease(r.refundRequestId, 'owner-B', 60_000, alive)).toBe(false);
      expect(await b.claimLease(r.refundRequestId, 'owner-B', 60_000, (o) => o !== 'owner-A')).toBe(true);
      await b.releaseLease(r.refundRequestId, 'owner-B');
      expect(await a.claimLease(r.refundRequestId, 'owner-A', 50, alive)).toBe(true);
      await new Promise((res) => setTimeout(res, 150));
      expect(await b.claimLease(r.refundRequestId, 'owner-B', 60_000, alive)).toBe(true);
      await b.renewLease(r.refundRequestId, 'owner-B', 60_000);
      expect(await a.claimLease(r.refundRequestId, 'owner-A', 60_000, alive)).toBe(false);
    });

    it('lists unfinished refunds and those whose next check is due', async () => {
      const { a, b } = await openPair();
      await pay(a, 'P7');
      await pay(a, 'P8');
      const due = refund('P7', 10);
      const later = refund('P8', 10);
      await a.insert(due, 'alice');
      await a.insert(later, 'alice');
      await a.update(due.refundRequestId, 'APPROVED', { nextCheckAt: new Date(Date.now() - 60_000).toISOString() });
      await a.update(later.refundRequestId, 'APPROVED', { nextCheckAt: new Date(Date.now() + 3_600_000).toISOString() });
      expect((await b.due()).map((x) => x.refund_request_id)).toEqual([due.refundRequestId]);
      expect((await b.nonFinal()).map((x) => x.refund_request_id).sort()).toEqual([due.refundRequestId, later.refundRequestId].sort());
    });

    it('a manager decision is one commit: of racing decisions from both processes exactly one applies, with its approval and audit lines', async () => {
      const { a, b } = await openPair();
      await pay(a, 'PD1');
      const r = refund('PD1', 300, { state: 'AWAITING_APPROVAL' });
      expect((await a.insert(r, 'alice')).ok).toBe(true);
      const before = await a.auditHead();
      const results = await Promise.all(
        [a, b, a, b, a, b].map((j, i) =>
          j.decide(r.refundRequestId, {
            decision: i % 2 === 0 ? 'APPROVED' : 'DECLINED',
            manager: i % 2 === 0 ? 'alice' : 'maria',
            reason: `decision ${i}`,
            patch: { message: `decided ${i}`, nextAction: i % 2 === 0 ? 'WAIT' : 'NONE' },
            selfApproved: i % 2 === 0,
          }),
        ),
      );
      const won = results.filter((x) => x.ok);
      expect(won).toHaveLength(1);
      for (const x of results) if (!x.ok) expect(x.error.code).toBe('STALE_STATE');
      const row = await b.get(r.refundRequestId);
      const winner = won[0]?.ok ? won[0].value : null;
      expect(row?.state).toBe(winner?.state);
      expect(row?.message).toBe(winner?.message);
      const moves = (await b.transitions(r.refundRequestId)).filter((t) => t.from_state === 'AWAITING_APPROVAL');
      expect(moves).toHaveLength(1);
      // transition entry + refund.approved/declined (+ refund.self_approved for an approval by the asker): nothing from the losers.
      const after = await b.auditHead();
      expect(after.seq - before.seq).toBe(winner?.state === 'APPROVED' ? 3 : 2);
      expect((await b.verifyAudit()).intact).toBe(true);
      // A refund not waiting for a manager cannot be decided.
      const plain = refund('PD2', 10);
      await pay(a, 'PD2');
      await a.insert(plain, 'alice');
      const no = await b.decide(plain.refundRequestId, { decision: 'APPROVED', manager: 'maria', reason: 'x' });
      expect(no.ok ? null : no.error.code).toBe('STALE_STATE');
      const missing = await b.decide('RR-none', { decision: 'APPROVED', manager: 'maria', reason: 'x' });
      expect(missing.ok ? null : missing.error.code).toBe('NOT_FOUND');
    });

    it("takes Antom's refunded amount on a SUCCEEDED refund only, audited; lineage, cashier totals and lists read every process's refunds", async () => {
      const { a, b } = await openPair();
      await pay(a, 'PL1');
      const first = refund('PL1', 500, { intentId: `root-${Math.random().toString(36).slice(2)}`, cashier: 'bob' });
      await a.insert(first, 'bob');
      const early = await b.recordAntomAmount(first.refundRequestId, 400, 'system');
      expect(early.ok ? null : early.error.code).toBe('STALE_STATE');
      await succeed(a, first.refundRequestId);
      const head = await a.auditHead();
      const took = await b.recordAntomAmount(first.refundRequestId, 400, 'system');
      expect(took.ok && took.value.amount_value).toBe(400);
      expect((await a.get(first.refundRequestId))?.amount_value).toBe(400);
      expect((await a.auditHead()).seq).toBe(head.seq + 1);
      expect((await b.recordAntomAmount('RR-none', 1, 'system')).ok).toBe(false);

      const root = first.intentId;
      const retry = refund('PL1', 100, { intentId: `${root}.r1`, rootIntentId: root, parentRefundRequestId: first.refundRequestId, cashier: 'bob' });
      await b.insert(retry, 'bob');
      expect(await a.lineageSize(root)).toBe(2);
      expect((await a.latestInLineage(root))?.refund_request_id).toBe(retry.refundRequestId);
      expect(await a.latestInLineage('no-such-root')).toBeNull();

      const today = new Date().toISOString().slice(0, 10);
      // 400 succeeded + 100 unfinished count; another currency or cashier does not.
      expect(await a.cashierTotalOn('bob', 'SGD', today, 'UTC')).toBe(500);
      expect(await b.cashierTotalOn('bob', 'JPY', today, 'UTC')).toBe(0);
      expect(await b.cashierTotalOn('carol', 'SGD', today, 'UTC')).toBe(0);
      expect(await b.cashierTotalOn('bob', 'SGD', '2000-01-01', 'UTC')).toBe(0);
      // The local day of the store's zone, at both ends of the world: today there, not the day before or after.
      for (const tz of ['Pacific/Kiritimati', 'Pacific/Pago_Pago', 'Asia/Kathmandu']) {
        const local = localDate(new Date(), tz);
        const day = Date.parse(`${local}T12:00:00Z`);
        expect(await b.cashierTotalOn('bob', 'SGD', local, tz)).toBe(500);
        expect(await a.cashierTotalOn('bob', 'SGD', new Date(day - 86_400_000).toISOString().slice(0, 10), tz)).toBe(0);
        expect(await a.cashierTotalOn('bob', 'SGD', new Date(day + 86_400_000).toISOString().slice(0, 10), tz)).toBe(0);
      }

      const listed = await b.list({ paymentId: 'PL1' });
      expect(listed.map((x) => x.refund_request_id).sort()).toEqual([first.refundRequestId, retry.refundRequestId].sort());
      expect((await a.list({ paymentId: 'PL1', states: ['SUCCEEDED'] })).map((x) => x.refund_request_id)).toEqual([first.refundRequestId]);
      expect((await a.list({ paymentId: 'PL1', date: today, timeZone: 'UTC' })).length).toBe(2);
      expect(await a.list({ paymentId: 'PL1', date: '2000-01-01', timeZone: 'UTC' })).toEqual([]);
    });

    it('a reference another refund of the same counter holds: REFERENCE_REUSED naming the holder, the refund unchanged (never a raw error)', async () => {
      const { a } = await openPair();
      await pay(a, 'PR1');
      await pay(a, 'PR2');
      const first = refund('PR1', 100);
      const second = refund('PR2', 100);
      expect((await a.insert(first, 'alice')).ok).toBe(true);
      expect((await a.insert(second, 'alice')).ok).toBe(true);
      await a.transition(first.refundRequestId, 'APPROVED', 'REFERENCE_REQUESTED', { actor: 'system' });
      expect(
        (
          await a.transition(first.refundRequestId, 'REFERENCE_REQUESTED', 'REFERENCE_OBTAINED', {
            actor: 'system',
            patch: { originalMerchantRefundId: 'SAME' },
          })
        ).ok,
      ).toBe(true);
      await a.transition(second.refundRequestId, 'APPROVED', 'REFERENCE_REQUESTED', { actor: 'system' });
      const reused = await a.transition(second.refundRequestId, 'REFERENCE_REQUESTED', 'REFERENCE_OBTAINED', {
        actor: 'system',
        patch: { originalMerchantRefundId: 'SAME' },
      });
      expect(reused.ok ? 'moved' : { code: reused.error.code, holder: reused.error.details?.['refundRequestId'] }).toEqual({
        code: 'REFERENCE_REUSED',
        holder: first.refundRequestId,
      });
      expect(await a.get(second.refundRequestId)).toMatchObject({ state: 'REFERENCE_REQUESTED', original_merchant_refund_id: null });
      // The engine's path then stops it, final, with nothing sent.
      expect(
        (await a.transition(second.refundRequestId, 'REFERENCE_REQUESTED', 'FAILED', { actor: 'system', patch: { resultCode: 'TERMINAL_REFERENCE_REUSED' } }))
          .ok,
      ).toBe(true);
      expect(await a.verifyAudit()).toMatchObject({ intact: true });
    });

    it('a refund admitted at its insert moves on in the same commit with its drive lease held; one the re-check sends to a manager takes neither', async () => {
      const { a, b } = await openPair();
      await pay(a, 'P-ADV');
      await pay(a, 'P-ADV2');
      const before = (await b.auditHead()).seq;
      const advance = {
        to: 'REFERENCE_REQUESTED' as const,
        actor: 'system',
        patch: { message: 'asking the terminal' },
        lease: { owner: 'engine-a', ttlMs: 60_000 },
      };
      const r = refund('P-ADV', 300);
      const ins = await a.insert(r, 'alice', { advance });
      expect(ins.ok && { state: ins.value.state, message: ins.value.message, lease: ins.value.lease_owner }).toEqual({
        state: 'REFERENCE_REQUESTED',
        message: 'asking the terminal',
        lease: 'engine-a',
      });
      expect((await b.transitions(r.refundRequestId)).map((t) => [t.from_state, t.to_state, t.actor])).toEqual([
        [null, 'APPROVED', 'alice'],
        ['APPROVED', 'REFERENCE_REQUESTED', 'system'],
      ]);
      expect((await b.auditHead()).seq).toBe(before + 2);
      // Held: another live engine cannot take it; the holder can.
      expect(await b.claimLease(r.refundRequestId, 'engine-b', 60_000, () => true)).toBe(false);
      expect(await a.claimLease(r.refundRequestId, 'engine-a', 60_000, () => true)).toBe(true);
      // Sent to a manager by the re-check: no lease (any counter's manager may decide it), no move.
      const manager: PolicyRecheck = {
        date: new Date().toISOString().slice(0, 10),
        timeZone: 'UTC',
        reasons: () => [{ code: 'CASHIER_DAILY_TOTAL_EXCEEDED', text: 'over the daily total' }],
        awaitingMessage: 'waiting for a manager',
      };
      const asked = refund('P-ADV2', 300);
      const held = await b.insert(asked, 'alice', { recheck: manager, advance });
      expect(held.ok && { state: held.value.state, lease: held.value.lease_owner }).toEqual({ state: 'AWAITING_APPROVAL', lease: null });
      expect((await a.transitions(asked.refundRequestId)).map((t) => t.to_state)).toEqual(['AWAITING_APPROVAL']);
      expect(await a.verifyAudit()).toMatchObject({ intact: true });
    });

    it('a move with a following move journals both in one commit; a refused first move writes neither; an illegal one is refused up front', async () => {
      const { a, b } = await openPair();
      await pay(a, 'P-THEN');
      await pay(a, 'P-THEN2');
      const r = refund('P-THEN', 100);
      const other = refund('P-THEN2', 100);
      for (const x of [r, other]) {
        expect((await a.insert(x, 'alice')).ok).toBe(true);
        expect((await a.transition(x.refundRequestId, 'APPROVED', 'REFERENCE_REQUESTED', { actor: 'system' })).ok).toBe(true);
      }
      const then = { to: 'SUBMITTING' as const, actor: 'system', patch: { message: 'sending' } };
      const head = (await b.auditHead()).seq;
      const illegal = await a.transition(r.refundRequestId, 'REFERENCE_REQUESTED', 'REFERENCE_OBTAINED', {
        actor: 'system',
        then: { to: 'APPROVED', actor: 'system' },
      });
      expect(illegal.ok ? 'moved' : illegal.error.code).toBe('ILLEGAL_TRANSITION');
      const moved = await a.transition(r.refundRequestId, 'REFERENCE_REQUESTED', 'REFERENCE_OBTAINED', {
        actor: 'system',
        patch: { originalMerchantRefundId: 'REF-THEN' },
        then,
      });
      expect(moved.ok && { state: moved.value.state, ref: moved.value.original_merchant_refund_id, message: moved.value.message }).toEqual({
        state: 'SUBMITTING',
        ref: 'REF-THEN',
        message: 'sending',
      });
      expect((await b.transitions(r.refundRequestId)).slice(-2).map((t) => [t.from_state, t.to_state])).toEqual([
        ['REFERENCE_REQUESTED', 'REFERENCE_OBTAINED'],
        ['REFERENCE_OBTAINED', 'SUBMITTING'],
      ]);
      expect((await b.auditHead()).seq).toBe(head + 2);
      // The first move refused (the reference is taken): nothing of either.
      const reused = await a.transition(other.refundRequestId, 'REFERENCE_REQUESTED', 'REFERENCE_OBTAINED', {
        actor: 'system',
        patch: { originalMerchantRefundId: 'REF-THEN' },
        then,
      });
      expect(reused.ok ? 'moved' : reused.error.code).toBe('REFERENCE_REUSED');
      expect(await a.get(other.refundRequestId)).toMatchObject({ state: 'REFERENCE_REQUESTED', original_merchant_refund_id: null });
      const stale = await a.transition(r.refundRequestId, 'REFERENCE_REQUESTED', 'REFERENCE_OBTAINED', { actor: 'system', then });
      expect(stale.ok ? 'moved' : stale.error.code).toBe('STALE_STATE');
      expect((await a.transitions(other.refundRequestId)).map((t) => t.to_state)).toEqual(['APPROVED', 'REFERENCE_REQUESTED']);
      expect((await b.auditHead()).seq).toBe(head + 2);
      expect(await b.verifyAudit()).toMatchObject({ intact: true });
    });

    it("the policy is re-checked inside the insert under the cashier's lock: parallel admissions from both processes cannot all pass a daily total", async () => {
      const { a, b } = await openPair();
      const today = new Date().toISOString().slice(0, 10);
      const seen: PolicyFigures[] = [];
      // The daily-total rule with a 1000 limit, as admission's policy would apply it.
      const recheck = (amount: number): PolicyRecheck => ({
        date: today,
        timeZone: 'UTC',
        reasons: (f) => {
          seen.push(f);
          return f.cashierTotalToday + amount > 1_000 ? [{ code: 'CASHIER_DAILY_TOTAL_EXCEEDED', text: 'over the daily total' }] : [];
        },
        awaitingMessage: 'waiting for a manager',
      });
      for (let i = 0; i < 6; i += 1) await pay(a, `PD${i}`);
      // Each admission read 0 before any of the others was journaled: all asked for APPROVED.
      const tries = await Promise.all(
        Array.from({ length: 6 }, (_, i) => (i % 2 ? a : b).insert(refund(`PD${i}`, 300, { cashier: 'eve' }), 'eve', { recheck: recheck(300) })),
      );
      const rows = tries.map((t) => (t.ok ? t.value : null));
      expect(rows.every((r) => r !== null)).toBe(true);
      const approved = rows.filter((r) => r?.state === 'APPROVED');
      const awaiting = rows.filter((r) => r?.state === 'AWAITING_APPROVAL');
      expect({ approved: approved.length, awaiting: awaiting.length }).toEqual({ approved: 3, awaiting: 3 });
      for (const r of awaiting) {
        expect(r?.message).toBe('waiting for a manager');
        expect(JSON.parse(r?.approval_reasons ?? '[]')).toEqual([{ code: 'CASHIER_DAILY_TOTAL_EXCEEDED', text: 'over the daily total' }]);
      }
      // Each saw the ones before it (refunds waiting for a manager count against the day, as in cashierTotalOn).
      expect(seen.map((f) => f.cashierTotalToday).sort((x, y) => x - y)).toEqual([0, 300, 600, 900, 1_200, 1_500]);
      // Another cashier has a day of their own; the per-payment figure is what the payment already refunded.
      const other = await a.insert(refund('PD0', 200, { cashier: 'fay' }), 'fay', { recheck: recheck(200) });
      expect(other.ok ? other.value.state : other.error.code).toBe('REFUND_IN_FLIGHT');
      await pay(a, 'PD9');
      const firstOnPd9 = refund('PD9', 250, { cashier: 'fay' });
      expect((await a.insert(firstOnPd9, 'fay')).ok).toBe(true);
      await succeed(a, firstOnPd9.refundRequestId);
      seen.length = 0;
      const fay = await b.insert(refund('PD9', 200, { cashier: 'fay' }), 'fay', { recheck: recheck(200) });
      expect(fay.ok && fay.value.state).toBe('APPROVED');
      expect(seen).toEqual([{ cashierTotalToday: 250, paymentRefundedBefore: 250 }]);
      // Never relaxed: a refund admission sent to a manager stays there when the figures are below the line.
      await pay(a, 'PD10');
      const threshold = [{ code: 'AMOUNT_AT_OR_OVER_THRESHOLD' as const, text: 'over the line' }];
      const asked = await b.insert(refund('PD10', 10, { cashier: 'gus', state: 'AWAITING_APPROVAL', approvalReasons: threshold }), 'gus', {
        recheck: recheck(10),
      });
      expect(asked.ok && { state: asked.value.state, reasons: JSON.parse(asked.value.approval_reasons) as unknown }).toEqual({
        state: 'AWAITING_APPROVAL',
        reasons: threshold,
      });
    });

    it('tells listeners about committed changes' + (opts.crossProcessNotices ? ' in the other process too' : ' made in this process'), async () => {
      const { a, b } = await openPair();
      const listenOn = opts.crossProcessNotices ? b : a;
      const seen: string[] = [];
      const off = listenOn.onChange((id) => seen.push(id));
      if ('ready' in listenOn && typeof listenOn.ready === 'function') await (listenOn.ready as () => Promise<void>)();
      await pay(a, 'P9');
      const r = refund('P9', 10);
      await a.insert(r, 'alice');
      await a.transition(r.refundRequestId, 'APPROVED', 'REFERENCE_REQUESTED', { actor: 'system' });
      const deadline = Date.now() + 5_000;
      while (seen.length < 2 && Date.now() < deadline) await new Promise((res) => setTimeout(res, 20));
      off();
      expect(seen).toEqual([r.refundRequestId, r.refundRequestId]);
    });
  });
}

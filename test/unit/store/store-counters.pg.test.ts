/**
 * Store mode with real processes: one throwaway PostgreSQL, one Antom sandbox
 * (signed HTTP), four counter processes, each with its own VirtualTerminal on
 * its own socat pty pair, its own register and data folder, 50 refunds each.
 * Every round sends one refund from every counter at the same moment onto two
 * payments, so at least two counters always race for one payment, with full
 * and partial refunds mixed. Every fifth round is an approval round: each
 * counter asks for a refund over the default policy's 100.00 SGD threshold on
 * one of two payments (so they race there too), and every refund left waiting
 * is decided by managers at two OTHER counter processes at once: exactly one
 * decision wins, the other is told the refund no longer waits. The asking
 * counter is then not asked anything: it runs no background pass, so its
 * approved refund goes on only because the decision reached it on the journal's
 * change feed (LISTEN/NOTIFY), and it reports the states it writes. Then the
 * store is judged from the database and from what the sandbox did
 * (store-invariants.ts), approvals included.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SandboxPayment } from '../../../main/sandbox';
import { pgAvailable, startPgCluster, type PgCluster } from '../../helpers/pg-cluster';
import { mulberry32 } from '../../helpers/prng';
import { startStoreEnv, type CounterProcess, type StoreEnv } from '../../helpers/store-counters';
import { checkStore } from '../../helpers/store-invariants';
import { socatAvailable } from '../../../native-bridge/testing';
import { DEFAULT_POLICY } from '../../../main/ledger/policy';
import { openStoreLedger } from '../../../main/ledger/pg/pg-store';
import { PUBLIC_TEST_KEYS } from '../../../main/secrets/ledger-keys';

const COUNTERS = 4;
const REFUNDS_PER_COUNTER = 50;
const PAYMENTS = 24;
// Under the default policy's 100.00 SGD threshold: the contention rounds need no manager.
const PAYMENT_VALUE = 9_000;
// The approval rounds' payments: refunds of 100.00-149.00 SGD on them wait for a manager.
const APPROVAL_PAYMENTS = 6;
const APPROVAL_PAYMENT_VALUE = 60_000;
const APPROVAL_EVERY = 5;
const MANAGER_PIN = '482915';
// Who wins a race is up to the database; the pairs make sure both outcomes are decided by someone.
const DECISION_PAIRS: readonly (readonly ['APPROVED' | 'DECLINED', 'APPROVED' | 'DECLINED'])[] = [
  ['APPROVED', 'APPROVED'],
  ['APPROVED', 'DECLINED'],
  ['APPROVED', 'APPROVED'],
  ['DECLINED', 'APPROVED'],
  ['DECLINED', 'DECLINED'],
];
const AFTER_APPROVAL = new Set(['SUCCEEDED', 'FAILED', 'PENDING_IN_PROCESS', 'PENDING_UNKNOWN']);

describe.skipIf(!pgAvailable || !socatAvailable())('store mode: 4 counter processes on one PostgreSQL', () => {
  let cluster: PgCluster;
  let env: StoreEnv;
  let dir: string;
  const counters: CounterProcess[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'store-multi-'));
    const paidAt = new Date(Date.now() - 86_400_000).toISOString();
    const payments: SandboxPayment[] = Array.from({ length: PAYMENTS }, (_, k) => ({
      paymentId: `SM-PAY-${k}`,
      paymentRequestId: `SM-PR-${k}`,
      // A quarter are Express Banktransfer: Antom answers PROCESSING and settles later.
      paymentMethod: k % 4 === 3 ? ('EXPRESS_BANKTRANSFER' as const) : ('ALIPAY_CN' as const),
      amount: { value: PAYMENT_VALUE, currency: 'SGD' },
      paidAt,
      status: 'SUCCESS' as const,
      refunded: 0,
      supportsPartialRefund: true,
      refundSupported: true,
    }));
    for (let k = 0; k < APPROVAL_PAYMENTS; k += 1)
      payments.push({
        paymentId: `SM-APP-${k}`,
        paymentRequestId: `SM-APR-${k}`,
        paymentMethod: k === APPROVAL_PAYMENTS - 1 ? 'EXPRESS_BANKTRANSFER' : 'ALIPAY_CN',
        amount: { value: APPROVAL_PAYMENT_VALUE, currency: 'SGD' },
        paidAt,
        status: 'SUCCESS',
        refunded: 0,
        supportsPartialRefund: true,
        refundSupported: true,
      });
    [cluster, env] = await Promise.all([startPgCluster(), startStoreEnv({ dir, counters: COUNTERS, payments, asyncSettleMs: 150 })]);
    cluster.createDatabase('store');
    // The first counter migrates; the others then start together.
    counters.push(await env.spawnCounter(env.counters[0]!, cluster.url('store')));
    // One manager per counter, store-wide (added once, signing in anywhere).
    const admin = await openStoreLedger(cluster.url('store'), { register: 'setup', keys: PUBLIC_TEST_KEYS, maxConnections: 1 });
    try {
      // Only the single-refund threshold asks for a manager here: 50 rounds reach a cashier's default daily total
      // (1,000.00 SGD), which would put contention-round refunds in the queue too (the policy race test covers that).
      const policy = await admin.settings.setPolicy(
        { ...DEFAULT_POLICY, cashierDailyTotals: { ...DEFAULT_POLICY.cashierDailyTotals, SGD: 100_000_000 } },
        'setup',
      );
      if (!policy.ok) throw new Error(`policy: ${policy.error.message}`);
      for (let k = 1; k <= COUNTERS; k += 1) {
        const added = await admin.people.add({ name: `manager-${k}`, role: 'manager', pin: MANAGER_PIN }, 'setup');
        if (!added.ok) throw new Error(`manager-${k}: ${added.error.message}`);
      }
    } finally {
      await admin.close();
    }
    counters.push(...(await Promise.all(env.counters.slice(1).map((c) => env.spawnCounter(c, cluster.url('store'))))));
  }, 120_000);

  afterAll(async () => {
    await Promise.all(counters.map((c) => c.stop()));
    await env?.close();
    await cluster?.stop();
    rmSync(dir, { recursive: true, force: true });
  }, 60_000);

  it('races refunds of the same payments from 4 counters, with approvals decided at other counters: no duplicate at Antom, no balance exceeded, every approval decided once, all final, audit verifies', async () => {
    const rnd = mulberry32(20261202);
    const outcomes: Record<string, number> = {};
    let contendedRounds = 0;
    const approvals = { asked: 0, races: 0, lostRaces: 0, approvedWon: 0, declinedWon: 0, continuedByPush: 0 };
    const raceProblems: string[] = [];
    const count = (key: string): void => void (outcomes[key] = (outcomes[key] ?? 0) + 1);

    // Every counter asks for a big refund; each one left waiting is decided at two other counters at once.
    const approvalRound = async (round: number): Promise<void> => {
      const a = Math.floor(rnd() * APPROVAL_PAYMENTS);
      const b = (a + 1 + Math.floor(rnd() * (APPROVAL_PAYMENTS - 1))) % APPROVAL_PAYMENTS;
      const answers = await Promise.all(
        counters.map((c, k) =>
          c.submit({
            intentId: `SM-${c.register}-${round}`,
            paymentId: `SM-APP-${rnd() < 0.5 ? a : b}`,
            cashier: `cashier-${k + 1}`,
            amount: { value: 10_000 + Math.floor(rnd() * 50) * 100, currency: 'SGD' },
          }),
        ),
      );
      const waits: Promise<void>[] = [];
      answers.forEach((ans, k) => {
        const key = ans.ok ? `approval:${(ans.value as { state: string }).state}` : `approval-refused:${ans.error.code}`;
        count(key);
        if (!ans.ok || (ans.value as { state: string }).state !== 'AWAITING_APPROVAL') return;
        const id = (ans.value as { refundRequestId: string }).refundRequestId;
        const asker = counters[k]!;
        const others = counters.filter((_, j) => j !== k);
        const first = Math.floor(rnd() * others.length);
        const second = (first + 1 + Math.floor(rnd() * (others.length - 1))) % others.length;
        const deciders = [others[first]!, others[second]!];
        const pair = DECISION_PAIRS[approvals.asked % DECISION_PAIRS.length]!;
        approvals.asked += 1;
        waits.push(
          (async () => {
            const results = await Promise.all(
              deciders.map((d, n) =>
                d.decide({
                  refundRequestId: id,
                  manager: `manager-${counters.indexOf(d) + 1}`,
                  pin: MANAGER_PIN,
                  decision: pair[n]!,
                  reason: `round ${round}`,
                }),
              ),
            );
            approvals.races += 1;
            const won = results.flatMap((r, n) => (r.ok ? [pair[n]!] : []));
            const lost = results.filter((r) => !r.ok);
            approvals.lostRaces += lost.length;
            if (won.length !== 1) raceProblems.push(`${id}: ${won.length} decisions won (${JSON.stringify(results)})`);
            // The loser is told the refund is decided already, and by whom: the winner's decision, not its own.
            const winner = results.findIndex((r) => r.ok);
            for (const r of lost) {
              if (r.error.code !== 'NOT_AWAITING_APPROVAL') raceProblems.push(`${id}: the losing decision got ${r.error.code}`);
              const said = { decision: r.error.details?.['decision'], decidedBy: r.error.details?.['decidedBy'] };
              const was = { decision: pair[winner], decidedBy: `manager-${counters.indexOf(deciders[winner]!) + 1}` };
              if (said.decision !== was.decision || said.decidedBy !== was.decidedBy)
                raceProblems.push(`${id}: the loser was told ${JSON.stringify(said)}, the winner was ${JSON.stringify(was)}`);
            }
            if (won[0] === 'DECLINED') approvals.declinedWon += 1;
            if (won[0] !== 'APPROVED') return;
            approvals.approvedWon += 1;
            // Nobody asks the asking counter anything: its refund goes on because the decision was pushed to it.
            await asker.waitForState(id, (s) => AFTER_APPROVAL.has(s), 20_000);
            if (!asker.statesOf(id).includes('REFERENCE_REQUESTED')) raceProblems.push(`${id}: ${asker.register} did not ask its terminal`);
            for (const d of deciders)
              if (d.statesOf(id).some((s) => s !== 'APPROVED'))
                raceProblems.push(`${id}: ${d.register} drove another counter's refund (${d.statesOf(id).join(',')})`);
            approvals.continuedByPush += 1;
          })(),
        );
      });
      await Promise.all(waits);
    };
    const t0 = Date.now();
    for (let round = 0; round < REFUNDS_PER_COUNTER; round += 1) {
      if (round % APPROVAL_EVERY === APPROVAL_EVERY - 1) {
        await approvalRound(round);
        continue;
      }
      // Two payments per round for four counters: every round has a same-payment race.
      const a = Math.floor(rnd() * PAYMENTS);
      const b = (a + 1 + Math.floor(rnd() * (PAYMENTS - 1))) % PAYMENTS;
      const picks = counters.map(() => (rnd() < 0.5 ? a : b));
      if (new Set(picks).size < picks.length) contendedRounds += 1;
      const answers = await Promise.all(
        counters.map((c, k) => {
          const full = rnd() < 0.35;
          return c.submit({
            intentId: `SM-${c.register}-${round}`,
            paymentId: `SM-PAY-${picks[k]!}`,
            cashier: `cashier-${k + 1}`,
            ...(full ? {} : { amount: { value: 500 + Math.floor(rnd() * 30) * 100, currency: 'SGD' } }),
          });
        }),
      );
      for (const ans of answers) count(ans.ok ? `ok:${(ans.value as { state: string }).state}` : `refused:${ans.error.code}`);
    }
    const submitMs = Date.now() - t0;

    // Asynchronous refunds settle at the sandbox; each counter resolves its own pending ones.
    const deadline = Date.now() + 20_000;
    let check = await checkStore(cluster.url('store'), env.sandbox, { issued: env.issuedReferences() });
    while (check.violations.some((v) => v.includes('not final')) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 200));
      await Promise.all(counters.map((c) => c.recover()));
      check = await checkStore(cluster.url('store'), env.sandbox, { issued: env.issuedReferences() });
    }
    console.log(
      JSON.stringify({ submitMs, totalMs: Date.now() - t0, contendedRounds, outcomes, approvals, ...check, violations: check.violations.slice(0, 20) }),
    );

    expect(check.violations).toEqual([]);
    expect(raceProblems).toEqual([]);
    // Approvals were asked at every round of them, raced, decided once each (both ways), and continued where asked.
    expect(approvals.asked).toBeGreaterThanOrEqual(REFUNDS_PER_COUNTER / APPROVAL_EVERY);
    expect(approvals.lostRaces).toBe(approvals.asked);
    expect(approvals.approvedWon + approvals.declinedWon).toBe(approvals.asked);
    expect(approvals.approvedWon).toBeGreaterThan(0);
    expect(approvals.declinedWon).toBeGreaterThan(0);
    expect(approvals.continuedByPush).toBe(approvals.approvedWon);
    expect(check.approvalsAsked).toBe(approvals.asked);
    expect(check.approvalsDecided).toBe(approvals.asked);
    expect(check.approvalsApproved).toBe(approvals.approvedWon);
    expect(check.approvalsDeclined).toBe(approvals.declinedWon);
    expect(check.duplicatesAtAntom).toBe(0);
    expect(check.overRefundedPayments).toBe(0);
    // The races really happened: losers were refused by the store-wide rules, and every counter refunded.
    expect(contendedRounds).toBeGreaterThan(REFUNDS_PER_COUNTER / 2);
    expect((outcomes['refused:REFUND_IN_FLIGHT'] ?? 0) + (outcomes['refused:BALANCE_CHANGED'] ?? 0)).toBeGreaterThan(0);
    expect(Object.keys(check.byRegister).sort()).toEqual(counters.map((c) => c.register).sort());
    expect(check.byState['SUCCEEDED'] ?? 0).toBeGreaterThan(PAYMENTS);
  }, 110_000);
});

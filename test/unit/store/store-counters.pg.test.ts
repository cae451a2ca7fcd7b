/**
 * Store mode with real processes: one throwaway PostgreSQL, one Antom sandbox
 * (signed HTTP), four counter processes, each with its own VirtualTerminal on
 * its own socat pty pair, its own register and data folder, 50 refunds each.
 * Every round sends one refund from every counter at the same moment onto two
 * payments, so at least two counters always race for one payment, with full
 * and partial refunds mixed. Then the store is judged from the database and
 * from what the sandbox did (store-invariants.ts).
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

const COUNTERS = 4;
const REFUNDS_PER_COUNTER = 50;
const PAYMENTS = 24;
// Under the default policy's 100.00 SGD threshold: no approvals in this part.
const PAYMENT_VALUE = 9_000;

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
    [cluster, env] = await Promise.all([startPgCluster(), startStoreEnv({ dir, counters: COUNTERS, payments, asyncSettleMs: 150 })]);
    cluster.createDatabase('store');
    // The first counter migrates; the others then start together.
    counters.push(await env.spawnCounter(env.counters[0]!, cluster.url('store')));
    counters.push(...(await Promise.all(env.counters.slice(1).map((c) => env.spawnCounter(c, cluster.url('store'))))));
  }, 120_000);

  afterAll(async () => {
    await Promise.all(counters.map((c) => c.stop()));
    await env?.close();
    await cluster?.stop();
    rmSync(dir, { recursive: true, force: true });
  }, 60_000);

  it('races refunds of the same payments from 4 counters: no duplicate at Antom, no balance exceeded, all final, audit verifies', async () => {
    const rnd = mulberry32(20261202);
    const outcomes: Record<string, number> = {};
    let contendedRounds = 0;
    const t0 = Date.now();
    for (let round = 0; round < REFUNDS_PER_COUNTER; round += 1) {
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
      for (const ans of answers) {
        const key = ans.ok ? `ok:${(ans.value as { state: string }).state}` : `refused:${ans.error.code}`;
        outcomes[key] = (outcomes[key] ?? 0) + 1;
      }
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
    console.log(JSON.stringify({ submitMs, totalMs: Date.now() - t0, contendedRounds, outcomes, ...check, violations: check.violations.slice(0, 20) }));

    expect(check.violations).toEqual([]);
    expect(check.duplicatesAtAntom).toBe(0);
    expect(check.overRefundedPayments).toBe(0);
    // The races really happened: losers were refused by the store-wide rules, and every counter refunded.
    expect(contendedRounds).toBeGreaterThan(REFUNDS_PER_COUNTER / 2);
    expect((outcomes['refused:REFUND_IN_FLIGHT'] ?? 0) + (outcomes['refused:BALANCE_CHANGED'] ?? 0)).toBeGreaterThan(0);
    expect(Object.keys(check.byRegister).sort()).toEqual(counters.map((c) => c.register).sort());
    expect(check.byState['SUCCEEDED'] ?? 0).toBeGreaterThan(PAYMENTS);
  }, 110_000);
});

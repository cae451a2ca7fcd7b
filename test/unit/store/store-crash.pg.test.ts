/**
 * The crash campaign in store mode: four counter processes on one PostgreSQL
 * and the sandbox, refunding payments they share; again and again one of them
 * is SIGKILLed at a random moment while its refunds are in the air. Before it
 * restarts, another counter runs its recovery over the store (it may finish the
 * Antom part of the dead counter's refunds once they have their reference: the
 * dead process's lease is free at once on this host, docs/ledger.md "Terminal
 * ownership"); then the killed register restarts on its own terminal and data
 * folder, recovers, and the cashier confirms the interrupted refunds again (same
 * intents). Judged from the database and the sandbox: no refund duplicated at
 * Antom, no balance exceeded, every journaled refund final or visibly pending
 * right after the restart, all final at the end, the audit chain verifies.
 *
 * STORE_CRASH_KILLS (default 24) sets the number of kills for a longer run.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isFinal, isPending } from '../../../main/ledger/state-machine';
import type { RefundState } from '../../../preload/contract/refunds';
import type { SandboxPayment } from '../../../main/sandbox';
import { socatAvailable } from '../../../native-bridge/testing';
import { pgAvailable, startPgCluster, type PgCluster } from '../../helpers/pg-cluster';
import { mulberry32 } from '../../helpers/prng';
import { startStoreEnv, type CounterProcess, type StoreEnv, type WorkerAnswer } from '../../helpers/store-counters';
import { checkStore } from '../../helpers/store-invariants';

const COUNTERS = 4;
const KILLS = Math.max(4, Number(process.env['STORE_CRASH_KILLS'] ?? 24));
const PAYMENTS = 48;
const PER_CYCLE = 3;

describe.skipIf(!pgAvailable || !socatAvailable())('store mode crash campaign: SIGKILL counters mid-refund', () => {
  let cluster: PgCluster;
  let env: StoreEnv;
  let dir: string;
  let url: string;
  const running: (CounterProcess | null)[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'store-crash-'));
    const paidAt = new Date(Date.now() - 86_400_000).toISOString();
    const payments: SandboxPayment[] = Array.from({ length: PAYMENTS }, (_, k) => ({
      paymentId: `SC-PAY-${k}`,
      paymentRequestId: `SC-PR-${k}`,
      paymentMethod: k % 4 === 3 ? ('EXPRESS_BANKTRANSFER' as const) : ('ALIPAY_CN' as const),
      amount: { value: 9_000, currency: 'SGD' },
      paidAt,
      status: 'SUCCESS' as const,
      refunded: 0,
      supportsPartialRefund: true,
      refundSupported: true,
    }));
    [cluster, env] = await Promise.all([startPgCluster(), startStoreEnv({ dir, counters: COUNTERS, payments, asyncSettleMs: 150 })]);
    cluster.createDatabase('store');
    url = cluster.url('store');
    running.push(await env.spawnCounter(env.counters[0]!, url));
    running.push(...(await Promise.all(env.counters.slice(1).map((c) => env.spawnCounter(c, url)))));
  }, 120_000);

  afterAll(async () => {
    await Promise.all(running.map((c) => c?.stop()));
    await env?.close();
    await cluster?.stop();
    rmSync(dir, { recursive: true, force: true });
  }, 60_000);

  it(`${KILLS} kills: no refund duplicated at Antom, none lost, no balance exceeded`, async () => {
    const rnd = mulberry32(20261203);
    const db = new pg.Pool({ connectionString: url, max: 2 });
    const statesAtKill: Record<string, number> = {};
    const afterRestart: string[] = [];
    const restartMs: number[] = [];
    let kills = 0;
    let submitted = 0;
    let takeovers = 0;
    const t0 = Date.now();

    // A lease owner token is host:pid:start:nonce (lease-owner.ts); another counter process of this test, still running.
    const liveOtherCounter = (owner: string, self: CounterProcess): boolean => {
      const pid = Number(owner.split(':')[1]);
      return running.some((c) => c !== null && c !== self && c.pid === pid);
    };
    const refundsOf = async (register: string): Promise<{ refund_request_id: string; state: RefundState }[]> =>
      (await db.query<{ refund_request_id: string; state: RefundState }>('SELECT refund_request_id, state FROM refunds WHERE register = $1', [register])).rows;

    const lane = async (k: number, kills_: number): Promise<void> => {
      const spec = env.counters[k]!;
      for (let cycle = 0; cycle < kills_; cycle += 1) {
        const counter = running[k]!;
        const intents = Array.from({ length: PER_CYCLE }, (_, j) => {
          const full = rnd() < 0.35;
          return {
            intentId: `SC-${spec.register}-${cycle}-${j}`,
            // Shared by every lane: counters race for the same payments while they are killed.
            paymentId: `SC-PAY-${Math.floor(rnd() * PAYMENTS)}`,
            cashier: `cashier-${k + 1}`,
            ...(full ? {} : { amount: { value: 500 + Math.floor(rnd() * 25) * 100, currency: 'SGD' } }),
          };
        });
        submitted += intents.length;
        const answers = intents.map((i) =>
          counter.submit(i).catch((e: unknown): WorkerAnswer => ({ ok: false, error: { code: 'KILLED', message: String(e) } })),
        );
        // A random moment in the refunds' life: before the intent, at the terminal, at Antom, after.
        await new Promise((r) => setTimeout(r, Math.floor(rnd() * 350)));
        await counter.kill();
        running[k] = null;
        kills += 1;
        await Promise.all(answers);
        for (const r of await refundsOf(spec.register)) if (!isFinal(r.state)) statesAtKill[r.state] = (statesAtKill[r.state] ?? 0) + 1;

        // Another counter recovers the store while this one is down (takes over what is past the reference).
        const other = running.find((c) => c !== null);
        if (other) {
          const s = await other.recover().catch(() => null);
          if (s?.ok === true) takeovers += (s.value as { resumed: number }).resumed;
        }

        const r0 = Date.now();
        const restarted = await env.spawnCounter(spec, url);
        running[k] = restarted;
        const rec = await restarted.recover();
        restartMs.push(Date.now() - r0);
        if (!rec.ok) afterRestart.push(`${spec.register} recovery failed: ${rec.error.message}`);
        // None lost: right after its own recovery every refund of this register is final or visibly pending.
        // (Or being driven right now by another live counter: the lanes recover the store in parallel, and a counter that
        // took the refund over holds its lease while it asks Antom. The settle phase below then requires it final.)
        const leases = await db.query<{ refund_request_id: string; state: RefundState; lease_owner: string | null; leased: boolean }>(
          'SELECT refund_request_id, state, lease_owner, (lease_until > now()) AS leased FROM refunds WHERE register = $1',
          [spec.register],
        );
        for (const r of leases.rows) {
          if (isFinal(r.state) || isPending(r.state)) continue;
          if (r.leased && r.lease_owner !== null && liveOtherCounter(r.lease_owner, restarted)) continue;
          afterRestart.push(`${r.refund_request_id} of ${spec.register} is ${r.state} after recovery (lease ${r.lease_owner ?? 'none'})`);
        }
        // The cashier confirms the interrupted refunds again: the same intents must not refund twice.
        await Promise.all(intents.map((i) => restarted.submit(i)));
      }
    };
    const perLane = Math.ceil(KILLS / COUNTERS);
    await Promise.all(running.map((_, k) => lane(k, perLane)));

    // Everything settles: asynchronous refunds finish at the sandbox and every counter resolves what it can.
    const deadline = Date.now() + 20_000;
    let check = await checkStore(url, env.sandbox, { issued: env.issuedReferences() });
    while (check.violations.some((v) => v.includes('not final')) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 200));
      await Promise.all(running.map((c) => c?.recover()));
      check = await checkStore(url, env.sandbox, { issued: env.issuedReferences() });
    }
    await db.end();
    const avgRestart = Math.round(restartMs.reduce((a, b) => a + b, 0) / Math.max(1, restartMs.length));
    console.log(
      JSON.stringify({
        kills,
        submitted,
        takeovers,
        statesAtKill,
        avgRestartMs: avgRestart,
        totalMs: Date.now() - t0,
        ...check,
        afterRestart: afterRestart.slice(0, 10),
        violations: check.violations.slice(0, 20),
      }),
    );
    expect(afterRestart).toEqual([]);
    expect(check.violations).toEqual([]);
    expect(check.duplicatesAtAntom).toBe(0);
    expect(check.overRefundedPayments).toBe(0);
    expect(kills).toBeGreaterThanOrEqual(KILLS);
    // The kills landed mid-refund, not only between refunds.
    expect(Object.values(statesAtKill).reduce((a, b) => a + b, 0)).toBeGreaterThan(0);
  }, 170_000);
});

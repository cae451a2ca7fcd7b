/**
 * `npx tsx bench/store-ports.ts`: what the store ports cost on a throwaway
 * PostgreSQL on loopback, against the SQLite ledger in the same run. Prints
 * one JSON document. Never passes or fails on speed (not part of `npm run
 * bench`, which the journal's own figures own).
 *
 *  - audit appends: latency per append from one counter, and throughput with
 *    4 counters appending at once (every append serializes on one chain);
 *  - PIN gate: a wrong PIN end to end (argon2 included) on each engine;
 *  - approvals feed: from the commit of an AWAITING_APPROVAL refund at one
 *    counter to the notice at another (LISTEN/NOTIFY);
 *  - daily report + CSV over 1,000 refunds of 4 registers.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { openLedger } from '../main/ledger';
import { localDate } from '../main/ledger/local-date';
import { openStoreLedger } from '../main/ledger/pg/pg-store';
import { sqliteStoreLedger } from '../main/ledger/sqlite-store';
import type { StoreLedger } from '../main/ledger/store-port';
import { PUBLIC_TEST_KEYS } from '../main/secrets/ledger-keys';
import { startPgCluster } from '../test/helpers/pg-cluster';
import { roundedSummary, summarize } from './stats';

async function timed(n: number, fn: (i: number) => Promise<unknown>): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n; i += 1) {
    const t = performance.now();
    await fn(i);
    out.push(performance.now() - t);
  }
  return out;
}

async function pay(l: StoreLedger, id: string): Promise<void> {
  await l.payments.upsert({
    paymentId: id,
    amount: { value: 10_000, currency: 'SGD' },
    paymentMethod: 'ALIPAY_CN',
    paidAt: '2026-12-01T08:00:00Z',
    status: 'SUCCESS',
    supportsPartialRefund: true,
  });
}

function refund(id: string, paymentId: string, state: 'APPROVED' | 'AWAITING_APPROVAL') {
  return {
    refundRequestId: id,
    intentId: `intent-${id}`,
    paymentId,
    mode: 'PARTIAL' as const,
    amount: { value: 100, currency: 'SGD' },
    memo: null,
    state,
    cashier: 'alice',
    message: 'm',
    nextAction: 'WAIT' as const,
    approvalReasons: [],
  };
}

async function main(): Promise<void> {
  const cluster = await startPgCluster();
  const dir = mkdtempSync(path.join(os.tmpdir(), 'rt-bench-store-'));
  try {
    cluster.createDatabase('bench');
    const url = cluster.url('bench');
    const counters: StoreLedger[] = [];
    for (let i = 0; i < 4; i += 1) counters.push(await openStoreLedger(url, { register: `counter-${i + 1}`, keys: PUBLIC_TEST_KEYS }));
    const [a, b] = counters as [StoreLedger, StoreLedger];
    const sqlite = sqliteStoreLedger(openLedger(path.join(dir, 'ledger.sqlite')), 'counter-1');

    const pgAppend = await timed(300, (i) => a.audit.append('bench', 'bench.entry', { i }));
    const sqliteAppend = await timed(300, (i) => sqlite.audit.append('bench', 'bench.entry', { i }));
    const t0 = performance.now();
    await Promise.all(counters.map((c, k) => timed(250, (i) => c.audit.append('bench', 'bench.entry', { k, i }))));
    const parallelMs = performance.now() - t0;
    const verifyT = performance.now();
    const verified = await b.audit.verify();
    const verifyMs = performance.now() - verifyT;

    await a.people.add({ name: 'pat', role: 'cashier', pin: '4821' }, 'bench');
    await sqlite.people.add({ name: 'pat', role: 'cashier', pin: '4821' }, 'bench');
    const pgPin = await timed(40, async (i) => {
      await a.people.verifyPin('pat', '0000');
      if (i % 4 === 3) await a.people.unlock('pat', 'bench');
    });
    const sqlitePin = await timed(40, async (i) => {
      await sqlite.people.verifyPin('pat', '0000');
      if (i % 4 === 3) await sqlite.people.unlock('pat', 'bench');
    });

    const heardAt = new Map<string, number>();
    b.approvals.onApprovalChange((id) => heardAt.set(id, performance.now()));
    await (b as StoreLedger & { approvalsReady(): Promise<void> }).approvalsReady();
    const feed: number[] = [];
    for (let i = 0; i < 200; i += 1) {
      const id = `RR-FEED-${i}`;
      await pay(a, `P-FEED-${i}`);
      // From the asking counter's insert call (its commit included) to the notice at the other counter.
      const asked = performance.now();
      await a.journal.insert(refund(id, `P-FEED-${i}`, 'AWAITING_APPROVAL'), 'alice');
      while (!heardAt.has(id)) await new Promise((r) => setImmediate(r));
      feed.push((heardAt.get(id) as number) - asked);
    }

    for (let i = 0; i < 1_000; i += 1) {
      const c = counters[i % 4] as StoreLedger;
      await pay(c, `P-REP-${i}`);
      await c.journal.insert(refund(`RR-REP-${i}`, `P-REP-${i}`, 'APPROVED'), 'alice');
    }
    const today = localDate(new Date(), 'UTC');
    const report = await timed(5, () => b.reports.dailyReport(today, { tz: 'UTC' }));
    const csv = await timed(5, () => b.reports.dailyReportCsv(today, { tz: 'UTC' }));
    const filtered = await timed(5, () => b.reports.dailyReport(today, { tz: 'UTC', register: 'counter-2' }));

    process.stdout.write(
      `${JSON.stringify(
        {
          auditAppendMs: { postgres: roundedSummary(summarize(pgAppend)), sqlite: roundedSummary(summarize(sqliteAppend)) },
          auditAppendsPerSecond4Counters: Math.round((1_000 / parallelMs) * 1_000),
          auditVerify: { entries: verified.count, ok: verified.ok, ms: Math.round(verifyMs) },
          wrongPinMs: { postgres: roundedSummary(summarize(pgPin)), sqlite: roundedSummary(summarize(sqlitePin)) },
          approvalFeedMs: roundedSummary(summarize(feed)),
          report1200RefundsMs: roundedSummary(summarize(report)),
          csv1200RefundsMs: roundedSummary(summarize(csv)),
          reportOneRegisterMs: roundedSummary(summarize(filtered)),
        },
        null,
        2,
      )}\n`,
    );
    for (const c of counters) await c.close();
    await sqlite.close();
  } finally {
    await cluster.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

void main().catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exitCode = 1;
});

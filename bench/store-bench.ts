/**
 * Store-mode benchmarks of `npm run bench`, on a throwaway PostgreSQL on
 * loopback (main/demo/pg-cluster.ts; fsync and synchronous_commit on):
 *
 *  A. the refund path of benchmark 1 with the engine on the store ledger
 *     (composed like core-services.ts in store mode), against the same floor
 *     with one durable PostgreSQL commit in place of the SQLite one, and the
 *     commits per refund (server and client counters, ./pg-commits.ts);
 *  B. store throughput: N counters at once, each its own process with its own
 *     engine, register, pty and virtual terminal (./store-counter.ts), against
 *     one PostgreSQL and one sandbox (./store-throughput.ts);
 *  C. the store-wide audit chain's ceiling: as many connections as counters
 *     appending at once, nothing else running (./audit-chain.ts).
 *
 * Without PostgreSQL binaries the result says skipped, with the reason.
 */
import type { KeyObject } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { PG_BIN, startPgCluster } from '../main/demo/pg-cluster';
import { measurePtyEcho, measureSignatures } from './floor';
import { installClientCounter, measurePgCommits, serverCounters, takeClientCounts } from './pg-commits';
import { runRefunds, startRig, type RefundSample } from './refund-path';
import { pairedSum, ratio, round, roundedSummary, summarize } from './stats';
import { measureAuditChain } from './audit-chain';
import { runStoreThroughput } from './store-throughput';

export interface StoreBenchOptions {
  readonly refunds: number;
  readonly warmup: number;
  readonly counters: number;
  readonly refundsPerCounter: number;
  readonly skipThroughput?: boolean;
}

const log = (msg: string): void => void process.stderr.write(`[bench] ${msg}\n`);

export async function runStoreBench(
  work: string,
  opts: StoreBenchOptions /** run.ts's breakdown of the samples, passed in so this file does not import run.ts. */,
  breakdown: (s: readonly RefundSample[]) => unknown,
): Promise<Record<string, unknown>> {
  if (PG_BIN === null) return { skipped: 'PostgreSQL is not installed (no /usr/lib/postgresql/*/bin/initdb)' };
  const cluster = await startPgCluster();
  const out: Record<string, unknown> = { postgres: path.basename(path.dirname(PG_BIN)), settings: 'fsync=on, synchronous_commit=on, loopback TCP' };
  try {
    cluster.createDatabase('bench_path');
    const url = cluster.url('bench_path');
    installClientCounter();
    // ------------------------------------------------------------ A
    log(`store refund path: ${opts.refunds} refunds (+${opts.warmup} warm-up) on PostgreSQL`);
    const dir = path.join(work, 'store-path');
    mkdirSync(dir, { recursive: true });
    const rig = await startRig(dir, opts.refunds + opts.warmup, { storeUrl: url, register: 'counter-1' });
    let run: Awaited<ReturnType<typeof runRefunds>>;
    let commits: Record<string, unknown>;
    let merchantKey: KeyObject;
    try {
      // Warm-up refunds first, then the counters are read around the measured ones only.
      await runRefunds(rig, 0, opts.warmup);
      const before = await serverCounters(url, 'bench_path');
      takeClientCounts();
      run = await runRefunds(rig, opts.refunds, 0, opts.warmup);
      // Let the engine's trailing work (result notice to the terminal, views) finish inside the window.
      await new Promise((r) => setTimeout(r, 500));
      const client = takeClientCounts();
      const after = await serverCounters(url, 'bench_path');
      const n = run.samples.length;
      const per = (v: number): number | null => round(n > 0 ? v / n : null, 2);
      commits = {
        refunds: n,
        xactCommitPerRefund: per(after.xactCommit - before.xactCommit - 1),
        walSyncPerRefund: per(after.walSync - before.walSync),
        walRecordsPerRefund: per(after.walRecords - before.walRecords),
        client: {
          durableTxPerRefund: per(client.durableTx),
          relaxedTxPerRefund: per(client.relaxedTx),
          autocommitWritesPerRefund: per(client.autocommitWrites),
          autocommitReadsPerRefund: per(client.autocommitReads),
          durableCommitsPerRefund: per(client.durableTx + client.autocommitWrites),
          autocommitWrites: client.autocommitWriteTexts,
        },
        note:
          'xact_commit counts every committed transaction of the database, read-only autocommit SELECTs included; wal_sync counts WAL fsyncs (durable commits, plus the WAL writer flushing relaxed ones in the background); ' +
          'client: what this process sent, whole refund (submit to outcome and the trailing result notice). durableCommitsPerRefund = durable transactions + autocommit writes.',
      };
      merchantKey = rig.merchantKey;
    } finally {
      await rig.close();
    }
    const n = run.samples.length;
    const ptyEchoMs = await measurePtyEcho(n);
    const commitMs = await measurePgCommits(url, n);
    const signMs = measureSignatures(merchantKey, rig.clientId, n);
    const floor = pairedSum([run.samples.map((s) => s.exchangeLineMs), ptyEchoMs, commitMs, signMs]);
    const fSum = summarize(floor);
    const oSum = summarize(run.samples.map((s) => s.totalMs));
    const aSum = summarize(run.samples.map((s) => s.totalMs + s.exchangeLineMs));
    out['refundPath'] = {
      refunds: n,
      failures: run.failures,
      overheadMs: roundedSummary(oSum),
      floorMs: roundedSummary(fSum),
      floorDefinition:
        'as benchmark 1, with one durable PostgreSQL commit (autocommit INSERT over loopback TCP, synchronous_commit=on) in place of the SQLite one',
      floorParts: {
        ptyEchoRttMs: roundedSummary(summarize(ptyEchoMs)),
        durablePgCommitMs: roundedSummary(summarize(commitMs)),
        rsaSignMs: roundedSummary(summarize(signMs)),
      },
      overheadAtLineRateMs: roundedSummary(aSum),
      ratioAtLineRate: { p50: round(ratio(aSum.p50, fSum.p50)), p99: round(ratio(aSum.p99, fSum.p99)), targets: { p50: 1.25, p99: 1.45 } },
      breakdown: breakdown(run.samples),
      commits,
    };
    // ------------------------------------------------------------ B
    if (opts.skipThroughput === true)
      out['throughput'] = { skipped: 'not in --quick (add --store-throughput): the counter processes take too long to start for the CI budget' };
    else {
      cluster.createDatabase('bench_store');
      log(`store throughput: ${opts.counters} counter processes x ${opts.refundsPerCounter} refunds on one PostgreSQL + sandbox`);
      out['throughput'] = await runStoreThroughput(path.join(work, 'store-throughput'), cluster.url('bench_store'), opts.counters, opts.refundsPerCounter);
      // ---------------------------------------------------------- C
      cluster.createDatabase('bench_chain');
      log(`audit chain: ${opts.counters} connections appending for 3 s`);
      out['auditChain'] = await measureAuditChain(cluster.url('bench_chain'), opts.counters, 3);
    }
  } finally {
    await cluster.stop();
  }
  return out;
}

/**
 * `npm run bench [-- --quick]`: runs every benchmark once, prints ONE JSON
 * document on stdout and a short table on stderr, and writes
 * bench/out/latest.json (or latest-quick.json for --quick). Benchmarks never
 * pass or fail on speed; the exit code only says whether they ran.
 */
import { execSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { builtTreeProblem, runBrowserBench, type BrowserResult } from './browser';
import { runRecovery, type RecoveryResult } from './recovery';
import { runStoreBench } from './store-bench';
import { floorSamples, measureCommits, measurePtyEcho, measureSignatures } from './floor';
import { measureJournalSequence } from './journal-sequence';
import { measurePings, type ThroughputResult } from './ping-throughput';
import { runRefunds, startRig, type RefundSample } from './refund-path';
import { LINE_BYTES_PER_S, pairedSum, percentile, ratio, round, roundedSummary, summarize } from './stats';

const ROOT = path.resolve(__dirname, '..');

interface Options {
  readonly quick: boolean;
  readonly refunds: number;
  readonly warmup: number;
  readonly recoveryRows: number;
  readonly pingMs: number;
  readonly skipBrowser: boolean;
  readonly skipStore: boolean;
  readonly storeCounters: number;
  readonly storeRefundsPerCounter: number;
  readonly storeThroughputInQuick: boolean;
}

function parseOptions(argv: readonly string[]): Options {
  const quick = argv.includes('--quick');
  const num = (flag: string, dflt: number): number => {
    const i = argv.indexOf(flag);
    if (i < 0) return dflt;
    const v = Number(argv[i + 1]);
    if (!Number.isInteger(v) || v <= 0) throw new Error(`${flag} needs a positive integer`);
    return v;
  };
  return {
    quick,
    refunds: num('--refunds', quick ? 20 : 300),
    warmup: quick ? 3 : 10,
    recoveryRows: num('--recovery-rows', quick ? 1_000 : 10_000),
    pingMs: quick ? 1_000 : 5_000,
    skipBrowser: argv.includes('--skip-browser'),
    skipStore: argv.includes('--skip-store'),
    storeCounters: num('--store-counters', quick ? 2 : 8),
    storeRefundsPerCounter: num('--store-refunds-per-counter', quick ? 10 : 50),
    storeThroughputInQuick: argv.includes('--store-throughput'),
  };
}

function machine(): Record<string, string | number> {
  const cpuinfo = readFileSync('/proc/cpuinfo', 'utf8');
  const model = /^model name\s*:\s*(.+)$/m.exec(cpuinfo)?.[1] ?? os.cpus()[0]?.model ?? 'unknown';
  let gitHead = 'unknown';
  try {
    gitHead = execSync('git rev-parse --short HEAD', { cwd: ROOT, stdio: ['ignore', 'pipe', 'ignore'] })
      .toString()
      .trim();
  } catch {
    // not a git checkout
  }
  return {
    nproc: os.availableParallelism(),
    cpu: model,
    memGiB: round(os.totalmem() / 2 ** 30, 1) ?? 0,
    node: process.version,
    platform: `${os.platform()} ${os.release()}`,
    gitHead,
  };
}

const log = (msg: string): void => void process.stderr.write(`[bench] ${msg}\n`);

/** The same refunds as the app runs them: the review screen's lookup first, outside the window, against the same floor. */
function afterLookupSummary(run: { samples: RefundSample[]; failures: string[] }, floor: readonly number[]): Record<string, unknown> {
  const o = summarize(run.samples.map((s) => s.totalMs));
  const a = summarize(run.samples.map((s) => s.totalMs + s.exchangeLineMs));
  const f = summarize(floor);
  return {
    what: 'each payment looked up (engine.lookupPayment, as the review screen does) before submit; submit uses that lookup (fresh for 60 s) instead of asking Antom again. Same floor samples as the headline.',
    refunds: run.samples.length,
    failures: run.failures,
    overheadMs: roundedSummary(o),
    overheadAtLineRateMs: roundedSummary(a),
    ratioAtLineRate: { p50: round(ratio(a.p50, f.p50)), p99: round(ratio(a.p99, f.p99)) },
    breakdown: parts(run.samples),
  };
}

function parts(samples: readonly RefundSample[]): Record<string, unknown> {
  const keys = ['journalMs', 'ledgerReadMs', 'terminalMs', 'signingMs', 'paymentInquiryMs', 'httpSendMs', 'otherMs'] as const;
  const total = samples.reduce((a, s) => a + s.totalMs, 0);
  const out: Record<string, unknown> = {};
  for (const k of keys) {
    const vals = samples.map((s) => s[k]);
    const sum = vals.reduce((a, b) => a + b, 0);
    out[k] = {
      p50: round(percentile(vals, 50)),
      p99: round(percentile(vals, 99)),
      mean: round(sum / samples.length),
      shareOfMean: round(total > 0 ? sum / total : null),
    };
  }
  out['journalWritesPerRefund'] = roundedSummary(summarize(samples.map((s) => s.journalWrites)), 1);
  out['ledgerReadsPerRefund'] = roundedSummary(summarize(samples.map((s) => s.ledgerReads)), 1);
  const byMethod: Record<string, number> = {};
  for (const s of samples) for (const [k, v] of Object.entries(s.writesByMethod)) byMethod[k] = (byMethod[k] ?? 0) + v;
  const readMs: Record<string, number> = {};
  for (const s of samples) for (const [k, v] of Object.entries(s.readMsByMethod)) readMs[k] = (readMs[k] ?? 0) + v;
  out['readMsPerRefundByMethod'] = Object.fromEntries(
    Object.entries(readMs)
      .sort((a, b) => b[1] - a[1])
      .map(([k, v]) => [k, round(v / samples.length, 3)]),
  );
  out['writesPerRefundByMethod'] = Object.fromEntries(Object.entries(byMethod).map(([k, v]) => [k, round(v / samples.length, 2)]));
  const third = Math.floor(samples.length / 3);
  if (third > 0) {
    const p50 = (xs: readonly RefundSample[], k: 'otherMs' | 'ledgerReadMs' | 'totalMs'): number | null =>
      round(
        percentile(
          xs.map((x) => x[k]),
          50,
        ),
      );
    const first = samples.slice(0, third);
    const last = samples.slice(samples.length - third);
    out['driftFirstVsLastThird'] = {
      what: 'p50 of the first and last third of the run: growth means per-refund work that scales with refunds already journaled today',
      totalMs: [p50(first, 'totalMs'), p50(last, 'totalMs')],
      ledgerReadMs: [p50(first, 'ledgerReadMs'), p50(last, 'ledgerReadMs')],
      otherMs: [p50(first, 'otherMs'), p50(last, 'otherMs')],
    };
  }
  return out;
}

async function main(): Promise<number> {
  const opts = parseOptions(process.argv.slice(2));
  const started = new Date();
  const loadAtStart = os.loadavg().map((v) => round(v, 2));
  const work = mkdtempSync(path.join(os.tmpdir(), 'rt-bench-'));
  log(`mode ${opts.quick ? 'quick' : 'full'}; work folder ${work} (journal on disk: ${work})`);
  const result: Record<string, unknown> = { startedAt: started.toISOString(), mode: opts.quick ? 'quick' : 'full', machine: machine() };
  try {
    // ---------------------------------------------------------------- 1 + 2
    log(`refund path: ${opts.refunds} refunds (+${opts.warmup} warm-up) through sandbox + pty terminal + journal`);
    const rig = await startRig(work, 2 * opts.refunds + opts.warmup);
    let throughput: ThroughputResult;
    let refundRun: Awaited<ReturnType<typeof runRefunds>>;
    let afterLookup: Awaited<ReturnType<typeof runRefunds>>;
    try {
      refundRun = await runRefunds(rig, opts.refunds, opts.warmup);
      log(`refund path after the cashier's lookup: ${opts.refunds} more refunds`);
      afterLookup = await runRefunds(rig, opts.refunds, 0, opts.refunds + opts.warmup, true);
      log(`link throughput: pings for ${opts.pingMs} ms`);
      throughput = await measurePings(rig.link, rig.recorder, opts.pingMs);
    } finally {
      await rig.close();
    }
    const n = refundRun.samples.length;
    log(`floor parts: ${n} pty echoes, commits, signatures`);
    const ptyEchoMs = await measurePtyEcho(n);
    const commitMs = measureCommits(work, n);
    const signMs = measureSignatures(rig.merchantKey, rig.clientId, n);
    const seqs = [
      measureJournalSequence(work, n, 'FULL', 'per-step'),
      measureJournalSequence(work, n, 'OFF', 'per-step'),
      measureJournalSequence(work, n, 'FULL', 'grouped'),
      measureJournalSequence(work, n, 'OFF', 'grouped'),
    ];
    const floor = floorSamples(refundRun.samples, { ptyEchoMs, commitMs, signMs });
    const overhead = refundRun.samples.map((s) => s.totalMs);
    const oSum = summarize(overhead);
    const fSum = summarize(floor);
    const lineMs = refundRun.samples.map((s) => s.exchangeLineMs);
    const aSum = summarize(refundRun.samples.map((s) => s.totalMs + s.exchangeLineMs));
    const pSum = summarize(pairedSum([ptyEchoMs, commitMs, signMs]));
    const sumOfPartP = (p: number): number => percentile(lineMs, p) + percentile(ptyEchoMs, p) + percentile(commitMs, p) + percentile(signMs, p);
    result['refundOverhead'] = {
      definition: 'engine.submit called -> last byte of the signed refund request handed to the HTTP socket (undici:request:bodySent)',
      refunds: n,
      failures: refundRun.failures,
      overheadMs: roundedSummary(oSum),
      floorMs: roundedSummary(fSum),
      floorDefinition:
        'per sample i: line time of the refund.reference exchange at 115200 baud, 10 bits/byte (request frame + terminal ACK + reply frame, sizes measured on the wire) + raw 1-byte pty echo round trip i + durable SQLite commit i (WAL, synchronous=FULL, same folder) + RSA-2048 signature i (merchant key)',
      floorParts: {
        exchangeBytes: roundedSummary(summarize(refundRun.samples.map((s) => s.exchangeBytes)), 0),
        exchangeLineMs: roundedSummary(summarize(lineMs)),
        ptyEchoRttMs: roundedSummary(summarize(ptyEchoMs)),
        durableCommitMs: roundedSummary(summarize(commitMs)),
        rsaSignMs: roundedSummary(summarize(signMs)),
        floorAsSumOfPartP50Ms: round(sumOfPartP(50)),
        floorAsSumOfPartP99Ms: round(sumOfPartP(99)),
      },
      ratio: { p50: round(ratio(oSum.p50, fSum.p50)), p99: round(ratio(oSum.p99, fSum.p99)), targets: { p50: 1.5, p99: 2.0 } },
      ratioNote:
        'ratio = measured overhead on the pty / floor. A pty moves bytes instantly, so the measured overhead contains no line time while the floor does: ' +
        "ratioAtLineRate adds each refund's own exchange line time to its overhead (what a real 115200 UART would add), and ratioPtyOnly compares the pty overhead with the floor minus line time. " +
        'ratioAtLineRate is the apples-to-apples figure for a real terminal; ratioPtyOnly is the strictest.',
      overheadAtLineRateMs: roundedSummary(aSum),
      ratioAtLineRate: { p50: round(ratio(aSum.p50, fSum.p50)), p99: round(ratio(aSum.p99, fSum.p99)) },
      floorWithoutLineMs: roundedSummary(pSum),
      ratioPtyOnly: { p50: round(ratio(oSum.p50, pSum.p50)), p99: round(ratio(oSum.p99, pSum.p99)) },
      breakdown: parts(refundRun.samples),
      afterLookup: afterLookupSummary(afterLookup, floor),
      instrumentedLedgerMethods: rig.instrumented,
      breakdownNote:
        'journalMs: ledger writes before the request left (see writesPerRefundByMethod; each top-level write is one durable commit); ledgerReadMs: ledger reads outside writes; terminalMs: requestRefundReference over the pty; ' +
        "signingMs: gateway entry -> fetch() for the payment inquiry and the refund (validation, JSON, RSA signature); paymentInquiryMs: submit's inquiryPayment round trip to the sandbox (HTTP, sandbox verify + sign, our verify); " +
        'httpSendMs: fetch() -> bodySent of the refund; otherMs: the rest (engine, policy, queries, zod, events).',
      journalSequenceDiagnostic: {
        what:
          'the journal writes of one submit back to back through the ledger API (no terminal or HTTP in between). per-step: one commit per call, as the first round engine did; ' +
          'grouped: the same rows in two transactions (intent+lease+REFERENCE_REQUESTED, then REFERENCE_OBTAINED+SUBMITTING), as the engine does since #16. synchronous OFF shows the CPU part.',
        runs: seqs.map((q) => ({ variant: q.variant, synchronous: q.synchronous, commitsPerRefund: q.commitsPerRefund, ms: roundedSummary(summarize(q.ms)) })),
      },
      terminalRoundTripMs: roundedSummary(summarize(refundRun.samples.map((s) => s.terminalMs))),
      transport:
        'socat pty pair (pty,raw,echo=0), both ends opened by serialport at 115200 8N1; a pty does not pace bytes at the baud rate, hence the computed line time',
    };
    result['linkThroughput'] = {
      ...throughput,
      rttMs: roundedSummary(throughput.rttMs),
      pingsPerS: round(throughput.pingsPerS, 1),
      payloadBytesPerS: {
        hostToTerminal: round(throughput.payloadBytesPerS.hostToTerminal, 0),
        terminalToHost: round(throughput.payloadBytesPerS.terminalToHost, 0),
        total: round(throughput.payloadBytesPerS.total, 0),
      },
      wireBytesPerS: { hostToTerminal: round(throughput.wireBytesPerS.hostToTerminal, 0), terminalToHost: round(throughput.wireBytesPerS.terminalToHost, 0) },
      wireUtilisation: { hostToTerminal: round(throughput.wireUtilisation.hostToTerminal), terminalToHost: round(throughput.wireUtilisation.terminalToHost) },
      bytesPerPingExchange: round(throughput.bytesPerPingExchange, 1),
      lineLimitedPingsPerS: round(throughput.lineLimitedPingsPerS, 1),
      lineRateBytesPerS: LINE_BYTES_PER_S,
    };

    // ---------------------------------------------------------------- 3
    log(`recovery: ${opts.recoveryRows} pending refunds`);
    const rec: RecoveryResult = await runRecovery(work, opts.recoveryRows);
    result['recovery'] = {
      ...rec,
      populateMs: round(rec.populateMs, 1),
      loadAndSchedule: Object.fromEntries(Object.entries(rec.loadAndSchedule).map(([k, v]) => [k, round(v, 2)])),
      engineRecover: Object.fromEntries(Object.entries(rec.engineRecover).map(([k, v]) => [k, round(v, 3)])),
      targetMs: 1_000,
    };

    // ---------------------------------------------------------------- 6 + 7: store mode (PostgreSQL)
    if (opts.skipStore) result['storeMode'] = { skipped: '--skip-store' };
    else {
      result['storeMode'] = await runStoreBench(
        work,
        {
          // Quick (CI): the refund path only, small; starting the counter processes of the throughput run alone takes longer than the budget.
          refunds: opts.quick ? Math.min(opts.refunds, 10) : opts.refunds,
          warmup: opts.warmup,
          counters: opts.storeCounters,
          refundsPerCounter: opts.storeRefundsPerCounter,
          skipThroughput: opts.quick && !opts.storeThroughputInQuick,
        },
        parts,
      );
    }

    // ---------------------------------------------------------------- 4 + 5
    const problem = builtTreeProblem();
    if (opts.skipBrowser) result['browser'] = { skipped: '--skip-browser' };
    else if (problem !== null) result['browser'] = { skipped: problem };
    else {
      log('browser: cold start, bundle size, cashier actions (Playwright + Chromium)');
      const b: BrowserResult = await runBrowserBench();
      result['browser'] = {
        browserLaunchMs: round(b.browserLaunchMs, 1),
        coldStarts: b.coldStarts.map((c) => Object.fromEntries(Object.entries(c).map(([k, v]) => [k, typeof v === 'number' ? round(v, 1) : v]))),
        coldStartDefinition:
          'spawn of `node bin/refund-terminal.cjs serve --port 0` -> URL printed -> page loaded, sign-in visible -> alice/1470 signed in -> scan input enabled (Chromium already running)',
        rendererJs: { ...b.bundle, jsGzipKB: round(b.bundle.jsGzipKB, 1) },
        cashierActions: b.actions.map((a) => ({ ...a, elapsedMs: round(a.elapsedMs, 0) })),
      };
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  result['finishedAt'] = new Date().toISOString();
  result['loadAverage'] = {
    atStart: loadAtStart,
    atEnd: os.loadavg().map((v) => round(v, 2)),
    note: 'shared machine: other work running at the same time shows up here and in the p99s',
  };

  const json = JSON.stringify(result, null, 2);
  const outDir = path.join(ROOT, 'bench', 'out');
  mkdirSync(outDir, { recursive: true });
  writeFileSync(path.join(outDir, opts.quick ? 'latest-quick.json' : 'latest.json'), `${json}\n`);
  process.stdout.write(`${json}\n`);
  process.stderr.write(table(result));
  return 0;
}

function get(obj: unknown, ...keys: (string | number)[]): unknown {
  let cur: unknown = obj;
  for (const k of keys) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string | number, unknown>)[k];
  }
  return cur;
}

function fmt(v: unknown): string {
  return typeof v === 'number' ? String(v) : v === undefined || v === null ? '-' : String(v);
}

export function table(r: Record<string, unknown>): string {
  const rows: [string, string, string][] = [];
  const o = 'refundOverhead';
  rows.push(['1 overhead p50 / p99 (ms)', `${fmt(get(r, o, 'overheadMs', 'p50'))} / ${fmt(get(r, o, 'overheadMs', 'p99'))}`, `n=${fmt(get(r, o, 'refunds'))}`]);
  rows.push(['1 floor p50 / p99 (ms)', `${fmt(get(r, o, 'floorMs', 'p50'))} / ${fmt(get(r, o, 'floorMs', 'p99'))}`, 'line+echo+commit+sign']);
  rows.push([
    '1 overhead at line rate p50 / p99',
    `${fmt(get(r, o, 'overheadAtLineRateMs', 'p50'))} / ${fmt(get(r, o, 'overheadAtLineRateMs', 'p99'))}`,
    'pty overhead + frame line time',
  ]);
  rows.push(['1 ratio p50 / p99 (pty overhead)', `${fmt(get(r, o, 'ratio', 'p50'))} / ${fmt(get(r, o, 'ratio', 'p99'))}`, 'target <=1.5 / <=2.0']);
  rows.push([
    '1 ratio at line rate p50 / p99',
    `${fmt(get(r, o, 'ratioAtLineRate', 'p50'))} / ${fmt(get(r, o, 'ratioAtLineRate', 'p99'))}`,
    'overhead + frame line time',
  ]);
  rows.push(['1 ratio pty-only p50 / p99', `${fmt(get(r, o, 'ratioPtyOnly', 'p50'))} / ${fmt(get(r, o, 'ratioPtyOnly', 'p99'))}`, 'floor without line time']);
  rows.push([
    '1 after lookup: ratio at line rate',
    `${fmt(get(r, o, 'afterLookup', 'ratioAtLineRate', 'p50'))} / ${fmt(get(r, o, 'afterLookup', 'ratioAtLineRate', 'p99'))}`,
    `overhead ${fmt(get(r, o, 'afterLookup', 'overheadMs', 'p50'))} / ${fmt(get(r, o, 'afterLookup', 'overheadMs', 'p99'))} ms`,
  ]);
  for (const k of ['journalMs', 'ledgerReadMs', 'terminalMs', 'signingMs', 'paymentInquiryMs', 'httpSendMs', 'otherMs']) {
    rows.push([`  part ${k} p50 (share)`, fmt(get(r, o, 'breakdown', k, 'p50')), `share ${fmt(get(r, o, 'breakdown', k, 'shareOfMean'))}`]);
  }
  rows.push(['2 pings/s', fmt(get(r, 'linkThroughput', 'pingsPerS')), `line-limited ${fmt(get(r, 'linkThroughput', 'lineLimitedPingsPerS'))}/s`]);
  rows.push(['2 payload B/s (both dirs)', fmt(get(r, 'linkThroughput', 'payloadBytesPerS', 'total')), `line 11520 B/s per direction`]);
  rows.push([
    '2 wire B/s host->term',
    fmt(get(r, 'linkThroughput', 'wireBytesPerS', 'hostToTerminal')),
    `util ${fmt(get(r, 'linkThroughput', 'wireUtilisation', 'hostToTerminal'))}`,
  ]);
  rows.push(['3 load+schedule (ms)', fmt(get(r, 'recovery', 'loadAndSchedule', 'totalMs')), `rows=${fmt(get(r, 'recovery', 'rows'))}, target <1000`]);
  rows.push([
    '3 engine.recover stubbed (ms)',
    fmt(get(r, 'recovery', 'engineRecover', 'ms')),
    `${fmt(get(r, 'recovery', 'engineRecover', 'perRowMs'))} ms/row`,
  ]);
  const s = 'storeMode';
  if (get(r, s, 'skipped') !== undefined) rows.push(['6/7 store mode', 'skipped', fmt(get(r, s, 'skipped'))]);
  else {
    const p = [s, 'refundPath'] as const;
    rows.push([
      '6 store overhead p50 / p99 (ms)',
      `${fmt(get(r, ...p, 'overheadMs', 'p50'))} / ${fmt(get(r, ...p, 'overheadMs', 'p99'))}`,
      `n=${fmt(get(r, ...p, 'refunds'))}`,
    ]);
    rows.push(['6 store floor p50 / p99 (ms)', `${fmt(get(r, ...p, 'floorMs', 'p50'))} / ${fmt(get(r, ...p, 'floorMs', 'p99'))}`, 'line+echo+PG commit+sign']);
    rows.push([
      '6 store ratio at line rate p50 / p99',
      `${fmt(get(r, ...p, 'ratioAtLineRate', 'p50'))} / ${fmt(get(r, ...p, 'ratioAtLineRate', 'p99'))}`,
      'target <=1.25 / <=1.45',
    ]);
    rows.push([
      '6 PG commits per refund',
      `${fmt(get(r, ...p, 'commits', 'client', 'durableCommitsPerRefund'))} durable`,
      `${fmt(get(r, ...p, 'commits', 'client', 'relaxedTxPerRefund'))} relaxed, xact_commit ${fmt(get(r, ...p, 'commits', 'xactCommitPerRefund'))}, wal_sync ${fmt(get(r, ...p, 'commits', 'walSyncPerRefund'))}`,
    ]);
    const t = [s, 'throughput'] as const;
    if (get(r, ...t, 'skipped') !== undefined) rows.push(['7 store throughput', 'skipped', fmt(get(r, ...t, 'skipped'))]);
    else {
      rows.push([
        `7 store ${fmt(get(r, ...t, 'counters'))} counters refunds/s`,
        `${fmt(get(r, ...t, 'sustainedRefundsPerS'))}`,
        `p50/p99 ${fmt(get(r, ...t, 'latencyMs', 'p50'))} / ${fmt(get(r, ...t, 'latencyMs', 'p99'))} ms, target >=200/s`,
      ]);
      rows.push([
        '7 CPU ms per refund (all processes)',
        `${fmt(get(r, ...t, 'cpu', 'msPerRefund', 'total'))}`,
        `counters ${fmt(get(r, ...t, 'cpu', 'msPerRefund', 'counters'))}, pg ${fmt(get(r, ...t, 'cpu', 'msPerRefund', 'postgres'))}, busy ${fmt(get(r, ...t, 'cpu', 'machineBusyShare'))}, CPU ceiling ${fmt(get(r, ...t, 'cpu', 'cpuBoundCeilingRefundsPerS'))}/s`,
      ]);
      rows.push([
        '7 audit chain appends/s',
        `${fmt(get(r, s, 'auditChain', 'appendsPerS'))}`,
        `${fmt(get(r, s, 'auditChain', 'connections'))} connections, chain ceiling ${fmt(get(r, s, 'auditChain', 'refundsPerSCeiling'))} refunds/s`,
      ]);
    }
  }
  const skipped = get(r, 'browser', 'skipped');
  if (skipped !== undefined) rows.push(['4/5 browser', 'skipped', fmt(skipped)]);
  else {
    for (const i of [0, 1])
      rows.push([
        `4 cold start ${fmt(get(r, 'browser', 'coldStarts', i, 'kind'))} (ms)`,
        fmt(get(r, 'browser', 'coldStarts', i, 'totalMs')),
        `to URL ${fmt(get(r, 'browser', 'coldStarts', i, 'processToUrlMs'))}`,
      ]);
    rows.push(['4 renderer JS gzip (KB)', fmt(get(r, 'browser', 'rendererJs', 'jsGzipKB')), 'target <250']);
    for (const i of [0, 1])
      rows.push([
        `5 ${fmt(get(r, 'browser', 'cashierActions', i, 'flow'))}`,
        `${fmt(get(r, 'browser', 'cashierActions', i, 'actions'))} actions`,
        `${fmt(get(r, 'browser', 'cashierActions', i, 'clicks'))} clicks, ${fmt(get(r, 'browser', 'cashierActions', i, 'humanKeyPresses'))} human keys, ${fmt(get(r, 'browser', 'cashierActions', i, 'outcome'))}`,
      ]);
  }
  const w0 = Math.max(...rows.map((x) => x[0].length));
  const w1 = Math.max(...rows.map((x) => x[1].length));
  return `${rows.map(([a, b, c]) => `${a.padEnd(w0)}  ${b.padStart(w1)}  ${c}`).join('\n')}\n`;
}

/** Called by bin/refund-terminal-bench.cjs (and when run directly with tsx). */
export function runCli(): void {
  main().then(
    (code) => {
      process.exitCode = code;
    },
    (e: unknown) => {
      process.stderr.write(`[bench] failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
      process.exitCode = 1;
    },
  );
}

if (require.main === module) runCli();

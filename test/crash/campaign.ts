/**
 * Crash campaign: for each run, a child process makes refunds and is
 * SIGKILLed at a state boundary (or at a random moment); then recovery runs
 * and the invariants are checked against what the out-of-process gateway saw:
 *  - at most one refund created per intent, never a second refundRequestId;
 *  - no body inconsistency for a reused refundRequestId;
 *  - every refund the gateway created is known to the journal (never lost) and
 *    ends SUCCEEDED once the gateway is calm; nothing SUCCEEDED that it did not create;
 *  - every intent ends final or pending with a known next step;
 *  - no payment over-refunded; the audit chain verifies.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { openLedger } from '../../main/ledger/ledger';
import { isFinal, isPending } from '../../main/ledger/state-machine';
import { RefundEngine } from '../../main/refunds/refund-engine';
import { FakeTerminal } from '../unit/refunds/fakes';
import { startCounterServer, type CounterServer } from './counter-server';
import { HttpAntom } from './http-antom';
import { mulberry32 } from '../helpers/prng';

export const CRASH_POINTS = [
  'APPROVED',
  'REFERENCE_REQUESTED',
  'REFERENCE_OBTAINED',
  'SUBMITTING',
  'AFTER_GATEWAY',
  'SUCCEEDED',
  'PENDING_UNKNOWN',
  'RANDOM',
] as const;
export type CrashPoint = (typeof CRASH_POINTS)[number];

export interface CampaignOptions {
  readonly runs: number;
  readonly intentsPerRun?: number;
  readonly seed?: number;
  readonly log?: (line: string) => void;
  /** Also run two processes submitting the same intents at once (no kill) every k-th run. */
  readonly twoProcessEvery?: number;
  /**
   * Every k-th run, the first pass after the kill is the background resolver
   * (`tick()`) instead of `recover()`: it alone must pick up whatever the dead
   * process left (SUBMITTING, APPROVED, REFERENCE_OBTAINED included).
   */
  readonly resolverEvery?: number;
}

export interface CampaignResult {
  runs: number;
  killed: number;
  killedByPoint: Record<string, number>;
  notKilled: number;
  twoProcessRuns: number;
  /** Runs whose first pass after the kill was the background resolver. */
  resolverRuns: number;
  intents: number;
  gatewayRefundRequests: number;
  gatewayRefundsCreated: number;
  sameIdResends: number;
  maxCreatedPerIntent: number;
  finalAfterRecovery: number;
  pendingAfterFirstRecovery: number;
  recoveryMsAvg: number;
  recoveryMsMax: number;
  violations: string[];
}

const CHILD = path.resolve(__dirname, 'child.ts');
const PAYMENT_VALUE = 9_000;

interface ChildConfig {
  dbPath: string;
  url: string;
  intents: { intentId: string; paymentId: string; amount?: number }[];
  crashAt: string | null;
  crashNth: number;
  doubleClick: boolean;
}

function runChild(cfg: ChildConfig, killAfterReadyMs: number | null): Promise<{ signal: NodeJS.Signals | null; code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', CHILD], {
      env: { ...process.env, CRASH_CHILD_CONFIG: JSON.stringify(cfg) },
      stdio: ['ignore', 'pipe', 'pipe'],
      cwd: path.resolve(__dirname, '..', '..'),
    });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.stdout.on('data', (d: Buffer) => {
      if (killAfterReadyMs !== null && d.toString().includes('READY')) {
        setTimeout(() => child.kill('SIGKILL'), killAfterReadyMs);
      }
    });
    child.on('error', reject);
    child.on('exit', (code, signal) => resolve({ code, signal, stderr }));
  });
}

export async function runCrashCampaign(opts: CampaignOptions): Promise<CampaignResult> {
  const rnd = mulberry32(opts.seed ?? 20261125);
  const log = opts.log ?? (() => undefined);
  const perRun = opts.intentsPerRun ?? 4;
  const res: CampaignResult = {
    runs: 0,
    killed: 0,
    killedByPoint: {},
    notKilled: 0,
    twoProcessRuns: 0,
    resolverRuns: 0,
    intents: 0,
    gatewayRefundRequests: 0,
    gatewayRefundsCreated: 0,
    sameIdResends: 0,
    maxCreatedPerIntent: 0,
    finalAfterRecovery: 0,
    pendingAfterFirstRecovery: 0,
    recoveryMsAvg: 0,
    recoveryMsMax: 0,
    violations: [],
  };
  const recoveryTimes: number[] = [];
  // 90.00 SGD: under the default approval threshold, so refunds run without a manager.
  const server: CounterServer = await startCounterServer({
    pLost: 0.15,
    pAcceptedButUnknown: 0.15,
    maxLatencyMs: 8,
    random: rnd,
    paymentAmount: { value: PAYMENT_VALUE, currency: 'SGD' },
  });
  try {
    for (let run = 0; run < opts.runs; run += 1) {
      const dir = mkdtempSync(path.join(tmpdir(), 'crash-run-'));
      const dbPath = path.join(dir, 'ledger.sqlite');
      server.reset();
      server.setChaos({ pLost: 0.15, pAcceptedButUnknown: 0.15 });
      const intents = Array.from({ length: perRun }, (_, k) => ({
        intentId: `run${run}-intent${k}`,
        paymentId: `PAY-${run}-${k}`,
        ...(k % 2 === 1 ? { amount: 1 + Math.floor(rnd() * (PAYMENT_VALUE - 1)) } : {}),
      }));
      const twoProcs = opts.twoProcessEvery !== undefined && run % opts.twoProcessEvery === opts.twoProcessEvery - 1;
      const point: CrashPoint = CRASH_POINTS[run % CRASH_POINTS.length] ?? 'RANDOM';
      const nth = 1 + Math.floor(rnd() * perRun);
      const base: ChildConfig = { dbPath, url: server.url, intents, crashAt: null, crashNth: nth, doubleClick: true };
      const violations: string[] = [];
      try {
        if (twoProcs) {
          // Two processes (the app and a second instance / the CLI) confirm the same intents at once.
          res.twoProcessRuns += 1;
          await Promise.all([runChild(base, null), runChild(base, null)]);
        } else {
          const exit = point === 'RANDOM' ? await runChild(base, Math.floor(rnd() * 60)) : await runChild({ ...base, crashAt: point }, null);
          if (exit.signal === 'SIGKILL') {
            res.killed += 1;
            res.killedByPoint[point] = (res.killedByPoint[point] ?? 0) + 1;
          } else {
            res.notKilled += 1;
            if (exit.code !== 0) violations.push(`child exited ${exit.code}: ${exit.stderr.slice(0, 300)}`);
          }
        }

        // Restart: recovery with the gateway still misbehaving, then the cashier re-confirms every intent.
        const ledger = openLedger(dbPath);
        const engine = new RefundEngine({ ledger, terminal: new FakeTerminal(), antom: new HttpAntom(server.url), settleWaitMs: 2_000 });
        try {
          const t0 = performance.now();
          const byResolver = opts.resolverEvery !== undefined && run % opts.resolverEvery === 1 % opts.resolverEvery;
          if (byResolver) {
            res.resolverRuns += 1;
            await engine.tick();
          } else await engine.recover();
          const ms = performance.now() - t0;
          recoveryTimes.push(ms);
          for (const i of intents) {
            const input = {
              intentId: i.intentId,
              paymentId: i.paymentId,
              cashier: 'crash',
              ...(i.amount !== undefined ? { mode: 'PARTIAL' as const, amount: { value: i.amount, currency: 'SGD' } } : { mode: 'FULL' as const }),
            };
            const r = await engine.submit(input);
            if (!r.ok) violations.push(`${i.intentId}: re-submit failed ${r.error.code}`);
          }
          for (const i of intents) {
            const row = ledger.refunds.getByIntent(i.intentId);
            if (row === null) violations.push(`${i.intentId}: not journaled after re-submit`);
            else if (!isFinal(row.state) && !isPending(row.state)) violations.push(`${i.intentId}: left in ${row.state}`);
            else if (isPending(row.state)) res.pendingAfterFirstRecovery += 1;
            if (row !== null && isPending(row.state) && row.next_check_at === null) violations.push(`${i.intentId}: pending without a next check`);
          }
          // Gateway calm again: a second recovery must make everything final.
          server.setChaos({ pLost: 0, pAcceptedButUnknown: 0 });
          await engine.recover();
          const stats = server.stats();
          const rows = ledger.refunds.list();
          const byId = new Map(rows.map((r) => [r.refund_request_id, r]));
          const createdPerIntent = new Map<string, number>();
          for (const c of stats.created) {
            const row = byId.get(c.refundRequestId);
            if (row === undefined) {
              violations.push(`gateway refund ${c.refundRequestId} is unknown to the journal (lost)`);
              continue;
            }
            createdPerIntent.set(row.intent_id, (createdPerIntent.get(row.intent_id) ?? 0) + 1);
            if (row.state !== 'SUCCEEDED') violations.push(`${c.refundRequestId}: gateway created it but journal says ${row.state}`);
          }
          for (const row of rows) {
            if (row.state === 'SUCCEEDED' && !stats.created.some((c) => c.refundRequestId === row.refund_request_id)) {
              violations.push(`${row.refund_request_id}: SUCCEEDED in the journal but never created at the gateway`);
            }
            if (!isFinal(row.state)) violations.push(`${row.refund_request_id}: still ${row.state} after calm recovery`);
            else res.finalAfterRecovery += 1;
          }
          for (const i of intents) {
            const n = createdPerIntent.get(i.intentId) ?? 0;
            res.maxCreatedPerIntent = Math.max(res.maxCreatedPerIntent, n);
            if (n > 1) violations.push(`${i.intentId}: ${n} refunds created at the gateway`);
            if (rows.filter((r) => r.intent_id === i.intentId).length !== 1) violations.push(`${i.intentId}: not exactly one journal row`);
          }
          const perPayment = new Map<string, number>();
          for (const c of stats.created) perPayment.set(c.paymentId, (perPayment.get(c.paymentId) ?? 0) + c.amount);
          for (const [pid, sum] of perPayment) if (sum > PAYMENT_VALUE) violations.push(`${pid}: over-refunded ${sum}`);
          if (stats.inconsistentBodies !== 0) violations.push(`${stats.inconsistentBodies} resends with a different body`);
          const audit = ledger.verifyAudit();
          if (!audit.ok) violations.push(`audit broken at ${audit.firstBrokenSeq}: ${audit.reason}`);
          res.gatewayRefundRequests += Object.values(stats.requestsPerId).reduce((a, b) => a + b, 0);
          res.sameIdResends += Object.values(stats.requestsPerId).reduce((a, b) => a + Math.max(0, b - 1), 0);
          res.gatewayRefundsCreated += stats.created.length;
          res.intents += intents.length;
        } finally {
          await engine.stop();
          ledger.close();
        }
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
      res.runs += 1;
      for (const v of violations) res.violations.push(`run ${run} (${twoProcs ? 'two-process' : point}): ${v}`);
      log(`run ${run} ${twoProcs ? 'two-process' : point}: ${violations.length === 0 ? 'ok' : `${violations.length} VIOLATIONS`}`);
    }
  } finally {
    await server.close();
  }
  res.recoveryMsAvg = recoveryTimes.length ? Math.round((recoveryTimes.reduce((a, b) => a + b, 0) / recoveryTimes.length) * 10) / 10 : 0;
  res.recoveryMsMax = recoveryTimes.length ? Math.round(Math.max(...recoveryTimes) * 10) / 10 : 0;
  return res;
}

/**
 * Real-mode crash campaign: the same kill-and-recover loop as campaign.ts, but
 * against the REAL local Antom sandbox (signed HTTP, createAntomGateway) and the
 * REAL VirtualTerminal over a socat pty pair (serialport bindings, TerminalLink).
 * The parent owns the sandbox, the pty pair and the terminal (real-env.ts); the
 * child (real-child.ts) is SIGKILLed at a state boundary or at a random moment;
 * then the parent recovers with a new TerminalLink on the same pty (a fresh
 * handshake) and checks, against what the sandbox saw:
 *  - at most one refund created per intent and per (paymentId, intent); every
 *    sandbox refund is known to the journal; SUCCEEDED only where it exists;
 *  - no DPOS_PAYMENT_REPEAT_REQ_INCONSISTENT answer, no same-id different body;
 *  - every intent final or pending with a known next step after the first
 *    recovery, all final once the gateway is calm and async refunds settled;
 *  - no payment over-refunded; the audit chain verifies.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { openLedger } from '../../main/ledger/ledger';
import { isFinal, isPending } from '../../main/ledger/state-machine';
import { RefundEngine } from '../../main/refunds/refund-engine';
import type { SandboxPayment, SandboxPaymentMethod } from '../../main/sandbox';
import { CRASH_POINTS } from './campaign';
import { makeGateway, openHostSide, startRealEnvironment, type HostConfig } from './real-env';
import { mulberry32 } from '../helpers/prng';

/**
 * The fake harness's points, plus PENDING_IN_PROCESS (the async bank transfer) and
 * TERMINAL_REPLIED: killed by the parent the moment the virtual terminal writes a
 * freshly issued reference to the pty, before the host could journal it.
 */
export const REAL_CRASH_POINTS = [...CRASH_POINTS.filter((p) => p !== 'RANDOM'), 'PENDING_IN_PROCESS', 'TERMINAL_REPLIED', 'RANDOM'] as const;
export type RealCrashPoint = (typeof REAL_CRASH_POINTS)[number];

export interface RealCampaignOptions {
  readonly runs: number;
  readonly seed?: number;
  readonly log?: (line: string) => void;
  /** How long an Express-Banktransfer refund stays in process at the sandbox. */
  readonly asyncSettleMs?: number;
  /**
   * Every k-th run, "another register" first refunds part of the async bank-transfer
   * payment directly at the sandbox (still processing when the child's partial refund of
   * the same payment arrives). Off by default: it exposes the PENDING_IN_PROCESS liveness
   * bug described in docs/ledger.md and fails until that is fixed.
   */
  readonly otherRegisterEvery?: number;
}

export interface RealCampaignResult {
  runs: number;
  killed: number;
  killedByPoint: Record<string, number>;
  notKilled: number;
  intents: number;
  intentsByCurrency: Record<string, number>;
  partialIntents: number;
  asyncIntents: number;
  forcedUnknownIntents: number;
  sandboxRefundsCreated: number;
  sandboxRefundRequests: number;
  sameIdResends: number;
  inconsistentAnswers: number;
  maxCreatedPerIntent: number;
  /** Journal states found right after a RANDOM kill (state -> refunds). */
  randomKillJournalStates: Record<string, number>;
  pendingInProcessSeen: number;
  pendingUnknownSeen: number;
  pendingAfterFirstRecovery: number;
  finalAfterRecovery: number;
  recoveryMsAvg: number;
  recoveryMsMax: number;
  handshakeMsAvg: number;
  handshakeMsMax: number;
  violations: string[];
}

const CHILD = path.resolve(__dirname, 'real-child.ts');
const INTENTS_PER_RUN = 4;
const OTHER_REGISTER_PREFIX = 'OTHER-';
const OTHER_REGISTER_VALUE = 1_000;

/** One payment kind per slot: SGD / JPY / KWD synchronous wallets and an async SGD bank transfer. All under the default approval thresholds. */
const SLOTS: readonly { method: SandboxPaymentMethod; currency: string; value: number; async: boolean }[] = [
  { method: 'ALIPAY_CN', currency: 'SGD', value: 9_000, async: false },
  { method: 'ALIPAY_HK', currency: 'JPY', value: 4_800, async: false },
  { method: 'ALIPAY_CN', currency: 'KWD', value: 12_345, async: false },
  { method: 'EXPRESS_BANKTRANSFER', currency: 'SGD', value: 9_500, async: true },
];

interface Intent {
  intentId: string;
  paymentId: string;
  amount?: { value: number; currency: string };
}

interface ChildConfig {
  dbPath: string;
  host: HostConfig;
  intents: Intent[];
  crashAt: string | null;
  crashNth: number;
  doubleClick: boolean;
}

function paymentIdFor(tag: string, run: number, k: number): string {
  return `CR-${tag}-R${run}-K${k}`;
}

function runChild(
  cfg: ChildConfig,
  killAfterReadyMs: number | null,
  onSpawn?: (kill: () => void) => void,
): Promise<{ signal: NodeJS.Signals | null; code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', CHILD], {
      env: { ...process.env, CRASH_CHILD_CONFIG: JSON.stringify(cfg) },
      stdio: ['ignore', 'pipe', 'pipe'],
      cwd: path.resolve(__dirname, '..', '..'),
    });
    onSpawn?.(() => child.kill('SIGKILL'));
    let stderr = '';
    let armed = false;
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.stdout.on('data', (d: Buffer) => {
      if (!armed && killAfterReadyMs !== null && d.toString().includes('READY')) {
        armed = true;
        setTimeout(() => child.kill('SIGKILL'), killAfterReadyMs);
      }
    });
    // A child that hangs is a finding too; never let it stall the campaign.
    const guard = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      clearTimeout(guard);
      resolve({ code, signal, stderr });
    });
  });
}

const round1 = (n: number): number => Math.round(n * 10) / 10;
const avg = (xs: number[]): number => (xs.length ? round1(xs.reduce((a, b) => a + b, 0) / xs.length) : 0);

export async function runRealCrashCampaign(opts: RealCampaignOptions): Promise<RealCampaignResult> {
  const rnd = mulberry32(opts.seed ?? 20261125);
  const log = opts.log ?? (() => undefined);
  const asyncSettleMs = opts.asyncSettleMs ?? 300;
  const tag = (opts.seed ?? 20261125).toString(36).toUpperCase();
  const res: RealCampaignResult = {
    runs: 0,
    killed: 0,
    killedByPoint: {},
    notKilled: 0,
    intents: 0,
    intentsByCurrency: {},
    partialIntents: 0,
    asyncIntents: 0,
    forcedUnknownIntents: 0,
    sandboxRefundsCreated: 0,
    sandboxRefundRequests: 0,
    sameIdResends: 0,
    inconsistentAnswers: 0,
    maxCreatedPerIntent: 0,
    randomKillJournalStates: {},
    pendingInProcessSeen: 0,
    pendingUnknownSeen: 0,
    pendingAfterFirstRecovery: 0,
    finalAfterRecovery: 0,
    recoveryMsAvg: 0,
    recoveryMsMax: 0,
    handshakeMsAvg: 0,
    handshakeMsMax: 0,
    violations: [],
  };
  const recoveryTimes: number[] = [];
  const handshakeTimes: number[] = [];

  // Every run gets its own payments, seeded up front (the sandbox keeps its state for the whole campaign).
  const paidAt = new Date(Date.now() - 86_400_000).toISOString();
  const payments: SandboxPayment[] = [];
  for (let run = 0; run < opts.runs; run += 1) {
    SLOTS.forEach((s, k) => {
      const paymentId = paymentIdFor(tag, run, k);
      payments.push({
        paymentId,
        paymentRequestId: `PR-${paymentId}`,
        paymentMethod: s.method,
        amount: { value: s.value, currency: s.currency },
        paidAt,
        status: 'SUCCESS',
        refunded: 0,
        supportsPartialRefund: true,
        refundSupported: true,
      });
    });
  }
  const envDir = mkdtempSync(path.join(tmpdir(), 'crash-real-'));
  const env = await startRealEnvironment({ dir: envDir, payments, asyncSettleMs });
  const otherRegister = makeGateway(env.host);
  try {
    for (let run = 0; run < opts.runs; run += 1) {
      const dir = mkdtempSync(path.join(tmpdir(), 'crash-real-run-'));
      const dbPath = path.join(dir, 'ledger.sqlite');
      const point: RealCrashPoint = REAL_CRASH_POINTS[run % REAL_CRASH_POINTS.length] ?? 'RANDOM';
      const otherRun = opts.otherRegisterEvery !== undefined && opts.otherRegisterEvery > 0 && run % opts.otherRegisterEvery === opts.otherRegisterEvery - 1;
      const intents: Intent[] = SLOTS.map((s, k) => {
        const partial = rnd() < 0.5 || (otherRun && s.async);
        return {
          intentId: `R${tag}-run${run}-i${k}`,
          paymentId: paymentIdFor(tag, run, k),
          ...(partial ? { amount: { value: 1 + Math.floor(rnd() * (s.value - (otherRun && s.async ? OTHER_REGISTER_VALUE : 1))), currency: s.currency } } : {}),
        };
      });
      const violations: string[] = [];

      // Gateway chaos for this run. "Unknown" intents end PENDING_UNKNOWN in the child:
      // every attempt of the real client fails, then its inquiry fails too.
      env.sandbox.faults.clear();
      const unknownSlots = new Set<number>();
      if (point === 'PENDING_UNKNOWN' || rnd() < 0.25) unknownSlots.add(Math.floor(rnd() * 3));
      for (const k of unknownSlots) {
        const paymentId = paymentIdFor(tag, run, k);
        if (rnd() < 0.5) {
          // Accepted, answer lost (three times), inquiry answered 503.
          env.sandbox.faults.add({ kind: 'drop-after-processing', api: 'refund', paymentId, times: 3 });
          env.sandbox.faults.add({ kind: 'http-5xx', api: 'inquiryRefund', paymentId, times: 1 });
        } else {
          // Lost before processing (proxy 503, three times); the inquiry finds nothing.
          env.sandbox.faults.add({ kind: 'http-5xx', api: 'refund', paymentId, times: 3 });
        }
      }
      // Transient faults the real client's retry loop absorbs (same id, same bytes).
      for (let k = 0; k < INTENTS_PER_RUN; k += 1) {
        if (unknownSlots.has(k)) continue;
        const paymentId = paymentIdFor(tag, run, k);
        const r = rnd();
        if (r < 0.15) env.sandbox.faults.add({ kind: 'drop-after-processing', api: 'refund', paymentId, times: 1 });
        else if (r < 0.3) env.sandbox.faults.add({ kind: 'http-5xx', api: 'refund', paymentId, times: 1, processFirst: rnd() < 0.5 });
        else if (r < 0.4) env.sandbox.faults.add({ kind: 'latency', api: 'refund', paymentId, times: 1, latencyMs: 30 });
      }

      if (otherRun) {
        const k = SLOTS.findIndex((x) => x.async);
        const slot = SLOTS[k];
        if (slot !== undefined) {
          const o = await otherRegister.refund({
            refundRequestId: `${OTHER_REGISTER_PREFIX}${run}`,
            paymentId: paymentIdFor(tag, run, k),
            originalMerchantRefundId: `OTHER-REGISTER-${run}`,
            refundAmount: { value: OTHER_REGISTER_VALUE, currency: slot.currency },
          });
          if (o.status !== 'PENDING' || o.pendingKind !== 'IN_PROCESS') violations.push(`other register's refund answered ${o.status}/${o.resultCode}`);
        }
      }

      // How often each boundary is journaled in the child, so the chosen kill lands.
      const syncOk = INTENTS_PER_RUN - 1 - unknownSlots.size;
      const expected: Record<string, number> = { PENDING_IN_PROCESS: 1, PENDING_UNKNOWN: Math.max(1, unknownSlots.size), SUCCEEDED: Math.max(1, syncOk) };
      const nth = 1 + Math.floor(rnd() * (expected[point] ?? INTENTS_PER_RUN));
      const base: ChildConfig = { dbPath, host: env.host, intents, crashAt: null, crashNth: nth, doubleClick: true };
      try {
        let exit: Awaited<ReturnType<typeof runChild>>;
        if (point === 'RANDOM') exit = await runChild(base, Math.floor(rnd() * 250));
        else if (point === 'TERMINAL_REPLIED') {
          let replies = 0;
          exit = await runChild(base, null, (kill) => {
            const arm = (): void =>
              env.onReferenceReply(() => {
                replies += 1;
                if (replies === nth) kill();
                else arm();
              });
            arm();
          });
          env.onReferenceReply(null);
        } else exit = await runChild({ ...base, crashAt: point }, null);
        if (exit.signal === 'SIGKILL') {
          res.killed += 1;
          res.killedByPoint[point] = (res.killedByPoint[point] ?? 0) + 1;
        } else {
          res.notKilled += 1;
          if (exit.code !== 0) violations.push(`child exited ${exit.code}: ${exit.stderr.slice(0, 400)}`);
          else if (point !== 'RANDOM') violations.push(`child was not killed at ${point} #${nth}`);
        }

        if (point === 'RANDOM' && exit.signal === 'SIGKILL') {
          const peek = openLedger(dbPath);
          try {
            const rows = peek.refunds.list();
            if (rows.length === 0) res.randomKillJournalStates['(nothing journaled)'] = (res.randomKillJournalStates['(nothing journaled)'] ?? 0) + 1;
            for (const r of rows) res.randomKillJournalStates[r.state] = (res.randomKillJournalStates[r.state] ?? 0) + 1;
          } finally {
            peek.close();
          }
        }

        // Restart: a new TerminalLink on the same pty (new hello + auth), the gateway still faulty where faults remain.
        const ledger = openLedger(dbPath);
        let host: Awaited<ReturnType<typeof openHostSide>> | null = null;
        try {
          host = await openHostSide(env.host);
          handshakeTimes.push(host.handshakeMs);
          const engine = new RefundEngine({ ledger, terminal: host.link, antom: host.antom, settleWaitMs: 2_000, resultNoticeTimeoutMs: 1_000 });
          try {
            const t0 = performance.now();
            await engine.recover();
            recoveryTimes.push(performance.now() - t0);
            for (const i of intents) {
              const r = await engine.submit({
                intentId: i.intentId,
                paymentId: i.paymentId,
                cashier: 'crash',
                ...(i.amount !== undefined ? { mode: 'PARTIAL' as const, amount: i.amount } : { mode: 'FULL' as const }),
              });
              if (!r.ok) violations.push(`${i.intentId}: re-submit failed ${r.error.code}: ${r.error.message}`);
            }
            for (const i of intents) {
              const row = ledger.refunds.getByIntent(i.intentId);
              if (row === null) {
                violations.push(`${i.intentId}: not journaled after re-submit`);
                continue;
              }
              if (!isFinal(row.state) && !isPending(row.state)) violations.push(`${i.intentId}: left in ${row.state} after recovery`);
              if (isPending(row.state)) {
                res.pendingAfterFirstRecovery += 1;
                if (row.next_check_at === null || row.next_action === 'NONE') violations.push(`${i.intentId}: ${row.state} without a next step`);
              }
            }
            // Calm gateway, async refunds settled: a second recovery makes everything final.
            env.sandbox.faults.clear();
            // A refund first resent in this pass may itself be asynchronous (in process
            // until it settles), so give it a few settle periods, not just one.
            for (let round = 0; round < 3; round += 1) {
              await new Promise((r) => setTimeout(r, asyncSettleMs + 20));
              await engine.recover();
              if (ledger.refunds.nonFinal().length === 0) break;
            }
          } finally {
            await engine.stop();
          }

          const rows = ledger.refunds.list();
          const runPayments = new Set(intents.map((i) => i.paymentId));
          const journalById = new Map(rows.map((r) => [r.refund_request_id, r]));
          const all = env.sandbox.refunds().filter((r) => runPayments.has(r.paymentId));
          // The other register's refund is not this ledger's; it still counts towards over-refunding.
          const created = all.filter((r) => !r.refundRequestId.startsWith(OTHER_REGISTER_PREFIX));
          const exchanges = env.exchanges().filter((e) => runPayments.has(e.paymentId) && !e.refundRequestId.startsWith(OTHER_REGISTER_PREFIX));
          const createdPerIntent = new Map<string, number>();
          const createdPerPaymentIntent = new Map<string, number>();
          for (const c of created) {
            const row = journalById.get(c.refundRequestId);
            if (row === undefined) {
              violations.push(`sandbox refund ${c.refundRequestId} (${c.paymentId}) is unknown to the journal (lost)`);
              continue;
            }
            createdPerIntent.set(row.intent_id, (createdPerIntent.get(row.intent_id) ?? 0) + 1);
            const pk = `${c.paymentId}|${row.intent_id}`;
            createdPerPaymentIntent.set(pk, (createdPerPaymentIntent.get(pk) ?? 0) + 1);
            if (row.payment_id !== c.paymentId) violations.push(`${c.refundRequestId}: sandbox paymentId ${c.paymentId} but journal ${row.payment_id}`);
            if (c.amount.value !== row.amount_value || c.amount.currency !== row.currency) {
              violations.push(
                `${c.refundRequestId}: sandbox refunded ${c.amount.value} ${c.amount.currency}, journal says ${row.amount_value} ${row.currency}`,
              );
            }
            if (c.originalMerchantRefundId !== row.original_merchant_refund_id) {
              violations.push(
                `${c.refundRequestId}: terminal reference at the sandbox ${c.originalMerchantRefundId}, journal ${String(row.original_merchant_refund_id)}`,
              );
            }
            if (c.status === 'SUCCESS' && row.state !== 'SUCCEEDED') violations.push(`${c.refundRequestId}: sandbox SUCCESS but journal ${row.state}`);
          }
          for (const row of rows) {
            const c = created.find((x) => x.refundRequestId === row.refund_request_id);
            if (row.state === 'SUCCEEDED' && (c === undefined || c.status !== 'SUCCESS')) {
              violations.push(`${row.refund_request_id}: SUCCEEDED in the journal, sandbox has ${c?.status ?? 'nothing'}`);
            }
            if (!isFinal(row.state)) violations.push(`${row.refund_request_id}: still ${row.state} after calm recovery`);
            else res.finalAfterRecovery += 1;
          }
          for (const i of intents) {
            const n = createdPerIntent.get(i.intentId) ?? 0;
            res.maxCreatedPerIntent = Math.max(res.maxCreatedPerIntent, n);
            if (n > 1) violations.push(`${i.intentId}: ${n} refunds created at the sandbox`);
            if (rows.filter((r) => r.intent_id === i.intentId).length !== 1) violations.push(`${i.intentId}: not exactly one journal row`);
          }
          for (const [pk, n] of createdPerPaymentIntent) if (n > 1) violations.push(`${pk}: ${n} refunds for one (payment, intent)`);
          for (const p of env.sandbox.payments().filter((x) => runPayments.has(x.paymentId))) {
            const sum = all.filter((c) => c.paymentId === p.paymentId).reduce((a, c) => a + c.amount.value, 0);
            if (sum > p.amount.value || p.refunded > p.amount.value) violations.push(`${p.paymentId}: over-refunded ${sum} of ${p.amount.value}`);
          }
          // Resends and body consistency, from the proxy's log of every refund request.
          const bodies = new Map<string, Set<string>>();
          for (const e of exchanges) {
            const s = bodies.get(e.refundRequestId) ?? new Set<string>();
            s.add(e.body);
            bodies.set(e.refundRequestId, s);
            if (e.resultCode === 'DPOS_PAYMENT_REPEAT_REQ_INCONSISTENT') res.inconsistentAnswers += 1;
            if (!journalById.has(e.refundRequestId)) violations.push(`refund request ${e.refundRequestId} sent but unknown to the journal`);
          }
          for (const [id, s] of bodies) if (s.size > 1) violations.push(`${id}: sent with ${s.size} different bodies`);
          const inconsistent = exchanges.filter((e) => e.resultCode === 'DPOS_PAYMENT_REPEAT_REQ_INCONSISTENT').length;
          if (inconsistent > 0) violations.push(`${inconsistent} DPOS_PAYMENT_REPEAT_REQ_INCONSISTENT answers`);
          res.sandboxRefundRequests += exchanges.length;
          res.sameIdResends += exchanges.length - bodies.size;
          res.sandboxRefundsCreated += created.length;
          // Which pending states this run went through (from the journal's transition history).
          for (const row of rows) {
            const hist = ledger.refunds.transitions(row.refund_request_id);
            if (hist.some((t) => t.to_state === 'PENDING_IN_PROCESS')) res.pendingInProcessSeen += 1;
            if (hist.some((t) => t.to_state === 'PENDING_UNKNOWN')) res.pendingUnknownSeen += 1;
          }
          const audit = ledger.verifyAudit();
          if (!audit.ok) violations.push(`audit broken at ${audit.firstBrokenSeq}: ${audit.reason}`);
          res.intents += intents.length;
          for (const [k, i] of intents.entries()) {
            const cur = SLOTS[k]?.currency ?? '?';
            res.intentsByCurrency[cur] = (res.intentsByCurrency[cur] ?? 0) + 1;
            if (i.amount !== undefined) res.partialIntents += 1;
          }
          res.asyncIntents += 1;
          res.forcedUnknownIntents += unknownSlots.size;
        } catch (e) {
          violations.push(`recovery threw: ${e instanceof Error ? e.message : String(e)}`);
        } finally {
          await host?.close();
          ledger.close();
        }
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
      res.runs += 1;
      for (const v of violations) res.violations.push(`run ${run} (${point}): ${v}`);
      log(`run ${run} ${point}#${nth}: ${violations.length === 0 ? 'ok' : `${violations.length} VIOLATIONS: ${violations.join(' | ')}`}`);
    }
  } finally {
    await env.close();
    rmSync(envDir, { recursive: true, force: true });
  }
  res.recoveryMsAvg = avg(recoveryTimes);
  res.recoveryMsMax = recoveryTimes.length ? round1(Math.max(...recoveryTimes)) : 0;
  res.handshakeMsAvg = avg(handshakeTimes);
  res.handshakeMsMax = handshakeTimes.length ? round1(Math.max(...handshakeTimes)) : 0;
  return res;
}

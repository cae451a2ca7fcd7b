/**
 * Benchmarks 1 and 2: the refund path from engine.submit to the signed
 * request's last byte handed to the HTTP socket, against a floor measured in
 * the same run; and ping throughput over the pty link.
 *
 * Real parts, composed like main/services/core-services.ts does in demo mode:
 * local Antom sandbox (HTTP, RSA both ways), VirtualTerminal on a socat pty
 * pair through the real serialport bindings (115200 8N1 set on both ends),
 * SQLite journal on disk (WAL, synchronous=FULL). Timing comes from outside
 * the modules: port decorators, a fetchImpl wrapper, wrapped ledger methods
 * and undici's `undici:request:bodySent` diagnostics channel.
 */
import { antomApiPrefix } from '../preload/contract/antom-endpoint';
import { createSign, createPrivateKey, randomUUID, type KeyObject } from 'node:crypto';
import diagnostics from 'node:diagnostics_channel';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { createMemoryPairingStore, SerialPortTransport, TerminalLink, type Transport } from '../native-bridge';
import { createPtyPair, startVirtualTerminalOnPort, VirtualTerminal, type PtyPair, type RunningVirtualTerminal } from '../native-bridge/testing';
import { AntomClientConfig, API_PATHS, createAntomGateway, type FetchLike } from '../main/antom';
import { openLedger, type Ledger } from '../main/ledger';
import type { AntomGatewayPort, TerminalPort } from '../main/refunds/ports';
import { RefundEngine } from '../main/refunds/refund-engine';
import { ensureDemoCredentials, startAntomSandbox, type AntomSandbox, type SandboxPayment } from '../main/sandbox';
import { buildContentToSign } from '../main/antom/signing';
import { BAUD, LINE_BYTES_PER_S, lineTimeMs, pairedSum, ratio, summarize, type Summary } from './stats';
import { diffCounters, RecordingTransport, WireRecorder, type WireCounters } from './wire';

const now = (): number => performance.now();

// ------------------------------------------------------------------ marks

interface Marks {
  submit: number;
  inqPayStart: number;
  inqPayFetch: number;
  inqPayEnd: number;
  termStart: number;
  termEnd: number;
  refundStart: number;
  refundFetch: number;
  bodySent: number;
  journalMs: number;
  journalWrites: number;
  readMs: number;
  readCalls: number;
  writesByMethod: Record<string, number>;
  readMsByMethod: Record<string, number>;
  wire: WireCounters | null;
}

function freshMarks(): Marks {
  return {
    submit: 0,
    inqPayStart: 0,
    inqPayFetch: 0,
    inqPayEnd: 0,
    termStart: 0,
    termEnd: 0,
    refundStart: 0,
    refundFetch: 0,
    bodySent: 0,
    journalMs: 0,
    journalWrites: 0,
    readMs: 0,
    readCalls: 0,
    writesByMethod: {},
    readMsByMethod: {},
    wire: null,
  };
}

export interface RefundSample {
  readonly totalMs: number;
  readonly journalMs: number;
  readonly journalWrites: number;
  readonly writesByMethod: Readonly<Record<string, number>>;
  /** Ledger reads outside writes (get, balance, policy, cashier total, views...). */
  readonly ledgerReadMs: number;
  readonly ledgerReads: number;
  readonly readMsByMethod: Readonly<Record<string, number>>;
  readonly terminalMs: number;
  /** Local work before the HTTP hand-off of both signed requests (validation, JSON, RSA signature). */
  readonly signingMs: number;
  /** submit's payment re-inquiry: HTTP to the sandbox, its verify + sign, our verify (signing excluded). */
  readonly paymentInquiryMs: number;
  /** fetch() called -> last byte of the refund request handed to the socket. */
  readonly httpSendMs: number;
  readonly otherMs: number;
  readonly exchangeBytes: number;
  readonly exchangeLineMs: number;
}

/**
 * Wraps the methods of `obj` named in `names` that exist (the modules change
 * under us; missing names are skipped and reported) with a timer. Only
 * top-level calls are timed: a read inside a write counts as the write.
 */
function timeMethods(obj: object, names: readonly string[], onTime: (name: string, ms: number) => void, depth: { n: number }): string[] {
  const rec = obj as Record<string, unknown>;
  const wrapped: string[] = [];
  for (const name of names) {
    const original = rec[name];
    if (typeof original !== 'function') continue;
    const fn = original as (...a: unknown[]) => unknown;
    rec[name] = (...args: unknown[]): unknown => {
      if (depth.n > 0) return fn.apply(obj, args);
      depth.n++;
      const t = now();
      try {
        return fn.apply(obj, args);
      } finally {
        depth.n--;
        onTime(name, now() - t);
      }
    };
    wrapped.push(name);
  }
  return wrapped;
}

/** Ledger methods that write (each one is a durable commit when called outside a transaction). */
export const LEDGER_WRITES = {
  refunds: ['insert', 'transition', 'update', 'claimLease', 'renewLease', 'releaseLease', 'recordApproval'],
  payments: ['upsert'],
  audit: ['append'],
  ledger: ['transaction', 'setPolicy'],
} as const;
/** Ledger methods that only read. */
export const LEDGER_READS = {
  refunds: [
    'get',
    'getByIntent',
    'latestInLineage',
    'lineageSize',
    'inFlightFor',
    'committedAmount',
    'list',
    'nonFinal',
    'due',
    'cashierTotalOn',
    'approvals',
    'transitions',
  ],
  payments: ['get'],
  ledger: ['refundableBalance', 'view', 'getPolicy', 'listRefunds'],
} as const;

// ------------------------------------------------------------------ setup

export interface Rig {
  readonly dir: string;
  readonly ledger: Ledger;
  readonly engine: RefundEngine;
  readonly link: TerminalLink;
  readonly recorder: WireRecorder;
  readonly sandbox: AntomSandbox;
  readonly merchantKey: KeyObject;
  readonly instrumented: { readonly writes: readonly string[]; readonly reads: readonly string[] };
  readonly clientId: string;
  readonly payments: readonly SandboxPayment[];
  readonly marks: () => Marks;
  resetMarks(): void;
  close(): Promise<void>;
}

export function benchPayments(count: number, nowMs: number): SandboxPayment[] {
  const out: SandboxPayment[] = [];
  for (let i = 0; i < count; i++) {
    const id = `BENCH-SGD-${String(i).padStart(6, '0')}`;
    out.push({
      paymentId: id,
      paymentRequestId: `PR-${id}`,
      paymentMethod: 'ALIPAY_CN',
      // 50.00 SGD: under the default approval threshold (100.00), so no manager step.
      amount: { value: 5_000, currency: 'SGD' },
      paidAt: new Date(nowMs - 3_600_000).toISOString(),
      status: 'SUCCESS',
      refunded: 0,
      supportsPartialRefund: true,
      refundSupported: true,
    });
  }
  return out;
}

async function waitFor(cond: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

export async function startRig(dir: string, paymentCount: number): Promise<Rig> {
  const creds = ensureDemoCredentials(dir);
  const payments = benchPayments(paymentCount, Date.now());
  const sandbox = await startAntomSandbox({
    clientId: creds.clientId,
    merchantPublicKeyPem: creds.merchant.publicKeyPem,
    gatewayPrivateKeyPem: creds.gateway.privateKeyPem,
    seed: payments,
  });
  const config = AntomClientConfig.parse({
    baseUrl: sandbox.baseUrl,
    clientId: creds.clientId,
    merchantPrivateKeyPem: creds.merchant.privateKeyPem,
    antomPublicKeyPem: sandbox.gatewayPublicKeyPem,
  });

  let marks = freshMarks();
  // The client's own paths: /ams/sandbox/api for the demo's SANDBOX_ client id, as the SDKs do.
  const prefix = antomApiPrefix(creds.clientId);
  const refundPath = `${prefix}${API_PATHS.refund}`;
  const inquiryPaymentPath = `${prefix}${API_PATHS.inquiryPayment}`;
  const onBodySent = (message: unknown): void => {
    const req = (message as { request?: { path?: unknown } }).request;
    if (req && req.path === refundPath && marks.bodySent === 0) marks.bodySent = now();
  };
  diagnostics.subscribe('undici:request:bodySent', onBodySent);
  const fetchImpl: FetchLike = (url, init) => {
    const p = new URL(url).pathname;
    if (p === refundPath && marks.refundFetch === 0) marks.refundFetch = now();
    if (p === inquiryPaymentPath && marks.inqPayFetch === 0) marks.inqPayFetch = now();
    return fetch(url, init);
  };
  const gateway = createAntomGateway(config, { fetchImpl });
  const timedGateway: AntomGatewayPort = {
    async refund(req) {
      if (marks.refundStart === 0) marks.refundStart = now();
      return gateway.refund(req);
    },
    inquireRefund: (id) => gateway.inquireRefund(id),
    async inquirePayment(id) {
      marks.inqPayStart = now();
      try {
        return await gateway.inquirePayment(id);
      } finally {
        marks.inqPayEnd = now();
      }
    },
  };

  // Virtual terminal on a socat pty pair; both ends opened at 115200 8N1 by SerialPortTransport.
  const pty: PtyPair = await createPtyPair();
  const terminal = new VirtualTerminal({
    serial: 'AT-PX-BENCH1',
    model: 'Antom Virtual P1',
    firmware: 'sim-1.0',
    stateFile: path.join(dir, 'virtual-terminal.json'),
  });
  const running: RunningVirtualTerminal = await startVirtualTerminalOnPort(pty.terminalPath, { terminal });
  const recorder = new WireRecorder();
  const link = new TerminalLink({
    openTransport: async (): Promise<Transport> => new RecordingTransport(await SerialPortTransport.open(pty.hostPath, { baudRate: BAUD }), recorder),
    pairingStore: createMemoryPairingStore(),
    host: { app: 'refund-terminal-bench', version: '0.1.0', hostId: randomUUID(), hostName: os.hostname() },
    heartbeatMs: 0,
  });
  let pairing = false;
  link.on('status', (s) => {
    if (s.state !== 'unpaired' || pairing) return;
    pairing = true;
    void (async () => {
      const begun = await link.pairBegin();
      const code = terminal.currentPairingCode();
      if (begun.ok && code !== null) await link.pairConfirm(code);
      pairing = false;
    })();
  });
  link.start();
  await waitFor(() => link.status().state === 'authenticated', 15_000, 'the terminal link to authenticate');

  const timedTerminal: TerminalPort = {
    async requestRefundReference(req) {
      const before = recorder.snapshot();
      marks.termStart = now();
      try {
        return await link.requestRefundReference(req);
      } finally {
        marks.termEnd = now();
        marks.wire = diffCounters(recorder.snapshot(), before);
      }
    },
    sendRefundResult: (n) => link.sendRefundResult(n),
  };

  const ledger = openLedger(path.join(dir, 'ledger.sqlite'));
  const depth = { n: 0 };
  // Only calls before the request left count towards the measured window.
  const inWindow = (): boolean => marks.submit !== 0 && marks.bodySent === 0;
  const onWrite = (name: string, ms: number): void => {
    if (!inWindow()) return;
    marks.journalMs += ms;
    marks.journalWrites += 1;
    marks.writesByMethod[name] = (marks.writesByMethod[name] ?? 0) + 1;
  };
  const onRead = (name: string, ms: number): void => {
    if (!inWindow()) return;
    marks.readMs += ms;
    marks.readCalls += 1;
    marks.readMsByMethod[name] = (marks.readMsByMethod[name] ?? 0) + ms;
  };
  const objects = { refunds: ledger.refunds, payments: ledger.payments, audit: ledger.audit, ledger } as const;
  const writes: string[] = [];
  const reads: string[] = [];
  for (const [key, names] of Object.entries(LEDGER_WRITES))
    writes.push(...timeMethods(objects[key as keyof typeof objects], names, (n, ms) => onWrite(`${key}.${n}`, ms), depth).map((n) => `${key}.${n}`));
  for (const [key, names] of Object.entries(LEDGER_READS))
    reads.push(...timeMethods(objects[key as keyof typeof objects], names, (n, ms) => onRead(`${key}.${n}`, ms), depth).map((n) => `${key}.${n}`));

  const engine = new RefundEngine({ ledger, terminal: timedTerminal, antom: timedGateway, resultNoticeTimeoutMs: 3_000 });
  const merchantKey = createPrivateKey(creds.merchant.privateKeyPem);

  return {
    dir,
    ledger,
    engine,
    link,
    recorder,
    sandbox,
    merchantKey,
    instrumented: { writes, reads },
    clientId: creds.clientId,
    payments,
    marks: () => marks,
    resetMarks() {
      marks = freshMarks();
    },
    async close() {
      diagnostics.unsubscribe('undici:request:bodySent', onBodySent);
      await engine.stop();
      await link.stop();
      await running.stop();
      await terminal.stop();
      await pty.close();
      await sandbox.stop();
      ledger.close();
    },
  };
}

// ------------------------------------------------------------------ refunds

function sampleOf(m: Marks): RefundSample {
  const totalMs = m.bodySent - m.submit;
  const terminalMs = m.termEnd - m.termStart;
  const signingMs = m.refundFetch - m.refundStart + (m.inqPayFetch - m.inqPayStart);
  const paymentInquiryMs = m.inqPayEnd - m.inqPayFetch;
  const httpSendMs = m.bodySent - m.refundFetch;
  const w = m.wire;
  // Blocking part of the exchange: request frame out, terminal's ACK and reply in. The host's ACK of the reply is not waited for.
  const exchangeBytes = w === null ? 0 : w.bytesOut + w.bytesIn - 2 * w.acksOut;
  return {
    totalMs,
    journalMs: m.journalMs,
    journalWrites: m.journalWrites,
    writesByMethod: { ...m.writesByMethod },
    ledgerReadMs: m.readMs,
    ledgerReads: m.readCalls,
    readMsByMethod: { ...m.readMsByMethod },
    terminalMs,
    signingMs,
    paymentInquiryMs,
    httpSendMs,
    otherMs: totalMs - m.journalMs - m.readMs - terminalMs - signingMs - paymentInquiryMs - httpSendMs,
    exchangeBytes,
    exchangeLineMs: lineTimeMs(exchangeBytes),
  };
}

export async function runRefunds(rig: Rig, count: number, warmup: number): Promise<{ samples: RefundSample[]; failures: string[] }> {
  const samples: RefundSample[] = [];
  const failures: string[] = [];
  if (count + warmup > rig.payments.length) throw new Error('not enough bench payments');
  for (let i = 0; i < count + warmup; i++) {
    const payment = rig.payments[i] as SandboxPayment;
    rig.resetMarks();
    const m = rig.marks();
    m.submit = now();
    const r = await rig.engine.submit({ intentId: `bench-${i}-${randomUUID()}`, paymentId: payment.paymentId, mode: 'FULL', cashier: 'alice' });
    const state = r.ok ? r.value.state : `error ${r.error.code}: ${r.error.message}`;
    if (state !== 'SUCCEEDED' || m.bodySent === 0 || m.termEnd === 0) {
      failures.push(`${payment.paymentId}: ${state}`);
      continue;
    }
    if (i >= warmup) samples.push(sampleOf(m));
  }
  return { samples, failures };
}

// ------------------------------------------------------------------ floor

export interface FloorParts {
  readonly ptyEchoMs: number[];
  readonly commitMs: number[];
  readonly signMs: number[];
}

/** Raw 1-byte echo round trips through a fresh socat pty pair (both ends at 115200). */
export async function measurePtyEcho(count: number): Promise<number[]> {
  const pty = await createPtyPair();
  const host = await SerialPortTransport.open(pty.hostPath, { baudRate: BAUD });
  const far = await SerialPortTransport.open(pty.terminalPath, { baudRate: BAUD });
  far.onData((d) => far.write(d));
  const out: number[] = [];
  try {
    for (let i = 0; i < count + 10; i++) {
      const t = await new Promise<number>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('pty echo timed out')), 2_000);
        const off = host.onData(() => {
          off();
          clearTimeout(timer);
          resolve(now() - started);
        });
        const started = now();
        host.write(Buffer.from([0x55]));
      });
      if (i >= 10) out.push(t);
    }
  } finally {
    await host.close();
    await far.close();
    await pty.close();
  }
  return out;
}

/** One durable commit each: an autocommit INSERT into a WAL database with synchronous=FULL, in the journal's folder. */
export function measureCommits(dir: string, count: number): number[] {
  const db = new Database(path.join(dir, 'floor-commit.sqlite'));
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.exec('CREATE TABLE IF NOT EXISTS t (id INTEGER PRIMARY KEY, body TEXT NOT NULL)');
  const insert = db.prepare('INSERT INTO t (body) VALUES (?)');
  const body = 'x'.repeat(300);
  const out: number[] = [];
  for (let i = 0; i < count + 10; i++) {
    const t = now();
    insert.run(body);
    if (i >= 10) out.push(now() - t);
  }
  db.close();
  return out;
}

/** One RSA-2048 PKCS#1 v1.5 SHA-256 signature each, with the merchant key, over a refund-sized message. */
export function measureSignatures(key: KeyObject, clientId: string, count: number): number[] {
  const body = JSON.stringify({
    refundRequestId: `RR20260101${randomUUID().replace(/-/g, '')}`,
    paymentId: 'BENCH-SGD-000001',
    originalMerchantRefundId: 'AT-PX-BENCH1-MABCDEF-1',
  });
  const content = buildContentToSign('POST', '/ams/api/v2/payments/refund', clientId, String(Date.now()), body);
  const out: number[] = [];
  for (let i = 0; i < count + 10; i++) {
    const t = now();
    const s = createSign('RSA-SHA256');
    s.update(content, 'utf8');
    s.sign(key, 'base64');
    if (i >= 10) out.push(now() - t);
  }
  return out;
}

// ------------------------------------------------------------------ link throughput

export interface ThroughputResult {
  readonly durationMs: number;
  readonly pings: number;
  readonly failures: number;
  readonly pingsPerS: number;
  readonly rttMs: Summary;
  readonly payloadBytesPerS: { readonly hostToTerminal: number; readonly terminalToHost: number; readonly total: number };
  readonly wireBytesPerS: { readonly hostToTerminal: number; readonly terminalToHost: number };
  readonly lineRateBytesPerS: number;
  readonly wireUtilisation: { readonly hostToTerminal: number | null; readonly terminalToHost: number | null };
  readonly bytesPerPingExchange: number;
  /** Pings per second if the link were limited by the 115200 line alone (stop-and-wait). */
  readonly lineLimitedPingsPerS: number | null;
}

export async function measurePings(link: TerminalLink, recorder: WireRecorder, durationMs: number): Promise<ThroughputResult> {
  const before = recorder.snapshot();
  const rtts: number[] = [];
  let failures = 0;
  const started = now();
  while (now() - started < durationMs) {
    const t = now();
    const r = await link.ping();
    if (r.ok) rtts.push(now() - t);
    else failures++;
  }
  const elapsed = now() - started;
  const d = diffCounters(recorder.snapshot(), before);
  const s = elapsed / 1000;
  const pings = rtts.length;
  // Blocking bytes per ping: request frame + terminal ACK + reply frame (host's trailing ACK not waited for).
  const perPing = pings === 0 ? 0 : (d.bytesOut + d.bytesIn - 2 * d.acksOut) / pings;
  return {
    durationMs: elapsed,
    pings,
    failures,
    pingsPerS: pings / s,
    rttMs: summarize(rtts),
    payloadBytesPerS: { hostToTerminal: d.payloadOut / s, terminalToHost: d.payloadIn / s, total: (d.payloadOut + d.payloadIn) / s },
    wireBytesPerS: { hostToTerminal: d.bytesOut / s, terminalToHost: d.bytesIn / s },
    lineRateBytesPerS: LINE_BYTES_PER_S,
    wireUtilisation: { hostToTerminal: ratio(d.bytesOut / s, LINE_BYTES_PER_S), terminalToHost: ratio(d.bytesIn / s, LINE_BYTES_PER_S) },
    bytesPerPingExchange: perPing,
    lineLimitedPingsPerS: perPing > 0 ? 1000 / lineTimeMs(perPing) : null,
  };
}

export function floorSamples(refunds: readonly RefundSample[], parts: FloorParts): number[] {
  return pairedSum([refunds.map((r) => r.exchangeLineMs), parts.ptyEchoMs, parts.commitMs, parts.signMs]);
}

// ------------------------------------------------------------------ journal diagnostics

export type JournalVariant = 'as-shipped' | 'grouped';

export interface JournalSequence {
  readonly variant: JournalVariant;
  readonly synchronous: 'FULL' | 'OFF';
  readonly commitsPerRefund: number;
  readonly ms: number[];
}

/** The drive-lease API of RefundStore (schema v3), used only when present. */
interface LeaseApi {
  claimLease(refundRequestId: string, owner: string, ttlMs: number, ownerAlive: (owner: string) => boolean): boolean;
  renewLease(refundRequestId: string, owner: string, ttlMs: number): void;
  releaseLease(refundRequestId: string, owner: string): void;
}

function leaseApi(ledger: Ledger): LeaseApi | null {
  const r = ledger.refunds as unknown as Partial<LeaseApi>;
  return typeof r.claimLease === 'function' && typeof r.renewLease === 'function' && typeof r.releaseLease === 'function' ? (r as LeaseApi) : null;
}

/**
 * The journal writes of one submit up to the hand-off to Antom, back to back
 * through the ledger API, no terminal or HTTP in between.
 *  - as-shipped: what the engine does today, one commit each (payment upsert,
 *    intent insert, lease claim, a lease renewal per step, three transitions);
 *  - grouped: the same rows and audit entries in two transactions (intent +
 *    REFERENCE_REQUESTED before the terminal is asked; REFERENCE_OBTAINED +
 *    SUBMITTING before Antom is called) - the two points durability needs.
 * With synchronous=FULL (as shipped) and OFF (no fsync): the difference is
 * what durability costs, the rest is CPU.
 */
export function measureJournalSequence(dir: string, count: number, synchronous: 'FULL' | 'OFF', variant: JournalVariant): JournalSequence {
  const ledger = openLedger(path.join(dir, `journal-seq-${variant}-${synchronous}.sqlite`));
  ledger.db.pragma(`synchronous = ${synchronous}`);
  const lease = leaseApi(ledger);
  const owner = `bench-${process.pid}`;
  const ttl = 300_000;
  const paidAt = new Date(Date.now() - 3_600_000).toISOString();
  const ms: number[] = [];
  let commits = 0;
  for (let i = 0; i < count + 10; i++) {
    const paymentId = `SEQ-SGD-${String(i).padStart(6, '0')}`;
    const id = `RR20260101${randomUUID().replace(/-/g, '')}`;
    let c = 0;
    const commit = <T>(fn: () => T): T => {
      c++;
      return fn();
    };
    const upsert = (): void =>
      void ledger.payments.upsert({
        paymentId,
        amount: { value: 5_000, currency: 'SGD' },
        paymentMethod: 'ALIPAY_CN',
        paidAt,
        status: 'SUCCESS',
        supportsPartialRefund: null,
      });
    const insert = (): void => {
      const ins = ledger.refunds.insert(
        {
          refundRequestId: id,
          intentId: `seq-${i}`,
          paymentId,
          mode: 'FULL',
          amount: { value: 5_000, currency: 'SGD' },
          memo: null,
          state: 'APPROVED',
          cashier: 'alice',
          message: 'Approved.',
          nextAction: 'WAIT',
          approvalReasons: [],
        },
        'alice',
      );
      if (!ins.ok) throw new Error(ins.error.message);
    };
    const claim = (): void => void lease?.claimLease(id, owner, ttl, () => true);
    const renew = (): void => lease?.renewLease(id, owner, ttl);
    const toReq = (): void =>
      void ledger.refunds.transition(id, 'APPROVED', 'REFERENCE_REQUESTED', { actor: 'system', patch: { nextAction: 'WAIT', nextCheckAt: null } });
    const toObt = (): void =>
      void ledger.refunds.transition(id, 'REFERENCE_REQUESTED', 'REFERENCE_OBTAINED', {
        actor: 'system',
        patch: { originalMerchantRefundId: `AT-PX-BENCH1-X-${i}`, nextAction: 'WAIT', nextCheckAt: null },
      });
    const toSub = (): void => void ledger.refunds.transition(id, 'REFERENCE_OBTAINED', 'SUBMITTING', { actor: 'system', patch: { nextAction: 'WAIT' } });
    const t = now();
    if (variant === 'as-shipped') {
      commit(upsert);
      commit(insert);
      if (lease) commit(claim);
      for (const step of [toReq, toObt, toSub]) {
        if (lease) commit(renew);
        commit(step);
      }
      if (lease) commit(renew);
    } else {
      commit(() =>
        ledger.transaction(() => {
          upsert();
          insert();
          claim();
          toReq();
        }),
      );
      commit(() =>
        ledger.transaction(() => {
          renew();
          toObt();
          toSub();
        }),
      );
    }
    if (i >= 10) ms.push(now() - t);
    commits = c;
  }
  ledger.close();
  return { variant, synchronous, commitsPerRefund: commits, ms };
}

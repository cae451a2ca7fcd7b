/**
 * Benchmark 1: the refund path from engine.submit to the signed request's
 * last byte handed to the HTTP socket (the floor it is compared with is in
 * floor.ts; benchmark 2, ping throughput over the rig's link, in ping-throughput.ts).
 *
 * Real parts, composed like main/services/core-services.ts does in demo mode:
 * local Antom sandbox (HTTP, RSA both ways), VirtualTerminal on a socat pty
 * pair through the real serialport bindings (115200 8N1 set on both ends),
 * SQLite journal on disk (WAL, synchronous=FULL). Timing comes from outside
 * the modules: port decorators, a fetchImpl wrapper, wrapped ledger methods
 * and undici's `undici:request:bodySent` diagnostics channel.
 */
import { antomApiPrefix } from '../preload/contract/antom-endpoint';
import { createPrivateKey, randomUUID, type KeyObject } from 'node:crypto';
import diagnostics from 'node:diagnostics_channel';
import os from 'node:os';
import path from 'node:path';
import { createMemoryPairingStore, SerialPortTransport, TerminalLink, type Transport } from '../native-bridge';
import { createPtyPair, startVirtualTerminalOnPort, VirtualTerminal, type PtyPair, type RunningVirtualTerminal } from '../native-bridge/testing';
import { AntomClientConfig, API_PATHS, createAntomGateway, type FetchLike } from '../main/antom';
import { openLedger, type Ledger } from '../main/ledger';
import { openStoreLedger } from '../main/ledger/pg/pg-store';
import { PUBLIC_TEST_KEYS } from '../main/secrets/ledger-keys';
import type { AntomGatewayPort, TerminalPort } from '../main/refunds/ports';
import { RefundEngine } from '../main/refunds/refund-engine';
import { ensureDemoCredentials, startAntomSandbox, type AntomSandbox, type SandboxPayment } from '../main/sandbox';
import { BAUD, lineTimeMs } from './stats';
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
      let settled = true;
      try {
        const out = fn.apply(obj, args);
        // The store journal's methods are asynchronous: timed until the promise settles.
        if (out instanceof Promise) {
          settled = false;
          return out.finally(() => {
            depth.n--;
            onTime(name, now() - t);
          });
        }
        return out;
      } finally {
        if (settled) {
          depth.n--;
          onTime(name, now() - t);
        }
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

/** Store mode: the same split over the store ports (every method asynchronous, timed until it settles). */
export const STORE_WRITES = {
  journal: [
    'insert',
    'transition',
    'decide',
    'recordAntomAmount',
    'update',
    'recordSlip',
    'claimLease',
    'renewLease',
    'releaseLease',
    'claimLeases',
    'recordChecks',
    'appendAudit',
    'upsertPayment',
  ],
  payments: ['upsert', 'markRefusedAt', 'lowerRefusedBound', 'markPartialRefused', 'markClosed'],
  audit: ['append'],
} as const;
export const STORE_READS = {
  journal: [
    'getPayment',
    'get',
    'getByIntent',
    'inFlightFor',
    'committedAmount',
    'refundableBalance',
    'latestInLineage',
    'lineageSize',
    'cashierTotalOn',
    'list',
  ],
  payments: ['get', 'row', 'balance', 'refundableBalance', 'capability'],
  settings: ['getPolicy', 'timeZone', 'activeReason'],
  approvals: ['decisions'],
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

export interface RigOptions {
  /** Store mode: the engine on the store ledger at this PostgreSQL URL instead of the SQLite journal. */
  readonly storeUrl?: string;
  readonly register?: string;
}

export async function startRig(dir: string, paymentCount: number, opts: RigOptions = {}): Promise<Rig> {
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
  // No state file: the simulator rewrote its whole state (every reference so far, pretty-printed) on the
  // event loop the engine shares at each reference and result, a cost of the stand-in, not of the app
  // (a real terminal persists on its own CPU). The measured terminal time is the exchange itself.
  const terminal = new VirtualTerminal({ serial: 'AT-PX-BENCH1', model: 'Antom Virtual P1', firmware: 'sim-1.0' });
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
  // Store mode, composed as core-services.ts does: the store ledger, and the SQLite file only for the clock.
  const store = opts.storeUrl === undefined ? null : await openStoreLedger(opts.storeUrl, { register: opts.register ?? 'counter-1', keys: PUBLIC_TEST_KEYS });
  // One cashier makes every bench refund: without this, the default daily total (1,000 SGD) sends
  // refund 21 onwards to a manager and the run measures only 20.
  const set =
    store === null
      ? ledger.setPolicy({ ...ledger.getPolicy(), cashierDailyTotals: {} }, 'bench')
      : await store.settings.setPolicy({ ...(await store.settings.getPolicy()), cashierDailyTotals: {} }, 'bench');
  if (!set.ok) throw new Error(`bench policy: ${set.error.message}`);
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
  const objects: Record<string, object> =
    store === null
      ? { refunds: ledger.refunds, payments: ledger.payments, audit: ledger.audit, ledger }
      : { journal: store.journal, payments: store.payments, audit: store.audit, settings: store.settings, approvals: store.approvals };
  const writes: string[] = [];
  const reads: string[] = [];
  for (const [key, names] of Object.entries(store === null ? LEDGER_WRITES : STORE_WRITES))
    writes.push(...timeMethods(objects[key] as object, names, (n, ms) => onWrite(`${key}.${n}`, ms), depth).map((n) => `${key}.${n}`));
  for (const [key, names] of Object.entries(store === null ? LEDGER_READS : STORE_READS))
    reads.push(...timeMethods(objects[key] as object, names, (n, ms) => onRead(`${key}.${n}`, ms), depth).map((n) => `${key}.${n}`));

  const engine = new RefundEngine({
    ...(store === null ? { ledger } : { clock: ledger.clock, store }),
    terminal: timedTerminal,
    antom: timedGateway,
    resultNoticeTimeoutMs: 3_000,
  });
  // The app always listens (every change is pushed to the renderer): the views it reads are part of the work.
  engine.on('updated', () => undefined);
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
      await store?.close();
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

/**
 * `first`: index of the first bench payment to refund (a second call on the same rig continues after the first).
 * `lookupFirst`: the cashier's flow in the app, where the review screen looked the payment up (outside the
 * measured window) before the cashier confirms; submit then uses that fresh lookup instead of asking Antom again.
 */
export async function runRefunds(
  rig: Rig,
  count: number,
  warmup: number,
  first = 0,
  lookupFirst = false,
): Promise<{ samples: RefundSample[]; failures: string[] }> {
  const samples: RefundSample[] = [];
  const failures: string[] = [];
  if (first + count + warmup > rig.payments.length) throw new Error('not enough bench payments');
  for (let i = 0; i < count + warmup; i++) {
    const payment = rig.payments[first + i] as SandboxPayment;
    if (lookupFirst) {
      const looked = await rig.engine.lookupPayment(payment.paymentId);
      if (!looked.ok) failures.push(`${payment.paymentId}: lookup ${looked.error.code}`);
    }
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

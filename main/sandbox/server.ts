/**
 * A local HTTP stand-in for Antom's in-store refund APIs. It authenticates
 * requests exactly like Antom (RSA256 over `POST <path>\n<client-id>.<request-time>.<body>`),
 * signs every answer with its own gateway key, applies the business rules in
 * ledger.ts and can be told to misbehave (faults.ts) for tests and demos.
 */
import { createPublicKey, timingSafeEqual, type KeyObject } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { z } from 'zod';
import { importPrivateKey, importPublicKey, parseSignatureHeader, signatureHeaderFor, verifySignatureHeader } from '../antom/signing';
import { API_PATHS, InquiryPaymentRequestBody, InquiryRefundRequestBody, RefundRequestBody, WireAmountIn, type AntomApi, type WireResult } from '../antom/wire';
import { FaultController, FaultSpec, type FaultSpec as FaultSpecT } from './faults';
import { generateDemoKeyPair } from './keys';
import { SandboxLedger, type SandboxRefund } from './ledger';
import { SandboxNotifier, notifyBodyFor, type NotifyAttempt } from './notifier';
import { demoPayments, type SandboxPayment } from './seed';

export interface StartAntomSandboxOptions {
  /** 0 (default) picks a free port. */
  port?: number;
  host?: '127.0.0.1';
  clientId: string;
  /** The terminal's public key: requests must verify against it. */
  merchantPublicKeyPem: string;
  /** Signs answers; generated if absent (read gatewayPublicKeyPem from the handle). */
  gatewayPrivateKeyPem?: string;
  seed?: 'demo' | SandboxPayment[];
  clock?: () => number;
  /** How long an asynchronous (Express Banktransfer) refund stays in process. Default 5000. */
  asyncSettleMs?: number;
  /** Registered key version for the client id. Default 1. */
  keyVersion?: number;
  /** Path prefix in front of /v2/payments/...; default /ams/api. /ams/sandbox/api is served too, for SANDBOX_ client ids. */
  basePath?: string;
  /** Version named in the answers' signature header (Antom's key version). Default 1; null names none. */
  gatewayKeyVersion?: number | null;
  /**
   * Which field inquiryPayment must name the payment by; a request without it
   * answers F PARAM_ILLEGAL, as a real endpoint expecting the other key would.
   * Default 'either' (paymentId wins when both are sent).
   */
  inquiryPaymentKey?: 'paymentId' | 'paymentRequestId' | 'either';
  /** Enables POST /__sandbox/* (loopback only) when set. */
  adminToken?: string;
  /**
   * Where to push notifyRefund for asynchronous refunds (those answered
   * PROCESSING) once they settle, signed like every answer. Absent: no pushes.
   */
  notifyUrl?: string;
  /** Re-send delays until acknowledged; default Antom's (notifier.ts). */
  notifyRetryDelaysMs?: readonly number[];
}

export interface SandboxLogEntry {
  readonly path: string;
  readonly api: AntomApi | null;
  readonly refundRequestId: string | null;
  readonly paymentId: string | null;
  readonly at: string;
}

export interface AntomSandbox {
  /** The older "domain + /ams/api" form (the client accepts it and drops the suffix). */
  readonly baseUrl: string;
  /** Domain only, http://127.0.0.1:PORT: what a technician configures (SDK convention). */
  readonly origin: string;
  readonly port: number;
  readonly clientId: string;
  readonly gatewayPublicKeyPem: string;
  readonly faults: FaultController;
  payments(): SandboxPayment[];
  refunds(): SandboxRefund[];
  /** Records a refund Antom knows and this install does not (Dashboard, another counter). */
  refundElsewhere(paymentId: string, value: number): SandboxRefund | { error: string };
  requestLog(): SandboxLogEntry[];
  /** Every notifyRefund send so far (notifyUrl set), oldest first. */
  notifyLog(): NotifyAttempt[];
  /** Antom rotates its key: answers are signed from now on with this key, naming this version. */
  rotateGatewayKey(privateKeyPem: string, keyVersion: number | null): void;
  stop(): Promise<void>;
}

/**
 * Largest request body the sandbox reads (real refund bodies are < 1 KB).
 * Reading stops at the cap: the rest is never read, the caller gets 413 and
 * the connection is closed, so a huge upload costs neither memory nor time.
 */
export const MAX_BODY_BYTES = 64 * 1024;

/** The answer code of a refund accepted for asynchronous processing. */
const RESULT_IN_PROCESS = 'DPOS_REFUND_REFUND_IN_PROCESS';

const API_BY_PATH: ReadonlyMap<string, AntomApi> = new Map((Object.entries(API_PATHS) as [AntomApi, string][]).map(([api, p]) => [p, api]));

/** The prefix Antom's SDKs use for SANDBOX_ client ids (global-open-sdk `adjust_sandbox_url`). */
const SANDBOX_PREFIX = '/ams/sandbox/api';

/**
 * request-time as Antom's SDKs send it: epoch milliseconds (Java SDK) or
 * ISO-8601 with an offset (Python SDK: 2026-12-01T18:37:17+00:00). The value
 * is signed byte-for-byte as received, whatever its form.
 */
export function isValidRequestTime(value: string): boolean {
  if (/^\d{10,16}$/.test(value)) return true;
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:?\d{2})$/.test(value)) return false;
  return Number.isFinite(Date.parse(value.replace(/([+-]\d{2})(\d{2})$/, '$1:$2')));
}

/** Antom's own samples send amounts as digit strings ("value": "1000"); both forms are accepted. */
const SandboxRefundRequestBody = RefundRequestBody.extend({ refundAmount: WireAmountIn.nullish() });

const AdminFaultsBody = z.discriminatedUnion('action', [
  z.object({ action: z.literal('add'), fault: FaultSpec }),
  z.object({ action: z.literal('clear') }),
  z.object({ action: z.literal('list') }),
]);

function isLoopback(addr: string | undefined): boolean {
  return addr === '127.0.0.1' || addr === '::1' || addr === '::ffff:127.0.0.1';
}

function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

function readBody(req: http.IncomingMessage): Promise<string | null> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length'] ?? Number.NaN);
    if (Number.isFinite(declared) && declared > MAX_BODY_BYTES) {
      req.pause();
      resolve(null);
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (c: Buffer): void => {
      size += c.length;
      if (size > MAX_BODY_BYTES) {
        // Stop reading here; the 413 answer closes the connection.
        req.off('data', onData);
        req.pause();
        resolve(null);
        return;
      }
      chunks.push(c);
    };
    req.on('data', onData);
    req.on('end', () => resolve(size > MAX_BODY_BYTES ? null : Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/** 413 and hang up: the unread rest of an oversized body is never drained. */
function refuseTooLarge(req: http.IncomingMessage, res: http.ServerResponse): void {
  res.writeHead(413, { 'content-type': 'application/json; charset=UTF-8', connection: 'close' });
  const sock = req.socket;
  res.end(JSON.stringify({ error: `body larger than ${MAX_BODY_BYTES} bytes` }), () => sock?.destroy());
}

export async function startAntomSandbox(opts: StartAntomSandboxOptions): Promise<AntomSandbox> {
  const clock = opts.clock ?? Date.now;
  const basePath = (opts.basePath ?? '/ams/api').replace(/\/+$/, '');
  const keyVersion = opts.keyVersion ?? 1;
  let gatewayKeyVersion: number | null = opts.gatewayKeyVersion === undefined ? 1 : opts.gatewayKeyVersion;
  const inquiryPaymentKey = opts.inquiryPaymentKey ?? 'either';
  const merchantKey = importPublicKey(opts.merchantPublicKeyPem, 'The merchant public key');
  if (!merchantKey.ok) throw new Error(merchantKey.error.message);
  const merchantPublic: KeyObject = merchantKey.value;
  const gatewayPem = opts.gatewayPrivateKeyPem ?? generateDemoKeyPair().privateKeyPem;
  const gatewayKey = importPrivateKey(gatewayPem, 'The sandbox gateway private key');
  if (!gatewayKey.ok) throw new Error(gatewayKey.error.message);
  let gatewayPrivate: KeyObject = gatewayKey.value;
  const gatewayPublicKeyPem = createPublicKey(gatewayPrivate).export({ type: 'spki', format: 'pem' }).toString();

  const seed = opts.seed === undefined || opts.seed === 'demo' ? demoPayments(clock()) : opts.seed;
  const ledger = new SandboxLedger(seed, clock, opts.asyncSettleMs ?? 5_000);
  const faults = new FaultController();
  const log: SandboxLogEntry[] = [];
  const timers = new Set<NodeJS.Timeout>();

  const notifier =
    opts.notifyUrl === undefined
      ? null
      : new SandboxNotifier({
          url: opts.notifyUrl,
          clientId: opts.clientId,
          clock,
          signingKey: () => ({ key: gatewayPrivate, keyVersion: gatewayKeyVersion }),
          ...(opts.notifyRetryDelaysMs ? { retryDelaysMs: opts.notifyRetryDelaysMs } : {}),
        });
  const settleMs = opts.asyncSettleMs ?? 5_000;
  /** An asynchronous refund was accepted: push its result once it settles (the ledger settles lazily, on read). */
  function scheduleNotify(refundRequestId: string): void {
    if (notifier === null) return;
    const t = setTimeout(() => {
      timers.delete(t);
      const settled = ledger.refundList().find((r) => r.refundRequestId === refundRequestId);
      if (settled === undefined || settled.status === 'PROCESSING') return;
      notifier.notify(refundRequestId, () => notifyBodyFor(settled));
    }, settleMs + 1);
    t.unref();
    timers.add(t);
  }

  const delay = (ms: number): Promise<void> =>
    new Promise((resolve) => {
      const t = setTimeout(() => {
        timers.delete(t);
        resolve();
      }, ms);
      timers.add(t);
    });

  /** Every API answer is signed like Antom's: response-time + signature headers. */
  function sendSigned(res: http.ServerResponse, uriPath: string, status: number, body: string, signature: 'good' | 'bad' | 'missing' = 'good'): void {
    if (res.destroyed || res.writableEnded) return;
    const responseTime = String(clock());
    // Echo the caller's client-id so a terminal configured with the wrong id
    // can still verify the answer and read the KEY_NOT_FOUND it carries.
    const requested = res.req.headers['client-id'];
    const clientId = typeof requested === 'string' && /^[A-Za-z0-9_\-.]{1,64}$/.test(requested) ? requested : opts.clientId;
    const headers: Record<string, string> = {
      'content-type': 'application/json; charset=UTF-8',
      'client-id': clientId,
      'response-time': responseTime,
    };
    if (signature !== 'missing') {
      // A bad signature is a real signature over different bytes.
      const signedBody = signature === 'bad' ? `${body} ` : body;
      const header = signatureHeaderFor(
        { method: 'POST', uriPath, clientId, time: responseTime, body: signedBody, keyVersion: gatewayKeyVersion ?? 1 },
        gatewayPrivate,
      );
      headers.signature = gatewayKeyVersion === null ? header.replace(/keyVersion=\d+,/, '') : header;
    }
    res.writeHead(status, headers);
    res.end(body);
  }

  function sendResult(res: http.ServerResponse, uriPath: string, status: number, result: WireResult, extra: Record<string, unknown> = {}): void {
    sendSigned(res, uriPath, status, JSON.stringify({ ...extra, result }));
  }

  function sendJson(res: http.ServerResponse, status: number, value: unknown): void {
    res.writeHead(status, { 'content-type': 'application/json; charset=UTF-8' });
    res.end(JSON.stringify(value));
  }

  /**
   * Antom's DPOS catalogue has no INVALID_SIGNATURE code. An unknown client id
   * or key version is DPOS_REFUND_KEY_NOT_FOUND ("key of the merchant is not
   * found"); a missing or wrong signature is DPOS_PAYMENT_ACCESS_DENIED. Both
   * are final (F): the request was never processed. Like every Antom result
   * they come as HTTP 200 with a signed body (Antom reports outcomes in
   * `result`, not in the HTTP status).
   */
  function authenticate(req: http.IncomingMessage, uriPath: string, raw: string): WireResult | null {
    const clientId = req.headers['client-id'];
    const requestTime = req.headers['request-time'];
    const signature = req.headers.signature;
    if (typeof clientId !== 'string' || clientId !== opts.clientId) {
      return { resultStatus: 'F', resultCode: 'DPOS_REFUND_KEY_NOT_FOUND', resultMessage: 'No key is registered for this client-id.' };
    }
    const parsed = parseSignatureHeader(typeof signature === 'string' ? signature : undefined);
    if (parsed && parsed.keyVersion !== null && parsed.keyVersion !== keyVersion) {
      return { resultStatus: 'F', resultCode: 'DPOS_REFUND_KEY_NOT_FOUND', resultMessage: `No key version ${parsed.keyVersion} for this client-id.` };
    }
    if (typeof requestTime !== 'string' || !isValidRequestTime(requestTime)) {
      return { resultStatus: 'F', resultCode: 'DPOS_PAYMENT_ACCESS_DENIED', resultMessage: 'request-time header missing or invalid.' };
    }
    const verdict = verifySignatureHeader(
      typeof signature === 'string' ? signature : undefined,
      { method: 'POST', uriPath, clientId, time: requestTime, body: raw },
      merchantPublic,
    );
    if (verdict !== 'OK') {
      return { resultStatus: 'F', resultCode: 'DPOS_PAYMENT_ACCESS_DENIED', resultMessage: `Signature ${verdict.toLowerCase().replace('_', ' ')}.` };
    }
    return null;
  }

  async function handleAdmin(req: http.IncomingMessage, res: http.ServerResponse, pathname: string, raw: string): Promise<void> {
    const token = req.headers['x-sandbox-admin-token'];
    if (!opts.adminToken || !isLoopback(req.socket.remoteAddress) || req.method !== 'POST') return sendJson(res, 404, { error: 'not found' });
    if (typeof token !== 'string' || !sameSecret(token, opts.adminToken)) return sendJson(res, 403, { error: 'bad admin token' });
    let json: unknown;
    try {
      json = raw === '' ? {} : JSON.parse(raw);
    } catch {
      return sendJson(res, 400, { error: 'body is not JSON' });
    }
    if (pathname === '/__sandbox/faults') {
      const body = AdminFaultsBody.safeParse(json);
      if (!body.success) return sendJson(res, 400, { error: body.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ') });
      if (body.data.action === 'add') return sendJson(res, 200, { id: faults.add(body.data.fault) });
      if (body.data.action === 'clear') faults.clear();
      return sendJson(res, 200, { faults: faults.list() });
    }
    if (pathname === '/__sandbox/state') return sendJson(res, 200, { payments: ledger.paymentList(), refunds: ledger.refundList(), requestLog: log });
    return sendJson(res, 404, { error: 'not found' });
  }

  /** A lookup keyed the way this sandbox was told not to accept: what a real endpoint says to the wrong key. */
  function inquiryKeyProblem(body: InquiryPaymentRequestBody): WireResult | null {
    if (inquiryPaymentKey === 'either' || body[inquiryPaymentKey] !== undefined) return null;
    return { resultStatus: 'F', resultCode: 'PARAM_ILLEGAL', resultMessage: `Illegal parameters: ${inquiryPaymentKey} is required.` };
  }

  function processApi(api: AntomApi, body: unknown): Record<string, unknown> {
    if (api === 'refund') {
      const req = body as RefundRequestBody;
      const known = ledger.refundList().some((r) => r.refundRequestId === req.refundRequestId);
      const answer = ledger.refund(req);
      // Only a refund accepted now as PROCESSING gets a push (a resend of the same request is not a new refund).
      if (!known && answer.result.resultCode === RESULT_IN_PROCESS) scheduleNotify(req.refundRequestId);
      return answer;
    }
    if (api === 'inquiryRefund') return ledger.inquiryRefund(body as InquiryRefundRequestBody);
    return ledger.inquiryPayment(body as InquiryPaymentRequestBody);
  }

  async function applyAndSend(res: http.ServerResponse, uriPath: string, fault: FaultSpecT | null, answer: Record<string, unknown>): Promise<void> {
    const text = JSON.stringify(answer);
    if (!fault) return sendSigned(res, uriPath, 200, text);
    switch (fault.kind) {
      case 'latency':
        await delay(fault.latencyMs);
        return sendSigned(res, uriPath, 200, text);
      case 'drop-after-processing':
        res.socket?.destroy();
        return;
      case 'http-5xx':
        res.writeHead(fault.httpStatus, { 'content-type': 'text/html' });
        res.end('<html><body>Service Unavailable</body></html>');
        return;
      case 'bad-signature':
        return sendSigned(res, uriPath, 200, text, 'bad');
      case 'missing-signature':
        return sendSigned(res, uriPath, 200, text, 'missing');
      case 'malformed-json':
        return sendSigned(res, uriPath, 200, text.slice(0, Math.max(1, Math.floor(text.length / 2))));
      case 'force-result':
        return sendSigned(res, uriPath, 200, text);
    }
  }

  const schemas = { refund: SandboxRefundRequestBody, inquiryRefund: InquiryRefundRequestBody, inquiryPayment: InquiryPaymentRequestBody } as const;

  /** The API a path names: `${basePath}/v2/...` for any client, `/ams/sandbox/api/v2/...` for SANDBOX_ client ids. */
  function apiFor(pathname: string, clientId: unknown): AntomApi | undefined {
    if (pathname.startsWith(`${basePath}/`)) return API_BY_PATH.get(pathname.slice(basePath.length));
    if (typeof clientId === 'string' && clientId.startsWith('SANDBOX_') && pathname.startsWith(`${SANDBOX_PREFIX}/`)) {
      return API_BY_PATH.get(pathname.slice(SANDBOX_PREFIX.length));
    }
    return undefined;
  }

  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    // Origin-form ("/ams/api/...") or absolute-form ("http://host/ams/api/...", what
    // the SDKs' HTTP clients may send): either way signatures cover the path (+ query).
    let target: URL;
    try {
      target = new URL(req.url ?? '/', 'http://sandbox');
    } catch {
      return sendJson(res, 400, { error: 'bad request target' });
    }
    const pathname = target.pathname;
    const uriPath = `${target.pathname}${target.search}`;
    const raw = await readBody(req);
    if (raw === null) return refuseTooLarge(req, res);
    if (pathname.startsWith('/__sandbox/')) return handleAdmin(req, res, pathname, raw);

    const api = apiFor(pathname, req.headers['client-id']);
    if (!api || req.method !== 'POST') {
      log.push({ path: pathname, api: null, refundRequestId: null, paymentId: null, at: new Date(clock()).toISOString() });
      // The reference's answer to a wrong URL: DPOS_REFUND_NO_INTERFACE_DEF, "check whether the URL is correct".
      return sendResult(res, uriPath, 200, { resultStatus: 'F', resultCode: 'DPOS_REFUND_NO_INTERFACE_DEF', resultMessage: 'API is not defined.' });
    }
    const denied = authenticate(req, uriPath, raw);
    if (denied) {
      log.push({ path: pathname, api, refundRequestId: null, paymentId: null, at: new Date(clock()).toISOString() });
      return sendResult(res, uriPath, 200, denied);
    }
    let json: unknown;
    try {
      json = JSON.parse(raw);
    } catch {
      return sendResult(res, uriPath, 200, { resultStatus: 'F', resultCode: 'DPOS_REFUND_PROCESS_FAIL', resultMessage: 'The request body is not valid JSON.' });
    }
    const refundRequestId =
      typeof (json as { refundRequestId?: unknown })?.refundRequestId === 'string' ? (json as { refundRequestId: string }).refundRequestId : null;
    const parsed = schemas[api].safeParse(json);
    if (!parsed.success) {
      log.push({ path: pathname, api, refundRequestId, paymentId: null, at: new Date(clock()).toISOString() });
      // The DPOS catalogue has no parameter-error code; PROCESS_FAIL ("general business failure") is the closest.
      const message = parsed.error.issues
        .map((i) =>
          i.path[0] === 'originalMerchantRefundId' ? 'originalMerchantRefundId is required in USB cable mode' : `${i.path.join('.') || 'body'}: ${i.message}`,
        )
        .join('; ');
      return sendResult(
        res,
        uriPath,
        200,
        { resultStatus: 'F', resultCode: 'DPOS_REFUND_PROCESS_FAIL', resultMessage: message.slice(0, 256) },
        refundRequestId ? { refundRequestId } : {},
      );
    }
    if (api === 'inquiryPayment') {
      const problem = inquiryKeyProblem(parsed.data as InquiryPaymentRequestBody);
      if (problem) {
        log.push({ path: pathname, api, refundRequestId: null, paymentId: null, at: new Date(clock()).toISOString() });
        return sendResult(res, uriPath, 200, problem);
      }
    }
    const body = parsed.data as { paymentId?: string; refundRequestId?: string; refundId?: string };
    const paymentId = api === 'inquiryRefund' ? ledger.paymentIdOfRefund(body.refundRequestId, body.refundId) : body.paymentId;
    log.push({ path: pathname, api, refundRequestId: body.refundRequestId ?? null, paymentId: paymentId ?? null, at: new Date(clock()).toISOString() });

    const fault = faults.take(api, paymentId);
    if (fault?.kind === 'force-result' && fault.result) {
      return sendResult(res, uriPath, 200, fault.result, api === 'refund' && body.refundRequestId ? { refundRequestId: body.refundRequestId } : {});
    }
    if (fault?.kind === 'http-5xx' && !fault.processFirst) return applyAndSend(res, uriPath, fault, {});
    return applyAndSend(res, uriPath, fault, processApi(api, parsed.data));
  }

  const server = http.createServer((req, res) => {
    handle(req, res).catch(() => {
      if (!res.headersSent) sendJson(res, 500, { error: 'sandbox error' });
      else res.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, opts.host ?? '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;

  return {
    baseUrl: `http://127.0.0.1:${port}${basePath}`,
    origin: `http://127.0.0.1:${port}`,
    port,
    clientId: opts.clientId,
    gatewayPublicKeyPem,
    faults,
    payments: () => ledger.paymentList(),
    refunds: () => ledger.refundList(),
    refundElsewhere: (paymentId, value) => ledger.refundElsewhere(paymentId, value),
    requestLog: () => log.map((e) => ({ ...e })),
    notifyLog: () => notifier?.log() ?? [],
    rotateGatewayKey: (privateKeyPem, version) => {
      const next = importPrivateKey(privateKeyPem, 'The sandbox gateway private key');
      if (!next.ok) throw new Error(next.error.message);
      gatewayPrivate = next.value;
      gatewayKeyVersion = version;
    },
    stop: async () => {
      for (const t of timers) clearTimeout(t);
      timers.clear();
      await notifier?.stop();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/**
 * The HTTP endpoint a merchant points Antom's notifyRefund at (behind their
 * TLS proxy). One job: turn a request into a verdict and the answer Antom
 * needs; the journal work is notify-apply.ts.
 *
 * What Antom is told, and why (Antom re-sends a notification until it gets
 * the guide's acknowledgement, for a limited time):
 *  - applied, replayed, still processing, unknown refund, mismatch or
 *    conflict, or a notifyType we do not handle: the acknowledgement, exactly
 *    as the integration guide shows it ("reply to every notification ... in
 *    the following standardized format, regardless of whether the refund was
 *    successful or not"). Re-sending the same signed body could not change
 *    any of these verdicts, and the refund itself stays resolvable by inquiry.
 *  - bad or missing signature, wrong client-id: HTTP 401 and the guide's
 *    failure body. Not from Antom as far as we can tell, so not acknowledged:
 *    if it was Antom (a key rotation we have not caught up with), the re-send
 *    lands once the new key is in.
 *  - oversized body, malformed JSON or a REFUND_RESULT we cannot read: 413/400,
 *    not acknowledged (nothing was applied; a re-send costs nothing).
 *  - the journal unreachable or failing: HTTP 503 with SYSTEM_ERROR, so Antom
 *    re-sends after the database is back. Never an acknowledgement for a
 *    result we could not record.
 * Refusals are logged and, where the journal is reachable, audited, but at
 * most one entry (and one log line) per minute: the first refusal of a
 * minute is written at once, the rest are counted and written as one
 * `notify.refused.summary` entry when the minute is over (or on close). A
 * keyless client could otherwise grow the store's audit chain without bound
 * and slow every counter's appends (they share the chain's lock). Nothing a
 * sender controls is stored beyond the reason, its address and byte counts:
 * never the request path or body.
 * A signed push that changes nothing (unknown refund, mismatch, conflict) is
 * audited once per identical verdict (refundRequestId, kind, digest of what
 * is audited; a bounded in-memory memory of the last ones), and new verdicts
 * beyond a budget per window are counted into the same summary: a captured
 * push replayed 300 times within its 48 h window is one entry, not 300. Each
 * is still acknowledged with the guide's body.
 */
import { createHash } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { verifySignatureHeaderWithKeys, type VersionedPublicKey } from '../antom/signing';
import { NOTIFY_ACK_BODY, RefundNotifyBody } from '../antom/wire';
import type { RefundJournal } from '../ledger/journal-port';
import { applyRefundNotification, NOTIFY_ACTOR, type NotifyVerdict, type VerdictAudit } from './notify-apply';

/** Identical no-change verdicts remembered (audited once each); the oldest is forgotten first. */
export const VERDICT_MEMORY = 2_048;
/** New no-change verdicts audited one by one per refusal window; more are counted into the summary. */
export const VERDICT_AUDITS_PER_WINDOW = 30;

/** Real notifications are well under 2 KB; nothing larger is read. */
export const MAX_NOTIFY_BODY_BYTES = 16 * 1024;

const FAIL_BODY = '{"result":{"resultCode":"FAIL","resultStatus":"F","resultMessage":"fail."}}';
const SYSTEM_ERROR_BODY = '{"result":{"resultCode":"SYSTEM_ERROR","resultStatus":"F","resultMessage":"system error."}}';

export interface NotifyLog {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

export interface NotifyServerOptions {
  readonly journal: RefundJournal;
  /** The merchant's client id: notifications must name it (it is part of the signed content). */
  readonly clientId: string;
  /** Antom's public keys (the same ones that verify Antom's answers). */
  readonly antomPublicKeys: readonly VersionedPublicKey[];
  readonly port: number;
  readonly host?: string;
  readonly log: NotifyLog;
  /** Whole headers must arrive within this (default 10 s); enforced every second, not Node's default 30 s sweep. */
  readonly headersTimeoutMs?: number;
  /** Open connections at most (default 256): beyond that new ones are dropped, so slow clients cannot exhaust the process. */
  readonly maxConnections?: number;
  /**
   * The notification URL as Antom calls it (the merchant's, e.g. https://shop.example/antom/notify), when a TLS proxy
   * forwards it to another path here: Antom signs the path it called, so the signature is checked against this URL's
   * path (with or without its query) instead of the one received. Unset: the path received.
   */
  readonly publicUrl?: URL;
  /** At most one refusal audit entry / log line per this many ms (default a minute; tests shorten it). */
  readonly refusalWindowMs?: number;
  /** Called after each handled request (tests and the CLI's counters). */
  readonly onVerdict?: (v: NotifyOutcome) => void;
}

export type NotifyOutcome =
  | { readonly kind: 'VERDICT'; readonly verdict: NotifyVerdict }
  | { readonly kind: 'REFUSED'; readonly reason: 'TOO_LARGE' | 'BAD_SIGNATURE' | 'STALE' | 'MALFORMED' | 'JOURNAL_ERROR'; readonly detail: string }
  | { readonly kind: 'IGNORED'; readonly notifyType: string };

export interface NotifyServer {
  readonly port: number;
  readonly url: string;
  /** The path whose signature is checked: the public URL's, or `(the path received)`. */
  readonly verifiedPath: string;
  close(): Promise<void>;
}

type Body = { kind: 'ok'; text: string } | { kind: 'too-large' };

/**
 * How far a notification's request-time may lie from our clock. The guide states no window; Antom re-sends an
 * unacknowledged notification for about 15 h (sandbox/notifier.ts), and whether a re-send is signed anew is not
 * documented, so the past bound lies beyond that schedule: a genuine re-send is never refused, a captured push
 * replayed days later (or one dated 2001) is. The future bound is generous clock skew.
 */
export const NOTIFY_MAX_AGE_MS = 48 * 3_600_000;
export const NOTIFY_MAX_AHEAD_MS = 3_600_000;

/** request-time as Antom's SDKs send it: epoch milliseconds (or seconds), or ISO-8601 with an offset; null when unreadable. */
export function parseRequestTime(value: string): number | null {
  if (/^\d{13}$/.test(value)) return Number(value);
  if (/^\d{10}$/.test(value)) return Number(value) * 1_000;
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:?\d{2})$/.test(value)) return null;
  const t = Date.parse(value.replace(/([+-]\d{2})(\d{2})$/, '$1:$2'));
  return Number.isFinite(t) ? t : null;
}

function readCapped(req: http.IncomingMessage): Promise<Body> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length'] ?? Number.NaN);
    if (Number.isFinite(declared) && declared > MAX_NOTIFY_BODY_BYTES) {
      req.pause();
      resolve({ kind: 'too-large' });
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (c: Buffer): void => {
      size += c.length;
      if (size > MAX_NOTIFY_BODY_BYTES) {
        req.off('data', onData);
        req.pause();
        resolve({ kind: 'too-large' });
        return;
      }
      chunks.push(c);
    };
    req.on('data', onData);
    req.on('end', () => resolve({ kind: 'ok', text: Buffer.concat(chunks).toString('utf8') }));
    req.on('error', reject);
  });
}

function header(req: http.IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return typeof v === 'string' ? v : undefined;
}

export async function startNotifyServer(opts: NotifyServerOptions): Promise<NotifyServer> {
  const { journal, log } = opts;
  const report = (o: NotifyOutcome): void => {
    try {
      opts.onVerdict?.(o);
    } catch {
      // An observer's failure is not Antom's concern.
    }
  };

  function send(res: http.ServerResponse, status: number, body: string, close = false): void {
    res.writeHead(status, { 'content-type': 'application/json; charset=UTF-8', ...(close ? { connection: 'close' } : {}) });
    const sock = res.req.socket;
    res.end(body, () => {
      if (close) sock.destroy();
    });
  }

  const windowMs = opts.refusalWindowMs ?? 60_000;
  let lastWritten = Number.NEGATIVE_INFINITY;
  let held: Record<string, number> = {};
  let heldSince: string | null = null;
  let flushTimer: NodeJS.Timeout | null = null;

  async function appendQuietly(kind: string, detail: Record<string, unknown>): Promise<void> {
    try {
      await journal.appendAudit(NOTIFY_ACTOR, kind, detail);
    } catch (e) {
      log.error({ kind, err: String(e) }, 'could not audit a refused notification');
    }
  }

  /** Writes the refusals counted since the last entry as one summary entry and one log line. */
  async function flushHeld(): Promise<void> {
    if (flushTimer !== null) clearTimeout(flushTimer);
    flushTimer = null;
    const counts = held;
    const total = Object.values(counts).reduce((a, b) => a + b, 0);
    if (total === 0) return;
    const detail = { counts, total, since: heldSince, until: new Date().toISOString() };
    held = {};
    heldSince = null;
    lastWritten = Date.now();
    log.warn(detail, `notifyRefund: ${total} more request(s) refused or repeated in the last period (not audited one by one); nothing applied`);
    await appendQuietly('notify.refused.summary', detail);
  }

  const audited = new Set<string>(); // insertion order = age: a bounded LRU of identical verdicts
  let verdictWindowStart = Number.NEGATIVE_INFINITY;
  let verdictAudits = 0;
  const auditVerdict: VerdictAudit = async (kind, detail) => {
    const key = `${String(detail.refundRequestId)}|${kind}|${createHash('sha256').update(JSON.stringify(detail)).digest('hex')}`;
    if (audited.has(key)) {
      audited.delete(key);
      audited.add(key);
      return;
    }
    const now = Date.now();
    if (now - verdictWindowStart >= windowMs) {
      verdictWindowStart = now;
      verdictAudits = 0;
    }
    if (verdictAudits >= VERDICT_AUDITS_PER_WINDOW) {
      held[kind] = (held[kind] ?? 0) + 1;
      heldSince ??= new Date(now).toISOString();
      if (flushTimer === null) {
        flushTimer = setTimeout(() => void flushHeld(), Math.max(0, verdictWindowStart + windowMs - now));
        flushTimer.unref();
      }
      return;
    }
    // Not appendQuietly: a verdict we could not audit is answered 503 (Antom re-sends), as before.
    await journal.appendAudit(NOTIFY_ACTOR, kind, detail);
    verdictAudits += 1;
    audited.add(key);
    if (audited.size > VERDICT_MEMORY) audited.delete(audited.values().next().value as string);
  };

  /**
   * Logs and audits a refusal, rate-limited (module comment); a failure here never changes the answer.
   * `fields` never holds the request path or body: only what we decided and small numbers.
   */
  async function refusal(reason: string, message: string, fields: Record<string, unknown>): Promise<void> {
    const now = Date.now();
    if (now - lastWritten >= windowMs) {
      await flushHeld();
      lastWritten = now;
      log.warn({ reason, ...fields }, message);
      await appendQuietly('notify.refused', { reason, ...fields });
      return;
    }
    held[reason] = (held[reason] ?? 0) + 1;
    heldSince ??= new Date(now).toISOString();
    if (flushTimer === null) {
      flushTimer = setTimeout(() => void flushHeld(), Math.max(0, lastWritten + windowMs - now));
      flushTimer.unref();
    }
  }

  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    let target: URL;
    try {
      target = new URL(req.url ?? '/', 'http://notify');
    } catch {
      return send(res, 400, FAIL_BODY);
    }
    if (req.method !== 'POST') return send(res, 405, FAIL_BODY);
    // The guide's sample verifies over request.getRequestURI(): the path without the query. A sender that signs the
    // path with its query (our sandbox, a notification URL configured with one) is accepted too: the query carries
    // nothing we read, so either form proves the same body came from Antom.
    const signed = opts.publicUrl ?? target;
    const uriPaths = signed.search === '' ? [signed.pathname] : [signed.pathname, `${signed.pathname}${signed.search}`];
    const body = await readCapped(req);
    const from = req.socket.remoteAddress ?? null;
    if (body.kind === 'too-large') {
      const detail = `body larger than ${MAX_NOTIFY_BODY_BYTES} bytes`;
      await refusal('TOO_LARGE', `notifyRefund refused: ${detail}`, { from });
      report({ kind: 'REFUSED', reason: 'TOO_LARGE', detail });
      return send(res, 413, FAIL_BODY, true);
    }
    const raw = body.text;
    const clientId = header(req, 'client-id');
    const requestTime = header(req, 'request-time');
    let verdict: ReturnType<typeof verifySignatureHeaderWithKeys> | null = null;
    if (clientId === opts.clientId && requestTime !== undefined) {
      for (const uriPath of uriPaths) {
        const v = verifySignatureHeaderWithKeys(
          header(req, 'signature'),
          { method: 'POST', uriPath, clientId, time: requestTime, body: raw },
          opts.antomPublicKeys,
        );
        if (verdict === null || v.verdict === 'OK') verdict = v;
        if (v.verdict === 'OK') break;
      }
    }
    if (verdict === null || verdict.verdict !== 'OK') {
      const detail =
        verdict === null
          ? clientId !== opts.clientId
            ? `client-id ${clientId === undefined ? '(none)' : JSON.stringify(clientId.slice(0, 64))} is not ours`
            : 'no request-time header'
          : `signature ${verdict.verdict.toLowerCase()}`;
      await refusal('BAD_SIGNATURE', 'notifyRefund refused: not verifiably from Antom; nothing applied', { detail, from, bytes: Buffer.byteLength(raw) });
      report({ kind: 'REFUSED', reason: 'BAD_SIGNATURE', detail });
      return send(res, 401, FAIL_BODY);
    }
    // Signed, but when? A request-time far from now is a capture replayed (or a clock badly off): not acknowledged
    // (401), so if it was genuine and our clock is wrong, Antom's re-send lands once it is fixed; inquiry resolves it meanwhile.
    const at = parseRequestTime(requestTime ?? '');
    const skew = at === null ? null : Date.now() - at;
    if (skew === null || skew > NOTIFY_MAX_AGE_MS || skew < -NOTIFY_MAX_AHEAD_MS) {
      const detail =
        skew === null
          ? 'request-time is not a time'
          : `request-time is ${Math.round(Math.abs(skew) / 60_000)} min ${skew > 0 ? 'in the past' : 'in the future'} (allowed: ${NOTIFY_MAX_AGE_MS / 3_600_000} h past, ${NOTIFY_MAX_AHEAD_MS / 3_600_000} h ahead)`;
      await refusal('STALE', 'notifyRefund refused: signed, but its request-time is outside the accepted window; nothing applied', { detail, from });
      report({ kind: 'REFUSED', reason: 'STALE', detail });
      return send(res, 401, FAIL_BODY);
    }
    let json: unknown;
    try {
      json = JSON.parse(raw);
    } catch {
      await refusal('MALFORMED', 'notifyRefund refused: body is not JSON', { detail: 'not JSON', from });
      report({ kind: 'REFUSED', reason: 'MALFORMED', detail: 'not JSON' });
      return send(res, 400, FAIL_BODY);
    }
    const notifyType = typeof json === 'object' && json !== null ? (json as { notifyType?: unknown }).notifyType : undefined;
    if (notifyType !== 'REFUND_RESULT') {
      // Signed by Antom, but not a refund result (the URL may be shared with other notifications): received, nothing to do.
      const name = typeof notifyType === 'string' ? notifyType.slice(0, 64) : '(none)';
      log.info({ notifyType: name }, 'notification of another type acknowledged without action');
      report({ kind: 'IGNORED', notifyType: name });
      return send(res, 200, NOTIFY_ACK_BODY);
    }
    const parsed = RefundNotifyBody.safeParse(json);
    if (!parsed.success) {
      const detail = parsed.error.issues
        .map((i) => `${i.path.join('.') || 'body'}: ${i.message}`)
        .join('; ')
        .slice(0, 300);
      await refusal('MALFORMED', 'notifyRefund refused: REFUND_RESULT not in the documented shape; nothing applied', { detail, from });
      report({ kind: 'REFUSED', reason: 'MALFORMED', detail });
      return send(res, 400, FAIL_BODY);
    }
    let v: NotifyVerdict;
    try {
      v = await applyRefundNotification(journal, parsed.data, auditVerdict);
    } catch (e) {
      log.error({ refundRequestId: parsed.data.refundRequestId, err: String(e) }, 'notifyRefund could not be recorded; Antom will send it again');
      report({ kind: 'REFUSED', reason: 'JOURNAL_ERROR', detail: String(e) });
      return send(res, 503, SYSTEM_ERROR_BODY);
    }
    const fields = { refundRequestId: v.refundRequestId, verdict: v.kind, ...('detail' in v ? { detail: v.detail } : {}) };
    if (v.kind === 'LATE_SUCCESS')
      log.error(fields, 'notifyRefund: a refund journaled FAILED was refunded by Antom after all; now SUCCEEDED, flagged for support');
    else if (v.kind === 'MISMATCH' || v.kind === 'CONFLICT') log.error(fields, 'notifyRefund NOT applied: it does not match the journaled refund');
    else if (v.kind === 'UNKNOWN_REFUND') log.warn(fields, 'notifyRefund for a refund this ledger does not know; acknowledged, nothing applied');
    else log.info(fields, v.kind === 'APPLIED' ? `notifyRefund applied: ${v.from} -> ${v.to}` : 'notifyRefund acknowledged; nothing to change');
    report({ kind: 'VERDICT', verdict: v });
    return send(res, 200, NOTIFY_ACK_BODY);
  }

  const headersTimeout = opts.headersTimeoutMs ?? 10_000;
  // Node checks headersTimeout / requestTimeout only on its connection sweep (30 s by default): 400 slowloris sockets
  // stayed open 12.5 s. A 1 s sweep (or less for short test timeouts) closes them on time.
  const server = http.createServer(
    { headersTimeout, requestTimeout: Math.max(headersTimeout, 15_000), connectionsCheckingInterval: Math.min(1_000, headersTimeout) },
    (req, res) => {
      handle(req, res).catch((e: unknown) => {
        log.error({ err: String(e) }, 'notify endpoint error');
        if (!res.headersSent) send(res, 500, SYSTEM_ERROR_BODY);
        else res.destroy();
      });
    },
  );
  server.maxConnections = opts.maxConnections ?? 256;
  // An idle socket (nothing sent for the request timeout) is closed too, between requests as well.
  server.on('connection', (socket) => socket.setTimeout(Math.max(headersTimeout, 15_000), () => socket.destroy()));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host ?? '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const host = opts.host ?? '127.0.0.1';
  return {
    port,
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    verifiedPath: opts.publicUrl === undefined ? '(the path received)' : `${opts.publicUrl.pathname}${opts.publicUrl.search}`,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await flushHeld();
    },
  };
}

/**
 * The browser host: the same main-process services, served to a browser on
 * 127.0.0.1 only. It is how the app runs where no Electron runtime exists
 * (this build machine, CI, a kiosk with only a browser) and how end-to-end
 * tests drive the real services.
 *
 * Security model (see README "Security"):
 *  - binds to 127.0.0.1, and refuses any Host header but its own (DNS rebinding);
 *  - a per-launch random token, handed over in the printed URL (`/?token=...`),
 *    works ONCE: it is swapped for an HttpOnly SameSite=Strict session cookie
 *    whose value is a different random secret bound to this launch; a second
 *    use of the URL is refused (unless that browser already holds the cookie);
 *  - the cookie value is rotated at every sign-in and at sign-out (the value a
 *    signed-in person used dies with their session);
 *  - every API call needs that cookie, the `X-Refund-Terminal: 1` header (which a
 *    cross-origin page cannot send without a CORS preflight we never grant),
 *    exactly `application/json`, and, when present, an Origin equal to our own;
 *  - the role is checked before the body is read; PIN-bearing calls are rate
 *    limited per client;
 *  - the renderer is served with the same strict CSP as in Electron.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { promises as fs } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { EVENT_CHANNELS, type ApiEventName, type OperationName } from '../../preload/contract/api';
import { dispatch, operationForChannel, type ApiHandlers, type Authorize } from '../services/api-dispatch';
import { createPinRateLimiter, PIN_OPERATIONS, PIN_REFILL_MS, RATE_LIMITED_MESSAGE } from '../security/rate-limit';
import type { ApiEventBus } from '../services/event-bus';
import type { Logger } from '../logging/logger';
import { CONTENT_SECURITY_POLICY } from '../../preload/contract/csp';
import { OPERATION_ACCESS } from '../features/access';

/** How long a rotated-away cookie value still answers the page's status polls (see `previous`). */
const ROTATION_GRACE_MS = 5_000;
/** Read-only, public, polled every few seconds: what may still be in flight with the old value at a rotation. */
const STATUS_POLLS: ReadonlySet<OperationName> = new Set<OperationName>(['getAppInfo', 'getTerminalStatus', 'getJournalHealth']);
const isStatusPoll = (name: OperationName | null | undefined): boolean => name != null && STATUS_POLLS.has(name) && OPERATION_ACCESS[name] === 'public';

export interface BrowserHostOptions {
  readonly port?: number; // 0 = any free port
  readonly rendererDir: string;
  readonly handlers: ApiHandlers;
  /** The early role gate (AppServices.authorize): runs before the body is read. */
  readonly authorize: Authorize;
  readonly events: ApiEventBus;
  readonly log: Logger;
  /** Fixed token for tests; normally random per launch. */
  readonly token?: string;
}

export interface BrowserHost {
  readonly url: string; // includes the one-time token
  readonly origin: string;
  readonly token: string;
  close(): Promise<void>;
}

const COOKIE = 'rt_session';
const MAX_BODY_BYTES = 256 * 1024;

/** RFC 9110 media type `application/json`, case-insensitive, parameters (charset) allowed; nothing else. */
export function isJsonContentType(header: string | undefined): boolean {
  if (header === undefined) return false;
  const type = header.split(';', 1)[0]?.trim().toLowerCase();
  return type === 'application/json';
}

function newSecret(): string {
  return randomBytes(32).toString('base64url');
}
const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.woff2': 'font/woff2',
};

const SECURITY_HEADERS: Record<string, string> = {
  'Content-Security-Policy': CONTENT_SECURITY_POLICY,
  'X-Content-Type-Options': 'nosniff',
  'X-Frame-Options': 'DENY',
  'Referrer-Policy': 'no-referrer',
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Resource-Policy': 'same-origin',
  'Permissions-Policy': 'camera=(), microphone=(), geolocation=(), usb=(), serial=()',
  'Cache-Control': 'no-store',
};

function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/**
 * Every value sent under `name`. Cookies are not scoped by port, so a page on
 * another 127.0.0.1 port can plant its own `rt_session` (e.g. with a longer
 * Path, which the browser sends first): reading only the first one let it lock
 * the register out (attack report F1). A name prefix would not help here
 * (`__Host-` needs Secure, i.e. https) and no Path of ours outranks a longer
 * one, so the host accepts the request when ANY of the values is the live
 * session; a planted value can then add nothing and take nothing away.
 */
function readCookies(req: http.IncomingMessage, name: string): string[] {
  const header = req.headers.cookie;
  if (!header) return [];
  const values: string[] = [];
  for (const part of header.split(';')) {
    const [k, ...v] = part.trim().split('=');
    if (k === name) values.push(v.join('='));
  }
  return values;
}

function send(res: http.ServerResponse, status: number, body: string, type = 'text/plain; charset=utf-8', extra: Record<string, string> = {}): void {
  res.writeHead(status, { ...SECURITY_HEADERS, 'Content-Type': type, ...extra });
  res.end(body);
}

export async function startBrowserHost(opts: BrowserHostOptions): Promise<BrowserHost> {
  const token = opts.token ?? randomBytes(32).toString('base64url');
  const rendererRoot = path.resolve(opts.rendererDir);
  let origin = '';
  let hostHeader = '';
  // Each event stream is bound to the session value it was opened with and ended when that value stops working (F2).
  const sseClients = new Set<http.ServerResponse>();

  const unsubscribers = (Object.keys(EVENT_CHANNELS) as ApiEventName[]).map((event) =>
    opts.events.on(event, (payload) => {
      const frame = `event: ${event}\ndata: ${JSON.stringify(payload)}\n\n`;
      for (const client of sseClients) client.write(frame);
    }),
  );

  // One launch, one browser: the token is spent on first use; `session` is the cookie value now valid.
  let launchSpent = false;
  let session: string | null = null;
  const limiter = createPinRateLimiter();
  /**
   * The PIN limiter's key: one bucket for this host process. It must not be
   * anything the caller can reset: keyed by the cookie value, every sign-out
   * (which rotates it, even with nobody signed in) handed out a fresh bucket
   * (F3). One launch serves one browser on loopback, so one bucket per
   * process is the client; the per-person lockout still bounds each name.
   */
  const LIMITER_KEY = 'browser-host';

  /**
   * The value just rotated away, for a moment, and only for the page's public
   * status polls (app info, terminal status, journal health): a poll the page
   * sent a few milliseconds before a sign-in's or sign-out's answer arrived
   * carries the old value, and refusing it read as "this window lost its link"
   * on the sign-in screen (a flaky 401 right after sign-out). It never reaches
   * the session, sign-in/out, a role-gated operation, a page or the event
   * stream (F2): an old value holds nothing about who is signed in.
   */
  let previous: { value: string; until: number } | null = null;
  const hasCookie = (req: http.IncomingMessage, value: string | null): boolean =>
    value !== null && readCookies(req, COOKIE).some((given) => sameSecret(given, value));
  const authorised = (req: http.IncomingMessage): boolean => hasCookie(req, session);
  const authorisedJustBefore = (req: http.IncomingMessage): boolean => previous !== null && Date.now() < previous.until && hasCookie(req, previous.value);
  const cookieHeader = (value: string): string => `${COOKIE}=${value}; HttpOnly; SameSite=Strict; Path=/`;
  /** A new cookie value; the old one stops working at once. */
  const rotate = (): string => {
    previous = session === null ? null : { value: session, until: Date.now() + ROTATION_GRACE_MS };
    session = newSecret();
    // Every open event stream was opened with the old value: it dies with it (the browser reconnects with the new cookie).
    for (const client of sseClients) client.end();
    sseClients.clear();
    return cookieHeader(session);
  };

  const serveStatic = async (res: http.ServerResponse, urlPath: string): Promise<void> => {
    let decoded: string;
    try {
      decoded = decodeURIComponent(urlPath);
    } catch {
      // A malformed %-escape is the client's error, not ours (F10): 400, no error log line.
      return send(res, 400, 'Malformed URL encoding');
    }
    const relative = urlPath === '/' ? 'index.html' : decoded.replace(/^\/+/, '');
    const file = path.resolve(rendererRoot, relative);
    if (!file.startsWith(rendererRoot + path.sep)) return send(res, 404, 'Not found');
    try {
      const body = await fs.readFile(file);
      res.writeHead(200, { ...SECURITY_HEADERS, 'Content-Type': MIME[path.extname(file)] ?? 'application/octet-stream' });
      res.end(body);
    } catch {
      send(res, 404, 'Not found');
    }
  };

  const handleApi = async (req: http.IncomingMessage, res: http.ServerResponse, channel: string): Promise<void> => {
    const name = operationForChannel(channel);
    if (!name) return send(res, 404, JSON.stringify({ ok: false, error: { code: 'NOT_FOUND', message: 'No such operation.' } }), 'application/json');
    if (req.headers['x-refund-terminal'] !== '1') return send(res, 403, 'Missing X-Refund-Terminal header');
    if (!isJsonContentType(req.headers['content-type'])) return send(res, 415, 'Send application/json');
    // Role first: a refused caller gets FORBIDDEN before a byte of its body is read or validated.
    const refused = opts.authorize(name);
    if (refused) {
      req.resume();
      return send(res, 200, JSON.stringify(refused), 'application/json');
    }
    if (PIN_OPERATIONS.has(name) && !limiter.take(LIMITER_KEY)) {
      req.resume();
      return send(res, 429, JSON.stringify({ ok: false, error: { code: 'RATE_LIMITED', message: RATE_LIMITED_MESSAGE } }), 'application/json', {
        'Retry-After': String(Math.ceil(PIN_REFILL_MS / 1000)),
      });
    }
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of req) {
      size += (chunk as Buffer).length;
      if (size > MAX_BODY_BYTES) {
        send(res, 413, 'Request too large', 'text/plain; charset=utf-8', { Connection: 'close' });
        req.destroy();
        return;
      }
      chunks.push(chunk as Buffer);
    }
    let payload: unknown;
    try {
      payload = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}');
    } catch {
      return send(res, 400, JSON.stringify({ ok: false, error: { code: 'INVALID_REQUEST', message: 'The request body is not JSON.' } }), 'application/json');
    }
    const result = await dispatch(opts.handlers, name, payload, opts.log, opts.authorize);
    // A new cookie value for the person who just signed in, and again when they sign out.
    const extra: Record<string, string> = (name === 'signIn' || name === 'signOut') && result.ok ? { 'Set-Cookie': rotate() } : {};
    send(res, 200, JSON.stringify(result), 'application/json', extra);
  };

  const server = http.createServer((req, res) => {
    void (async () => {
      // DNS-rebinding guard: only our own literal loopback host is accepted.
      if (req.headers.host !== hostHeader) return send(res, 421, 'Wrong host');
      const reqOrigin = req.headers.origin;
      if (reqOrigin !== undefined && reqOrigin !== origin) return send(res, 403, 'Cross-origin requests are refused');
      const url = new URL(req.url ?? '/', origin);

      if (req.method === 'GET' && url.pathname === '/' && url.searchParams.has('token')) {
        const given = url.searchParams.get('token') ?? '';
        if (!sameSecret(given, token)) return send(res, 401, 'Wrong launch token. Open the URL printed by `refund-terminal start`.');
        // The browser that already swapped it (a reload of the address) just goes on; anyone else is refused.
        if (launchSpent) {
          if (authorised(req)) return send(res, 303, '', 'text/plain', { Location: '/' });
          return send(res, 410, 'This launch address was already used. Restart the refund terminal (`refund-terminal start`) for a new one.');
        }
        launchSpent = true;
        return send(res, 303, '', 'text/plain', { Location: '/', 'Set-Cookie': rotate() });
      }
      const channel = url.pathname.startsWith('/api/') ? url.pathname.slice('/api/'.length) : null;
      const statusPoll = channel !== null && req.method === 'POST' && isStatusPoll(operationForChannel(channel));
      if (!authorised(req) && !(statusPoll && authorisedJustBefore(req))) {
        return send(res, 401, 'This refund terminal needs its launch token: open the URL printed by `refund-terminal start` (or `serve`).');
      }
      if (url.pathname.startsWith('/api/')) {
        if (url.pathname === '/api/events' && req.method === 'GET') {
          res.writeHead(200, { ...SECURITY_HEADERS, 'Content-Type': 'text/event-stream', Connection: 'keep-alive' });
          // Reconnect fast: the stream is ended at every sign-in/sign-out (rotation), and the browser reopens it with the new cookie.
          res.write('retry: 250\n: connected\n\n');
          sseClients.add(res);
          req.on('close', () => sseClients.delete(res));
          return;
        }
        if (req.method !== 'POST') return send(res, 405, 'Use POST');
        return handleApi(req, res, url.pathname.slice('/api/'.length));
      }
      if (req.method !== 'GET') return send(res, 405, 'Method not allowed');
      return serveStatic(res, url.pathname);
    })().catch((e: unknown) => {
      opts.log.error({ err: e instanceof Error ? e.message : String(e) }, 'browser host request failed');
      if (!res.headersSent) send(res, 500, 'Internal error');
      else res.end();
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  hostHeader = `127.0.0.1:${port}`;
  origin = `http://${hostHeader}`;
  const heartbeat = setInterval(() => {
    for (const client of sseClients) client.write(': keep-alive\n\n');
  }, 15_000);
  heartbeat.unref();

  return {
    url: `${origin}/?token=${token}`,
    origin,
    token,
    async close() {
      clearInterval(heartbeat);
      for (const off of unsubscribers) off();
      for (const client of sseClients) client.end();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
    },
  };
}

/**
 * The browser host against the attack report's findings F1, F2, F3 and F10,
 * over real HTTP against the real services in demo mode. Each test failed on
 * the code before the fix: a tossed cookie ahead of ours gave 401, an event
 * stream opened before sign-in kept running after it, sign-out handed out a
 * fresh PIN bucket, and `GET /%` gave 500.
 */
import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { operations, type OperationName } from '../../../preload/contract/api';
import { startBrowserHost, type BrowserHost } from '../../../main/host/browser-host';
import { startHarness, type Harness } from '../security/helpers';

interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

let h: Harness;
let host: BrowserHost;

function request(method: string, pathName: string, headers: Record<string, string> = {}, body?: string): Promise<Reply> {
  const url = new URL(host.origin);
  return new Promise((resolve, reject) => {
    const req = http.request({ host: url.hostname, port: url.port, method, path: pathName, headers: { Host: url.host, ...headers }, agent: false }, (res) => {
      let data = '';
      res.on('data', (d: Buffer) => (data += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: data }));
    });
    req.on('error', reject);
    if (body !== undefined) req.write(body);
    req.end();
  });
}

const cookieOf = (r: Reply): string => {
  const c = r.headers['set-cookie']?.[0];
  if (c === undefined) throw new Error('no Set-Cookie');
  return c.split(';')[0] as string;
};

function call(cookie: string, name: OperationName, body: unknown): Promise<Reply> {
  return request(
    'POST',
    `/api/${operations[name].channel}`,
    { Cookie: cookie, 'X-Refund-Terminal': '1', 'Content-Type': 'application/json' },
    JSON.stringify(body),
  );
}

const parsed = (r: Reply) => JSON.parse(r.body) as { ok: boolean; error?: { code: string } };

/** Opens /api/events; resolves `ended` when the server closes the stream. */
function openEvents(cookie: string): Promise<{ status: number; ended: Promise<string>; close: () => void }> {
  const url = new URL(host.origin);
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: url.hostname, port: url.port, method: 'GET', path: '/api/events', headers: { Host: url.host, Cookie: cookie }, agent: false },
      (res) => {
        let data = '';
        const ended = new Promise<string>((done) => res.on('end', () => done(data)));
        res.on('data', (d: Buffer) => (data += d.toString()));
        resolve({ status: res.statusCode ?? 0, ended, close: () => req.destroy() });
      },
    );
    req.on('error', reject);
    req.end();
  });
}

describe('browser host: attack report F1, F2, F3, F10', () => {
  let cookie = '';

  beforeAll(async () => {
    h = await startHarness('rt-host-attack-');
    host = await startBrowserHost({
      port: 0,
      rendererDir: h.dataDir,
      handlers: h.services.handlers,
      authorize: h.services.authorize,
      events: h.services.events,
      log: h.services.log,
    });
    cookie = cookieOf(await request('GET', `/?token=${host.token}`));
  }, 60_000);
  afterAll(async () => {
    await host.close();
    await h.close();
  });

  it('F1: a tossed rt_session sent ahead of ours does not lock the register out', async () => {
    const both = `rt_session=tossed; ${cookie}`;
    expect(parsed(await call(both, 'getSession', {})).ok).toBe(true);
    expect((await call(`rt_session=tossed; rt_session=also-wrong`, 'getSession', {})).status).toBe(401);
  });

  it('F2: an event stream dies with the cookie it was opened with (sign-in and sign-out); the old cookie cannot reopen it', async () => {
    const before = await openEvents(cookie);
    expect(before.status).toBe(200);
    const signIn = await call(cookie, 'signIn', { userName: 'alice', pin: '1470' });
    expect(parsed(signIn).ok).toBe(true);
    await before.ended; // would hang (test timeout) on the original code
    expect((await openEvents(cookie)).status).toBe(401);

    const signedIn = cookieOf(signIn);
    const during = await openEvents(signedIn);
    expect(during.status).toBe(200);
    const signOut = await call(signedIn, 'signOut', {});
    expect(parsed(signOut).ok).toBe(true);
    await during.ended;
    expect((await openEvents(signedIn)).status).toBe(401);
    cookie = cookieOf(signOut);
  }, 30_000);

  it('a status poll sent just before a rotation is still answered; the session, role-gated calls, pages and events on the old value are not', async () => {
    const old = cookie;
    const signIn = await call(old, 'signIn', { userName: 'alice', pin: '1470' });
    expect(parsed(signIn).ok).toBe(true);
    // The status poll that was already on its way with the old value (flaky "lost its link" right after sign-in/out before).
    expect((await call(old, 'getTerminalStatus', {})).status).toBe(200);
    expect((await call(old, 'getJournalHealth', {})).status).toBe(200);
    // Not who is signed in, nothing a role opens, no sign-out, no page, no event stream.
    expect((await call(old, 'getSession', {})).status).toBe(401);
    expect((await call(old, 'signOut', {})).status).toBe(401);
    expect((await call(old, 'listRecentPayments', {})).status).toBe(401);
    expect((await request('GET', '/', { Cookie: old })).status).toBe(401);
    expect((await openEvents(old)).status).toBe(401);
    // The live value works for everything.
    const live = cookieOf(signIn);
    expect(parsed(await call(live, 'listRecentPayments', {})).ok).toBe(true);
    cookie = cookieOf(await call(live, 'signOut', {}));
  }, 30_000);

  it('F3: signing out (with nobody signed in) does not hand out a fresh PIN bucket', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 40; i++) {
      if (i % 10 === 9) cookie = cookieOf(await call(cookie, 'signOut', {}));
      statuses.push((await call(cookie, 'signIn', { userName: 'ghost', pin: '9182' })).status);
    }
    // The burst is 20 and the refill 1/s: without sign-outs resetting it, most of the 40 tries are refused.
    expect(statuses.filter((s) => s === 429).length).toBeGreaterThanOrEqual(10);
  }, 60_000);

  it('F10: malformed percent-encoding in a static path is 400, not 500', async () => {
    expect((await request('GET', '/%', { Cookie: cookie })).status).toBe(400);
    expect((await request('GET', '/%E0%A4%A', { Cookie: cookie })).status).toBe(400);
  });
});

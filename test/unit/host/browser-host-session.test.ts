/**
 * The browser host's launch token and session cookie, content type and the
 * order of checks (issue #14, items 4 and 5), over real HTTP against the real
 * services in demo mode. On the original code the launch URL could be replayed,
 * the cookie WAS the token, `application/jsonfoo` passed, and a cashier's
 * malformed manager call was answered with the validation errors.
 */
import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { operations, type OperationName } from '../../../preload/contract/api';
import { startBrowserHost, type BrowserHost } from '../../../main/host/browser-host';
import { dispatch } from '../../../main/services/api-dispatch';
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

const cookieOf = (r: Reply): string | null => {
  const c = r.headers['set-cookie']?.[0];
  return c === undefined ? null : (c.split(';')[0] as string);
};

function call(cookie: string, name: OperationName, body: unknown, headers: Record<string, string> = {}): Promise<Reply> {
  return request(
    'POST',
    `/api/${operations[name].channel}`,
    { Cookie: cookie, 'X-Refund-Terminal': '1', 'Content-Type': 'application/json', ...headers },
    typeof body === 'string' ? body : JSON.stringify(body),
  );
}

const parsed = (r: Reply) => JSON.parse(r.body) as { ok: boolean; error?: { code: string; message: string } };

describe('browser host launch token and session cookie', () => {
  let cookie = '';

  beforeAll(async () => {
    h = await startHarness('rt-host-session-');
    host = await startBrowserHost({
      port: 0,
      rendererDir: h.dataDir,
      handlers: h.services.handlers,
      authorize: h.services.authorize,
      events: h.services.events,
      log: h.services.log,
    });
    const swap = await request('GET', `/?token=${host.token}`);
    expect(swap.status).toBe(303);
    cookie = cookieOf(swap) ?? '';
  }, 60_000);
  afterAll(async () => {
    await host.close();
    await h.close();
  });

  it('the cookie is a different random value from the launch token', () => {
    expect(cookie).toMatch(/^rt_session=[A-Za-z0-9_-]{43}$/);
    expect(cookie).not.toContain(host.token);
  });

  it('the launch token works once: a second use (curl, another page) is refused', async () => {
    const again = await request('GET', `/?token=${host.token}`);
    expect(again.status).toBe(410);
    expect(cookieOf(again)).toBeNull();
    // Reloading the address in the browser that holds the cookie just goes on, with no new cookie.
    const reload = await request('GET', `/?token=${host.token}`, { Cookie: cookie });
    expect(reload.status).toBe(303);
    expect(cookieOf(reload)).toBeNull();
    // The token is not a cookie either.
    expect((await call(`rt_session=${host.token}`, 'getAppInfo', {})).status).toBe(401);
  });

  it('the cookie is rotated at sign-in and at sign-out; the old values stop working', async () => {
    const before = cookie;
    const signIn = await call(before, 'signIn', { userName: 'alice', pin: '1470' });
    expect(parsed(signIn).ok).toBe(true);
    const signedIn = cookieOf(signIn);
    expect(signedIn).not.toBeNull();
    expect(signedIn).not.toBe(before);
    expect((await call(before, 'getSession', {})).status).toBe(401);
    expect(parsed(await call(signedIn as string, 'getSession', {}))).toMatchObject({ ok: true, value: { userName: 'alice' } });

    const signOut = await call(signedIn as string, 'signOut', {});
    const after = cookieOf(signOut);
    expect(after).not.toBeNull();
    expect(after).not.toBe(signedIn);
    // Whoever copied the signed-in cookie holds nothing now.
    expect((await call(signedIn as string, 'getSession', {})).status).toBe(401);
    expect(parsed(await call(after as string, 'getSession', {}))).toMatchObject({ ok: true, value: null });
    cookie = after as string;
  });

  it('needs exactly application/json (parameters allowed, look-alikes refused)', async () => {
    expect((await call(cookie, 'getAppInfo', {}, { 'Content-Type': 'application/jsonfoo' })).status).toBe(415);
    expect((await call(cookie, 'getAppInfo', {}, { 'Content-Type': 'application/json-patch+json' })).status).toBe(415);
    expect((await call(cookie, 'getAppInfo', {}, { 'Content-Type': 'text/plain; application/json' })).status).toBe(415);
    expect((await call(cookie, 'getAppInfo', {}, { 'Content-Type': 'application/json; charset=utf-8' })).status).toBe(200);
    expect((await call(cookie, 'getAppInfo', {}, { 'Content-Type': 'Application/JSON' })).status).toBe(200);
  });

  it('checks the role before the payload: a refused caller learns nothing of the request format', async () => {
    const malformed = { name: 'a b', role: 'boss', pin: 12, extra: true };
    // Nobody signed in.
    expect(parsed(await call(cookie, 'addUser', malformed)).error?.code).toBe('NOT_SIGNED_IN');
    const signIn = await call(cookie, 'signIn', { userName: 'alice', pin: '1470' });
    cookie = cookieOf(signIn) as string;
    // A cashier calling a manager operation: FORBIDDEN, even for a body that is not JSON at all.
    const forbidden = parsed(await call(cookie, 'addUser', malformed));
    expect(forbidden.error?.code).toBe('FORBIDDEN');
    expect(forbidden.error?.message).not.toMatch(/pin|role|name|Unrecognized/i);
    expect(parsed(await call(cookie, 'resetUserPin', '{not json')).error?.code).toBe('FORBIDDEN');
    // The same order through dispatch() (the Electron IPC path).
    const viaIpc = await dispatch(h.services.handlers, 'setUserRole', { nope: 1 }, h.services.log, h.services.authorize);
    expect(viaIpc.ok ? null : viaIpc.error.code).toBe('FORBIDDEN');
    // A manager operation by a manager with the same payload is what gets validated.
    cookie = cookieOf(await call(cookie, 'signOut', {})) as string;
    cookie = cookieOf(await call(cookie, 'signIn', { userName: 'maria', pin: '246813' })) as string;
    expect(parsed(await call(cookie, 'addUser', malformed)).error?.code).toBe('INVALID_REQUEST');
    cookie = cookieOf(await call(cookie, 'signOut', {})) as string;
  });

  it('rate limits PIN attempts per client in front of the lockout', async () => {
    const codes: number[] = [];
    for (let i = 0; i < 30; i++) codes.push((await call(cookie, 'signIn', { userName: 'ghost', pin: '9182' })).status);
    expect(codes.filter((c) => c === 429).length).toBeGreaterThan(0);
    const limited = await call(cookie, 'signIn', { userName: 'alice', pin: '1470' });
    expect(limited.status).toBe(429);
    expect(parsed(limited).error?.code).toBe('RATE_LIMITED');
  });
});

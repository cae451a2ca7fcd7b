/**
 * The browser host's guard: loopback only, launch token swapped for an
 * HttpOnly cookie, custom header, same-origin, exact Host header, body limits.
 */
import http from 'node:http';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBrowserHost, type BrowserHost } from '../../../main/host/browser-host';
import { createSilentLogger } from '../../../main/logging/logger';
import { operations, type OperationName } from '../../../preload/contract/api';
import { err } from '../../../preload/contract/result';
import { authorizeOperation } from '../../../main/features/access';
import { registerAppStatus } from '../../../main/features/app-status';
import { OperationRegistry } from '../../../main/features/registry';
import { ApiEventBus } from '../../../main/services/event-bus';
import { CounterSession } from '../../../main/services/session';

const rendererDir = mkdtempSync(path.join(os.tmpdir(), 'rt-renderer-'));
writeFileSync(path.join(rendererDir, 'index.html'), '<!doctype html><title>t</title>');

let calls = 0;
const session = new CounterSession(300);
const registry = new OperationRegistry(session);
registerAppStatus(registry.feature('app-status'), {
  info: () => {
    calls++;
    return { version: 't', demo: true, hostKind: 'browser', secretProtection: 'file-0600', secretWarning: null, demoHints: null, timeZone: 'UTC' };
  },
  journalHealth: () => {
    throw new Error('not used by these tests');
  },
});
// The guard is under test, not the features: every other operation answers INTERNAL.
const others = registry.feature('not-under-test');
for (const name of Object.keys(operations) as OperationName[]) {
  if (!registry.owners().has(name)) others.handle(name, (async () => err('INTERNAL', 'not under test')) as never);
}

interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

function request(host: BrowserHost, method: string, pathName: string, headers: Record<string, string> = {}, body?: string): Promise<Reply> {
  const url = new URL(host.origin);
  return new Promise((resolve, reject) => {
    const req = http.request({ host: url.hostname, port: url.port, method, path: pathName, headers, agent: false }, (res) => {
      let data = '';
      res.on('data', (d: Buffer) => (data += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: data }));
    });
    req.on('error', reject);
    if (body !== undefined) req.write(body);
    req.end();
  });
}

describe('browser host', () => {
  let host: BrowserHost;
  let cookie: string;
  const api = (extra: Record<string, string> = {}, body = '{}') =>
    request(
      host,
      'POST',
      '/api/app:info',
      { Host: new URL(host.origin).host, Cookie: cookie, 'X-Refund-Terminal': '1', 'Content-Type': 'application/json', ...extra },
      body,
    );

  beforeAll(async () => {
    host = await startBrowserHost({
      port: 0,
      rendererDir,
      handlers: registry.build(),
      authorize: (name) => authorizeOperation(session, name),
      events: new ApiEventBus(),
      log: createSilentLogger(),
      token: 'test-token-0123456789',
    });
    const swap = await request(host, 'GET', `/?token=${host.token}`, { Host: new URL(host.origin).host });
    expect(swap.status).toBe(303);
    const setCookie = swap.headers['set-cookie']?.[0] ?? '';
    expect(setCookie).toMatch(/HttpOnly/);
    expect(setCookie).toMatch(/SameSite=Strict/);
    cookie = setCookie.split(';')[0] as string;
  });
  afterAll(async () => host.close());

  it('listens on 127.0.0.1 only', () => {
    expect(new URL(host.origin).hostname).toBe('127.0.0.1');
  });

  it('serves the renderer with the strict CSP once the token was presented', async () => {
    const page = await request(host, 'GET', '/', { Host: new URL(host.origin).host, Cookie: cookie });
    expect(page.status).toBe(200);
    expect(page.headers['content-security-policy']).toContain("script-src 'self'");
    expect(page.headers['x-frame-options']).toBe('DENY');
  });

  it('answers an authorised API call', async () => {
    const before = calls;
    const r = await api();
    expect(r.status).toBe(200);
    expect(JSON.parse(r.body)).toMatchObject({ ok: true, value: { demo: true } });
    expect(calls).toBe(before + 1);
  });

  it('refuses requests without the launch token or with a wrong one', async () => {
    const before = calls;
    expect((await request(host, 'GET', '/', { Host: new URL(host.origin).host })).status).toBe(401);
    expect((await request(host, 'GET', '/?token=wrong', { Host: new URL(host.origin).host })).status).toBe(401);
    expect((await api({ Cookie: 'rt_session=wrong' })).status).toBe(401);
    expect((await api({ Cookie: '' })).status).toBe(401);
    expect(calls).toBe(before);
  });

  it('refuses other origins, other Host headers and calls without the custom header', async () => {
    const before = calls;
    expect((await api({ Origin: 'http://evil.example' })).status).toBe(403);
    expect((await api({ Origin: 'http://127.0.0.1:1' })).status).toBe(403);
    expect((await api({ Host: 'evil.example' })).status).toBe(421);
    expect((await api({ Host: 'localhost:' + new URL(host.origin).port })).status).toBe(421);
    expect((await api({ 'X-Refund-Terminal': '' })).status).toBe(403);
    expect((await api({ 'Content-Type': 'text/plain' })).status).toBe(415);
    expect(calls).toBe(before);
  });

  it('accepts its own origin', async () => {
    expect((await api({ Origin: host.origin })).status).toBe(200);
  });

  it('rejects unknown operations, non-JSON and oversized bodies with typed errors', async () => {
    const unknown = await request(
      host,
      'POST',
      '/api/not:an-operation',
      { Host: new URL(host.origin).host, Cookie: cookie, 'X-Refund-Terminal': '1', 'Content-Type': 'application/json' },
      '{}',
    );
    expect(unknown.status).toBe(404);
    const notJson = await api({}, '{nope');
    expect(JSON.parse(notJson.body)).toMatchObject({ ok: false, error: { code: 'INVALID_REQUEST' } });
    const huge = await api({}, JSON.stringify({ x: 'a'.repeat(400_000) })).catch((e: NodeJS.ErrnoException) => ({
      status: e.code === 'ECONNRESET' || e.code === 'EPIPE' ? 413 : 0,
    }));
    expect(huge.status).toBe(413);
  });

  it('does not serve files outside the renderer folder', async () => {
    const r = await request(host, 'GET', '/../../../etc/passwd', { Host: new URL(host.origin).host, Cookie: cookie });
    expect(r.status).toBe(404);
    const encoded = await request(host, 'GET', '/%2e%2e/%2e%2e/etc/passwd', { Host: new URL(host.origin).host, Cookie: cookie });
    expect(encoded.status).toBe(404);
  });
});

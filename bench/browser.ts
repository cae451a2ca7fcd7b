/**
 * Benchmarks 4 and 5, against the built tree (npm run build): cold start of
 * the browser host to an interactive refund screen in Chromium, the gzipped
 * renderer JavaScript, and the cashier's clicks and keys for a full refund
 * from a scan and for a partial refund (counted by this Playwright script).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { chromium, type Browser, type Page } from '@playwright/test';

const ROOT = path.resolve(__dirname, '..');
const now = (): number => performance.now();

export const CHROMIUM_ARGS = ['--no-sandbox', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-gpu'];

export interface BundleSize {
  readonly files: readonly { readonly name: string; readonly bytes: number; readonly gzipBytes: number }[];
  readonly jsBytes: number;
  readonly jsGzipBytes: number;
  readonly jsGzipKB: number;
  readonly targetKB: number;
}

export function builtTreeProblem(): string | null {
  const need = [
    path.join(ROOT, 'dist', 'main', 'cli', 'index.js'),
    path.join(ROOT, 'dist', 'renderer', 'index.html'),
    path.join(ROOT, 'dist', 'renderer', 'assets'),
  ];
  const missing = need.filter((p) => !existsSync(p));
  return missing.length === 0 ? null : `built tree missing (${missing.map((m) => path.relative(ROOT, m)).join(', ')}): run \`npm run build\` first`;
}

export function measureBundle(): BundleSize {
  const dir = path.join(ROOT, 'dist', 'renderer', 'assets');
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.js'))
    .sort()
    .map((name) => {
      const buf = readFileSync(path.join(dir, name));
      return { name, bytes: buf.length, gzipBytes: gzipSync(buf).length };
    });
  const jsBytes = files.reduce((a, f) => a + f.bytes, 0);
  const jsGzipBytes = files.reduce((a, f) => a + f.gzipBytes, 0);
  return { files, jsBytes, jsGzipBytes, jsGzipKB: jsGzipBytes / 1024, targetKB: 250 };
}

interface Host {
  readonly child: ChildProcess;
  readonly url: string;
  readonly spawnedAt: number;
  readonly urlAt: number;
  output(): string;
}

function cleanEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('ANTOM_') && k !== 'TERMINAL_PORT' && !k.startsWith('REFUND_TERMINAL_')) env[k] = v;
  return env;
}

async function spawnHost(dataDir: string): Promise<Host> {
  const spawnedAt = now();
  const child = spawn(process.execPath, [path.join(ROOT, 'bin', 'refund-terminal.cjs'), '--data-dir', dataDir, 'serve', '--port', '0'], {
    env: cleanEnv(),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`browser host did not print its URL within 30 s:\n${out}`)), 30_000);
    const check = (): void => {
      const m = /^URL: (\S+)$/m.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1] as string);
      }
    };
    child.stdout?.on('data', check);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`browser host exited (${code}) before printing its URL:\n${out}`));
    });
  });
  return { child, url, spawnedAt, urlAt: now(), output: () => out };
}

async function stopHost(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  child.kill('SIGTERM');
  const t = setTimeout(() => child.kill('SIGKILL'), 5_000);
  await exited;
  clearTimeout(t);
}

export interface ColdStart {
  /** Fresh data folder (demo keys generated, ledger created) or a second start on the same folder. */
  readonly kind: 'first-run' | 'second-run';
  readonly processToUrlMs: number;
  readonly urlToSignInVisibleMs: number;
  readonly signInToScanEnabledMs: number;
  readonly totalMs: number;
  /** Navigation Timing of the page load (ms from navigation start). */
  readonly page: { readonly responseEnd: number; readonly domContentLoaded: number; readonly loadEvent: number; readonly jsBytesTransferred: number };
}

async function signInToScan(page: Page, host: Host, kind: ColdStart['kind']): Promise<ColdStart> {
  await page.goto(host.url);
  await page.getByTestId('signin-user').waitFor({ state: 'visible' });
  const signInAt = now();
  await page.getByTestId('signin-user').fill('alice');
  await page.getByTestId('signin-pin').fill('1470');
  await page.getByTestId('signin-submit').click();
  await page.waitForSelector('[data-testid="scan-input"]:enabled', { timeout: 30_000 });
  const done = now();
  const timing = await page.evaluate(() => {
    const nav = performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming | undefined;
    const js = performance.getEntriesByType('resource').filter((r) => r.name.endsWith('.js')) as PerformanceResourceTiming[];
    return {
      responseEnd: nav ? nav.responseEnd : -1,
      domContentLoaded: nav ? nav.domContentLoadedEventEnd : -1,
      loadEvent: nav ? nav.loadEventEnd : -1,
      jsBytesTransferred: js.reduce((a, r) => a + r.transferSize, 0),
    };
  });
  return {
    page: timing,
    kind,
    processToUrlMs: host.urlAt - host.spawnedAt,
    urlToSignInVisibleMs: signInAt - host.urlAt,
    signInToScanEnabledMs: done - signInAt,
    totalMs: done - host.spawnedAt,
  };
}

export interface ActionCount {
  readonly flow: string;
  readonly paymentId: string;
  /** Cashier actions: a click, a key press, typing one field (the wedge scan + Enter is one). */
  readonly actions: number;
  readonly clicks: number;
  /** Every key press, including each typed character (the scanner's included). */
  readonly keyPresses: number;
  /** Key presses typed by a person (the scanner's excluded). */
  readonly humanKeyPresses: number;
  readonly steps: readonly string[];
  readonly outcome: string;
  readonly elapsedMs: number;
}

class Counter {
  actions = 0;
  clicks = 0;
  keys = 0;
  humanKeys = 0;
  readonly steps: string[] = [];
  constructor(private readonly page: Page) {}

  async scan(code: string): Promise<void> {
    // A keyboard wedge types into whatever has focus; the scan screen keeps the scan field focused.
    await this.page.keyboard.type(code);
    await this.page.keyboard.press('Enter');
    this.actions += 1;
    this.keys += code.length + 1;
    this.steps.push(`scan ${code} + Enter (wedge)`);
  }

  async click(testId: string): Promise<void> {
    await this.page.getByTestId(testId).click();
    this.actions += 1;
    this.clicks += 1;
    this.steps.push(`click ${testId}`);
  }

  async press(key: string, why: string): Promise<void> {
    await this.page.keyboard.press(key);
    this.actions += 1;
    this.keys += 1;
    this.humanKeys += 1;
    this.steps.push(`${key} (${why})`);
  }

  async typeField(text: string, why: string): Promise<void> {
    await this.page.keyboard.type(text);
    this.actions += 1;
    this.keys += text.length;
    this.humanKeys += text.length;
    this.steps.push(`type "${text}" (${why})`);
  }

  result(flow: string, paymentId: string, outcome: string, elapsedMs: number): ActionCount {
    return {
      flow,
      paymentId,
      actions: this.actions,
      clicks: this.clicks,
      keyPresses: this.keys,
      humanKeyPresses: this.humanKeys,
      steps: [...this.steps],
      outcome,
      elapsedMs,
    };
  }
}

async function focused(page: Page, testId: string): Promise<void> {
  await page.waitForSelector(`[data-testid="${testId}"]:enabled`, { timeout: 15_000 });
  await page.waitForFunction((id) => document.activeElement?.getAttribute('data-testid') === id, testId, { timeout: 15_000 });
}

async function outcomeOf(page: Page): Promise<string> {
  const el = page.locator('[data-testid^="outcome-"], [data-testid="pending-status"]').first();
  await el.waitFor({ state: 'visible', timeout: 30_000 });
  return (await el.getAttribute('data-testid')) ?? 'unknown';
}

async function backToScan(page: Page): Promise<void> {
  await focused(page, 'done-button');
  await page.keyboard.press('Enter');
  await page.waitForSelector('[data-testid="scan-input"]:enabled', { timeout: 15_000 });
  await page.waitForFunction(() => document.activeElement?.getAttribute('data-testid') === 'scan-input', undefined, { timeout: 15_000 });
}

export async function countFullRefund(page: Page, paymentId: string): Promise<ActionCount> {
  const c = new Counter(page);
  const t = now();
  await c.scan(paymentId);
  await page.getByTestId('screen-review').waitFor({ state: 'visible', timeout: 15_000 });
  await focused(page, 'confirm-refund');
  await c.press('Enter', 'confirm the preselected full refund');
  const outcome = await outcomeOf(page);
  return c.result('full refund from a scan', paymentId, outcome, now() - t);
}

export async function countPartialRefund(page: Page, paymentId: string, amount: string): Promise<ActionCount> {
  const c = new Counter(page);
  const t = now();
  await c.scan(paymentId);
  await page.getByTestId('screen-review').waitFor({ state: 'visible', timeout: 15_000 });
  await c.click('refund-partial');
  await focused(page, 'amount-input');
  await c.typeField(amount, 'amount');
  await c.press('Enter', 'continue to review');
  await page.getByTestId('screen-review').waitFor({ state: 'visible', timeout: 15_000 });
  await focused(page, 'confirm-refund');
  await c.press('Enter', 'confirm');
  const outcome = await outcomeOf(page);
  return c.result('partial refund from a scan', paymentId, outcome, now() - t);
}

export interface BrowserResult {
  readonly browserLaunchMs: number;
  readonly coldStarts: readonly ColdStart[];
  readonly bundle: BundleSize;
  readonly actions: readonly ActionCount[];
}

export async function runBrowserBench(): Promise<BrowserResult> {
  const bundle = measureBundle();
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'rt-bench-host-'));
  const b0 = now();
  const browser: Browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: CHROMIUM_ARGS });
  const browserLaunchMs = now() - b0;
  const coldStarts: ColdStart[] = [];
  const actions: ActionCount[] = [];
  try {
    // First run on a fresh folder, stopped, then a second start on the same folder (the everyday case).
    for (const kind of ['first-run', 'second-run'] as const) {
      const host = await spawnHost(dataDir);
      const context = await browser.newContext();
      const page = await context.newPage();
      try {
        coldStarts.push(await signInToScan(page, host, kind));
        if (kind === 'second-run') {
          await page.waitForFunction(() => document.activeElement?.getAttribute('data-testid') === 'scan-input', undefined, { timeout: 15_000 });
          actions.push(await countFullRefund(page, 'DEMO-JPY-ALIPAYHK-0002'));
          await backToScan(page);
          actions.push(await countPartialRefund(page, 'DEMO-SGD-ALIPAY-0001', '10'));
        }
      } finally {
        await context.close();
        await stopHost(host.child);
      }
    }
  } finally {
    await browser.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
  return { browserLaunchMs, coldStarts, bundle, actions };
}

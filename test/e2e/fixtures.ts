/**
 * Playwright fixtures: each test gets its own browser host process on a fresh
 * data folder (real services: virtual terminal on a socat pty, local Antom
 * sandbox, SQLite journal), started exactly as a user would start it.
 */
import { test as base, expect, type Page } from '@playwright/test';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '..', '..');

export interface RunningHost {
  readonly url: string;
  readonly dataDir: string;
  /** Demo control endpoint (sandbox and virtual-terminal faults), loopback + token. */
  readonly control: { url: string; token: string } | null;
  readonly output: () => string;
}

/** `dataDir`: start again on an earlier host's data folder (a restart of the same install). */
export async function startHost(
  extraEnv: Record<string, string> = {},
  dataDir = mkdtempSync(path.join(os.tmpdir(), 'rt-e2e-')),
): Promise<{ host: RunningHost; child: ChildProcess }> {
  const controlToken = `ctl-${Math.random().toString(36).slice(2)}${Date.now()}`;
  const child = spawn(process.execPath, [path.join(ROOT, 'bin', 'refund-terminal.cjs'), '--data-dir', dataDir, 'serve', '--port', '0'], {
    env: { ...process.env, REFUND_TERMINAL_DEMO_CONTROL_TOKEN: controlToken, ...extraEnv },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`browser host did not print its URL in time:\n${output}`)), 30_000);
    const check = () => {
      const m = /^URL: (\S+)$/m.exec(output);
      if (m) {
        clearTimeout(timer);
        resolve(m[1] as string);
      }
    };
    child.stdout?.on('data', check);
    child.on('exit', (code) => reject(new Error(`browser host exited (${code}) before it was ready:\n${output}`)));
  });
  const controlMatch = /^DEMO-CONTROL: (\S+)$/m.exec(output);
  return {
    child,
    host: { url, dataDir, control: controlMatch ? { url: controlMatch[1] as string, token: controlToken } : null, output: () => output },
  };
}

export async function stopHost(child: ChildProcess, dataDir?: string): Promise<void> {
  if (child.exitCode === null) {
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
    await exited;
    clearTimeout(timer);
  }
  // A host that had to be killed leaves its socat behind: the demo lock names it.
  if (dataDir !== undefined) reapSocat(dataDir);
}

function reapSocat(dataDir: string): void {
  let pid: unknown;
  try {
    pid = (JSON.parse(readFileSync(path.join(dataDir, 'demo-environment.lock'), 'utf8')) as { socatPid?: unknown }).socatPid;
  } catch {
    return; // released (clean stop) or never taken
  }
  if (typeof pid !== 'number' || pid <= 0) return;
  try {
    // Only if that pid is still a socat (not a pid reused since).
    if (!readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('socat')) return;
    process.kill(pid, 'SIGTERM');
  } catch {
    // already gone
  }
}

/** Sends a fault / action to the demo control endpoint. */
export async function demoControl(host: RunningHost, action: string, body: Record<string, unknown> = {}): Promise<unknown> {
  if (!host.control) throw new Error('demo control endpoint not available');
  const res = await fetch(`${host.control.url}/${action}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${host.control.token}` },
    body: JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`demo control ${action} failed: ${res.status} ${await res.text()}`);
  return res.json();
}

export async function signIn(page: Page, user: string, pin: string): Promise<void> {
  await page.getByTestId('signin-user').fill(user);
  await page.getByTestId('signin-pin').fill(pin);
  await page.getByTestId('signin-submit').click();
  await expect(page.getByTestId('signed-in-user')).toContainText(user);
}

export const test = base.extend<{ host: RunningHost }>({
  host: async ({}, use) => {
    const { host, child } = await startHost();
    try {
      await use(host);
    } finally {
      await stopHost(child, host.dataDir);
    }
  },
});

export { expect };

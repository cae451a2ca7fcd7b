/**
 * Shared steps for the journey specs: keyboard-wedge scanning, outcome
 * helpers, the axe check and the final screenshot.
 */
import AxeBuilder from '@axe-core/playwright';
import { readFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import type { Page, TestInfo } from '@playwright/test';
import { expect, signIn, type RunningHost } from '../fixtures';

export async function openAs(page: Page, host: RunningHost, user: string, pin: string): Promise<void> {
  await page.goto(host.url);
  await expect(page.getByTestId('screen-sign-in')).toBeVisible();
  await signIn(page, user, pin);
}

/** A keyboard-wedge scanner: the payload typed fast, then Enter, wherever focus is. */
export async function wedgeScan(page: Page, paymentId: string): Promise<void> {
  await page.keyboard.type(`antom:payment:${paymentId}`, { delay: 5 });
  await page.keyboard.press('Enter');
}

/** Looks a payment up through the scan field and waits for the review screen. */
export async function lookUp(page: Page, paymentId: string): Promise<void> {
  await expect(page.getByTestId('screen-scan')).toBeVisible();
  await page.getByTestId('scan-input').fill(`antom:payment:${paymentId}`);
  await page.getByTestId('scan-input').press('Enter');
  await expect(page.getByTestId('screen-review')).toBeVisible();
}

export async function finalShot(page: Page, testInfo: TestInfo): Promise<void> {
  await page.screenshot({ path: testInfo.outputPath('final.png'), fullPage: true });
}

/** Axe (WCAG 2 A/AA): no serious or critical violations on the current screen. */
export async function expectAccessible(page: Page, screen: string): Promise<void> {
  const result = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa']).analyze();
  const bad = result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  const summary = bad.map(
    (v) =>
      `${v.id} (${v.impact}): ${v.help} — ${v.nodes
        .map((n) => n.target.join(' '))
        .slice(0, 5)
        .join(', ')}`,
  );
  expect(summary, `axe violations on ${screen}`).toEqual([]);
}

/** The code the virtual terminal "shows" (demo: logged by the host), newest first. */
export function pairingCodesFromLog(host: RunningHost): string[] {
  const file = path.join(host.dataDir, 'logs', 'refund-terminal.log');
  const text = (existsSync(file) ? readFileSync(file, 'utf8') : '') + '\n' + host.output();
  const codes: string[] = [];
  for (const line of text.split('\n')) {
    if (!line.includes('virtual terminal shows pairing code')) continue;
    const m = /"code"\s*:\s*"(\d{6})"/.exec(line) ?? /code[^0-9]*(\d{6})/.exec(line);
    if (m?.[1]) codes.push(m[1]);
  }
  return codes.reverse();
}

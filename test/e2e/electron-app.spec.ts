/**
 * The literal Electron window, driven by Playwright's Electron support. Runs
 * wherever an Electron binary exists (a developer's machine, or
 * ELECTRON_OVERRIDE_DIST_PATH); skipped, saying why, where it does not (this
 * build sandbox cannot download it). Everything behind the window is the same
 * code the browser-host tests drive.
 */
import { _electron as electron, expect, test } from '@playwright/test';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '..', '..');

function electronBinary(): string | null {
  try {
    // In plain Node the electron package exports the binary's path, or throws when it was not downloaded.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const p: unknown = require('electron');
    return typeof p === 'string' ? p : null;
  } catch {
    return null;
  }
}

const binary = electronBinary();
const hasDisplay = process.platform !== 'linux' || Boolean(process.env.DISPLAY || process.env.WAYLAND_DISPLAY);

test.describe('Electron window', () => {
  test.skip(!binary, 'no Electron runtime installed (set ELECTRON_OVERRIDE_DIST_PATH to run these)');
  test.skip(!hasDisplay, 'no display (run under xvfb-run)');

  test('opens sandboxed, shows DEMO, and refunds through IPC', async ({}, testInfo) => {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'rt-electron-'));
    const app = await electron.launch({
      executablePath: binary as string,
      args: [ROOT, '--data-dir', dataDir],
      env: { ...process.env } as Record<string, string>,
    });
    try {
      const page = await app.firstWindow();
      await expect(page.getByTestId('demo-banner')).toContainText('DEMO');
      // The renderer has the preload API and nothing of Node.
      const surface = await page.evaluate(() => ({
        api: typeof (window as unknown as { refundTerminal?: unknown }).refundTerminal,
        require: typeof (window as unknown as { require?: unknown }).require,
        process: typeof (window as unknown as { process?: unknown }).process,
      }));
      expect(surface).toEqual({ api: 'object', require: 'undefined', process: 'undefined' });

      await page.getByTestId('signin-user').fill('alice');
      await page.getByTestId('signin-pin').fill('1470');
      await page.getByTestId('signin-submit').click();
      await page.getByTestId('scan-input').fill('antom:payment:DEMO-JPY-ALIPAYHK-0002');
      await page.getByTestId('scan-input').press('Enter');
      await page.getByTestId('refund-full').click();
      await page.getByTestId('confirm-refund').click();
      await expect(page.getByTestId('outcome-success')).toBeVisible();
      await page.screenshot({ path: testInfo.outputPath('final.png') });
    } finally {
      await app.close();
    }
  });
});

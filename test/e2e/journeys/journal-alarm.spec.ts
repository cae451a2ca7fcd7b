/**
 * The journal alarm is on every screen (issue #12, "Low disk"): with the
 * journal's disk below the free-space floor the banner shows from the sign-in
 * screen on, and a refund is refused before anything is journaled or sent.
 * The floor is raised above any real disk (REFUND_TERMINAL_JOURNAL_MIN_FREE_MB)
 * rather than filling the build machine's disk.
 */
import BetterSqlite3 from 'better-sqlite3';
import path from 'node:path';
import { expect, signIn, startHost, stopHost, test } from '../fixtures';

test('low disk: alarm banner on every screen, refund refused with nothing sent', async ({ page }) => {
  const { host, child } = await startHost({ REFUND_TERMINAL_JOURNAL_MIN_FREE_MB: '1048576' });
  try {
    await page.goto(host.url);
    await expect(page.getByTestId('journal-alarm-low-disk')).toContainText('almost full');
    await signIn(page, 'alice', '1470');
    await expect(page.getByTestId('journal-alarm')).toBeVisible();
    await expect(page.getByTestId('terminal-status')).toHaveAttribute('data-state', 'authenticated');

    await page.getByTestId('scan-input').fill('antom:payment:DEMO-JPY-ALIPAYHK-0002');
    await page.getByTestId('scan-input').press('Enter');
    await expect(page.getByTestId('payment-refundable')).toContainText('4,800');
    await page.getByTestId('refund-full').click();
    await page.getByTestId('confirm-refund').click();
    await expect(page.locator('[data-error-code="JOURNAL_LOW_DISK"]')).toContainText('nothing was sent');
    await expect(page.getByTestId('journal-alarm')).toBeVisible();

    // Nothing was journaled: the payment is still fully refundable.
    const db = new BetterSqlite3(path.join(host.dataDir, 'ledger.sqlite'), { readonly: true });
    try {
      expect(db.prepare('SELECT COUNT(*) AS n FROM refunds').get()).toEqual({ n: 0 });
    } finally {
      db.close();
    }
  } finally {
    await stopHost(child, host.dataDir);
  }
});

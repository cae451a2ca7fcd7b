/**
 * Issue #17, reasons: the cashier picks a reason with one key (scan, 2, Enter),
 * it travels with the refund into the journal and onto the receipt and the
 * manager's dashboard; the manager adds a store reason, which the next
 * cashier is offered, and the CSV carries reason and approver.
 */
import { readFileSync } from 'node:fs';
import { expect, signIn, test } from '../fixtures';
import { expectAccessible, finalShot, lookUp, openAs } from '../helpers/journey';

test('reasons: one key on the review screen, on the receipt and the dashboard; a manager adds one', async ({ page, host }, testInfo) => {
  test.setTimeout(120_000);
  await openAs(page, host, 'alice', '1470');
  await lookUp(page, 'DEMO-JPY-ALIPAYHK-0002');
  await expect(page.getByTestId('reason-option')).toHaveCount(6);
  await expectAccessible(page, 'review with reasons');
  await page.keyboard.press('2');
  await expect(page.locator('[data-testid="reason-option"][data-reason-code="WRONG_AMOUNT"]')).toHaveAttribute('aria-pressed', 'true');
  await expect(page.getByTestId('confirm-refund')).toBeFocused();
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('outcome-success')).toBeVisible({ timeout: 30_000 });
  await page.getByTestId('receipt-toggle').click();
  await expect(page.getByTestId('receipt-reason')).toHaveText('Wrong amount charged');
  await page.getByTestId('done-button').click();
  await page.getByTestId('sign-out').click();

  await signIn(page, 'maria', '246813');
  await page.getByTestId('nav-dashboard').click();
  const row = page.getByTestId('dashboard-refund').first();
  await expect(row.getByTestId('dashboard-reason')).toHaveText('Wrong amount charged');
  // Reprint from the day's list: the refund's own screen has the receipt.
  await row.getByTestId('dashboard-open').click();
  await expect(page.getByTestId('outcome-success')).toBeVisible();
  await expect(page.getByTestId('print-80mm')).toBeEnabled();
  await page.getByTestId('done-button').click();
  await page.getByTestId('nav-dashboard').click();
  const download = page.waitForEvent('download');
  await page.getByTestId('export-csv').click();
  const csv = readFileSync((await (await download).path()) as string, 'utf8');
  expect(csv.split('\r\n')[0]).toContain('reason_code,reason,approved_by,approval_reason,payment_method');
  expect(csv).toContain('WRONG_AMOUNT,Wrong amount charged');

  // The manager adds the store's own reason and retires one.
  await page.getByTestId('nav-store').click();
  await expect(page.getByTestId('screen-store')).toBeVisible();
  await page.getByTestId('new-reason').fill('Price match');
  await page.getByTestId('add-reason').click();
  await page.locator('[data-testid="reason-row"][data-reason-code="CHANGED_MIND"]').getByTestId('reason-active').uncheck();
  await page.getByTestId('reasons-save').click();
  await expect(page.getByTestId('reasons-saved')).toBeVisible();
  await expectAccessible(page, 'store settings');

  // A manager can refund at the counter too: the new list is offered.
  await page.getByTestId('nav-refund').click();
  await lookUp(page, 'DEMO-KWD-ALIPAY-0003');
  await expect(page.getByTestId('reason-option')).toHaveCount(6);
  await expect(page.locator('[data-testid="reason-option"][data-reason-code="CHANGED_MIND"]')).toHaveCount(0);
  await page.locator('[data-testid="reason-option"][data-reason-code="CUSTOM_1"]').click();
  await expect(page.locator('[data-testid="reason-option"][data-reason-code="CUSTOM_1"]')).toHaveAttribute('aria-pressed', 'true');
  await expect(page.getByTestId('confirm-refund')).toBeFocused();
  await finalShot(page, testInfo);
});

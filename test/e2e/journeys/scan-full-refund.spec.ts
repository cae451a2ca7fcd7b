/** Scenario 1: full refunds started by scanning — keyboard wedge and the terminal's own scanner. */
import { demoControl, expect, test } from '../fixtures';
import { finalShot, openAs, wedgeScan } from '../helpers/journey';

test('full refund by keyboard-wedge scan and by the terminal scanner', async ({ page, host }, testInfo) => {
  await openAs(page, host, 'alice', '1470');
  await expect(page.getByTestId('terminal-status')).toHaveAttribute('data-state', 'authenticated');

  // Keyboard wedge: fast typing + Enter, focus wherever it is.
  await expect(page.getByTestId('screen-scan')).toBeVisible();
  await wedgeScan(page, 'DEMO-JPY-ALIPAYHK-0002');
  await expect(page.getByTestId('screen-review')).toBeVisible();
  await expect(page.getByTestId('payment-refundable')).toContainText('4,800');
  await expect(page.getByTestId('refund-full')).toHaveAttribute('aria-pressed', 'true');
  await expect(page.getByTestId('confirm-summary')).toContainText('4,800');
  await page.getByTestId('confirm-refund').click();
  await expect(page.getByTestId('outcome-success')).toBeVisible();
  await expect(page.getByTestId('refund-amount')).toContainText('4,800');
  await expect(page.getByTestId('refund-id')).not.toBeEmpty();
  await page.getByTestId('done-button').click();

  // The terminal's own scanner: evt.scan -> the cashier screen looks the payment up.
  await expect(page.getByTestId('screen-scan')).toBeVisible();
  const delivered = (await demoControl(host, 'terminal/scan', { data: 'antom:payment:DEMO-KWD-ALIPAY-0003' })) as { delivered: unknown };
  expect(delivered.delivered).toBeTruthy();
  await expect(page.getByTestId('screen-review')).toBeVisible();
  await expect(page.getByTestId('payment-refundable')).toContainText('12.345');
  await expect(page.getByTestId('confirm-summary')).toContainText('12.345');
  await page.getByTestId('confirm-refund').click();
  await expect(page.getByTestId('outcome-success')).toBeVisible();
  await expect(page.getByTestId('refund-amount')).toContainText('12.345');
  await page.getByTestId('done-button').click();

  // Both show in today's refunds as succeeded.
  const rows = page.getByTestId('recent-refunds').getByTestId('refund-row');
  await expect(rows).toHaveCount(2);
  await expect(rows.nth(0)).toHaveAttribute('data-state', 'SUCCEEDED');
  await expect(rows.nth(1)).toHaveAttribute('data-state', 'SUCCEEDED');
  await finalShot(page, testInfo);
});

/**
 * Foundation: the cashier's path end to end in demo mode, clicking through the
 * real UI against the real services (virtual terminal on a socat pty, signed
 * calls to the local Antom sandbox, SQLite journal).
 */
import { expect, signIn, test } from './fixtures';

test('full refund of a scanned payment', async ({ page, host }) => {
  await page.goto(host.url);
  await expect(page.getByTestId('demo-banner')).toContainText('DEMO');
  await signIn(page, 'alice', '1470');
  await expect(page.getByTestId('terminal-status')).toHaveAttribute('data-state', 'authenticated');

  await page.getByTestId('scan-input').fill('antom:payment:DEMO-JPY-ALIPAYHK-0002');
  await page.getByTestId('scan-input').press('Enter');
  await expect(page.getByTestId('payment-refundable')).toContainText('4,800');
  await page.getByTestId('refund-full').click();
  await expect(page.getByTestId('confirm-summary')).toContainText('4,800');
  await page.getByTestId('confirm-refund').click();

  await expect(page.getByTestId('outcome-success')).toBeVisible();
  await expect(page.getByTestId('refund-id')).not.toBeEmpty();
  await expect(page.getByTestId('demo-banner')).toBeVisible();
});

test('partial refund typed in major units', async ({ page, host }) => {
  await page.goto(host.url);
  await signIn(page, 'alice', '1470');

  await page.getByTestId('scan-input').fill('DEMO-SGD-ALIPAY-0001');
  await page.getByTestId('scan-input').press('Enter');
  await expect(page.getByTestId('payment-refundable')).toContainText('125.50');
  await page.getByTestId('refund-partial').click();
  await page.getByTestId('amount-input').fill('10.50');
  await page.getByTestId('amount-continue').click();
  await expect(page.getByTestId('confirm-summary')).toContainText('10.50');
  await page.getByTestId('confirm-refund').click();

  await expect(page.getByTestId('outcome-success')).toBeVisible();
  await expect(page.getByTestId('refund-amount')).toContainText('10.50');

  // The balance the next cashier sees is what is left.
  await page.getByTestId('done-button').click();
  await page.getByTestId('scan-input').fill('DEMO-SGD-ALIPAY-0001');
  await page.getByTestId('scan-input').press('Enter');
  await expect(page.getByTestId('payment-refundable')).toContainText('115.00');
});

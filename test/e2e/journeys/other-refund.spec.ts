/**
 * Issue #17, refunds made another way: Antom refuses a partial refund; the
 * manager records the cash the store gave from the failed refund, and the
 * day's report lists it in its own category, apart from the Antom totals.
 */
import { expect, test } from '../fixtures';
import { expectAccessible, finalShot, lookUp, openAs } from '../helpers/journey';

test('other refund: cash recorded from a failed refund, in its own section of the report', async ({ page, host }, testInfo) => {
  test.setTimeout(120_000);
  await openAs(page, host, 'maria', '2468');
  await page.getByTestId('nav-refund').click();
  await lookUp(page, 'DEMO-SGD-GCASH-FULLONLY-0004');
  await page.getByTestId('refund-partial').click();
  await page.getByTestId('amount-input').fill('10.00');
  await page.getByTestId('amount-input').press('Enter');
  await page.getByTestId('confirm-refund').click();
  await expect(page.getByTestId('outcome-failed')).toBeVisible({ timeout: 30_000 });

  await page.getByTestId('record-other').click();
  await expect(page.getByTestId('other-amount')).toHaveValue('10.00');
  await page.getByTestId('other-submit').click();
  await expect(page.getByTestId('other-note')).toHaveAttribute('aria-invalid', 'true');
  await page.getByTestId('other-note').fill('Partial refund not possible on GCash; paid cash');
  await expectAccessible(page, 'record other refund');
  await page.getByTestId('other-submit').click();
  await expect(page.getByTestId('other-refund-recorded')).toContainText('10.00');

  await page.getByTestId('nav-dashboard').click();
  const row = page.getByTestId('other-refund-row');
  await expect(row).toHaveCount(1);
  await expect(row).toContainText('Cash');
  await expect(row).toContainText('maria');
  await expect(page.getByTestId('other-total')).toContainText('10.00');
  // Not an Antom refund: the Antom totals only show the failed attempt.
  await expect(page.getByTestId('report-totals')).not.toContainText('Refunded');
  await finalShot(page, testInfo);
});

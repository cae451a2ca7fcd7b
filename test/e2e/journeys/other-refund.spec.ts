/**
 * Issue #17, refunds made another way: Antom refuses a partial refund; the
 * manager records the cash the store gave from the failed refund, and the
 * day's report lists it in its own category, apart from the Antom totals.
 */
import { expect, test } from '../fixtures';
import { expectAccessible, finalShot, lookUp, openAs } from '../helpers/journey';

test('other refund: cash recorded from a failed refund, in its own section of the report', async ({ page, host }, testInfo) => {
  test.setTimeout(120_000);
  await openAs(page, host, 'maria', '246813');
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

  // The audit log says it in a sentence, with the amount formatted, and filters by event and person.
  await page.getByTestId('nav-audit').click();
  await page.getByTestId('audit-filter-events').selectOption('other');
  const sentence = page.getByTestId('audit-sentence');
  await expect(sentence).toHaveCount(1);
  await expect(sentence).toHaveText(/^maria recorded (SGD|S\$|\$)\s?10\.00 refunded as Cash for payment DEMO-SGD-GCASH-FULLONLY-0004 \(not through Antom\)\.$/);
  await page.getByTestId('audit-filter-events').selectOption('signIns');
  await page.getByTestId('audit-filter-person').selectOption('alice');
  await expect(page.getByTestId('audit-empty')).toBeVisible();
  await page.getByTestId('audit-filter-person').selectOption('maria');
  await expect(page.getByTestId('audit-row').first()).toHaveAttribute('data-kind', 'auth.sign_in');
  await expectAccessible(page, 'audit with filters');

  // The dashboard's words follow the chosen day.
  await page.getByTestId('nav-dashboard').click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText("Today's refunds");
  await page.getByTestId('report-date').fill('2026-01-03');
  await expect(page.getByRole('heading', { level: 1 })).toHaveText(/^Refunds on (3 Jan|Jan 3)/);
  await expect(page.getByTestId('totals-empty')).toHaveText(/^No refunds on (3 Jan|Jan 3)/);
  await finalShot(page, testInfo);
});

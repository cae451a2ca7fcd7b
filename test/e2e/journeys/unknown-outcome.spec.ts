/**
 * Scenario 5: the refund reached Antom but the answer was lost (drop-after-processing on every
 * refund call, inquiries failing too) -> the UI shows pending, nothing guessed. When Antom is
 * reachable again the background inquiry settles it to success with the same refund, and the
 * sandbox holds exactly one refund (proved by refunding exactly the rest afterwards).
 */
import { demoControl, expect, test } from '../fixtures';
import { finalShot, lookUp, openAs } from '../helpers/journey';

const PAYMENT = 'DEMO-JPY-ALIPAYHK-0002';

test('unknown outcome is resolved by inquiry, without a second refund', async ({ page, host }, testInfo) => {
  test.setTimeout(120_000);
  await openAs(page, host, 'alice', '1470');
  await demoControl(host, 'antom/fault', { fault: { kind: 'drop-after-processing', api: 'refund', paymentId: PAYMENT, times: 'always' } });
  await demoControl(host, 'antom/fault', { fault: { kind: 'http-5xx', api: 'inquiryRefund', times: 'always', httpStatus: 503 } });

  await lookUp(page, PAYMENT);
  await page.getByTestId('refund-partial').click();
  await page.getByTestId('amount-input').fill('1000');
  await page.getByTestId('amount-input').press('Enter');
  await expect(page.getByTestId('confirm-summary')).toContainText('1,000');
  await page.getByTestId('confirm-refund').click();

  await expect(page.getByTestId('outcome-pending')).toBeVisible({ timeout: 60_000 });
  await expect(page.getByTestId('pending-status')).toHaveAttribute('data-state', /PENDING_UNKNOWN|PENDING_IN_PROCESS/);
  await expect(page.getByTestId('refund-amount')).toContainText('1,000');
  await expect(page.getByTestId('outcome-success')).toHaveCount(0);
  const requestId = (await page.getByTestId('refund-request-id').getAttribute('data-full')) ?? '';
  expect(requestId).not.toBe('');

  // Listed as an open refund on the scan screen while it is unresolved.
  await page.getByTestId('done-button').click();
  await expect(page.getByTestId('pending-refunds').locator(`[data-refund-id="${requestId}"]`)).toBeVisible();

  // Antom reachable again: the background inquiry settles it.
  await demoControl(host, 'antom/clear');
  await page.getByTestId('pending-refunds').locator(`[data-refund-id="${requestId}"] button`).click();
  await expect(page.getByTestId('outcome-success')).toBeVisible({ timeout: 60_000 });
  await expect(page.getByTestId('refund-request-id')).toHaveAttribute('data-full', requestId);
  await expect(page.getByTestId('refund-id')).not.toBeEmpty();
  await expect(page.getByTestId('refund-amount')).toContainText('1,000');

  // Exactly one refund of 1,000 at Antom: refunding exactly the 3,800 that is left succeeds.
  await page.getByTestId('done-button').click();
  await expect(page.getByTestId('pending-refunds-empty')).toBeVisible();
  await lookUp(page, PAYMENT);
  await expect(page.getByTestId('payment-refundable')).toContainText('3,800');
  await page.getByTestId('refund-partial').click();
  await page.getByTestId('amount-input').fill('3800');
  await page.getByTestId('amount-input').press('Enter');
  await page.getByTestId('confirm-refund').click();
  await expect(page.getByTestId('outcome-success')).toBeVisible();
  await expect(page.getByTestId('refund-amount')).toContainText('3,800');
  await page.getByTestId('done-button').click();
  const rows = page.getByTestId('recent-refunds').getByTestId('refund-row');
  await expect(rows).toHaveCount(2);
  await finalShot(page, testInfo);
});

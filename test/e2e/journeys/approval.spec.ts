/** Scenarios 6 and 7: a refund at/over the approval limit (SGD 100.00 by default) waits for a manager. */
import { expect, test } from '../fixtures';
import { expectAccessible, finalShot, lookUp, openAs } from '../helpers/journey';

const PAYMENT = 'DEMO-SGD-ALIPAY-0001'; // SGD 125.50, over the default SGD 100.00 limit

test('approval required, then granted by the manager', async ({ page, host }, testInfo) => {
  await openAs(page, host, 'alice', '1470');
  await lookUp(page, PAYMENT);
  await expect(page.getByTestId('confirm-summary')).toContainText('125.50');
  await page.getByTestId('confirm-refund').click();

  await expect(page.getByTestId('outcome-awaiting-approval')).toBeVisible();
  await expect(page.getByTestId('approval-reasons')).toContainText('100.00');
  await expect(page.getByTestId('approval-manager')).toBeFocused();
  await expectAccessible(page, 'approval');

  // A wrong PIN is refused and nothing happens.
  await page.getByTestId('approval-manager').fill('maria');
  await page.getByTestId('approval-pin').fill('0000');
  await page.getByTestId('approval-reason').fill('Customer returned the goods');
  await page.getByTestId('approve-button').click();
  await expect(page.getByTestId('approval-error')).toBeVisible();
  await expect(page.getByTestId('outcome-awaiting-approval')).toBeVisible();

  await page.getByTestId('approval-pin').fill('246813');
  await page.getByTestId('approve-button').click();
  await expect(page.getByTestId('outcome-success')).toBeVisible({ timeout: 30_000 });
  await expect(page.getByTestId('refund-amount')).toContainText('125.50');
  await expect(page.getByTestId('refund-id')).not.toBeEmpty();
  await page.getByTestId('done-button').click();
  await expect(page.getByTestId('recent-refunds').getByTestId('refund-row').first()).toHaveAttribute('data-state', 'SUCCEEDED');
  await finalShot(page, testInfo);
});

test('approval declined shows the manager and the reason', async ({ page, host }, testInfo) => {
  await openAs(page, host, 'alice', '1470');
  await lookUp(page, PAYMENT);
  await page.getByTestId('confirm-refund').click();
  await expect(page.getByTestId('outcome-awaiting-approval')).toBeVisible();

  // A cashier cannot approve.
  await page.getByTestId('approval-manager').fill('alice');
  await page.getByTestId('approval-pin').fill('1470');
  await page.getByTestId('approval-reason').fill('self approval');
  await page.getByTestId('decline-button').click();
  await expect(page.getByTestId('approval-error')).toBeVisible();
  await expect(page.getByTestId('outcome-awaiting-approval')).toBeVisible();

  await page.getByTestId('approval-manager').fill('maria');
  await page.getByTestId('approval-pin').fill('246813');
  await page.getByTestId('approval-reason').fill('Receipt does not match the goods');
  await page.getByTestId('decline-button').click();

  await expect(page.getByTestId('outcome-declined')).toBeVisible();
  await expect(page.getByTestId('declined-by')).toContainText('maria');
  await expect(page.getByTestId('declined-by')).toContainText('Receipt does not match the goods');
  await expect(page.getByTestId('refund-amount')).toContainText('125.50');
  await expect(page.getByTestId('refund-id')).toHaveCount(0);
  await page.getByTestId('done-button').click();
  await expect(page.getByTestId('recent-refunds').getByTestId('refund-row').first()).toHaveAttribute('data-state', 'DECLINED');

  // Nothing left Antom's side: the full amount can still be refunded.
  await lookUp(page, PAYMENT);
  await expect(page.getByTestId('payment-refundable')).toContainText('125.50');
  await finalShot(page, testInfo);
});

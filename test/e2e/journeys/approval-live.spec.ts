/**
 * Approvals are pushed to manager screens (issue #16): a refund that starts
 * waiting for a manager in one tab appears on the manager's screen in another
 * tab without a reload or a poll (approvalsChanged over /api/events), with its
 * register; it is decided from there, and the list empties the same way.
 */
import { expect, test } from '../fixtures';
import { finalShot, lookUp, openAs } from '../helpers/journey';

const PAYMENT = 'DEMO-SGD-ALIPAY-0001'; // SGD 125.50, over the default SGD 100.00 limit

test('a refund waiting for a manager appears live on the manager screen with its register and is decided there', async ({ page, host, context }, testInfo) => {
  await openAs(page, host, 'maria', '246813');
  const waiting = page.getByTestId('pending-approvals');
  await expect(waiting.getByTestId('pending-approvals-empty')).toBeVisible();

  // The other tab asks for a refund over the limit: it waits for a manager.
  const other = await context.newPage();
  await other.goto(host.url);
  await lookUp(other, PAYMENT);
  await other.getByTestId('confirm-refund').click();
  await expect(other.getByTestId('outcome-awaiting-approval')).toBeVisible();

  // The first tab was not touched: the push alone brings it.
  const row = waiting.getByTestId('pending-approval');
  await expect(row).toHaveCount(1);
  await expect(row).toHaveAttribute('data-register', 'counter-1');
  await expect(row.getByTestId('pending-approval-register')).toContainText('counter-1');
  await expect(row).toContainText('125.50');

  await row.getByRole('button').click();
  await expect(page.getByTestId('outcome-awaiting-approval')).toBeVisible();
  await page.getByTestId('approval-pin').fill('246813');
  await page.getByTestId('approval-reason').fill('Receipt does not match the goods');
  await page.getByTestId('decline-button').click();
  await expect(page.getByTestId('outcome-declined')).toBeVisible();
  await page.getByTestId('done-button').click();
  await expect(page.getByTestId('pending-approvals').getByTestId('pending-approvals-empty')).toBeVisible();
  // The asking tab hears the decision too.
  await expect(other.getByTestId('outcome-declined')).toBeVisible();
  await finalShot(page, testInfo);
});

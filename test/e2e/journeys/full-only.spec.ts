/** Scenario 3: a payment method that only allows full refunds (Antom answers DPOS_REFUND_PARTIAL_REFUND_NOT_SUPPORTED). */
import { expect, test } from '../fixtures';
import { finalShot, lookUp, openAs } from '../helpers/journey';

test('partial refund not supported: clear failed screen with the plain-language message and next action', async ({ page, host }, testInfo) => {
  await openAs(page, host, 'alice', '1470');
  await lookUp(page, 'DEMO-SGD-GCASH-FULLONLY-0004');
  await expect(page.getByTestId('payment-refundable')).toContainText('50.00');
  await page.getByTestId('refund-partial').click();
  await page.getByTestId('amount-input').fill('10.00');
  await page.getByTestId('amount-input').press('Enter');
  await expect(page.getByTestId('confirm-summary')).toContainText('10.00');
  await page.getByTestId('confirm-refund').click();

  await expect(page.getByTestId('outcome-failed')).toBeVisible();
  await expect(page.getByTestId('result-code')).toHaveText('DPOS_REFUND_PARTIAL_REFUND_NOT_SUPPORTED');
  await expect(page.getByTestId('outcome-message')).toHaveText(
    'This payment method only allows a full refund. Refund the full amount, or refund the customer another way.',
  );
  await expect(page.getByTestId('next-action')).toHaveAttribute('data-next-action', 'FIX_INPUT');
  await expect(page.getByTestId('next-action')).toContainText('Correct the refund details and try again.');
  await expect(page.getByTestId('refund-amount')).toContainText('10.00');
  await expect(page.getByTestId('done-button')).toBeFocused();

  // Nothing was refunded: the full 50.00 is still there, and a full refund works.
  await page.getByTestId('done-button').click();
  await lookUp(page, 'DEMO-SGD-GCASH-FULLONLY-0004');
  await expect(page.getByTestId('payment-refundable')).toContainText('50.00');
  await page.getByTestId('confirm-refund').click();
  await expect(page.getByTestId('outcome-success')).toBeVisible();
  await expect(page.getByTestId('refund-amount')).toContainText('50.00');
  await finalShot(page, testInfo);
});

/**
 * Scenario 4: more than the refundable balance.
 * - What the terminal knows (its own journal) is checked in the UI before anything is sent.
 * - What Antom knows (DEMO-SGD-DANA-PARTLY-0010 was partly refunded elsewhere: 60.00 of 100.00 left)
 *   is reported on inquiryPayment and counted too (issue #13): 60.01 is blocked before anything is sent.
 *   Antom's own refusal (AMOUNT_EXCEED) is covered by trust-amounts.spec.ts.
 */
import { expect, test } from '../fixtures';
import { finalShot, lookUp, openAs } from '../helpers/journey';

test('amount over the refundable balance: blocked in the UI, then refused by Antom', async ({ page, host }, testInfo) => {
  await openAs(page, host, 'alice', '1470');

  // 1. Over what the terminal knows: blocked before anything is sent.
  await lookUp(page, 'DEMO-JPY-ALIPAYHK-0002');
  await page.getByTestId('refund-partial').click();
  await page.getByTestId('amount-input').fill('4801');
  await page.getByTestId('amount-input').press('Enter');
  await expect(page.getByTestId('amount-error')).toContainText('The most you can refund is');
  await expect(page.getByTestId('amount-error')).toContainText('4,800');
  await expect(page.getByTestId('amount-input')).toHaveAttribute('aria-invalid', 'true');
  await expect(page.getByTestId('screen-amount')).toBeVisible();
  await page.keyboard.press('Escape'); // amount -> review
  await expect(page.getByTestId('screen-review')).toBeVisible();
  await page.keyboard.press('Escape'); // review -> scan
  await expect(page.getByTestId('screen-scan')).toBeVisible();
  await expect(page.getByTestId('recent-refunds-empty')).toBeVisible();
  await expect(page.getByTestId('refund-row')).toHaveCount(0);

  // 2. Over what Antom knows: 60.01 of a payment with 60.00 left — blocked too, nothing sent.
  await lookUp(page, 'DEMO-SGD-DANA-PARTLY-0010');
  await expect(page.getByTestId('payment-amount')).toContainText('100.00');
  await expect(page.getByTestId('payment-refundable')).toContainText('60.00');
  await page.getByTestId('refund-partial').click();
  await page.getByTestId('amount-input').fill('60.01');
  await page.getByTestId('amount-input').press('Enter');
  await expect(page.getByTestId('amount-error')).toContainText('The most you can refund is');
  await expect(page.getByTestId('amount-error')).toContainText('60.00');
  await page.keyboard.press('Escape');
  await page.keyboard.press('Escape');

  // Exactly what is left is accepted; with the 40.00 refunded elsewhere the payment's refunds reach
  // the 100.00 per-payment limit, which the review says before the button (issue #13).
  await lookUp(page, 'DEMO-SGD-DANA-PARTLY-0010');
  await page.getByTestId('refund-partial').click();
  await page.getByTestId('amount-input').fill('60.00');
  await page.getByTestId('amount-input').press('Enter');
  await expect(page.getByTestId('approval-reason').first()).toHaveAttribute('data-code', 'PAYMENT_TOTAL_AT_OR_OVER_LIMIT');
  await page.getByTestId('confirm-refund').click();
  await expect(page.getByTestId('outcome-awaiting-approval')).toBeVisible();
  await expect(page.getByTestId('refund-amount')).toContainText('60.00');
  await page.getByTestId('approval-manager').fill('maria');
  await page.getByTestId('approval-pin').fill('246813');
  await page.getByTestId('approve-button').click();
  await expect(page.getByTestId('outcome-success')).toBeVisible({ timeout: 30_000 });
  await expect(page.getByTestId('refund-amount')).toContainText('60.00');
  await finalShot(page, testInfo);
});

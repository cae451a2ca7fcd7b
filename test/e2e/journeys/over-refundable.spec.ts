/**
 * Scenario 4: more than the refundable balance.
 * - What the terminal knows (its own journal) is checked in the UI before anything is sent.
 * - What only Antom knows (DEMO-SGD-DANA-PARTLY-0010 was partly refunded elsewhere: 60.00 of 100.00 left;
 *   inquiryPayment does not report earlier refunds, so the terminal shows 100.00) comes back as
 *   DPOS_REFUND_REFUND_AMOUNT_EXCEED with a plain-language message.
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

  // 2. Over what Antom knows: 60.01 of a payment with 60.00 left.
  await lookUp(page, 'DEMO-SGD-DANA-PARTLY-0010');
  await expect(page.getByTestId('payment-amount')).toContainText('100.00');
  await page.getByTestId('refund-partial').click();
  await page.getByTestId('amount-input').fill('60.01');
  await page.getByTestId('amount-input').press('Enter');
  await expect(page.getByTestId('confirm-summary')).toContainText('60.01');
  await page.getByTestId('confirm-refund').click();
  await expect(page.getByTestId('outcome-failed')).toBeVisible();
  await expect(page.getByTestId('result-code')).toHaveText('DPOS_REFUND_REFUND_AMOUNT_EXCEED');
  await expect(page.getByTestId('outcome-message')).toHaveText(
    'The amount is more than what is left to refund on this payment (or below the minimum). Enter a smaller amount.',
  );
  await expect(page.getByTestId('next-action')).toHaveAttribute('data-next-action', 'FIX_INPUT');
  await expect(page.getByTestId('refund-amount')).toContainText('60.01');

  // Exactly what is left goes through.
  await page.getByTestId('done-button').click();
  await lookUp(page, 'DEMO-SGD-DANA-PARTLY-0010');
  await page.getByTestId('refund-partial').click();
  await page.getByTestId('amount-input').fill('60.00');
  await page.getByTestId('amount-input').press('Enter');
  await page.getByTestId('confirm-refund').click();
  await expect(page.getByTestId('outcome-success')).toBeVisible();
  await expect(page.getByTestId('refund-amount')).toContainText('60.00');
  await finalShot(page, testInfo);
});

/** Scenario 2: partial refund in a 3-decimal currency (KWD). */
import { expect, test } from '../fixtures';
import { finalShot, lookUp, openAs } from '../helpers/journey';

test('partial refund of 1.250 KWD keeps three decimals everywhere', async ({ page, host }, testInfo) => {
  await openAs(page, host, 'alice', '1470');
  await lookUp(page, 'DEMO-KWD-ALIPAY-0003');
  await expect(page.getByTestId('payment-refundable')).toContainText('12.345');
  await page.getByTestId('refund-partial').click();
  await expect(page.getByTestId('screen-amount')).toBeVisible();

  // Four decimals are refused before anything is sent.
  await page.getByTestId('amount-input').fill('1.2505');
  await page.getByTestId('amount-input').press('Enter');
  await expect(page.getByTestId('amount-error')).toContainText('3 decimal');
  await expect(page.getByTestId('screen-amount')).toBeVisible();

  await page.getByTestId('amount-input').fill('1.250');
  await page.getByTestId('amount-continue').click();
  await expect(page.getByTestId('screen-review')).toBeVisible();
  await expect(page.getByTestId('refund-partial')).toHaveAttribute('aria-pressed', 'true');
  await expect(page.getByTestId('confirm-summary')).toContainText('1.250');
  await expect(page.getByTestId('confirm-summary')).toContainText('12.345');
  await page.getByTestId('confirm-refund').click();

  await expect(page.getByTestId('outcome-success')).toBeVisible();
  await expect(page.getByTestId('refund-amount')).toContainText('1.250');
  await expect(page.getByTestId('refund-amount')).toContainText('KWD');
  await page.getByTestId('done-button').click();

  await lookUp(page, 'DEMO-KWD-ALIPAY-0003');
  await expect(page.getByTestId('payment-refundable')).toContainText('11.095');
  await finalShot(page, testInfo);
});

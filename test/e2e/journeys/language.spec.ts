/** Scenario 10: EN -> 中文 at run time and back; money and dates follow the locale. */
import { expect, test } from '../fixtures';
import { expectAccessible, finalShot, lookUp, openAs } from '../helpers/journey';

test('language switch changes headings, the DEMO banner and formats, and back', async ({ page, host }, testInfo) => {
  await openAs(page, host, 'alice', '1470');
  const heading = page.getByTestId('screen-scan').getByRole('heading', { level: 1 });
  await expect(heading).toHaveText('Start a refund');
  await expect(page.getByTestId('demo-banner')).toContainText('DEMO — no real money');
  await expect(page.locator('html')).toHaveAttribute('lang', /^en/);

  await lookUp(page, 'DEMO-JPY-ALIPAYHK-0002');
  const review = page.getByTestId('screen-review').getByRole('heading', { level: 1 });
  await expect(review).toHaveText('Refund this payment');
  await expect(page.getByTestId('payment-amount')).toHaveText('¥4,800');
  await expect(page.getByTestId('payment-paid-at')).toHaveText(/^[A-Z][a-z]{2} \d{1,2}, \d{4}/);

  await page.getByTestId('lang-zh').click();
  await expect(page.getByTestId('lang-zh')).toHaveAttribute('aria-pressed', 'true');
  await expect(review).toHaveText('为此笔支付退款');
  await expect(page.getByTestId('demo-banner')).toContainText('演示模式 — 不涉及真实资金');
  await expect(page.getByTestId('payment-amount')).toHaveText('JP¥4,800');
  await expect(page.getByTestId('payment-paid-at')).toHaveText(/^\d{4}年\d{1,2}月\d{1,2}日/);
  await expect(page.getByTestId('confirm-summary')).toContainText('JP¥4,800');
  await expect(page.locator('html')).toHaveAttribute('lang', /^zh/);
  await expectAccessible(page, 'review (zh)');

  // Still works in Chinese: the full refund goes through.
  await page.getByTestId('confirm-refund').click();
  await expect(page.getByTestId('outcome-success')).toBeVisible();
  await expect(page.getByTestId('outcome-success').getByRole('heading', { level: 1 })).toHaveText('退款成功');
  await expect(page.getByTestId('refund-amount')).toHaveText('JP¥4,800');
  await page.getByTestId('done-button').click();
  await expect(heading).toHaveText('发起退款');

  await page.getByTestId('lang-en').click();
  await expect(heading).toHaveText('Start a refund');
  await expect(page.getByTestId('demo-banner')).toContainText('DEMO — no real money');
  await expect(page.getByTestId('recent-refunds').getByTestId('refund-row').first()).toContainText('¥4,800');
  await expect(page.getByTestId('recent-refunds').getByTestId('refund-row').first()).not.toContainText('JP¥');
  await finalShot(page, testInfo);
});

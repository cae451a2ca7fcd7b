/**
 * Issue #17, find a payment: recent payments newest first and filterable;
 * keyboard-first search (F3, type, Enter, arrows, Enter) by the last digits
 * of the ID, by amount (the one amount parser, per currency) and by method,
 * over the payments this terminal has seen, which the screen says.
 */
import { expect, test } from '../fixtures';
import { expectAccessible, finalShot, openAs } from '../helpers/journey';

test('find a payment: newest first, filter, search by last digits, amount and method from the keyboard', async ({ page, host }, testInfo) => {
  test.setTimeout(120_000);
  await openAs(page, host, 'alice', '1470');
  const recent = page.getByTestId('recent-payment');
  await expect(recent.first()).toBeVisible();
  const recentOrder = await recent.evaluateAll((els) => els.map((e) => e.getAttribute('data-payment-id')));
  // The sandbox's payments are 0.1, 0, 1, 2, 3 ... days old: newest first.
  expect(recentOrder.slice(0, 3)).toEqual(['DEMO-SGD-TNG-PROCESSING-0011', 'DEMO-SGD-ALIPAY-0001', expect.stringMatching(/-000[289]$|-0012$|-0002$/)]);

  await page.getByTestId('recent-filter').fill('KWD');
  await expect(recent).toHaveCount(1);
  await expect(recent).toHaveAttribute('data-payment-id', 'DEMO-KWD-ALIPAY-0003');
  await page.getByTestId('recent-filter').fill('');

  // F3 opens the search with focus in its first field; it says what it searches.
  await page.getByTestId('scan-input').focus();
  await page.keyboard.press('F3');
  await expect(page.getByTestId('search-suffix')).toBeFocused();
  await expect(page.getByTestId('search-scope')).toContainText('already seen');
  await expectAccessible(page, 'payment search');
  await page.keyboard.type('0003');
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('search-result')).toHaveCount(1);
  await expect(page.getByTestId('search-result')).toHaveAttribute('data-payment-id', 'DEMO-KWD-ALIPAY-0003');
  await page.getByTestId('search-result').focus();
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('screen-review')).toBeVisible();
  await expect(page.getByTestId('payment-id')).toHaveText('DEMO-KWD-ALIPAY-0003');
  await page.keyboard.press('Escape');
  await expect(page.getByTestId('screen-scan')).toBeVisible();

  // By amount: JPY has no decimals, so 48.5 is refused by the parser; 4800 finds the JPY payment.
  await page.keyboard.press('F3');
  await page.getByTestId('search-currency').selectOption('JPY');
  await page.getByTestId('search-amount').fill('48.5');
  await page.getByTestId('search-amount').press('Enter');
  await expect(page.getByRole('alert')).toContainText('whole number');
  await page.getByTestId('search-amount').fill('4,800');
  await page.getByTestId('search-amount').press('Enter');
  await expect(page.getByTestId('search-result')).toHaveCount(1);
  await expect(page.getByTestId('search-result')).toHaveAttribute('data-payment-id', 'DEMO-JPY-ALIPAYHK-0002');

  // By method, newest first, arrows walk the results.
  await page.getByTestId('search-amount').fill('');
  await page.getByTestId('search-method').selectOption('EXPRESS_BANKTRANSFER');
  await page.getByTestId('search-submit').click();
  const results = page.getByTestId('search-result');
  await expect(results).toHaveCount(2);
  expect(await results.evaluateAll((els) => els.map((e) => e.getAttribute('data-payment-id')))).toEqual([
    'DEMO-SGD-BANKTRANSFER-ASYNC-0005',
    'DEMO-SGD-BANKTRANSFER-EXPIRED-0007',
  ]);
  await results.first().focus();
  await page.keyboard.press('ArrowDown');
  await expect(results.nth(1)).toBeFocused();
  await page.getByTestId('search-suffix').fill('9999');
  await page.getByTestId('search-suffix').press('Enter');
  await expect(page.getByTestId('search-none')).toBeVisible();
  await finalShot(page, testInfo);
});

/**
 * Issue #13: amounts and balances a cashier can trust, in Chromium against the
 * browser host with the real services. The sandbox holds refunds this install
 * does not know: DEMO-SGD-DANA-PARTLY-0010 (40.00 of 100.00 refunded
 * elsewhere, seeded) and ones added mid-test through the demo control
 * (`antom/refund-elsewhere`, as if refunded on the Antom Dashboard).
 */
import { expect, test, demoControl } from '../fixtures';
import { finalShot, lookUp, openAs } from '../helpers/journey';

const PARTLY = 'DEMO-SGD-DANA-PARTLY-0010';
const JPY = 'DEMO-JPY-ALIPAYHK-0002';
const SGD = 'DEMO-SGD-ALIPAY-0001';
const FULL_ONLY = 'DEMO-SGD-GCASH-FULLONLY-0004';

async function partial(page: import('@playwright/test').Page, text: string): Promise<void> {
  await page.getByTestId('refund-partial').click();
  await page.getByTestId('amount-input').fill(text);
  await page.getByTestId('amount-input').press('Enter');
}

test('item 3: one parser — "1,50" is one and a half, "1,234" is refused with how to type it, a "5,00" limit is five', async ({ page, host }, testInfo) => {
  await openAs(page, host, 'maria', '246813');
  await page.getByTestId('nav-refund').click();
  await lookUp(page, SGD);
  await partial(page, '1,234');
  await expect(page.getByTestId('amount-error')).toContainText('could separate thousands or mark the decimals');
  await expect(page.getByTestId('amount-error')).toContainText('1234.50');
  await page.getByTestId('amount-input').fill('1,50');
  await page.getByTestId('amount-input').press('Enter');
  await expect(page.getByTestId('confirm-summary')).toContainText('SGD 1.50');
  await expect(page.getByTestId('confirm-refund')).toContainText('SGD 1.50');
  await page.keyboard.press('Escape');

  // The manager's policy limit goes through the same parser.
  await page.getByTestId('nav-policy').click();
  await page.getByTestId('policy-amount-SGD').fill('5,00');
  await page.getByTestId('policy-save').click();
  await expect(page.getByTestId('policy-saved')).toBeVisible();
  await expect(page.getByTestId('policy-amount-SGD')).toHaveValue('5.00');
  await page.getByTestId('policy-amount-SGD').fill('1,234');
  await page.getByTestId('policy-save').click();
  await expect(page.getByTestId('screen-policy').getByRole('alert').first()).toContainText('unclear');
  await finalShot(page, testInfo);
});

test('items 1, 2: the balance counts refunds made elsewhere, shows where it comes from, and "refund the rest" works', async ({ page, host }, testInfo) => {
  await openAs(page, host, 'alice', '1470');
  await lookUp(page, PARTLY);
  await expect(page.getByTestId('payment-refundable')).toContainText('60.00');
  await expect(page.getByTestId('balance-source')).toHaveAttribute('data-source', 'ANTOM');
  await expect(page.getByTestId('balance-source')).toContainText('40.00');
  await expect(page.getByTestId('history-row')).toHaveCount(1);
  await expect(page.getByTestId('history-row').first()).toHaveAttribute('data-where', 'ELSEWHERE');
  await expect(page.getByTestId('refund-full')).toContainText('Refund the rest (SGD 60.00)');
  await partial(page, '10.50');
  await page.getByTestId('confirm-refund').click();
  await expect(page.getByTestId('outcome-success')).toBeVisible();
  await page.getByTestId('done-button').click();

  // The JPY case from the issue: scan, Enter, Enter after a partial refund.
  await lookUp(page, JPY);
  await partial(page, '1000');
  await page.getByTestId('confirm-refund').click();
  await expect(page.getByTestId('outcome-success')).toBeVisible();
  await page.getByTestId('done-button').click();
  await lookUp(page, JPY);
  await expect(page.getByTestId('refund-full')).toContainText('3,800');
  await expect(page.getByTestId('history-row')).toHaveCount(1);
  await expect(page.getByTestId('history-row').first()).toContainText('alice');
  await expect(page.getByTestId('confirm-refund')).toBeFocused();
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('outcome-success')).toBeVisible();
  await expect(page.getByTestId('refund-amount')).toContainText('3,800');
  await page.getByTestId('done-button').click();
  await lookUp(page, JPY);
  await expect(page.getByTestId('nothing-refundable')).toBeVisible();
  await expect(page.getByTestId('history-row')).toHaveCount(2);
  await finalShot(page, testInfo);
});

test('item 1: AMOUNT_EXCEED after a refund on the Dashboard marks the balance lower, looks it up again, and the rest goes through', async ({
  page,
  host,
}, testInfo) => {
  await openAs(page, host, 'alice', '1470');
  await lookUp(page, JPY); // 4,800 as far as anyone here knows
  await demoControl(host, 'antom/refund-elsewhere', { paymentId: JPY, value: 4_000 }); // meanwhile, on the Dashboard
  await partial(page, '1000');
  await page.getByTestId('confirm-refund').click();
  await expect(page.getByTestId('outcome-failed')).toBeVisible();
  await expect(page.getByTestId('result-code')).toHaveText('DPOS_REFUND_REFUND_AMOUNT_EXCEED');
  await expect(page.getByTestId('balance-lower')).toContainText('800');
  await expect(page.getByTestId('retry-new')).toHaveCount(0);
  await expect(page.getByTestId('back-to-payment')).toContainText('Refund the rest (¥800)');
  await page.getByTestId('back-to-payment').click();
  await expect(page.getByTestId('screen-review')).toBeVisible();
  await expect(page.getByTestId('payment-refundable')).toContainText('800');
  await expect(page.getByTestId('history-row').filter({ has: page.locator('[data-where]') })).toHaveCount(0);
  await expect(page.locator('[data-testid="history-row"][data-where="ELSEWHERE"]')).toHaveCount(1);
  await page.getByTestId('confirm-refund').click();
  await expect(page.getByTestId('outcome-success')).toBeVisible();
  await expect(page.getByTestId('refund-amount')).toContainText('800');
  await finalShot(page, testInfo);
});

test('item 4: a full-only method stops offering partial after Antom refuses it, with matching wording; an expired window shows before confirming', async ({
  page,
  host,
}, testInfo) => {
  await openAs(page, host, 'alice', '1470');
  await lookUp(page, FULL_ONLY);
  await partial(page, '10.00');
  await page.getByTestId('confirm-refund').click();
  await expect(page.getByTestId('outcome-failed')).toBeVisible();
  await expect(page.getByTestId('result-code')).toHaveText('DPOS_REFUND_PARTIAL_REFUND_NOT_SUPPORTED');
  await expect(page.getByTestId('retry-new')).toHaveCount(0);
  await expect(page.getByTestId('back-to-payment')).toContainText('Refund the full amount instead (SGD 50.00)');
  await page.getByTestId('back-to-payment').click();
  await expect(page.getByTestId('refund-partial')).toBeDisabled();
  await expect(page.getByTestId('method-capability')).toContainText('Full refunds only.');
  await expect(page.getByTestId('confirm-refund')).toContainText('SGD 50.00');
  await page.getByTestId('confirm-refund').click();
  await expect(page.getByTestId('outcome-success')).toBeVisible();
  await page.getByTestId('done-button').click();

  await lookUp(page, 'DEMO-SGD-ALIPAY-EXPIRED-0006');
  await expect(page.getByTestId('window-expired')).toContainText('365 days');
  await expect(page.getByTestId('method-capability')).toContainText('within 365 days');
  await finalShot(page, testInfo);
});

test('item 3 in Chinese: the same parser, the sentence in Chinese', async ({ page, host }, testInfo) => {
  await openAs(page, host, 'alice', '1470');
  await page.getByTestId('lang-zh').click();
  await lookUp(page, SGD);
  await partial(page, '1,234');
  await expect(page.getByTestId('amount-error')).toContainText('含义不明');
  await page.getByTestId('amount-input').fill('０，５０'); // full-width, from a Chinese IME
  await page.getByTestId('amount-input').press('Enter');
  await expect(page.getByTestId('confirm-summary')).toContainText('0.50');
  await finalShot(page, testInfo);
});

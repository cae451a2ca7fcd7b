/**
 * Issue #13 items 5-8 in Chromium against the browser host with the real
 * services: approval known before the button, the store's time zone, races
 * between two tabs, and a forgiving lookup.
 */
import { expect, test } from '../fixtures';
import { finalShot, lookUp, openAs } from '../helpers/journey';

const SGD = 'DEMO-SGD-ALIPAY-0001'; // SGD 125.50: over the default 100.00 limit
const JPY = 'DEMO-JPY-ALIPAYHK-0002';
const ASYNC = 'DEMO-SGD-BANKTRANSFER-ASYNC-0005';

test('item 5: the review says before the button whether a manager is needed; self-approval refused; a signed-in manager approves with PIN only', async ({
  page,
  host,
}, testInfo) => {
  await openAs(page, host, 'alice', '1470');
  await lookUp(page, JPY);
  await expect(page.getByTestId('approval-not-needed')).toBeVisible();
  await page.keyboard.press('Escape');
  await lookUp(page, SGD);
  await expect(page.getByTestId('approval-needed')).toBeVisible();
  await expect(page.getByTestId('approval-reason').first()).toHaveAttribute('data-code', 'AMOUNT_AT_OR_OVER_THRESHOLD');
  await page.getByTestId('confirm-refund').click();
  await expect(page.getByTestId('outcome-awaiting-approval')).toBeVisible();
  await page.getByTestId('done-button').click();
  await page.getByTestId('sign-out').click();

  // maria, signed in at this counter, approves alice's refund with her PIN alone.
  await expect(page.getByTestId('screen-sign-in')).toBeVisible();
  await page.getByTestId('signin-user').fill('maria');
  await page.getByTestId('signin-pin').fill('246813');
  await page.getByTestId('signin-submit').click();
  await page.getByTestId('nav-refund').click();
  await page.getByTestId('pending-refunds').getByTestId('refund-row').first().getByRole('button').click();
  await expect(page.getByTestId('outcome-awaiting-approval')).toBeVisible();
  await expect(page.getByTestId('approval-manager')).toHaveCount(0);
  await page.getByTestId('approval-pin').fill('246813');
  await page.getByTestId('approve-button').click();
  await expect(page.getByTestId('outcome-success')).toBeVisible({ timeout: 30_000 });
  await page.getByTestId('done-button').click();

  // maria's own refund over the limit: she cannot approve it herself.
  await lookUp(page, 'DEMO-SGD-BANKTRANSFER-ASYNC-0005');
  await page.getByTestId('confirm-refund').click();
  await expect(page.getByTestId('outcome-awaiting-approval')).toBeVisible();
  await page.getByTestId('approval-pin').fill('246813');
  await page.getByTestId('approve-button').click();
  await expect(page.getByTestId('approval-error')).toHaveAttribute('data-error-code', 'SELF_APPROVAL');
  await expect(page.getByTestId('outcome-awaiting-approval')).toBeVisible();
  await finalShot(page, testInfo);
});

test('item 6: the store time zone is set on the manager screen and decides "today"', async ({ page, host }, testInfo) => {
  await openAs(page, host, 'maria', '246813');
  await page.getByTestId('nav-policy').click();
  await expect(page.getByTestId('time-zone-input')).not.toHaveValue('');
  await page.getByTestId('time-zone-input').fill('Mars/Olympus');
  await page.getByTestId('time-zone-save').click();
  await expect(page.getByTestId('time-zone-error')).toBeVisible();
  await page.getByTestId('time-zone-input').fill('Pacific/Kiritimati'); // UTC+14: its "today" is often not UTC's
  await page.getByTestId('time-zone-save').click();
  await expect(page.getByTestId('time-zone-saved')).toBeVisible();
  const kiribatiToday = new Intl.DateTimeFormat('en-CA', { timeZone: 'Pacific/Kiritimati', year: 'numeric', month: '2-digit', day: '2-digit' }).format(
    new Date(),
  );
  await page.getByTestId('nav-dashboard').click();
  await expect(page.getByTestId('report-date')).toHaveValue(kiribatiToday);
  // A refund made now is in that day's report and in the cashier's Today.
  await page.getByTestId('nav-refund').click();
  await lookUp(page, JPY);
  await page.getByTestId('confirm-refund').click();
  await expect(page.getByTestId('outcome-success')).toBeVisible();
  await page.getByTestId('done-button').click();
  await expect(page.getByTestId('recent-refunds').getByTestId('refund-row')).toHaveCount(1);
  await page.getByTestId('nav-dashboard').click();
  await expect(page.getByTestId('report-totals')).toContainText('4,800');
  await finalShot(page, testInfo);
});

test('item 7: two tabs, one payment — the losing tab shows the truth and its Refund button is off', async ({ page, host, context }, testInfo) => {
  await openAs(page, host, 'alice', '1470');
  const other = await context.newPage();
  await other.goto(host.url);
  await expect(other.getByTestId('signed-in-user')).toContainText('alice');

  // Tab B shows ¥4,800 while tab A refunds ¥1,000: B's screen corrects itself (no reload), history says who.
  await lookUp(page, JPY);
  await lookUp(other, JPY);
  await expect(other.getByTestId('refund-full')).toContainText('4,800');
  await page.getByTestId('refund-partial').click();
  await page.getByTestId('amount-input').fill('1000');
  await page.getByTestId('amount-input').press('Enter');
  await page.getByTestId('confirm-refund').click();
  await expect(page.getByTestId('outcome-success')).toBeVisible();
  await expect(other.getByTestId('payment-refundable')).toContainText('3,800');
  await expect(other.getByTestId('refund-full')).toContainText('3,800');
  await expect(other.getByTestId('confirm-refund')).toContainText('3,800');
  await expect(other.getByTestId('history-row').first()).toContainText('alice');
  await page.getByTestId('done-button').click();
  await other.keyboard.press('Escape');

  // A refund still running in tab A: tab B, already on its review, says who and where, and cannot press Refund.
  await lookUp(page, ASYNC);
  await lookUp(other, ASYNC);
  await other.getByTestId('refund-partial').click();
  await other.getByTestId('amount-input').fill('5.00');
  await other.getByTestId('amount-input').press('Enter');
  await expect(other.getByTestId('confirm-refund')).toBeEnabled();
  await page.getByTestId('refund-partial').click();
  await page.getByTestId('amount-input').fill('10.00');
  await page.getByTestId('amount-input').press('Enter');
  await page.getByTestId('confirm-refund').click();
  await expect(page.getByTestId('outcome-pending').or(page.getByTestId('outcome-success'))).toBeVisible();
  await expect(
    other
      .getByTestId('in-flight-notice')
      .or(other.getByTestId('history-row').filter({ hasText: '10.00' }))
      .first(),
  ).toBeVisible();
  if (await other.getByTestId('in-flight-notice').isVisible()) {
    await expect(other.getByTestId('in-flight-notice')).toContainText('alice is refunding SGD 10.00');
    await expect(other.getByTestId('confirm-refund')).toBeDisabled();
    await other.getByTestId('confirm-refund').click({ force: true }); // a disabled button sends nothing
  }
  // When it is final, B shows the truth again: 190.00 left, and B's 5.00 can go.
  await expect(other.getByTestId('payment-refundable')).toContainText('190.00', { timeout: 30_000 });
  await expect(other.getByTestId('confirm-refund')).toBeEnabled();
  await other.screenshot({ path: testInfo.outputPath('losing-tab.png'), fullPage: true });
  await finalShot(page, testInfo);
});

test('item 8: lookup forgives case and spaces, and keeps the typed text on not-found', async ({ page, host }, testInfo) => {
  await openAs(page, host, 'alice', '1470');
  await page.getByTestId('scan-input').fill('  demo-jpy-alipayhk-0002 ');
  await page.getByTestId('scan-input').press('Enter');
  await expect(page.getByTestId('screen-review')).toBeVisible();
  await expect(page.getByTestId('payment-id')).toHaveText(JPY);
  await page.keyboard.press('Escape');
  await page.getByTestId('scan-input').fill('DEMO-JPY-ALIPAYHK-0020');
  await page.getByTestId('scan-input').press('Enter');
  await expect(page.getByTestId('lookup-error')).toBeVisible();
  await expect(page.getByTestId('scan-input')).toHaveValue('DEMO-JPY-ALIPAYHK-0020');
  // Correct the typo in place: the last two characters.
  await page.getByTestId('scan-input').press('End');
  await page.getByTestId('scan-input').press('Backspace');
  await page.getByTestId('scan-input').press('Backspace');
  await page.getByTestId('scan-input').type('02');
  await page.getByTestId('scan-input').press('Enter');
  await expect(page.getByTestId('screen-review')).toBeVisible();
  await finalShot(page, testInfo);
});

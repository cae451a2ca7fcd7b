/**
 * Issue #17, small items: the amount screen's Back button, the JPY hint in
 * whole numbers, a second Enter after Done is not "Nothing was scanned", the
 * approval panel shows one message at a time, and a taken user name is said
 * as such.
 */
import { expect, signIn, test } from '../fixtures';
import { finalShot, lookUp, openAs } from '../helpers/journey';

test('small items: amount Back, JPY hint, Enter after Done, approval errors, duplicate user', async ({ page, host }, testInfo) => {
  test.setTimeout(120_000);
  await openAs(page, host, 'alice', '1470');
  await lookUp(page, 'DEMO-JPY-ALIPAYHK-0002');
  await page.getByTestId('refund-partial').click();
  await expect(page.getByTestId('screen-amount')).toBeVisible();
  await expect(page.getByTestId('amount-hint')).toContainText('whole numbers');
  await expect(page.getByTestId('amount-hint')).not.toContainText('0 decimal');
  await page.getByTestId('amount-input').fill('12.5');
  await page.getByTestId('amount-input').press('Enter');
  await expect(page.getByTestId('amount-error')).toHaveText('JPY amounts are whole numbers: no decimals.');
  await page.getByTestId('amount-back').click();
  await expect(page.getByTestId('screen-review')).toBeVisible();

  // Full refund, Done by Enter, and Enter once more out of habit.
  await page.getByTestId('confirm-refund').press('Enter');
  await expect(page.getByTestId('outcome-success')).toBeVisible({ timeout: 30_000 });
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('screen-scan')).toBeVisible();
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('scan-input')).toBeFocused();
  await expect(page.getByTestId('scan-error')).toHaveCount(0);

  // Approval: a wrong PIN, then a PIN too short: only the new problem is shown.
  await lookUp(page, 'DEMO-SGD-ALIPAY-0001');
  await page.getByTestId('confirm-refund').click();
  await expect(page.getByTestId('approval-dialog')).toBeVisible();
  await page.getByTestId('approval-manager').fill('maria');
  await page.getByTestId('approval-pin').fill('9999');
  await page.getByTestId('approval-reason').fill('checked');
  await page.getByTestId('approve-button').click();
  await expect(page.getByTestId('approval-error')).toBeVisible();
  await page.getByTestId('approval-pin').fill('12');
  await page.getByTestId('approve-button').click();
  await expect(page.getByTestId('approval-dialog').getByRole('alert')).toHaveText("The manager's PIN is 4 to 8 digits.");
  await expect(page.getByTestId('approval-error')).toHaveCount(0);
  await page.getByTestId('done-button').click();
  await page.getByTestId('sign-out').click();

  // A taken user name.
  await signIn(page, 'maria', '246813');
  await page.getByTestId('nav-users').click();
  await page.getByTestId('new-user-name').fill('alice');
  await page.getByTestId('new-user-pin').fill('5820');
  await page.getByTestId('new-user-pin2').fill('5820');
  await page.getByTestId('add-user').click();
  await expect(page.getByTestId('screen-users').getByRole('alert').first()).toContainText('already exists');
  await expect(page.getByTestId('screen-users')).not.toContainText('nothing was refunded');
  await finalShot(page, testInfo);
});

/** Axe (WCAG 2 A/AA) on every main screen: no serious or critical violations. */
import { expect, signIn, test } from '../fixtures';
import { expectAccessible, finalShot, lookUp } from '../helpers/journey';

test('cashier screens: sign-in, scan, review, amount, approval, outcomes', async ({ page, host }, testInfo) => {
  await page.goto(host.url);
  await expect(page.getByTestId('screen-sign-in')).toBeVisible();
  await expectAccessible(page, 'sign-in');
  // The error state of sign-in, too.
  await page.getByTestId('signin-user').fill('alice');
  await page.getByTestId('signin-pin').fill('9999');
  await page.getByTestId('signin-submit').click();
  await expect(page.getByTestId('signin-error')).toBeVisible();
  await expectAccessible(page, 'sign-in (error)');
  await signIn(page, 'alice', '1470');

  await expect(page.getByTestId('screen-scan')).toBeVisible();
  await expect(page.getByTestId('recent-refunds-empty')).toBeVisible();
  await expectAccessible(page, 'scan');

  await lookUp(page, 'DEMO-SGD-GCASH-FULLONLY-0004');
  await expectAccessible(page, 'review');
  await page.getByTestId('refund-partial').click();
  await page.getByTestId('amount-input').fill('abc');
  await page.getByTestId('amount-input').press('Enter');
  await expect(page.getByTestId('amount-error')).not.toBeEmpty();
  await expectAccessible(page, 'amount (error)');
  await page.getByTestId('amount-input').fill('5.00');
  await page.getByTestId('amount-input').press('Enter');
  await page.getByTestId('confirm-refund').click();
  await expect(page.getByTestId('outcome-failed')).toBeVisible();
  await expectAccessible(page, 'outcome failed');
  await page.getByTestId('done-button').click();

  await lookUp(page, 'DEMO-SGD-GCASH-FULLONLY-0004');
  await page.getByTestId('confirm-refund').click();
  await expect(page.getByTestId('outcome-success')).toBeVisible();
  await expectAccessible(page, 'outcome success');
  await page.getByTestId('done-button').click();

  await lookUp(page, 'DEMO-SGD-ALIPAY-0001');
  await page.getByTestId('confirm-refund').click();
  await expect(page.getByTestId('approval-dialog')).toBeVisible();
  await expectAccessible(page, 'approval');
  await page.getByTestId('approval-manager').fill('maria');
  await page.getByTestId('approval-pin').fill('246813');
  await page.getByTestId('approval-reason').fill('not today');
  await page.getByTestId('decline-button').click();
  await expect(page.getByTestId('outcome-declined')).toBeVisible();
  await expectAccessible(page, 'outcome declined');
  await page.getByTestId('done-button').click();
  await expect(page.getByTestId('recent-refunds').getByTestId('refund-row')).toHaveCount(3);
  await expectAccessible(page, 'scan (with refunds)');
  await finalShot(page, testInfo);
});

test('manager screens: dashboard, policy, users, audit', async ({ page, host }, testInfo) => {
  await page.goto(host.url);
  await signIn(page, 'maria', '246813');
  await page.getByTestId('nav-dashboard').click();
  await expect(page.getByTestId('screen-dashboard')).toBeVisible();
  await expectAccessible(page, 'manager dashboard');
  await page.getByTestId('nav-policy').click();
  await expect(page.getByTestId('screen-policy')).toBeVisible();
  await expect(page.getByTestId('policy-amount-SGD')).toBeVisible();
  await expectAccessible(page, 'policy');
  await page.getByTestId('nav-users').click();
  await expect(page.getByTestId('users-table')).toBeVisible();
  await expectAccessible(page, 'users');
  await page.getByTestId('nav-audit').click();
  await expect(page.getByTestId('audit-verify')).toHaveAttribute('data-verified', 'true');
  await expectAccessible(page, 'audit');
  await finalShot(page, testInfo);
});

test('technician screens: pairing, diagnostics, Antom', async ({ page, host }, testInfo) => {
  await page.goto(host.url);
  await signIn(page, 'tom', '135792');
  await page.getByTestId('nav-pairing').click();
  await expect(page.getByTestId('screen-pairing')).toBeVisible();
  await expect(page.getByTestId('device').first()).toBeVisible();
  await expectAccessible(page, 'technician pairing');
  await page.getByTestId('nav-diagnostics').click();
  await expect(page.getByTestId('screen-diagnostics')).toBeVisible();
  await expect(page.getByTestId('link-state')).toHaveAttribute('data-state', 'authenticated');
  await page.getByTestId('run-ping').click();
  await expect(page.getByTestId('ping-result')).toHaveAttribute('data-failures', '0');
  await expectAccessible(page, 'diagnostics');
  await page.getByTestId('nav-antom').click();
  await expect(page.getByTestId('screen-antom')).toBeVisible();
  await expectAccessible(page, 'antom');
  await finalShot(page, testInfo);
});

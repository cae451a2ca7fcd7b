/**
 * People lifecycle in the real UI (issue #14): a cashier locks herself out, the
 * manager unlocks her and resets the technician's PIN on the Users screen; the
 * technician signs in with the one-time PIN and must choose a new one.
 */
import { expect, signIn, test } from '../fixtures';

test('manager unlocks a person and resets a PIN; the one-time PIN must be changed at sign-in', async ({ page, host }) => {
  await page.goto(host.url);
  for (let i = 0; i < 5; i++) {
    await page.getByTestId('signin-user').fill('alice');
    await page.getByTestId('signin-pin').fill('9182');
    await page.getByTestId('signin-submit').click();
    await expect(page.getByTestId('signin-error')).toBeVisible();
  }
  await page.getByTestId('signin-user').fill('alice');
  await page.getByTestId('signin-pin').fill('1470');
  await page.getByTestId('signin-submit').click();
  await expect(page.getByTestId('signin-error')).toContainText(/locked/i);

  await signIn(page, 'maria', '246813');
  await page.getByTestId('nav-users').click();
  await page.getByTestId('unlock-alice').click();
  await expect(page.getByTestId('users-notice')).toContainText('alice');
  await expect(page.getByTestId('unlock-alice')).toHaveCount(0);
  await page.getByTestId('reset-pin-tom').click();
  const notice = await page.getByTestId('users-notice').textContent();
  const oneTime = /(\d{8})/.exec(notice ?? '')?.[1];
  expect(oneTime).toBeDefined();
  // Every change is in the audit, the chain (and each refund) verifies, and the head to write down is shown.
  await page.getByTestId('nav-audit').click();
  await expect(page.getByTestId('audit-verify')).toHaveAttribute('data-verified', 'true');
  await expect(page.getByTestId('audit-head')).toContainText(/\d+:[0-9a-f]{64}/);
  await expect(page.getByTestId('screen-audit')).toContainText('user.pin_reset');
  await page.getByTestId('nav-dashboard').click();
  await expect(page.getByTestId('dashboard-audit-head')).toContainText(/\d+:[0-9a-f]{64}/);
  await page.getByTestId('sign-out').click();

  await page.getByTestId('signin-user').fill('tom');
  await page.getByTestId('signin-pin').fill(oneTime as string);
  await page.getByTestId('signin-submit').click();
  await expect(page.getByTestId('signin-change-pin')).toBeVisible();
  await page.getByTestId('signin-new-pin').fill('1234');
  await page.getByTestId('signin-new-pin2').fill('1234');
  await page.getByTestId('signin-submit').click();
  await expect(page.getByTestId('signin-error')).toBeVisible();
  await page.getByTestId('signin-new-pin').fill('713590');
  await page.getByTestId('signin-new-pin2').fill('713590');
  await page.getByTestId('signin-submit').click();
  await expect(page.getByTestId('signed-in-user')).toContainText('tom');
  await page.getByTestId('sign-out').click();

  // Unlocked: alice's own PIN works again.
  await signIn(page, 'alice', '1470');
});

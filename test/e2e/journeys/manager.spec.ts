/**
 * The manager's day: sees the cashier's refunds in today's report, approves the one
 * waiting from the dashboard, tightens the rules (KWD limit) through the UI — which
 * the next cashier refund obeys — and checks the audit chain.
 */
import { expect, signIn, test } from '../fixtures';
import { finalShot, lookUp, openAs } from '../helpers/journey';

test('manager: report, approve from the dashboard, change the policy, audit verified', async ({ page, host }, testInfo) => {
  test.setTimeout(120_000);
  await openAs(page, host, 'alice', '1470');
  await lookUp(page, 'DEMO-JPY-ALIPAYHK-0002');
  await page.getByTestId('confirm-refund').click();
  await expect(page.getByTestId('outcome-success')).toBeVisible();
  await page.getByTestId('done-button').click();
  await lookUp(page, 'DEMO-SGD-ALIPAY-0001');
  await page.getByTestId('confirm-refund').click();
  await expect(page.getByTestId('outcome-awaiting-approval')).toBeVisible();
  await page.getByTestId('done-button').click(); // "later"
  await expect(page.getByTestId('pending-refunds').getByTestId('refund-row')).toHaveCount(1);
  await page.getByTestId('sign-out').click();

  await signIn(page, 'maria', '246813');
  await page.getByTestId('nav-dashboard').click();
  await expect(page.getByTestId('screen-dashboard')).toBeVisible();
  const jpy = page.getByTestId('report-totals').locator('tbody tr', { hasText: 'JPY' });
  await expect(jpy).toContainText('¥4,800');
  await expect(page.getByTestId('report-by-cashier')).toContainText('alice');
  const waiting = page.getByTestId('dashboard-pending').getByTestId('refund-row');
  await expect(waiting).toHaveCount(1);
  await expect(waiting).toHaveAttribute('data-state', 'AWAITING_APPROVAL');
  await expect(waiting).toContainText('125.50');
  await expect(waiting).toContainText('alice');
  await waiting.getByRole('button').click();

  await expect(page.getByTestId('approval-dialog')).toBeVisible();
  // maria is signed in at this counter: her PIN alone approves (issue #13).
  await expect(page.getByTestId('approval-manager')).toHaveCount(0);
  await page.getByTestId('approval-pin').fill('246813');
  await page.getByTestId('approval-reason').fill('Checked the goods at the counter');
  await page.getByTestId('approve-button').click();
  await expect(page.getByTestId('outcome-success')).toBeVisible({ timeout: 30_000 });
  await expect(page.getByTestId('refund-amount')).toContainText('125.50');

  // Tighten the rules: KWD refunds from 5.000 need a manager.
  await page.getByTestId('nav-policy').click();
  await expect(page.getByTestId('policy-amount-KWD')).toHaveValue('30.000');
  await page.getByTestId('policy-amount-KWD').fill('5.000');
  await page.getByTestId('policy-save').click();
  await expect(page.getByTestId('policy-saved')).toBeVisible();

  await page.getByTestId('nav-audit').click();
  await expect(page.getByTestId('audit-verify')).toHaveAttribute('data-verified', 'true');
  await expect(page.getByTestId('audit-table')).toContainText('maria');
  await page.getByTestId('sign-out').click();

  // The next cashier refund follows the new rule.
  await signIn(page, 'alice', '1470');
  await lookUp(page, 'DEMO-KWD-ALIPAY-0003');
  await page.getByTestId('confirm-refund').click();
  await expect(page.getByTestId('outcome-awaiting-approval')).toBeVisible();
  await expect(page.getByTestId('approval-reasons')).toContainText('5.000');
  await finalShot(page, testInfo);
});

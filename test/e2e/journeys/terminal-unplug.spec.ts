/**
 * Scenario 9: the terminal disappears while a refund waits on it (it goes silent on
 * refund.reference, then the cable is pulled). Nothing is sent to Antom without the
 * terminal's reference; the cashier sees the terminal problem and the refund stays open
 * (never guessed as done or failed); after replug the status indicator comes back and the
 * engine completes the SAME refund request — exactly one refund at Antom.
 */
import { demoControl, expect, signIn, test } from '../fixtures';
import { finalShot, lookUp, openAs } from '../helpers/journey';

const PAYMENT = 'DEMO-JPY-ALIPAYHK-0002';

test('terminal unplugged mid-refund: clear error, replug, completed once', async ({ page, host }, testInfo) => {
  test.setTimeout(180_000);
  await openAs(page, host, 'alice', '1470');
  await expect(page.getByTestId('terminal-status')).toHaveAttribute('data-state', 'authenticated');
  await demoControl(host, 'terminal/faults', { faults: { vanish: 'silent', vanishOn: 'refund.reference' } });

  await lookUp(page, PAYMENT);
  await page.getByTestId('refund-partial').click();
  await page.getByTestId('amount-input').fill('1000');
  await page.getByTestId('amount-input').press('Enter');
  await page.getByTestId('confirm-refund').click();
  await expect(page.getByTestId('screen-progress')).toBeVisible();
  await expect(page.getByTestId('progress-status')).toHaveAttribute('data-state', 'REFERENCE_REQUESTED');

  // The terminal does not answer: said so plainly, nothing sent to Antom.
  const problem = page.getByTestId('progress-terminal-problem');
  await expect(problem).toBeVisible({ timeout: 30_000 });
  await expect(problem).toHaveAttribute('data-code', /^TERMINAL_/);
  await expect(problem).toContainText('Nothing has been sent to Antom');
  await expect(problem).toHaveAttribute('data-next-action', 'RETRY_SAME_REQUEST');

  // Cable pulled: the indicator says so, the refund stays where it was.
  await demoControl(host, 'terminal/unplug');
  await expect(page.getByTestId('terminal-status')).toHaveAttribute('data-state', /disconnected|down|connecting/, { timeout: 30_000 });
  await expect(page.getByTestId('progress-status')).toHaveAttribute('data-state', 'REFERENCE_REQUESTED');
  await expect(problem).toBeVisible();
  await expect(page.getByTestId('outcome-success')).toHaveCount(0);
  await expect(page.getByTestId('outcome-failed')).toHaveCount(0);
  await page.screenshot({ path: testInfo.outputPath('unplugged.png'), fullPage: true });
  // The cashier leaves the screen (here: the page is reloaded); the refund is listed as open, and reopens.
  await page.reload();
  if (await page.getByTestId('screen-sign-in').isVisible()) await signIn(page, 'alice', '1470');
  const open = page.getByTestId('pending-refunds').getByTestId('refund-row');
  await expect(open).toHaveCount(1);
  await expect(open).toHaveAttribute('data-state', 'REFERENCE_REQUESTED');
  await expect(open).toContainText('¥1,000');
  const requestId = (await open.getAttribute('data-refund-id')) ?? '';
  expect(requestId).not.toBe('');
  await open.getByRole('button').click();
  await expect(page.getByTestId('screen-progress')).toBeVisible();
  await expect(problem).toBeVisible();

  // Plugged back in: connected again, and the same refund request completes.
  await demoControl(host, 'terminal/faults', { faults: { vanish: 'none' } });
  await demoControl(host, 'terminal/replug');
  await expect(page.getByTestId('terminal-status')).toHaveAttribute('data-state', 'authenticated', { timeout: 60_000 });
  await expect(page.getByTestId('outcome-success')).toBeVisible({ timeout: 120_000 });
  await expect(page.getByTestId('refund-amount')).toContainText('1,000');
  await expect(page.getByTestId('refund-request-id')).toHaveAttribute('data-full', requestId);
  await page.getByTestId('done-button').click();
  const rows = page.getByTestId('recent-refunds').getByTestId('refund-row');
  await expect(rows).toHaveCount(1);
  await expect(rows.first()).toHaveAttribute('data-refund-id', requestId);
  await expect(rows.first()).toHaveAttribute('data-state', 'SUCCEEDED');

  // Exactly one refund of 1,000 at Antom: exactly the remaining 3,800 can still go.
  await lookUp(page, PAYMENT);
  await expect(page.getByTestId('payment-refundable')).toContainText('3,800');
  await page.getByTestId('refund-partial').click();
  await page.getByTestId('amount-input').fill('3800');
  await page.getByTestId('amount-input').press('Enter');
  await page.getByTestId('confirm-refund').click();
  await expect(page.getByTestId('outcome-success')).toBeVisible();
  await finalShot(page, testInfo);
});

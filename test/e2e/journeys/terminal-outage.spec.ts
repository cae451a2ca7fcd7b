/**
 * Issue #12 item 8: a terminal outage neither traps the cashier nor recovers
 * slowly. While the terminal is known to be unplugged the confirm step says so
 * and starts nothing; a refund stuck on the terminal can be left (Esc or the
 * button: it continues under Pending refunds); after replug it completes at
 * once, event-driven, not after a backoff timer (was 22 s).
 */
import { demoControl, expect, test } from '../fixtures';
import { finalShot, lookUp, openAs } from '../helpers/journey';

const PAYMENT = 'DEMO-JPY-ALIPAYHK-0002';

test('terminal outage: confirm refuses while unplugged, the cashier can leave the progress screen, replug resumes at once', async ({
  page,
  host,
}, testInfo) => {
  test.setTimeout(150_000);
  await openAs(page, host, 'alice', '1470');
  const status = page.getByTestId('terminal-status');
  await expect(status).toHaveAttribute('data-state', 'authenticated');

  // Unplugged: the review screen says so, confirming starts nothing.
  await demoControl(host, 'terminal/unplug');
  await expect(status).toHaveAttribute('data-state', /disconnected|down/, { timeout: 30_000 });
  await lookUp(page, PAYMENT);
  await expect(page.getByTestId('review-terminal-down')).toBeVisible();
  await page.getByTestId('confirm-refund').click();
  await expect(page.getByTestId('submit-error')).toHaveAttribute('data-error-code', 'TERMINAL_DOWN');
  await expect(page.getByTestId('screen-review')).toBeVisible();
  await page.getByTestId('back-button').click();
  await expect(page.getByTestId('pending-refunds').getByTestId('refund-row')).toHaveCount(0);
  await expect(page.getByTestId('recent-refunds').getByTestId('refund-row')).toHaveCount(0);

  // Back in; this time the terminal goes silent when asked for the reference.
  await demoControl(host, 'terminal/replug');
  await expect(status).toHaveAttribute('data-state', 'authenticated', { timeout: 30_000 });
  await demoControl(host, 'terminal/faults', { faults: { vanish: 'silent', vanishOn: 'refund.reference' } });
  await lookUp(page, PAYMENT);
  await expect(page.getByTestId('review-terminal-down')).toHaveCount(0);
  await page.getByTestId('refund-partial').click();
  await page.getByTestId('amount-input').fill('1000');
  await page.getByTestId('amount-input').press('Enter');
  await page.getByTestId('confirm-refund').click();
  await expect(page.getByTestId('screen-progress')).toBeVisible();
  await expect(page.getByTestId('progress-status')).toHaveAttribute('data-state', 'REFERENCE_REQUESTED');
  await expect(page.getByTestId('progress-back')).toBeVisible();
  await page.screenshot({ path: testInfo.outputPath('progress-with-way-back.png'), fullPage: true });

  // The confirm call is still waiting on the silent terminal: Esc leaves anyway.
  await page.keyboard.press('Escape');
  await expect(page.getByTestId('screen-scan')).toBeVisible();
  const open = page.getByTestId('pending-refunds').getByTestId('refund-row');
  await expect(open).toHaveCount(1);
  await expect(open).toHaveAttribute('data-state', 'REFERENCE_REQUESTED');
  const requestId = (await open.getAttribute('data-refund-id')) ?? '';
  expect(requestId).not.toBe('');
  // It stays put (a long backoff would have followed here before), never guessed done or failed.
  await expect(open).toHaveAttribute('data-state', 'REFERENCE_REQUESTED');

  // Pull the cable, fix the terminal, plug it back in: the same refund completes at once.
  await demoControl(host, 'terminal/unplug');
  await expect(status).toHaveAttribute('data-state', /disconnected|down|connecting/, { timeout: 30_000 });
  await demoControl(host, 'terminal/faults', { faults: { vanish: 'none' } });
  const replugAt = Date.now();
  await demoControl(host, 'terminal/replug');
  const done = page.getByTestId('recent-refunds').locator(`[data-refund-id="${requestId}"]`);
  await expect(done).toHaveAttribute('data-state', 'SUCCEEDED', { timeout: 20_000 });
  const resolvedMs = Date.now() - replugAt;
  testInfo.annotations.push({ type: 'replug-to-resolved-ms', description: String(resolvedMs) });
  console.info(`replug -> refund SUCCEEDED on screen: ${resolvedMs} ms`);
  await expect(page.getByTestId('pending-refunds').getByTestId('refund-row')).toHaveCount(0);
  await expect(status).toHaveAttribute('data-state', 'authenticated');

  // Opening it shows the live state, matching the header.
  await done.getByRole('button').click();
  await expect(page.getByTestId('outcome-success')).toBeVisible();
  await expect(page.getByTestId('refund-request-id')).toHaveAttribute('data-full', requestId);
  await finalShot(page, testInfo);
});

test('the progress screen offers the way back with its button too', async ({ page, host }) => {
  await openAs(page, host, 'alice', '1470');
  await expect(page.getByTestId('terminal-status')).toHaveAttribute('data-state', 'authenticated');
  await demoControl(host, 'terminal/faults', { faults: { vanish: 'silent', vanishOn: 'refund.reference' } });
  await lookUp(page, PAYMENT);
  await page.getByTestId('confirm-refund').click();
  await expect(page.getByTestId('screen-progress')).toBeVisible();
  await expect(page.getByTestId('progress-back')).toContainText('Back to the counter');
  await page.getByTestId('progress-back').click();
  await expect(page.getByTestId('screen-scan')).toBeVisible();
  await expect(page.getByTestId('pending-refunds').getByTestId('refund-row')).toHaveCount(1);
});

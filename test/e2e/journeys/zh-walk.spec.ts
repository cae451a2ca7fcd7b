/**
 * Issue #17, "Complete Chinese": in zh, every screen a cashier, a manager and a
 * technician reach in demo mode shows no untranslated English. The walk signs
 * in as each role and collects what each screen shows (text, placeholders,
 * labels read aloud, options); any Latin word that is not an id, a figure, a
 * currency code, a brand or the demo's own data fails the test, naming the
 * screen and the words.
 */
import { expect, signIn, test } from '../fixtures';
import path from 'node:path';
import { lookUp, pairingCodesFromLog } from '../helpers/journey';
import { untranslatedWords, VISIBLE_TEXT_SCRIPT } from '../helpers/english';

test('zh walk: every screen of every role is in Chinese', async ({ page, host }) => {
  test.setTimeout(300_000);
  const found: Record<string, string[]> = {};
  const seen: string[] = [];
  const reported = new Set<string>();
  const collect = async (screen: string): Promise<void> => {
    // Let loads settle: no "Loading…" left on the screen.
    await expect(page.getByText('加载中…')).toHaveCount(0);
    // Each line that still has English, once (the shell repeats on every screen).
    const lines = (await page.evaluate(VISIBLE_TEXT_SCRIPT)).split('\n').filter((line) => untranslatedWords(line).length > 0 && !reported.has(line));
    for (const line of lines) reported.add(line);
    seen.push(screen);
    if (lines.length > 0) found[screen] = lines;
  };
  const signOut = async (): Promise<void> => {
    await page.getByTestId('sign-out').click();
    await expect(page.getByTestId('screen-sign-in')).toBeVisible();
  };

  await page.goto(host.url);
  await expect(page.getByTestId('screen-sign-in')).toBeVisible();
  await page.getByTestId('lang-zh').click();
  await expect(page.getByTestId('screen-sign-in').getByRole('heading', { level: 1 })).toHaveText('登录');
  await expect(page.getByTestId('demo-users')).toBeVisible();
  await collect('sign-in');
  await page.getByTestId('signin-submit').click();
  await collect('sign-in: missing name');

  // Cashier.
  await signIn(page, 'alice', '1470');
  await expect(page.getByTestId('terminal-status')).toHaveAttribute('data-state', 'authenticated');
  await expect(page.getByTestId('recent-payments')).toBeVisible();
  await collect('cashier: scan');
  await page.getByTestId('scan-input').fill('%%%');
  await page.getByTestId('scan-input').press('Enter');
  await expect(page.getByTestId('scan-error')).toBeVisible();
  await collect('cashier: scan, not an id');
  await page.getByTestId('scan-input').fill('DEMO-SGD-NOSUCH-9999');
  await page.getByTestId('scan-input').press('Enter');
  await expect(page.getByTestId('lookup-error')).toBeVisible();
  await collect('cashier: payment not found');
  await page.getByTestId('scan-input').fill('');

  await page.getByTestId('open-payment-search').click();
  await expect(page.getByTestId('payment-search')).toBeVisible();
  await page.getByTestId('search-submit').click();
  await expect(page.getByTestId('search-results')).toBeVisible();
  await collect('cashier: payment search');
  await page.getByTestId('search-results').getByTestId('search-result').first().press('Escape');

  // A partial refund that needs no manager: review, amount, outcome, receipt.
  await page.getByTestId('scan-input').fill('');
  await lookUp(page, 'DEMO-SGD-ALIPAY-0001');
  await collect('cashier: review');
  await page.getByTestId('refund-partial').click();
  await expect(page.getByTestId('screen-amount')).toBeVisible();
  await collect('cashier: amount');
  await page.getByTestId('amount-input').fill('1,2,3');
  await page.getByTestId('amount-input').press('Enter');
  await expect(page.getByTestId('amount-error')).toBeVisible();
  await collect('cashier: amount error');
  await page.getByTestId('amount-input').fill('10');
  await page.getByTestId('amount-input').press('Enter');
  await expect(page.getByTestId('screen-review')).toBeVisible();
  await page.getByTestId('reason-option').first().click();
  await page.getByTestId('memo-input').fill('顾客退回一件商品');
  await collect('cashier: review, partial');
  await page.getByTestId('confirm-refund').click();
  await expect(page.getByTestId('outcome-success')).toBeVisible({ timeout: 30_000 });
  await collect('cashier: refund complete');
  await page.getByTestId('receipt-toggle').click();
  await expect(page.getByTestId('receipt')).toBeVisible();
  await collect('cashier: receipt');
  await page.getByTestId('done-button').click();

  // The same payment again: its history; the rest needs a manager.
  await lookUp(page, 'DEMO-SGD-ALIPAY-0001');
  await expect(page.getByTestId('history-row').first()).toBeVisible();
  await collect('cashier: review with history');
  await page.getByTestId('confirm-refund').click();
  await expect(page.getByTestId('outcome-awaiting-approval')).toBeVisible();
  await page.getByTestId('approval-pin').fill('12');
  await page.getByTestId('approve-button').click();
  await collect('cashier: approval needed');
  await page.getByTestId('done-button').click();

  // Old payment: the policy's age rule and the probably expired window, before the button.
  await lookUp(page, 'DEMO-SGD-ALIPAY-EXPIRED-0006');
  await expect(page.getByTestId('approval-needed')).toBeVisible();
  await collect('cashier: review, old payment');
  await page.getByTestId('confirm-refund').click();
  await expect(page.getByTestId('outcome-awaiting-approval')).toBeVisible();
  await page.getByTestId('done-button').click();

  // A refund Antom answers later (pending) and one Antom refuses (failed).
  await lookUp(page, 'DEMO-SGD-BANKTRANSFER-ASYNC-0005');
  await page.getByTestId('refund-partial').click();
  await page.getByTestId('amount-input').fill('20');
  await page.getByTestId('amount-input').press('Enter');
  await page.getByTestId('confirm-refund').click();
  await expect(page.getByTestId('outcome-pending')).toBeVisible({ timeout: 30_000 });
  await collect('cashier: refund pending');
  await page.getByTestId('done-button').click();
  await lookUp(page, 'DEMO-HKD-ALIPAYHK-NOREFUND-0012');
  await page.getByTestId('confirm-refund').click();
  await expect(page.getByTestId('outcome-failed')).toBeVisible({ timeout: 30_000 });
  await collect('cashier: refund failed');
  await page.getByTestId('done-button').click();
  await lookUp(page, 'DEMO-SGD-TNG-PROCESSING-0011');
  await collect('cashier: payment not completed');
  await page.getByTestId('back-button').click();
  await lookUp(page, 'DEMO-SGD-GCASH-FULLONLY-0004');
  await collect('cashier: full refunds only');
  await page.getByTestId('back-button').click();
  await expect(page.getByTestId('pending-refunds')).toBeVisible();
  await collect('cashier: scan with refunds');
  await signOut();
  await collect('sign-in after sign-out');

  // Manager: approves the waiting refunds, then every manager screen.
  await signIn(page, 'maria', '246813');
  await expect(page.getByTestId('pending-refunds')).toBeVisible();
  await collect('manager: counter');
  await page.getByTestId('pending-refunds').locator('[data-testid="refund-row"][data-state="AWAITING_APPROVAL"]').first().getByRole('button').click();
  await expect(page.getByTestId('outcome-awaiting-approval')).toBeVisible();
  await collect('manager: approval');
  await page.getByTestId('approval-pin').fill('246813');
  await page.getByTestId('approve-button').click();
  await expect(page.getByTestId('outcome-success').or(page.getByTestId('outcome-failed'))).toBeVisible({ timeout: 30_000 });
  await collect('manager: approved outcome');
  await page.getByTestId('done-button').click();
  const nextWaiting = page.getByTestId('pending-refunds').locator('[data-testid="refund-row"][data-state="AWAITING_APPROVAL"]').first();
  await nextWaiting.getByRole('button').click();
  await page.getByTestId('approval-pin').fill('246813');
  await page.getByTestId('approve-button').click();
  await expect(page.getByTestId('outcome-success').or(page.getByTestId('outcome-failed'))).toBeVisible({ timeout: 30_000 });
  await collect('manager: second approved outcome');
  if (await page.getByTestId('record-other').isVisible()) {
    await page.getByTestId('record-other').click();
    await expect(page.getByTestId('other-refund-form')).toBeVisible();
    await collect('manager: record a refund made another way');
  }
  await page.getByTestId('done-button').click();

  await page.getByTestId('nav-dashboard').click();
  await expect(page.getByTestId('report-totals')).toBeVisible();
  await collect('manager: dashboard');
  await page.getByTestId('nav-policy').click();
  await expect(page.getByTestId('screen-policy')).toBeVisible();
  await collect('manager: approval rules');
  await page.getByTestId('nav-store').click();
  await expect(page.getByTestId('reasons-list')).toBeVisible();
  await collect('manager: store and reasons');
  await page.getByTestId('nav-users').click();
  await expect(page.getByTestId('users-table')).toBeVisible();
  await collect('manager: users');
  await page.getByTestId('new-user-name').fill('alice');
  await page.getByTestId('new-user-pin').fill('5820');
  await page.getByTestId('new-user-pin2').fill('5820');
  await page.getByTestId('add-user').click();
  await expect(page.getByTestId('screen-users').getByRole('alert').first()).toBeVisible();
  await collect('manager: users, name taken');
  await page.getByTestId('new-user-name').fill('王芳');
  await page.getByTestId('add-user').click();
  await expect(page.locator('[data-testid="user-row"][data-user="王芳"]')).toBeVisible();
  await collect('manager: users, added');
  await page.getByTestId('reset-pin-王芳').click();
  await expect(page.getByTestId('users-notice')).toBeVisible();
  const oneTimePin = /(\d{4,8})/.exec((await page.getByTestId('users-notice').textContent()) ?? '')?.[1] ?? '';
  await collect('manager: users, one-time PIN');
  await page.getByTestId('disable-tom').click();
  await collect('manager: users, confirm disable');
  await page.getByTestId('nav-audit').click();
  await expect(page.getByTestId('audit-table')).toBeVisible();
  await expect(page.getByTestId('audit-verify')).toHaveAttribute('data-verified', 'true');
  await collect('manager: audit');
  await page.getByTestId('audit-filter-events').selectOption('all');
  await expect(page.getByTestId('audit-row').first()).toBeVisible();
  await collect('manager: audit, everything');
  await signOut();

  // A one-time PIN must be changed at sign-in.
  await page.getByTestId('signin-user').fill('王芳');
  await page.getByTestId('signin-pin').fill(oneTimePin);
  await page.getByTestId('signin-submit').click();
  await expect(page.getByTestId('signin-change-pin')).toBeVisible();
  await collect('sign-in: change one-time PIN');
  await page.getByTestId('signin-new-pin').fill('7391');
  await page.getByTestId('signin-new-pin2').fill('7391');
  await page.getByTestId('signin-submit').click();
  await expect(page.getByTestId('signed-in-user')).toContainText('王芳');
  await signOut();

  // Technician.
  await signIn(page, 'tom', '135792');
  await expect(page.getByTestId('screen-pairing')).toBeVisible();
  await expect(page.getByTestId('current-pairing')).toBeVisible();
  await expect(page.getByTestId('device').first()).toBeVisible();
  await collect('technician: terminal setup');
  await page.getByTestId('nav-diagnostics').click();
  await expect(page.getByTestId('device-problems')).toBeVisible();
  await page.getByTestId('run-ping').click();
  await expect(page.getByTestId('ping-result')).toBeVisible({ timeout: 30_000 });
  await collect('technician: diagnostics');
  await page.getByTestId('nav-antom').click();
  await expect(page.getByTestId('antom-config')).toBeVisible();
  await page.getByTestId('antom-test').click();
  await expect(page.getByTestId('antom-test-result')).toBeVisible({ timeout: 30_000 });
  await collect('technician: Antom setup');

  // Pairing again: the code step, the link test and done.
  await page.getByTestId('nav-pairing').click();
  const device = page.locator(`[data-testid="device"][data-path="${path.join(host.dataDir, 'demo-terminal-host.pty')}"]`);
  const before = pairingCodesFromLog(host).length;
  await device.getByTestId('pair-device').click();
  await expect(page.getByTestId('pairing-code')).toBeFocused();
  let code = '';
  await expect
    .poll(() => {
      const codes = pairingCodesFromLog(host);
      code = codes.length > before ? (codes[0] ?? '') : '';
      return code;
    })
    .toMatch(/^\d{6}$/);
  await collect('technician: pairing code');
  await page.getByTestId('pairing-code').fill(code === '000000' ? '000001' : '000000');
  await page.getByTestId('confirm-pairing').click();
  await expect(page.getByTestId('screen-pairing').getByRole('alert')).toBeVisible();
  await collect('technician: wrong pairing code');
  await page.getByTestId('pairing-code').fill(code);
  await page.getByTestId('confirm-pairing').click();
  await expect(page.getByTestId('ping-result')).toBeVisible({ timeout: 30_000 });
  await collect('technician: pairing test');
  await page.getByTestId('pairing-finish').click();
  await expect(page.getByTestId('pairing-done')).toBeVisible();
  await collect('technician: pairing done');

  expect(seen.length).toBeGreaterThan(30);
  expect(found, 'English words left on Chinese screens').toEqual({});
});

/**
 * Scenario 8: the technician pairs the virtual terminal. The 6-digit code is what the
 * terminal's screen shows; in demo mode the virtual terminal logs it
 * ("virtual terminal shows pairing code"), which is where this test reads it.
 */
import path from 'node:path';
import { expect, test } from '../fixtures';
import { expectAccessible, finalShot, openAs, pairingCodesFromLog } from '../helpers/journey';

test('pairing wizard: device, code, ping test, done', async ({ page, host }, testInfo) => {
  await openAs(page, host, 'tom', '135792');
  await expect(page.getByTestId('terminal-status')).toHaveAttribute('data-state', 'authenticated');
  await page.getByTestId('nav-pairing').click();
  await expect(page.getByTestId('screen-pairing')).toBeVisible();
  await expect(page.getByTestId('current-pairing')).toBeVisible();
  await expectAccessible(page, 'technician pairing');

  const hostPort = path.join(host.dataDir, 'demo-terminal-host.pty');
  const device = page.locator(`[data-testid="device"][data-path="${hostPort}"]`);
  await expect(device).toBeVisible();
  const before = pairingCodesFromLog(host).length;
  await device.getByTestId('pair-device').click();
  await expect(page.getByTestId('pairing-code')).toBeFocused();

  // A wrong code is refused.
  let code = '';
  await expect
    .poll(
      () => {
        const codes = pairingCodesFromLog(host);
        code = codes.length > before ? (codes[0] ?? '') : '';
        return code;
      },
      { timeout: 15_000 },
    )
    .toMatch(/^\d{6}$/);
  // In demo the wizard also shows what the virtual terminal's screen would: the same code.
  await expect(page.getByTestId('virtual-pairing-code')).toContainText(code);
  const wrong = code === '000000' ? '000001' : '000000';
  await page.getByTestId('pairing-code').fill(wrong);
  await page.getByTestId('confirm-pairing').click();
  await expect(page.getByTestId('screen-pairing').getByRole('alert')).toBeVisible();
  // Said as what it is, not as a device that "did not answer as expected".
  await expect(page.getByTestId('screen-pairing').getByRole('alert')).toContainText('does not match');
  await expect(page.getByTestId('pairing-code')).toHaveValue('');

  await page.getByTestId('pairing-code').fill(code);
  await page.getByTestId('confirm-pairing').click();
  await expect(page.getByTestId('ping-result')).toBeVisible({ timeout: 30_000 });
  await expect(page.getByTestId('ping-result')).toHaveAttribute('data-failures', '0');
  await page.getByTestId('pairing-finish').click();
  await expect(page.getByTestId('pairing-done')).toBeVisible();
  await expect(page.getByTestId('pairing-done')).toContainText('Antom Virtual P1');
  await expect(page.getByTestId('terminal-status')).toHaveAttribute('data-state', 'authenticated');
  await finalShot(page, testInfo);
});

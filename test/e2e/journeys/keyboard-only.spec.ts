/** Scenario 11: a full refund with the keyboard only (no mouse event at all), counting the key actions. */
import { expect, test } from '../fixtures';
import { finalShot } from '../helpers/journey';

test('keyboard-only full refund: sign in, scan + Enter, Enter, Enter', async ({ page, host }, testInfo) => {
  await page.goto(host.url);
  await page.evaluate(() => {
    const w = window as unknown as { pointerEvents: number };
    w.pointerEvents = 0;
    for (const type of ['mousedown', 'mouseup', 'pointerdown', 'pointerup', 'mousemove']) {
      window.addEventListener(type, () => (w.pointerEvents += 1), true);
    }
  });
  let actions = 0;
  const type = async (text: string): Promise<void> => {
    actions += 1;
    await page.keyboard.type(text, { delay: 5 });
  };
  const press = async (key: string): Promise<void> => {
    actions += 1;
    await page.keyboard.press(key);
  };

  await expect(page.getByTestId('signin-user')).toBeFocused();
  await type('alice');
  await press('Tab');
  await expect(page.getByTestId('signin-pin')).toBeFocused();
  await type('1470');
  await press('Enter');
  await expect(page.getByTestId('signed-in-user')).toContainText('alice');

  await expect(page.getByTestId('scan-input')).toBeFocused();
  await type('antom:payment:DEMO-KWD-ALIPAY-0003');
  await press('Enter');
  await expect(page.getByTestId('screen-review')).toBeVisible();
  await expect(page.getByTestId('confirm-refund')).toBeFocused();
  await expect(page.getByTestId('confirm-summary')).toContainText('12.345');
  await press('Enter');

  await expect(page.getByTestId('outcome-success')).toBeVisible();
  await expect(page.getByTestId('refund-amount')).toContainText('12.345');
  await expect(page.getByTestId('done-button')).toBeFocused();
  await press('Enter');
  await expect(page.getByTestId('screen-scan')).toBeVisible();
  await expect(page.getByTestId('scan-input')).toBeFocused();
  await expect(page.getByTestId('recent-refunds').getByTestId('refund-row').first()).toHaveAttribute('data-state', 'SUCCEEDED');

  // 2 typed strings + Tab + Enter to sign in; 1 scan + 3 Enters to refund.
  expect(actions).toBe(8);
  expect(await page.evaluate(() => (window as unknown as { pointerEvents: number }).pointerEvents)).toBe(0);
  testInfo.annotations.push({ type: 'keyboard actions', description: String(actions) });
  await finalShot(page, testInfo);
});

/**
 * Issue #17, "the language choice kept per person": chosen once, a person's
 * language comes back at their sign-in in a brand-new browser profile; the
 * sign-in screen itself shows the language last used on this PC (profile).
 * The browser host's launch address is single-use, so the new profile comes
 * with a restart of the same install (same data folder), as a store would do.
 */
import type { Page } from '@playwright/test';
import { expect, signIn, startHost, stopHost, test } from '../fixtures';

const title = (p: Page) => p.getByTestId('screen-sign-in').getByRole('heading', { level: 1 });

test('a person gets their language back in a fresh browser profile; the sign-in screen keeps the last one used there', async ({ browser }) => {
  test.setTimeout(150_000);
  const first = await startHost();
  const dataDir = first.host.dataDir;
  const profileA = await browser.newContext();
  try {
    // Profile A: maria signs in (English), chooses 中文, signs out.
    const page = await profileA.newPage();
    await page.goto(first.host.url);
    await expect(title(page)).toHaveText('Sign in');
    await signIn(page, 'maria', '246813');
    await page.getByTestId('lang-zh').click();
    await expect(page.getByTestId('screen-scan').getByRole('heading', { level: 1 })).toHaveText('发起退款');
    await page.getByTestId('sign-out').click();
    // The sign-in screen stays in the language last used here.
    await expect(title(page)).toHaveText('登录');
  } finally {
    await profileA.close();
    await stopHost(first.child, dataDir);
  }

  const second = await startHost({}, dataDir);
  const profileB = await browser.newContext();
  try {
    // Profile B: nothing stored in this browser; the sign-in screen is English.
    const other = await profileB.newPage();
    await other.goto(second.host.url);
    await expect(title(other)).toHaveText('Sign in');

    // tom never chose: he keeps the English he signed in with (and it becomes his).
    await signIn(other, 'tom', '135792');
    await expect(other.getByTestId('screen-pairing').getByRole('heading', { level: 1 })).toHaveText('Pair the payment terminal');
    await other.getByTestId('sign-out').click();
    await expect(title(other)).toHaveText('Sign in');

    // maria's Chinese follows her to this profile, and the sign-in screen now remembers it.
    await signIn(other, 'maria', '246813');
    await expect(other.getByTestId('screen-scan').getByRole('heading', { level: 1 })).toHaveText('发起退款');
    await expect(other.locator('html')).toHaveAttribute('lang', /^zh/);
    await other.getByTestId('sign-out').click();
    await expect(title(other)).toHaveText('登录');

    // tom, on a Chinese sign-in screen, still gets his English.
    await signIn(other, 'tom', '135792');
    await expect(other.getByTestId('screen-pairing').getByRole('heading', { level: 1 })).toHaveText('Pair the payment terminal');
  } finally {
    await profileB.close();
    await stopHost(second.child, dataDir);
  }
});

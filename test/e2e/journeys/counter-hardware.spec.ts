/**
 * Counter hardware (issue #17): the cashier screens hold at 1024×768,
 * 1366×768 and 1280×800 — the scan field and the main action in view without scrolling,
 * the banners (DEMO, journal alarm, terminal status, security warning) a few
 * lines high, every control a 44 px touch target, the sticky banners never
 * over the header — and a touch screen refunds and signs in with the on-screen
 * number pad. Axe (WCAG 2 A/AA) at 1024×768 on the same screens.
 */
import type { Page } from '@playwright/test';
import { demoControl, expect, startHost, stopHost, test } from '../fixtures';
import { expectAccessible, finalShot, lookUp, openAs } from '../helpers/journey';

const SIZES = [
  { width: 1024, height: 768 },
  { width: 1366, height: 768 },
  { width: 1280, height: 800 },
] as const;
/** DEMO strip + journal alarm + header (terminal status, security warning) together. */
const BANNERS_MAX_PX = 100;
const TARGET_MIN_PX = 44;

/** The testids must be on screen, whole, with the page scrolled to the top (no scrolling needed). */
async function expectInView(page: Page, screen: string, testIds: readonly string[]): Promise<void> {
  await page.evaluate(() => window.scrollTo(0, 0));
  const vp = page.viewportSize();
  if (!vp) throw new Error('no viewport');
  for (const id of testIds) {
    const box = await page.getByTestId(id).boundingBox();
    expect(box, `${screen}: ${id} rendered`).not.toBeNull();
    if (!box) continue;
    expect(box.y, `${screen}: ${id} top in view at ${vp.width}×${vp.height}`).toBeGreaterThanOrEqual(0);
    expect(box.y + box.height, `${screen}: ${id} bottom in view at ${vp.width}×${vp.height}`).toBeLessThanOrEqual(vp.height);
    expect(box.x + box.width, `${screen}: ${id} right edge in view at ${vp.width}×${vp.height}`).toBeLessThanOrEqual(vp.width);
    // Not covered by anything (a sticky bar, a banner): the element itself is what a tap at its centre hits.
    const hit = await page.evaluate(
      ({ id: tid, x, y }) => {
        const el = document.querySelector(`[data-testid="${tid}"]`);
        const top = document.elementFromPoint(x, y);
        return el !== null && top !== null && (el === top || el.contains(top));
      },
      { id, x: box.x + box.width / 2, y: box.y + box.height / 2 },
    );
    expect(hit, `${screen}: ${id} not covered`).toBe(true);
  }
}

/** Height of the banners and the header together (what the counter gives up at the top of every screen). */
async function bannersHeight(page: Page): Promise<number> {
  return page.evaluate(() => {
    const parts = ['[data-testid="demo-banner"]', '[data-testid="journal-alarm"]', '[data-testid="secret-warning"]', '.app-header'];
    const boxes = parts
      .flatMap((sel) => [...document.querySelectorAll(sel)])
      .map((el) => el.getBoundingClientRect())
      .filter((r) => r.height > 0);
    // The union's vertical extent: a warning inside the header row costs no height of its own.
    const top = Math.min(...boxes.map((r) => r.top));
    const bottom = Math.max(...boxes.map((r) => r.bottom));
    return Math.round(bottom - top);
  });
}

async function expectCompactBanners(page: Page, screen: string): Promise<void> {
  await page.evaluate(() => window.scrollTo(0, 0));
  const h = await bannersHeight(page);
  expect(h, `${screen}: banners + header height`).toBeLessThan(BANNERS_MAX_PX);
}

/** Every visible button, link, input, select and tab is at least 44×44 px. */
async function expectTouchTargets(page: Page, screen: string): Promise<void> {
  const small = await page.evaluate((min) => {
    const out: string[] = [];
    const sel = 'button, a[href], input:not([type="hidden"]), select, textarea, summary, [role="button"], [role="tab"], [role="link"]';
    for (const el of document.querySelectorAll<HTMLElement>(sel)) {
      const r = el.getBoundingClientRect();
      const style = getComputedStyle(el);
      // Not shown: display none / hidden, or parked off screen (the skip link until it is focused).
      if (r.width === 0 || r.height === 0 || style.visibility === 'hidden' || r.right <= 0 || el.closest('.visually-hidden')) continue;
      if (r.width < min - 0.5 || r.height < min - 0.5) {
        const name = el.dataset['testid'] ?? el.id ?? '';
        out.push(
          `${el.tagName.toLowerCase()}${name ? `[${name}]` : ''} "${(el.textContent ?? '').trim().slice(0, 30)}" ${Math.round(r.width)}×${Math.round(r.height)}`,
        );
      }
    }
    return out;
  }, TARGET_MIN_PX);
  expect(small, `${screen}: controls smaller than ${TARGET_MIN_PX}×${TARGET_MIN_PX}`).toEqual([]);
}

async function checkScreen(page: Page, screen: string, mainIds: readonly string[], axe: boolean): Promise<void> {
  await expectCompactBanners(page, screen);
  await expectInView(page, screen, mainIds);
  await expectTouchTargets(page, screen);
  if (axe) await expectAccessible(page, `${screen} at 1024×768`);
}

/** Scrolled anywhere, the DEMO banner never covers the header: both wholly in view, one under the other. */
async function expectBannerClearOfHeader(page: Page, screen: string): Promise<void> {
  const maxScroll = await page.evaluate(() => document.documentElement.scrollHeight - window.innerHeight);
  expect(maxScroll, `${screen} is taller than the window (the check needs a scroll)`).toBeGreaterThan(0);
  for (const y of [0, 20, 60, 150, maxScroll]) {
    await page.evaluate((to) => window.scrollTo(0, to), y);
    const demo = await page.getByTestId('demo-banner').boundingBox();
    const header = await page.locator('.app-header').boundingBox();
    expect(demo && header, `${screen}: banner and header rendered`).toBeTruthy();
    if (!demo || !header) continue;
    expect(demo.y, `${screen} scrolled ${y}: DEMO banner in view`).toBeGreaterThanOrEqual(0);
    expect(header.y, `${screen} scrolled ${y}: header not under the DEMO banner`).toBeGreaterThanOrEqual(demo.y + demo.height - 0.5);
  }
  await page.evaluate(() => window.scrollTo(0, 0));
}

for (const size of SIZES) {
  test(`cashier screens hold at ${size.width}×${size.height}`, async ({ page, host }, testInfo) => {
    test.setTimeout(150_000);
    const axe = size.width === 1024;
    await page.setViewportSize(size);
    await openAs(page, host, 'alice', '1470');
    await expect(page.getByTestId('terminal-status')).toHaveAttribute('data-state', 'authenticated');
    // The technician-level security warning is not the cashier's (issue #17): nothing of it at the counter.
    await expect(page.getByTestId('secret-warning')).toHaveCount(0);

    // Scan / find a payment: the scan field and Look up.
    await expect(page.getByTestId('recent-payments')).toBeVisible();
    await checkScreen(page, 'scan', ['scan-input', 'scan-submit'], axe);
    await page.getByTestId('open-payment-search').click();
    await expect(page.getByTestId('payment-search')).toBeVisible();
    await checkScreen(page, 'scan with search open', ['scan-input', 'scan-submit'], axe);

    // Review: the confirm button, however long the screen.
    await lookUp(page, 'DEMO-SGD-ALIPAY-0001');
    await expect(page.getByTestId('reason-picker')).toBeVisible();
    await checkScreen(page, 'review', ['confirm-refund'], axe);
    await expectBannerClearOfHeader(page, 'review');

    // Amount: the field and Continue (with the number pad turned on, the tallest it gets).
    await page.getByTestId('refund-partial').click();
    await expect(page.getByTestId('screen-amount')).toBeVisible();
    await checkScreen(page, 'amount', ['amount-input', 'amount-continue'], false);
    await page.getByTestId('keypad-toggle').click();
    await expect(page.getByTestId('amount-pad')).toBeVisible();
    await checkScreen(page, 'amount with number pad', ['amount-input', 'amount-continue', 'amount-pad'], axe);
    await page.getByTestId('amount-input').fill('5.00');
    await page.getByTestId('amount-input').press('Enter');
    await expect(page.getByTestId('confirm-summary')).toContainText('5.00');
    await checkScreen(page, 'review (partial)', ['confirm-refund'], false);

    // Result.
    await page.getByTestId('confirm-refund').click();
    await expect(page.getByTestId('outcome-success')).toBeVisible();
    await checkScreen(page, 'result', ['done-button'], axe);
    await page.getByTestId('done-button').click();

    // Approval wait (the rest of the payment is above the cashier's limit): the PIN and Approve, with the pad shown.
    await lookUp(page, 'DEMO-SGD-ALIPAY-0001');
    await page.getByTestId('confirm-refund').click();
    await expect(page.getByTestId('approval-dialog')).toBeVisible();
    await expect(page.getByTestId('approval-pad')).toBeVisible();
    await checkScreen(page, 'approval wait', ['approval-pin', 'approve-button'], axe);
    await page.getByTestId('done-button').click();

    // Progress: the terminal stays silent on the reference, so the screen stays.
    await demoControl(host, 'terminal/faults', { faults: { vanish: 'silent', vanishOn: 'refund.reference' } });
    await lookUp(page, 'DEMO-JPY-ALIPAYHK-0002');
    await page.getByTestId('refund-partial').click();
    await page.getByTestId('amount-input').fill('100');
    await page.getByTestId('amount-input').press('Enter');
    await page.getByTestId('confirm-refund').click();
    await expect(page.getByTestId('screen-progress')).toBeVisible();
    await checkScreen(page, 'progress', ['progress-back'], axe);
    await finalShot(page, testInfo);
  });
}

test('with the journal alarm raised, the banners stay compact and the main actions in view', async ({ page }) => {
  const { host, child } = await startHost({ REFUND_TERMINAL_JOURNAL_MIN_FREE_MB: '1048576' });
  try {
    for (const size of SIZES) {
      await page.setViewportSize(size);
      await openAs(page, host, 'alice', '1470');
      await expect(page.getByTestId('journal-alarm')).toBeVisible();
      await expect(page.getByTestId('secret-warning')).toHaveCount(0);
      await checkScreen(page, `scan with alarm at ${size.width}`, ['scan-input', 'scan-submit'], size.width === 1024);
      await lookUp(page, 'DEMO-SGD-ALIPAY-0001');
      await checkScreen(page, `review with alarm at ${size.width}`, ['confirm-refund'], false);
      // The alarm's whole text is there: focus (Tab, or a tap) opens it in full.
      await page.getByTestId('journal-alarm').focus();
      await expect(page.getByTestId('journal-alarm-low-disk')).toBeInViewport({ ratio: 1 });
      await page.getByTestId('sign-out').click();
      await expect(page.getByTestId('screen-sign-in')).toBeVisible();
    }
  } finally {
    await stopHost(child, host.dataDir);
  }
});

test('manager and technician screens do not overflow sideways at 1024×768', async ({ page, host }) => {
  await page.setViewportSize({ width: 1024, height: 768 });
  await openAs(page, host, 'maria', '246813');
  const tabs = ['dashboard', 'policy', 'store', 'users', 'audit', 'pairing', 'diagnostics', 'antom', 'refund'];
  // In both languages: the one-row header must not push the page sideways either.
  for (const lang of ['zh', 'en']) {
    await page.getByTestId(`lang-${lang}`).click();
    for (const tab of tabs) {
      await page.getByTestId(`nav-${tab}`).click();
      await expect(page.getByTestId(`nav-${tab}`)).toHaveAttribute('aria-current', 'page');
      await page.waitForTimeout(300);
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
      expect(overflow, `${tab} (${lang}): horizontal overflow (px)`).toBeLessThanOrEqual(0);
    }
  }
  // The manager's own approval panel, at the counter.
  await lookUp(page, 'DEMO-SGD-ALIPAY-0001');
  await page.getByTestId('confirm-refund').click();
  await expect(page.getByTestId('approval-dialog')).toBeVisible();
  await expectInView(page, 'manager approval', ['approval-pin', 'approve-button']);
  await expectTouchTargets(page, 'manager approval');
  await expectBannerClearOfHeader(page, 'manager approval');
});

test.describe('touch screen', () => {
  test.use({ hasTouch: true, viewport: { width: 1024, height: 768 } });

  test('signs in and refunds part of a payment with the number pad', async ({ page, host }, testInfo) => {
    await page.goto(host.url);
    await expect(page.getByTestId('screen-sign-in')).toBeVisible();
    expect(await page.evaluate(() => matchMedia('(pointer: coarse)').matches), 'the emulated screen is a touch screen').toBe(true);
    // Shown without asking on a touch screen.
    const pad = page.getByTestId('signin-pad');
    await expect(pad).toBeVisible();
    await expectTouchTargets(page, 'sign-in (touch)');
    await page.getByTestId('signin-user').fill('alice');
    await page.getByTestId('signin-pin').tap();
    for (const k of ['1', '4', '9', 'backspace', '7']) await pad.getByTestId(`pad-key-${k}`).tap();
    // Focus stays in the field (no echo of the digit anywhere but the masked field).
    await expect(page.getByTestId('signin-pin')).toBeFocused();
    await expect(page.getByTestId('signin-pin')).toHaveAttribute('type', 'password');
    await expect(page.getByTestId('signin-pin')).toHaveValue('147');
    await pad.getByTestId('pad-key-clear').tap();
    await expect(page.getByTestId('signin-pin')).toHaveValue('');
    for (const k of ['1', '4', '7', '0']) await pad.getByTestId(`pad-key-${k}`).tap();
    await expect(page.getByTestId('signin-pin')).toHaveValue('1470');
    await expect(pad).not.toContainText('1470');
    await expect(pad.locator('[aria-live], [role="status"], [role="alert"]')).toHaveCount(0);
    await page.getByTestId('signin-submit').tap();
    await expect(page.getByTestId('signed-in-user')).toContainText('alice');

    await lookUp(page, 'DEMO-SGD-ALIPAY-0001');
    await page.getByTestId('refund-partial').tap();
    const amountPad = page.getByTestId('amount-pad');
    await expect(amountPad).toBeVisible();
    await expectInView(page, 'amount (touch)', ['amount-input', 'amount-continue', 'amount-pad']);
    await expectTouchTargets(page, 'amount (touch)');
    // The decimal key is the locale's mark; the text goes through the same parser as typed text.
    await expect(amountPad.getByTestId('pad-key-decimal')).toHaveText('.');
    for (const k of ['1', '2', 'decimal', '5', '9', 'backspace', '0']) await amountPad.getByTestId(`pad-key-${k}`).tap();
    await expect(page.getByTestId('amount-input')).toHaveValue('12.50');
    await page.getByTestId('amount-continue').tap();
    await expect(page.getByTestId('confirm-summary')).toContainText('SGD 12.50');
    await page.getByTestId('confirm-refund').tap();
    await expect(page.getByTestId('outcome-success')).toBeVisible();
    await expect(page.getByTestId('refund-amount')).toContainText('12.50');
    await finalShot(page, testInfo);
  });
});

test('the number pad works from the keyboard and its choice is kept on this PC', async ({ page, host }) => {
  await page.setViewportSize({ width: 1024, height: 768 });
  await page.goto(host.url);
  await expect(page.getByTestId('screen-sign-in')).toBeVisible();
  // A mouse PC: no pad until asked for.
  await expect(page.getByTestId('signin-pad')).toHaveCount(0);
  await page.getByTestId('keypad-toggle').click();
  await expect(page.getByTestId('keypad-toggle')).toHaveAttribute('aria-pressed', 'true');
  await page.reload();
  const pad = page.getByTestId('signin-pad');
  await expect(pad).toBeVisible();
  await expect(pad).toHaveAttribute('role', 'group');
  await expect(pad).toHaveAccessibleName(/PIN/);
  await expect(pad.getByTestId('pad-key-backspace')).toHaveAccessibleName(/Delete/);

  await page.getByTestId('signin-user').fill('alice');
  await page.getByTestId('signin-pin').focus();
  // One Tab stop for the whole pad, then arrows: 1 → 2 → (down) 5, Enter / Space on each.
  await page.keyboard.press('Tab');
  await expect(pad.getByTestId('pad-key-1')).toBeFocused();
  await page.keyboard.press('Enter');
  await page.keyboard.press('ArrowRight');
  await page.keyboard.press('Enter');
  await page.keyboard.press('ArrowDown');
  await expect(pad.getByTestId('pad-key-5')).toBeFocused();
  await page.keyboard.press('Space');
  await expect(page.getByTestId('signin-pin')).toHaveValue('125');
  await page.keyboard.press('Tab');
  await expect(pad.getByRole('button').first()).not.toBeFocused();
  await pad.getByTestId('pad-key-clear').click();
  await expect(page.getByTestId('signin-pin')).toHaveValue('');
  // The keyboard still types into the same field.
  await page.getByTestId('signin-pin').focus();
  await page.keyboard.type('1470');
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('signed-in-user')).toContainText('alice');
  await expectAccessible(page, 'scan after keypad sign-in');
});

/**
 * Issue #17, receipts: after a refund the outcome screen says whether the
 * payment device printed its slip; the receipt shows the store, register,
 * cashier, payment and refund, prints alone (print stylesheet) on an 80 mm
 * roll or on A4 through window.print(), and is reprinted from today's list.
 */
import { expect, test } from '../fixtures';
import { expectAccessible, finalShot, lookUp, openAs } from '../helpers/journey';

/** Width and height in points of the first page of a PDF (its MediaBox). */
function firstPageSize(pdf: Buffer): { w: number; h: number } {
  const m = /\/MediaBox\s*\[\s*0 0 ([\d.]+) ([\d.]+)\s*\]/.exec(pdf.toString('latin1'));
  if (!m) throw new Error('no MediaBox in the PDF');
  return { w: Number(m[1]), h: Number(m[2]) };
}
const MM = 72 / 25.4;

test('receipt: slip notice, receipt facts, print on 80 mm and A4, reprint from the list', async ({ page, host }, testInfo) => {
  test.setTimeout(120_000);
  // Count window.print() calls instead of opening a print dialog.
  await page.addInitScript(() => {
    const w = window as unknown as { __prints: string[] };
    w.__prints = [];
    window.print = () => {
      w.__prints.push(document.documentElement.dataset.paper ?? '');
    };
  });
  await openAs(page, host, 'alice', '1470');
  await lookUp(page, 'DEMO-JPY-ALIPAYHK-0002');
  await page.getByTestId('confirm-refund').click();
  await expect(page.getByTestId('outcome-success')).toBeVisible({ timeout: 30_000 });
  await expect(page.getByTestId('slip-notice')).toHaveAttribute('data-printed', 'true');

  await page.getByTestId('receipt-toggle').click();
  const receipt = page.getByTestId('receipt');
  await expect(receipt).toBeVisible();
  await expect(page.getByTestId('receipt-store')).toHaveText('Demo Store');
  await expect(page.getByTestId('receipt-register')).toContainText('Counter 1');
  await expect(page.getByTestId('receipt-cashier')).toHaveText('alice');
  await expect(page.getByTestId('receipt-payment-id')).toHaveText('DEMO-JPY-ALIPAYHK-0002');
  await expect(page.getByTestId('receipt-amount')).toContainText('4,800');
  await expect(page.getByTestId('receipt-refund-id')).not.toBeEmpty();
  await expect(page.getByTestId('receipt-time')).toContainText('UTC');
  await expectAccessible(page, 'outcome with receipt');

  await page.getByTestId('print-80mm').click();
  await page.getByTestId('print-a4').click();
  expect(await page.evaluate(() => (window as unknown as { __prints: string[] }).__prints)).toEqual(['80mm', 'a4']);

  // The print stylesheet: only the receipt is printed.
  await page.emulateMedia({ media: 'print' });
  await expect(receipt).toBeVisible();
  await expect(page.getByTestId('done-button')).toBeHidden();
  await expect(page.getByTestId('print-80mm')).toBeHidden();
  await expect(page.getByTestId('signed-in-user')).toBeHidden();

  // The paper size comes from the named @page the chosen paper selects.
  await page.evaluate(() => (document.documentElement.dataset.paper = '80mm'));
  const roll = firstPageSize(await page.pdf({ preferCSSPageSize: true }));
  expect(Math.abs(roll.w - 80 * MM)).toBeLessThan(2);
  await page.evaluate(() => (document.documentElement.dataset.paper = 'a4'));
  const a4 = firstPageSize(await page.pdf({ preferCSSPageSize: true }));
  expect(Math.abs(a4.w - 210 * MM)).toBeLessThan(2);
  expect(Math.abs(a4.h - 297 * MM)).toBeLessThan(2);
  await page.emulateMedia({ media: null });

  // Reprint later from today's refunds.
  await page.getByTestId('done-button').click();
  await expect(page.getByTestId('screen-scan')).toBeVisible();
  await page.getByTestId('recent-refunds').getByTestId('refund-row').first().getByRole('button').click();
  await expect(page.getByTestId('outcome-success')).toBeVisible();
  await page.getByTestId('print-80mm').click();
  await expect(page.getByTestId('receipt')).toBeAttached();
  expect(await page.evaluate(() => (window as unknown as { __prints: string[] }).__prints)).toHaveLength(3);
  await finalShot(page, testInfo);
});

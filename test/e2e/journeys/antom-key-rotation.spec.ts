/**
 * #18: a technician sets up Antom on a real (non-demo) install from the
 * region list / typed address, adds Antom's next public key before a rotation,
 * and the screen shows which key verified the last answer — before and after
 * the (sandbox) Antom switches to the new key.
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { test as base } from '@playwright/test';
import { expect, signIn, startHost, stopHost, type RunningHost } from '../fixtures';
import { expectAccessible, finalShot } from '../helpers/journey';
import { generateDemoKeyPair, startAntomSandbox, type AntomSandbox } from '../../../main/sandbox';

const ROOT = path.resolve(__dirname, '..', '..', '..');
const CLIENT_ID = 'SHOP-E2E-ROTATION';

const test = base.extend<{ realHost: RunningHost; sandbox: AntomSandbox; merchant: { privateKeyPem: string; publicKeyPem: string } }>({
  merchant: async ({}, use) => use(generateDemoKeyPair()),
  sandbox: async ({ merchant }, use) => {
    const sandbox = await startAntomSandbox({ clientId: CLIENT_ID, merchantPublicKeyPem: merchant.publicKeyPem, seed: 'demo', gatewayKeyVersion: 1 });
    try {
      await use(sandbox);
    } finally {
      await sandbox.stop();
    }
  },
  realHost: async ({}, use) => {
    const { host, child } = await startHost({ REFUND_TERMINAL_DEMO: '0' });
    try {
      // A real install starts with no users: the technician is created from the CLI, as the README says.
      const r = spawnSync(
        process.execPath,
        [path.join(ROOT, 'bin', 'refund-terminal.cjs'), '--data-dir', host.dataDir, 'users', 'add', 'tom', '--role', 'technician'],
        {
          env: { ...process.env, REFUND_TERMINAL_PIN: '135792' },
          encoding: 'utf8',
        },
      );
      expect(r.status, r.stderr).toBe(0);
      await use(host);
    } finally {
      await stopHost(child, host.dataDir);
    }
  },
});

const pemFile = (name: string, text: string) => ({ name, mimeType: 'application/x-pem-file', buffer: Buffer.from(text) });

test('technician adds the next Antom key before a rotation and sees which key verified', async ({ page, realHost, sandbox, merchant }, testInfo) => {
  await page.goto(realHost.url);
  await signIn(page, 'tom', '135792');
  await page.getByTestId('nav-antom').click();
  await expect(page.getByTestId('screen-antom')).toBeVisible();
  await expect(page.getByTestId('antom-config')).toHaveAttribute('data-mode', 'unconfigured');

  // The documented regions are offered; a typed address is checked before it is saved.
  await expect(page.getByTestId('antom-region').locator('option')).toHaveCount(4);
  await page.getByTestId('antom-region').selectOption('custom');
  await page.getByTestId('antom-base-url').fill(`${sandbox.origin}/v2`);
  await page.getByTestId('antom-client-id').fill(CLIENT_ID);
  await page.getByTestId('antom-save').click();
  await expect(page.getByRole('alert').filter({ hasText: 'domain only' })).toBeVisible();

  await page.getByTestId('antom-base-url').fill(sandbox.origin);
  await page.getByTestId('antom-merchant-key').setInputFiles(pemFile('merchant.pem', merchant.privateKeyPem));
  await page.getByTestId('antom-public-key').setInputFiles(pemFile('antom-v1.pem', sandbox.gatewayPublicKeyPem));
  await page.getByTestId('antom-public-key-version').fill('1');
  await page.getByTestId('antom-save').click();
  await expect(page.getByTestId('antom-saved')).toBeVisible();
  await expect(page.getByTestId('antom-endpoint')).toHaveText(`${sandbox.origin}/ams/api/v2/payments/refund`);
  await expect(page.getByTestId('antom-single-key')).toBeVisible();

  await page.getByTestId('antom-test').click();
  await expect(page.getByTestId('antom-test-path')).toHaveText(`${sandbox.origin}/ams/api/v2/payments/inquiryPayment`);
  await expect(page.locator('[data-testid="antom-key"][data-key-version="1"]')).toHaveAttribute('data-verified', 'true');

  // Antom announces key version 2: the technician adds it before the switch.
  const next = generateDemoKeyPair();
  await page.getByTestId('antom-next-key-file').setInputFiles(pemFile('antom-v2.pem', next.publicKeyPem));
  await page.getByTestId('antom-next-key-version').fill('2');
  await page.getByTestId('antom-next-key-add').click();
  await expect(page.getByTestId('antom-key')).toHaveCount(2);
  await expect(page.getByTestId('antom-single-key')).toHaveCount(0);

  // Antom switches; answers now verify with version 2, shown on the screen.
  sandbox.rotateGatewayKey(next.privateKeyPem, 2);
  await page.getByTestId('antom-test').click();
  await expect(page.getByTestId('antom-test-result')).toContainText('version 2');
  await expect(page.locator('[data-testid="antom-key"][data-key-version="2"]')).toHaveAttribute('data-verified', 'true');
  await expect(page.locator('[data-testid="antom-key"][data-key-version="1"]')).toHaveAttribute('data-verified', 'false');
  await expectAccessible(page, 'antom key rotation');
  await finalShot(page, testInfo);
});

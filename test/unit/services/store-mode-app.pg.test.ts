/**
 * The app in store mode (startAppServices, the screens' operations through dispatch): the receipt, the
 * Antom-settings and pairing audits and the diagnostics bundle are the store's, never this data folder's
 * SQLite file (attack3 finding 19: each of them went to the local file, so every store refund's receipt was
 * "No such refund" and the counter's configuration changes were missing from the store-wide chain).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { OperationName, RequestOf } from '../../../preload/contract/api';
import { waitForAuthenticated } from '../../../main/cli/engine-session';
import { DEFAULT_POLICY } from '../../../main/ledger/policy';
import { createSilentLogger } from '../../../main/logging/logger';
import { DEMO_PAYMENTS } from '../../../main/sandbox';
import { generateDemoKeyPair } from '../../../main/sandbox/keys';
import { dispatch } from '../../../main/services/api-dispatch';
import { startAppServices, type AppServices } from '../../../main/services/app-services';
import { socatAvailable } from '../../../native-bridge/testing';
import { pgAvailable, pgSuite } from '../../helpers/pg-suite';

const dirs: string[] = [];

describe.skipIf(!pgAvailable || !socatAvailable())('the app in store mode: receipts, audits and diagnostics on the store ledger', () => {
  const suite = pgSuite('store_app');
  afterAll(() => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  it("prints the store refund's receipt, audits Antom keys and pairing in the store chain, and diagnoses the store", async () => {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'rt-store-app-'));
    dirs.push(dataDir);
    const url = suite.freshUrl();
    const app: AppServices = await startAppServices({
      dataDir,
      hostKind: 'browser',
      env: { REFUND_TERMINAL_DEMO: '1', REFUND_TERMINAL_STORE_URL: url, REFUND_TERMINAL_REGISTER: 'counter-1' },
      log: createSilentLogger(),
    });
    const call = <N extends OperationName>(name: N, req: RequestOf<N>) => dispatch(app.handlers, name, req, app.log, app.authorize);
    try {
      const { store, ledger, engine } = app.core;
      expect(store.engine).toBe('postgres');
      expect((await store.settings.setPolicy({ ...DEFAULT_POLICY, paymentOlderThanDays: null }, 'test')).ok).toBe(true);
      expect((await store.people.add({ name: 'alice', role: 'cashier', pin: '1470' }, 'test')).ok).toBe(true);
      expect((await store.people.add({ name: 'tom', role: 'technician', pin: '135792' }, 'test')).ok).toBe(true);
      expect(await waitForAuthenticated(app.core.link, 20_000)).toBe(true);

      const pid = DEMO_PAYMENTS.SGD_ALIPAY.paymentId;
      expect((await engine.lookupPayment(pid)).ok).toBe(true);
      const done = await engine.submit({
        intentId: 'store-app-1',
        paymentId: pid,
        mode: 'PARTIAL',
        amount: { value: 1_500, currency: 'SGD' },
        cashier: 'alice',
      });
      if (!done.ok) throw new Error(done.error.message);
      expect(done.value.state).toBe('SUCCEEDED');

      // The cashier's outcome screen: the receipt of the refund just made, from the store's row and payment.
      expect(await call('signIn', { userName: 'alice', pin: '1470' })).toMatchObject({ ok: true });
      const receipt = await call('getReceipt', { refundRequestId: done.value.refundRequestId });
      expect(receipt).toMatchObject({
        ok: true,
        value: {
          refund: { refundRequestId: done.value.refundRequestId, state: 'SUCCEEDED' },
          payment: { paymentMethod: expect.any(String) },
          register: 'counter-1',
        },
      });
      expect(await call('getReceipt', { refundRequestId: 'RR-NOT-THERE' })).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });

      // The technician: an Antom key added and the terminal unpaired are in the store's chain, with the register.
      expect(await call('signIn', { userName: 'tom', pin: '135792' })).toMatchObject({ ok: true });
      const localBefore = ledger.audit.head().seq;
      const added = await call('addAntomPublicKey', { keyVersion: 7, pem: generateDemoKeyPair().publicKeyPem });
      expect(added.ok).toBe(true);
      expect((await call('unpairTerminal', {})).ok).toBe(true);
      const entries = await store.audit.list({ kinds: ['config.change', 'terminal.pairing'] });
      // Newest first: the unpair's outcome, its request (written before the terminal was asked), the key added.
      expect(entries.map((e) => [e.kind, e.actor])).toEqual([
        ['terminal.pairing', 'tom'],
        ['terminal.pairing', 'tom'],
        ['config.change', 'tom'],
      ]);
      expect(entries.map((e) => (e.detail as { requested?: unknown }).requested)).toEqual([undefined, true, undefined]);
      expect(entries.map((e) => (e.detail as { register?: unknown }).register)).toEqual(['counter-1', 'counter-1', 'counter-1']);
      expect(ledger.audit.head().seq).toBe(localBefore); // nothing in this folder's file

      // The diagnostics bundle checks the store's chain (its head, the refund's entries included).
      const bundle = await call('getDiagnosticsBundle', {});
      if (!bundle.ok) throw new Error(bundle.error.message);
      const json = JSON.parse(bundle.value.json) as { audit: { ok: boolean; head: { hash: string } }; terminalReferenceReplays: unknown[] };
      expect(json.audit.ok).toBe(true);
      expect(json.audit.head.hash).toBe((await store.audit.head()).hash);
      expect(json.terminalReferenceReplays).toEqual([]);
    } finally {
      await app.close();
    }
  }, 120_000);
});

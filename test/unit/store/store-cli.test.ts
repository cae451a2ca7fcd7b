/**
 * The CLI commands end to end (in-process, their real argument parsing,
 * configuration and output): `sim antom --notify-url` pushes to
 * `store serve`, which verifies with the configured Antom key and finishes a
 * refund journaled in the data folder's SQLite journal; nothing else asks.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { AntomClientConfig, createAntomGateway } from '../../../main/antom';
import { runSimAntom } from '../../../main/cli/commands/sim-antom';
import { runStoreServe } from '../../../main/cli/commands/store';
import type { CliContext } from '../../../main/cli/command';
import { openLedger } from '../../../main/ledger';
import { sqliteJournal } from '../../../main/ledger/sqlite-journal';
import { DEMO_PAYMENTS, ensureDemoCredentials } from '../../../main/sandbox';
import { openDataLedger } from '../../../main/services/data-ledger';
import { journalRefund, postSigned } from './notify-helpers';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function ctxFor(dataDir: string, env: NodeJS.ProcessEnv): { ctx: CliContext; out: () => string } {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let text = '';
  stdout.on('data', (d: Buffer) => (text += d.toString()));
  stderr.on('data', (d: Buffer) => (text += d.toString()));
  return { ctx: { dataDir, env, stdout, stderr, stdin: new PassThrough() }, out: () => text };
}

async function waitFor<T>(what: string, probe: () => T | null, ms = 15_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = probe();
    if (v !== null) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe('store serve + sim antom --notify-url (CLI)', () => {
  it('an asynchronous refund is finished by the push; a forged one is refused; both print their URLs', async () => {
    const counterDir = mkdtempSync(path.join(os.tmpdir(), 'rt-store-cli-'));
    const sandboxDir = mkdtempSync(path.join(os.tmpdir(), 'rt-store-sim-'));
    dirs.push(counterDir, sandboxDir);
    const creds = ensureDemoCredentials(sandboxDir);
    const paymentId = DEMO_PAYMENTS.SGD_ASYNC_BANKTRANSFER.paymentId;
    const refundRequestId = `RR-CLI-${process.pid}`;
    {
      const { ledger } = await openDataLedger(counterDir);
      await journalRefund(sqliteJournal(ledger), refundRequestId, paymentId, 'PENDING_IN_PROCESS');
      ledger.close();
    }
    const antomEnv = {
      ANTOM_BASE_URL: 'http://127.0.0.1:9',
      ANTOM_CLIENT_ID: creds.clientId,
      ANTOM_PRIVATE_KEY_FILE: creds.merchantPrivateKeyFile,
      ANTOM_PUBLIC_KEY_FILE: creds.gatewayPublicKeyFile,
      ANTOM_PUBLIC_KEY_VERSION: '1',
      REFUND_TERMINAL_DEMO: '0',
    };
    let stopServe!: () => void;
    const serve = ctxFor(counterDir, antomEnv);
    const served = runStoreServe(['--port', '0'], serve.ctx, new Promise<void>((r) => (stopServe = r)));
    const notifyUrl = await waitFor('NOTIFY-URL', () => /NOTIFY-URL: (\S+)/.exec(serve.out())?.[1] ?? null);
    expect(serve.out()).toMatch(/for the embedded SQLite journal/);

    let stopSim!: () => void;
    const sim = ctxFor(sandboxDir, {});
    const simmed = runSimAntom(['--port', '0', '--async-settle-ms', '200', '--notify-url', notifyUrl], sim.ctx, new Promise<void>((r) => (stopSim = r)));
    const origin = await waitFor('sandbox URL', () => /Base URL:\s+(\S+)/.exec(sim.out())?.[1] ?? null);
    expect(sim.out()).toContain(`notifyRefund for asynchronous refunds goes to: ${notifyUrl}`);

    // A forged push (signed with the merchant's key, not Antom's) is refused with 401.
    const forged = await postSigned(
      notifyUrl,
      { notifyType: 'REFUND_RESULT', refundRequestId, paymentId, refundStatus: 'SUCCESS', result: { resultStatus: 'S', resultCode: 'SUCCESS' } },
      { signWith: creds.merchant.privateKeyPem, clientId: creds.clientId },
    );
    expect(forged.status).toBe(401);

    const gateway = createAntomGateway(
      AntomClientConfig.parse({
        baseUrl: origin,
        clientId: creds.clientId,
        merchantPrivateKeyPem: creds.merchant.privateKeyPem,
        antomPublicKeyPem: creds.gateway.publicKeyPem,
      }),
    );
    const answer = await gateway.refund({
      refundRequestId,
      paymentId,
      originalMerchantRefundId: `REF-${refundRequestId}`,
      refundAmount: { value: 1_000, currency: 'SGD' },
    });
    expect(answer.pendingKind).toBe('IN_PROCESS');

    const reader = openLedger(path.join(counterDir, 'ledger.sqlite'));
    try {
      await waitFor('the push to finish the refund', () => (reader.refunds.get(refundRequestId)?.state === 'SUCCEEDED' ? true : null));
      expect(reader.refunds.transitions(refundRequestId).at(-1)).toMatchObject({ actor: 'antom:notify', to_state: 'SUCCEEDED' });
    } finally {
      reader.close();
    }
    stopSim();
    stopServe();
    expect(await simmed).toBe(0);
    expect(await served).toBe(0);
  }, 30_000);

  it('store serve refuses to start without Antom keys to verify with, and on a bad port', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'rt-store-cli-'));
    dirs.push(dir);
    const noKeys = ctxFor(dir, { REFUND_TERMINAL_DEMO: '0' });
    expect(await runStoreServe(['--port', '0'], noKeys.ctx, Promise.resolve())).toBe(1);
    expect(noKeys.out()).toMatch(/Notifications cannot be verified/);
    const badPort = ctxFor(dir, {});
    expect(await runStoreServe(['--port', 'x'], badPort.ctx, Promise.resolve())).toBe(1);
    expect(badPort.out()).toMatch(/--port must be/);
  }, 30_000);
});

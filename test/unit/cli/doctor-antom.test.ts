/**
 * `doctor` on the Antom side (#18): warns when only one Antom public key is
 * configured (sharper close to an announced rotation), and `--online` makes a
 * harmless signed inquiry, names the exact path it called, and tells a lookup
 * Antom refuses for its parameters apart from an unreachable Antom.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { antomKeyCheck, doctorCommand, type DoctorCheck } from '../../../main/cli/commands/doctor';
import type { AntomSandbox } from '../../../main/sandbox';
import { generateDemoKeyPair } from '../../../main/sandbox';
import { startTestSandbox, testKeys, CLIENT_ID } from '../antom/helpers';

const sandboxes: AntomSandbox[] = [];
afterEach(async () => {
  while (sandboxes.length) await sandboxes.pop()?.stop();
});

async function doctor(env: NodeJS.ProcessEnv): Promise<DoctorCheck[]> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'rt-doctor-antom-'));
  const stdout = new PassThrough();
  let out = '';
  stdout.on('data', (d: Buffer) => (out += d.toString()));
  await doctorCommand.run(['--json', '--online', '--port', path.join(dataDir, 'no-such-tty')], {
    dataDir,
    env: { REFUND_TERMINAL_DEMO: '0', ...env },
    stdout,
    stderr: new PassThrough(),
    stdin: new PassThrough(),
  });
  return (JSON.parse(out) as { checks: DoctorCheck[] }).checks;
}

function envFor(sandbox: AntomSandbox, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'rt-doctor-keys-'));
  const pub = path.join(dir, 'antom.pem');
  writeFileSync(pub, testKeys().gateway.publicKeyPem);
  return {
    ANTOM_BASE_URL: sandbox.origin,
    ANTOM_CLIENT_ID: CLIENT_ID,
    ANTOM_PRIVATE_KEY_FILE: testKeys().merchantPrivateFile,
    ANTOM_PUBLIC_KEY_FILE: pub,
    ANTOM_PUBLIC_KEY_VERSION: '1',
    ...extra,
  };
}

describe('doctor: Antom keys and the online check', () => {
  it('--online reports the exact path and key used, and warns about a single key', async () => {
    const sandbox = await startTestSandbox();
    sandboxes.push(sandbox);
    const checks = await doctor(envFor(sandbox));
    expect(checks.find((c) => c.id === 'antom-online')).toMatchObject({
      ok: true,
      summary: `Antom answered POST ${sandbox.origin}/ams/api/v2/payments/inquiryPayment with a valid signature (Antom key version 1).`,
    });
    expect(checks.find((c) => c.id === 'antom-lookup')).toMatchObject({ ok: true });
    expect(checks.find((c) => c.id === 'antom-keys')).toMatchObject({ ok: true, warning: true });
    expect(sandbox.requestLog().at(-1)).toMatchObject({ api: 'inquiryPayment', path: '/ams/api/v2/payments/inquiryPayment' });
  });

  it('--online says the lookup is misconfigured when Antom answers PARAM_ILLEGAL, and Antom itself is reachable', async () => {
    const sandbox = await startTestSandbox({ inquiryPaymentKey: 'paymentRequestId' });
    sandboxes.push(sandbox);
    const checks = await doctor(envFor(sandbox));
    expect(checks.find((c) => c.id === 'antom-online')).toMatchObject({ ok: true });
    const lookup = checks.find((c) => c.id === 'antom-lookup');
    expect(lookup).toMatchObject({ ok: false });
    expect(lookup?.summary).toMatch(/PARAM_ILLEGAL/);
    expect(lookup?.fix).toMatch(/ANTOM_INQUIRY_KEY/);
    // With the key Antom expects, the same check passes.
    const fixed = await doctor(envFor(sandbox, { ANTOM_INQUIRY_KEY: 'both' }));
    expect(fixed.find((c) => c.id === 'antom-lookup')).toMatchObject({ ok: true });
  });

  it('two keys cover a rotation; one key warns, and a far-away rotation date does not', async () => {
    const sandbox = await startTestSandbox();
    sandboxes.push(sandbox);
    const dir = mkdtempSync(path.join(os.tmpdir(), 'rt-doctor-next-'));
    const next = path.join(dir, 'next.pem');
    writeFileSync(next, generateDemoKeyPair().publicKeyPem);
    const checks = await doctor(envFor(sandbox, { ANTOM_PUBLIC_KEY_FILES: `2=${next}` }));
    expect(checks.find((c) => c.id === 'antom-keys')).toMatchObject({ ok: true });
    expect(checks.find((c) => c.id === 'antom-keys')?.warning).toBeUndefined();
    expect(checks.find((c) => c.id === 'antom-online')).toMatchObject({ ok: true });

    const now = new Date('2026-12-01T12:00:00Z');
    expect(antomKeyCheck([{ keyVersion: 1 }], '2027-06-01', now).warning).toBeUndefined();
    expect(antomKeyCheck([{ keyVersion: 1 }], '2026-12-20', now)).toMatchObject({ warning: true, summary: expect.stringMatching(/in 19 day/) });
    expect(antomKeyCheck([{ keyVersion: 1 }], '2026-11-20', now)).toMatchObject({ warning: true, summary: expect.stringMatching(/has passed/) });
    expect(antomKeyCheck([{ keyVersion: 1 }, { keyVersion: 2 }], '2026-12-20', now).warning).toBeUndefined();
  });
});

import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { loadAntomConfigFromEnv } from '../../../main/antom/config';
import { createAntomGateway } from '../../../main/antom/gateway';
import { runSimAntom } from '../../../main/cli/commands/sim-antom';
import { DEMO_PAYMENTS } from '../../../main/sandbox/seed';

function ctx(dataDir: string) {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let errText = '';
  stdout.on('data', (c: Buffer) => (out += c.toString()));
  stderr.on('data', (c: Buffer) => (errText += c.toString()));
  return { c: { dataDir, env: {}, stdout, stderr, stdin: new PassThrough() }, out: () => out, err: () => errText };
}

describe('sim antom command', () => {
  it('prints env lines that a gateway can use as-is, and stops cleanly', async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'sim-antom-'));
    const io = ctx(dataDir);
    let stop!: () => void;
    const until = new Promise<void>((r) => (stop = r));
    const running = runSimAntom(['--port', '0'], io.c, until);
    while (!io.out().includes('Press Ctrl+C')) await new Promise((r) => setTimeout(r, 10));
    const env = Object.fromEntries(
      io
        .out()
        .split('\n')
        .filter((l) => /^ANTOM_[A-Z_]+=/.test(l))
        .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
    );
    const cfg = loadAntomConfigFromEnv(env);
    expect(cfg.ok).toBe(true);
    if (cfg.ok) {
      const gw = createAntomGateway(cfg.value);
      const info = await gw.inquirePayment(DEMO_PAYMENTS.SGD_ALIPAY.paymentId);
      expect(info).toMatchObject({ ok: true, value: { amount: { value: 12_550, currency: 'SGD' } } });
    }
    stop();
    expect(await running).toBe(0);
  });

  it('rejects a bad port without starting', async () => {
    const io = ctx(mkdtempSync(path.join(tmpdir(), 'sim-antom-')));
    expect(await runSimAntom(['--port', 'abc'], io.c, Promise.resolve())).toBe(1);
    expect(io.err()).toMatch(/--port/);
  });
});

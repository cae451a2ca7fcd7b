import { describe, expect, it } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import type { CliContext } from '../../../main/cli/command';
import { runSimTerminal } from '../../../main/cli/commands/sim-terminal';
import { runPair } from '../../../main/cli/commands/pair';
import { runPing } from '../../../main/cli/commands/ping';
import { runUnpair } from '../../../main/cli/commands/unpair';
import { runDevices } from '../../../main/cli/commands/devices';
import { createSecretStorePairingStore } from '../../../main/terminal';
import { createMemorySecretStore } from '../../../main/secrets/secret-store';
import { socatAvailable } from '../../../native-bridge/transport/pty';

function ctxFor(dataDir: string, stdinText = '') {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (d: Buffer) => (out += d.toString()));
  stderr.on('data', (d: Buffer) => (err += d.toString()));
  const stdin = new PassThrough();
  if (stdinText) stdin.end(stdinText);
  const ctx: CliContext = { dataDir, env: {}, stdout, stderr, stdin };
  return { ctx, out: () => out, err: () => err };
}

async function until(pred: () => boolean, ms = 10_000): Promise<void> {
  const t0 = Date.now();
  while (!pred()) {
    if (Date.now() - t0 > ms) throw new Error('timeout');
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('secret-store pairing store', () => {
  it('round-trips the pairing as one JSON secret and treats garbage as unpaired', async () => {
    const secrets = createMemorySecretStore();
    const invalid: string[] = [];
    const store = createSecretStorePairingStore(secrets, { onInvalid: (r) => invalid.push(r) });
    expect(await store.load()).toBeNull();
    const p = { serial: 'AT-PX-1', model: 'PX1', pairingKey: 'AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8', pairedAt: '2026-01-01T00:00:00.000Z' };
    await store.save(p);
    expect(JSON.parse((await secrets.get('terminal.pairing')) ?? '')).toEqual(p);
    expect(await store.load()).toEqual(p);
    await secrets.set('terminal.pairing', '{"serial":1}');
    expect(await store.load()).toBeNull();
    expect(invalid).toHaveLength(1);
    await store.clear();
    expect(await secrets.has('terminal.pairing')).toBe(false);
  });
});

(socatAvailable() ? describe : describe.skip)('CLI: sim terminal, pair (stdin), ping, unpair over a pty', () => {
  it('works end to end', async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'cli-'));
    const sim = ctxFor(path.join(dataDir, 'sim'));
    let stopSim: () => void = () => undefined;
    const simDone = runSimTerminal(['--serial', 'AT-PX-CLI01'], sim.ctx, new Promise<void>((r) => (stopSim = r)));
    await until(() => /Point the host at:\s+(\S+)/.test(sim.out()) && /listening/.test(sim.out()));
    const hostPath = /Point the host at:\s+(\S+)/.exec(sim.out())![1]!;

    // pair, typing the code on stdin once the terminal shows it
    const stdin = new PassThrough();
    const pairCtx = ctxFor(dataDir);
    const pairDone = runPair(['--port', hostPath], { ...pairCtx.ctx, stdin });
    await until(() => /PAIRING CODE: (\d{6})/.test(sim.out()));
    stdin.end(`${/PAIRING CODE: (\d{6})/.exec(sim.out())![1]}\n`);
    expect(await pairDone).toBe(0);
    expect(pairCtx.out()).toMatch(/Paired with AT-PX-CLI01 .*session authenticated/);

    const ping = ctxFor(dataDir);
    expect(await runPing(['--port', hostPath, '--count', '3', '--interval', '0'], ping.ctx)).toBe(0);
    expect(ping.out()).toMatch(/rtt min\/avg\/max = [\d.]+\/[\d.]+\/[\d.]+ ms/);
    expect(ping.out()).toMatch(/session authenticated/);

    const un = ctxFor(dataDir);
    expect(await runUnpair(['--port', hostPath], un.ctx)).toBe(0);
    expect(un.out()).toMatch(/forgot each other/);

    const bad = ctxFor(dataDir);
    expect(await runPair(['--port', hostPath, '--code', '12'], bad.ctx)).toBe(1);

    stopSim();
    expect(await simDone).toBe(0);
  });

  it('devices --json prints candidates and never throws', async () => {
    const c = ctxFor('/tmp');
    expect(await runDevices(['--json'], c.ctx)).toBe(0);
    expect(JSON.parse(c.out())).toHaveProperty('candidates');
  });
});

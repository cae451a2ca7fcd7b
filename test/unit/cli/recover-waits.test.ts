/**
 * Issue #12 item 3: `recover` used to run before the terminal link had
 * authenticated, so every APPROVED / REFERENCE_REQUESTED refund was reported
 * "waiting for the terminal" (exit 3) every time, while `ping` worked. It now
 * waits (bounded) for the link, then drives them to the end.
 */
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import type { CliContext } from '../../../main/cli/command';
import { makeRecoverCommand } from '../../../main/cli/commands/recover';
import { waitForAuthenticated } from '../../../main/cli/engine-session';
import { openLedger } from '../../../main/ledger/ledger';
import { RefundEngine } from '../../../main/refunds/refund-engine';
import { TerminalLink } from '../../../native-bridge/host/terminal-link';
import { createMemoryPairingStore } from '../../../native-bridge/session/pairing-store';
import { createMemoryTransportPair, type MemoryTransport } from '../../../native-bridge/transport/memory';
import { VirtualTerminal } from '../../../native-bridge/sim/virtual-terminal';
import { FakeAntom } from '../refunds/fakes';
import { newRefund, seedPayment, tempDir } from '../ledger/helpers';
import { HOST, pairIt, waitFor } from '../native-bridge/helpers';

const cleanups: (() => void | Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function cliContext(dir: string): { ctx: CliContext; out: () => string } {
  let out = '';
  const stdout = new PassThrough();
  stdout.on('data', (d: Buffer) => (out += d.toString()));
  return { ctx: { dataDir: dir, env: {}, stdout, stderr: new PassThrough(), stdin: new PassThrough() }, out: () => out };
}

/** A journal with one APPROVED and one REFERENCE_REQUESTED refund, as a crash leaves them. */
function journal(dir: string): void {
  const l = openLedger(path.join(dir, 'ledger.sqlite'));
  seedPayment(l, 'PAY1');
  seedPayment(l, 'PAY2');
  l.refunds.insert(newRefund({ refundRequestId: 'W1', intentId: 'w1', paymentId: 'PAY1' }), 'alice');
  l.refunds.insert(newRefund({ refundRequestId: 'W2', intentId: 'w2', paymentId: 'PAY2' }), 'alice');
  l.refunds.transition('W2', 'APPROVED', 'REFERENCE_REQUESTED', { actor: 'system' });
  l.close();
}

/** A paired terminal whose link is (re)connecting when recover starts, and comes up `upAfterMs` later (or never). */
async function slowTerminal(upAfterMs: number | null) {
  const terminal = new VirtualTerminal({ serial: 'AT-RECOVER-1' });
  const state = { plugged: true, host: null as MemoryTransport | null };
  const link = new TerminalLink({
    openTransport: async () => {
      if (!state.plugged) throw new Error('ENOENT: no such file');
      const [h, t] = createMemoryTransportPair();
      terminal.attach(t);
      state.host = h;
      return h;
    },
    pairingStore: createMemoryPairingStore(),
    host: HOST,
    heartbeatMs: 0,
    reconnectDelayMs: 50,
    maxReconnectDelayMs: 100,
  });
  cleanups.push(() => link.stop());
  link.start();
  await pairIt(link, terminal);
  state.plugged = false;
  state.host?.sever(new Error('unplugged'));
  await waitFor(link, (s) => s.state === 'disconnected');
  return {
    link,
    comeUp(): void {
      if (upAfterMs === null) return;
      const t = setTimeout(() => {
        state.plugged = true;
      }, upAfterMs);
      cleanups.push(() => clearTimeout(t));
    },
  };
}

function command(link: TerminalLink, antom: FakeAntom, terminalWaitMs?: number) {
  return makeRecoverCommand({
    ...(terminalWaitMs !== undefined ? { terminalWaitMs } : {}),
    openEngine: async (cx) => {
      const ledger = openLedger(path.join(cx.dataDir, 'ledger.sqlite'));
      return {
        engine: new RefundEngine({ ledger, terminal: link, antom }),
        close: () => ledger.close(),
        terminalReady: (ms) => waitForAuthenticated(link, ms),
        terminalState: () => link.status().state,
      };
    },
  });
}

describe('recover waits for the terminal', () => {
  it('drives APPROVED and REFERENCE_REQUESTED refunds to the end once the link authenticates (exit 0)', async () => {
    const t = tempDir();
    cleanups.push(t.cleanup);
    journal(t.dir);
    const term = await slowTerminal(400);
    const antom = new FakeAntom();
    const c = cliContext(t.dir);
    term.comeUp();
    expect(await command(term.link, antom).run(['--json'], c.ctx)).toBe(0);
    const s = JSON.parse(c.out()) as { final: number; stuck: number; terminal: { ready: boolean; waitedMs: number } };
    expect(s).toMatchObject({ final: 2, stuck: 0, terminal: { ready: true } });
    expect(antom.refundCalls.map((x) => x.refundRequestId).sort()).toEqual(['W1', 'W2']);
  });

  it('gives up after the bound and says why (exit 3, refunds still recoverable)', async () => {
    const t = tempDir();
    cleanups.push(t.cleanup);
    journal(t.dir);
    const term = await slowTerminal(null);
    const antom = new FakeAntom();
    const c = cliContext(t.dir);
    expect(await command(term.link, antom, 300).run([], c.ctx)).toBe(3);
    expect(c.out()).toMatch(/2 waiting for the terminal, .* The terminal was not ready after [\d.]+ s \((disconnected|connecting)\)/);
    expect(antom.refundCalls).toEqual([]);
    const l = openLedger(path.join(t.dir, 'ledger.sqlite'));
    cleanups.push(() => l.close());
    expect(l.refunds.get('W2')).toMatchObject({ state: 'REFERENCE_REQUESTED', next_action: 'RETRY_SAME_REQUEST' });
  });
});

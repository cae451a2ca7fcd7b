/**
 * Issue #12 item 8: reconnect resumes at once. The moment the paired terminal
 * is authenticated again, every refund waiting on it continues (event-driven);
 * before, nothing moved until its persisted backoff fired (22 s after a replug,
 * ~5 min after an app restart). While the terminal is known to be down a new
 * refund is refused before anything is journaled.
 *
 * Real TerminalLink + VirtualTerminal over in-memory transports; the ledger's
 * clock is a TestClock that never moves, so no backoff can come due: whatever
 * resumes here resumed because of the reconnect event.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { TerminalLink } from '../../../native-bridge/host/terminal-link';
import { createMemoryPairingStore } from '../../../native-bridge/session/pairing-store';
import { createMemoryTransportPair, type MemoryTransport } from '../../../native-bridge/transport/memory';
import { VirtualTerminal } from '../../../native-bridge/sim/virtual-terminal';
import { watchTerminalAvailability } from '../../../main/services/terminal-availability';
import type { RefundEngine } from '../../../main/refunds/refund-engine';
import { HOST, pairIt, waitFor } from '../native-bridge/helpers';
import { rig, type Rig } from './engine-helpers';
import { newRefund } from '../ledger/helpers';

const cleanups: (() => void | Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** A terminal on a cable that can be pulled: while unplugged, opening the port fails. */
function cable(terminal: VirtualTerminal) {
  const state = { plugged: true, host: null as MemoryTransport | null };
  const store = createMemoryPairingStore();
  const link = new TerminalLink({
    openTransport: async () => {
      if (!state.plugged) throw Object.assign(new Error('ENOENT: no such file'), { code: 'ENOENT' });
      const [h, t] = createMemoryTransportPair();
      terminal.attach(t);
      state.host = h;
      return h;
    },
    pairingStore: store,
    host: HOST,
    heartbeatMs: 0,
    reconnectDelayMs: 20,
    maxReconnectDelayMs: 200,
  });
  return {
    link,
    unplug(): void {
      state.plugged = false;
      state.host?.sever(new Error('device unplugged'));
    },
    /** The USB attach event the app gets from hotplug (link.reconnectNow). */
    replug(): void {
      state.plugged = true;
      link.reconnectNow();
    },
  };
}

async function setup(): Promise<{ r: Rig; c: ReturnType<typeof cable>; terminal: VirtualTerminal }> {
  const terminal = new VirtualTerminal({ serial: 'AT-RECONNECT-1' });
  const c = cable(terminal);
  let engine: RefundEngine | null = null;
  const availability = watchTerminalAvailability(c.link, () => void engine?.resumeWaitingOnTerminal());
  const r = rig({ terminal: c.link, terminalDownReason: availability.downReason });
  engine = r.engine;
  cleanups.push(
    r.cleanup,
    () => c.link.stop(),
    () => availability.stop(),
  );
  c.link.start();
  await pairIt(c.link, terminal);
  return { r, c, terminal };
}

function untilState(r: Rig, id: string, state: string, timeoutMs = 10_000): Promise<number> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const check = (): void => {
      if (r.ledger.refunds.get(id)?.state === state) {
        r.engine.off('updated', check);
        clearTimeout(t);
        resolve(performance.now() - started);
      }
    };
    const t = setTimeout(() => {
      r.engine.off('updated', check);
      reject(new Error(`refund ${id} is ${r.ledger.refunds.get(id)?.state}, not ${state}`));
    }, timeoutMs);
    r.engine.on('updated', check);
    check();
  });
}

describe('terminal reconnect', () => {
  it('a refund under way when the cable is pulled continues the moment the terminal is back; meanwhile new refunds are refused', async () => {
    const { r, c, terminal } = await setup();
    r.antom.addPayment('PAY2', { amount: { value: 5_000, currency: 'SGD' } });
    // The cable is pulled just as the terminal is asked for the reference.
    terminal.setFaults({ vanish: 'close', vanishOn: 'refund.reference' });
    const pull = new Promise<void>((resolve) => {
      const onStatus = (s: { state: string }) => {
        if (s.state === 'down') {
          c.unplug();
          c.link.off('status', onStatus);
          resolve();
        }
      };
      c.link.on('status', onStatus);
    });
    const first = await r.engine.submit({ intentId: 'k-1', paymentId: 'PAY1', mode: 'FULL', cashier: 'alice' });
    await pull;
    expect(first.ok && first.value).toMatchObject({ state: 'REFERENCE_REQUESTED', nextAction: 'RETRY_SAME_REQUEST' });
    const id = first.ok ? first.value.refundRequestId : '';
    await waitFor(c.link, (s) => s.state === 'disconnected');

    // Known down: the confirm step starts nothing (nothing journaled, nothing sent).
    const before = r.ledger.refunds.list().length;
    const refused = await r.engine.submit({ intentId: 'k-2', paymentId: 'PAY2', mode: 'FULL', cashier: 'alice' });
    expect(refused.ok ? null : refused.error.code).toBe('TERMINAL_DOWN');
    expect(r.ledger.refunds.list()).toHaveLength(before);
    expect(r.ledger.refunds.getByIntent('k-2')).toBeNull();

    // Replug: resumed by the event, not by a timer (the engine's clock never moves here).
    const replugAt = performance.now();
    c.replug();
    const resolvedMs = await untilState(r, id, 'SUCCEEDED').then(() => performance.now() - replugAt);
    console.info(`replug -> refund SUCCEEDED: ${resolvedMs.toFixed(0)} ms`);
    expect(r.antom.refundCalls.map((x) => x.refundRequestId)).toEqual([id]);
    // the same refund request, asked again with the same id
    expect(r.ledger.refunds.get(id)?.original_merchant_refund_id).not.toBeNull();

    // Up again: a new refund goes through.
    const again = await r.engine.submit({ intentId: 'k-2', paymentId: 'PAY2', mode: 'FULL', cashier: 'alice' });
    expect(again.ok && again.value.state).toBe('SUCCEEDED');
  });

  it('after an app restart, a refund deep in its backoff continues as soon as the terminal authenticates', async () => {
    const terminal = new VirtualTerminal({ serial: 'AT-RECONNECT-2' });
    const c = cable(terminal);
    c.unplug();
    let engine: RefundEngine | null = null;
    const availability = watchTerminalAvailability(c.link, () => void engine?.resumeWaitingOnTerminal());
    const r = rig({ terminal: c.link, terminalDownReason: availability.downReason });
    engine = r.engine;
    cleanups.push(
      r.cleanup,
      () => c.link.stop(),
      () => availability.stop(),
    );
    await r.engine.lookupPayment('PAY1');
    r.ledger.refunds.insert(newRefund({ refundRequestId: 'RB1', intentId: 'i-b1', paymentId: 'PAY1' }), 'alice');
    r.ledger.refunds.transition('RB1', 'APPROVED', 'REFERENCE_REQUESTED', { actor: 'system' });
    // eight failed asks: next check five minutes away
    r.ledger.refunds.update('RB1', 'REFERENCE_REQUESTED', {
      attempts: 8,
      resultCode: 'TERMINAL_NOT_CONNECTED',
      nextCheckAt: new Date(r.clock.now().getTime() + 5 * 60_000).toISOString(),
    });
    c.link.start();
    await waitFor(c.link, (s) => s.state === 'disconnected');
    expect(availability.downReason()).toMatch(/^disconnected/);
    c.replug();
    await pairIt(c.link, terminal); // first pairing also authenticates
    await untilState(r, 'RB1', 'SUCCEEDED');
    expect(r.antom.refundCalls.map((x) => x.refundRequestId)).toEqual(['RB1']);
  });

  it('retry-as-new is refused too while the terminal is known down (nothing journaled)', async () => {
    let down: string | null = null;
    const r = rig({ terminalDownReason: () => down });
    cleanups.push(r.cleanup);
    r.antom.refundScript = [
      { status: 'FAILED', resultCode: 'REFUND_FAILED', resultMessage: 'no', cashierMessage: 'no', nextAction: 'NEW_REQUEST_ID', retrySameRequestId: false },
    ];
    const s = await r.engine.submit({ intentId: 'rt-1', paymentId: 'PAY1', mode: 'FULL', cashier: 'alice' });
    expect(s.ok && s.value.state).toBe('FAILED');
    down = 'disconnected: port missing';
    const x = await r.engine.retryAsNew({ refundRequestId: s.ok ? s.value.refundRequestId : '', actor: 'alice' });
    expect(x.ok ? null : x.error).toMatchObject({ code: 'TERMINAL_DOWN' });
    expect(r.ledger.refunds.list()).toHaveLength(1);
    down = null;
    const y = await r.engine.retryAsNew({ refundRequestId: s.ok ? s.value.refundRequestId : '', actor: 'alice' });
    expect(y.ok && y.value.state).toBe('SUCCEEDED');
  });

  it('nothing is refused before the link has settled once (start-up), nor while it reconnects after being up', () => {
    const listeners: ((s: { state: 'disconnected' | 'connecting' | 'unpaired' | 'authenticated' | 'down'; reason?: string }) => void)[] = [];
    let back = 0;
    const a = watchTerminalAvailability({ on: (_e, l) => listeners.push(l), off: () => undefined }, () => (back += 1));
    const emit = (state: 'disconnected' | 'connecting' | 'unpaired' | 'authenticated' | 'down', reason?: string) =>
      listeners.forEach((l) => l({ state, ...(reason ? { reason } : {}) }));
    expect(a.downReason()).toBeNull();
    emit('connecting');
    expect(a.downReason()).toBeNull();
    emit('authenticated');
    expect(back).toBe(1);
    emit('down', 'port closed');
    expect(a.downReason()).toBe('down: port closed');
    emit('connecting');
    expect(a.downReason()).toBe('down: port closed');
    emit('authenticated');
    expect(a.downReason()).toBeNull();
    expect(back).toBe(2);
  });
});

/**
 * Message-level record/replay (native-bridge/testing): a session with a
 * terminal is captured once and played back as a fixture. The replayed host
 * gets the same answers; a host that asks something else is caught.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { TerminalLink } from '../../../native-bridge/host/terminal-link';
import { createMemoryPairingStore, type PairingStore } from '../../../native-bridge/session/pairing-store';
import { createMemoryTransportPair, recordMessages, ReplayTerminal, VirtualTerminal, type Capture } from '../../../native-bridge/testing';
import { HOST, pairIt, waitFor } from './helpers';

const stops: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const s of stops.splice(0)) await s();
});

function linkOver(open: () => ReturnType<typeof createMemoryTransportPair>[0], store: PairingStore): TerminalLink {
  const link = new TerminalLink({ openTransport: async () => open(), pairingStore: store, host: HOST, heartbeatMs: 0, reconnectDelayMs: 20 });
  stops.push(() => link.stop());
  return link;
}

/** Pairs with a virtual terminal, then records one authenticated session doing info + two references. */
async function recordSession(): Promise<{ capture: Capture; store: PairingStore; answers: unknown[] }> {
  const terminal = new VirtualTerminal({ serial: 'AT-PX-REC1' });
  const store = createMemoryPairingStore();
  // Pairing happens over a first, unrecorded link (a capture holds a session, not the pairing).
  const pairing = linkOver(() => {
    const [h, t] = createMemoryTransportPair();
    terminal.attach(t);
    return h;
  }, store);
  pairing.start();
  await pairIt(pairing, terminal);
  await pairing.stop();

  let recorder: ReturnType<typeof recordMessages> | null = null;
  const link = linkOver(() => {
    const [h, t] = createMemoryTransportPair();
    terminal.attach(t);
    recorder = recordMessages(h);
    return recorder.transport as typeof h;
  }, store);
  link.start();
  await waitFor(link, (s) => s.state === 'authenticated');
  const answers = [
    await link.info(),
    await link.requestRefundReference({ paymentId: 'PAY-1', refundRequestId: 'RR-1' }),
    await link.requestRefundReference({ paymentId: 'PAY-2', refundRequestId: 'RR-2', refundAmount: { value: 150, currency: 'SGD' } }),
  ];
  await link.stop();
  const key = (await store.load())?.pairingKey;
  if (recorder === null || key === undefined) throw new Error('nothing recorded');
  return { capture: (recorder as ReturnType<typeof recordMessages>).capture(key), store, answers };
}

function replayLink(replay: ReplayTerminal, store: PairingStore): TerminalLink {
  return linkOver(() => {
    const [h, t] = createMemoryTransportPair();
    replay.attach(t);
    stops.push(async () => replay.dispose());
    return h;
  }, store);
}

describe('message-level record/replay', () => {
  it('records the conversation (no ACKs, no keep-alives) and replays it to a fresh host with the same answers', async () => {
    const { capture, store, answers } = await recordSession();
    expect(capture.messages.map((m) => `${m.from}:${String(m.msg['t'])}`)).toEqual([
      'host:hello',
      'terminal:hello.ok',
      'host:auth',
      'terminal:auth.ok',
      'host:info',
      'terminal:info.ok',
      'host:refund.reference',
      'terminal:refund.reference.ok',
      'host:refund.reference',
      'terminal:refund.reference.ok',
    ]);

    // Through a file, as a fixture would be.
    const replay = ReplayTerminal.fromJson(JSON.stringify(capture));
    const link = replayLink(replay, store);
    link.start();
    await waitFor(link, (s) => s.state === 'authenticated');
    const replayed = [
      await link.info(),
      await link.requestRefundReference({ paymentId: 'PAY-1', refundRequestId: 'RR-1' }),
      await link.requestRefundReference({ paymentId: 'PAY-2', refundRequestId: 'RR-2', refundAmount: { value: 150, currency: 'SGD' } }),
    ];
    expect(replayed).toEqual(answers);
    expect(replay.errors).toEqual([]);
    expect(replay.done).toBe(true);
  });

  it('a host that asks something other than the capture is caught, with both messages in the error', async () => {
    const { capture, store } = await recordSession();
    const replay = new ReplayTerminal(capture);
    const link = replayLink(replay, store);
    link.start();
    await waitFor(link, (s) => s.state === 'authenticated');
    await link.info();
    // Another amount than recorded: a behaviour change the fixture must flag.
    const r = await link.requestRefundReference({ paymentId: 'PAY-1', refundRequestId: 'RR-1', refundAmount: { value: 1, currency: 'SGD' } });
    expect(r.ok).toBe(false);
    expect(replay.errors).toHaveLength(1);
    expect(replay.errors[0]?.message).toContain('"refundAmount"');
    expect(replay.done).toBe(false);
  });

  it('a replay with the wrong pairing key cannot authenticate (proofs are checked, not echoed)', async () => {
    const { capture, store } = await recordSession();
    const replay = new ReplayTerminal({ ...capture, pairingKey: 'A'.repeat(43) });
    const link = replayLink(replay, store);
    link.start();
    // The host checks the terminal's proof first: made with another key, it is refused as a swapped terminal.
    const s = await waitFor(link, (st) => st.state === 'down' || st.state === 'authenticated');
    expect(s.state).toBe('down');
    expect(s.reason).toContain('TERMINAL_SWAPPED');
  });

  it('refuses a capture that is not one (schema, size cap)', () => {
    expect(() => ReplayTerminal.fromJson('{"format":"other","messages":[]}')).toThrow();
    expect(
      () =>
        new ReplayTerminal({
          format: 'tlp1-capture/1',
          messages: Array.from({ length: 10_001 }, () => ({ from: 'host' as const, msg: { t: 'ping', id: 'h1' } })),
        }),
    ).toThrow();
  });
});

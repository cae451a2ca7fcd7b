import { TerminalLink, TerminalLinkOptions } from '../../../native-bridge/host/terminal-link';
import type { LinkStatus } from '../../../native-bridge/host/status';
import { createMemoryPairingStore, PairingStore } from '../../../native-bridge/session/pairing-store';
import { createMemoryTransportPair, MemoryTransport } from '../../../native-bridge/transport/memory';
import { VirtualTerminal } from '../../../native-bridge/sim/virtual-terminal';

export const HOST = { app: 'refund-terminal-test', version: '0.0.0', hostId: 'host-1', hostName: 'Test register' };

export function waitFor(link: TerminalLink, pred: (s: LinkStatus) => boolean, timeoutMs = 10_000): Promise<LinkStatus> {
  return new Promise((resolve, reject) => {
    if (pred(link.status())) return resolve(link.status());
    const t = setTimeout(() => {
      link.off('status', l);
      reject(new Error(`timed out waiting; last status ${JSON.stringify(link.status())}`));
    }, timeoutMs);
    const l = (s: LinkStatus): void => {
      if (pred(s)) {
        clearTimeout(t);
        link.off('status', l);
        resolve(s);
      }
    };
    link.on('status', l);
  });
}

/** TerminalLink talking to `terminal` over fresh in-memory pairs (one per (re)connect). */
export function memoryRig(terminal: VirtualTerminal, extra: Partial<TerminalLinkOptions> & { store?: PairingStore } = {}) {
  const store = extra.store ?? createMemoryPairingStore();
  const ends: MemoryTransport[] = [];
  let current: VirtualTerminal = terminal;
  const link = new TerminalLink({
    openTransport: async () => {
      const [h, t] = createMemoryTransportPair();
      current.attach(t);
      ends.push(h);
      return h;
    },
    pairingStore: store,
    host: HOST,
    heartbeatMs: 0,
    reconnectDelayMs: 20,
    ...extra,
  });
  return {
    link,
    store,
    ends,
    swapTerminal(t: VirtualTerminal) {
      current = t;
    },
  };
}

export async function pairIt(link: TerminalLink, terminal: VirtualTerminal): Promise<void> {
  await waitFor(link, (s) => s.state === 'unpaired' || s.state === 'authenticated');
  const b = await link.pairBegin();
  if (!b.ok) throw new Error(b.error.message);
  const code = terminal.currentPairingCode();
  if (!code) throw new Error('no code');
  const c = await link.pairConfirm(code);
  if (!c.ok) throw new Error(c.error.message);
  await waitFor(link, (s) => s.state === 'authenticated');
}

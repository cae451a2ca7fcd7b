/** Shared by the terminal CLI commands: resolve the port, open the pairing store, build a TerminalLink. */
import os from 'node:os';
import { SerialPortTransport, TerminalLink, type LinkStatus, type PairingStore } from '../../native-bridge';
import { openSecretStore } from '../secrets/secret-store';
import { createSecretStorePairingStore } from './secret-pairing-store';

export const CLI_HOST_APP = 'refund-terminal-cli';

/** --port, else TERMINAL_PORT. */
export function resolveTerminalPort(flag: string | undefined, env: NodeJS.ProcessEnv): string | null {
  const p = flag ?? env['TERMINAL_PORT'];
  return p && p.trim().length > 0 ? p.trim() : null;
}

export async function openPairingStore(dataDir: string): Promise<PairingStore> {
  return createSecretStorePairingStore(await openSecretStore(dataDir));
}

/**
 * Starts a TerminalLink on `port` and waits until it is usable (authenticated or
 * unpaired) or clearly not (swapped, port error), at most `waitMs`.
 */
export async function openTerminalLinkForCli(
  port: string,
  store: PairingStore,
  opts: { waitMs?: number; requestTimeoutMs?: number; version?: string } = {},
): Promise<{ link: TerminalLink; status: LinkStatus }> {
  const link = new TerminalLink({
    openTransport: () => SerialPortTransport.open(port),
    pairingStore: store,
    host: { app: CLI_HOST_APP, version: opts.version ?? '0.1.0', hostId: `cli@${os.hostname()}`, hostName: os.hostname() },
    heartbeatMs: 0,
    ...(opts.requestTimeoutMs ? { requestTimeoutMs: opts.requestTimeoutMs } : {}),
    reconnectDelayMs: 300,
  });
  const status = await new Promise<LinkStatus>((resolve) => {
    const done = (s: LinkStatus): void => {
      clearTimeout(timer);
      link.off('status', onStatus);
      resolve(s);
    };
    const settled = (s: LinkStatus): boolean =>
      s.state === 'authenticated' || s.state === 'unpaired' || (s.state === 'down' && s.terminal !== undefined) || (s.state === 'disconnected' && s.reason !== undefined);
    const onStatus = (s: LinkStatus): void => {
      if (settled(s)) done(s);
    };
    const timer = setTimeout(() => done(link.status()), opts.waitMs ?? 8000);
    link.on('status', onStatus);
    link.start();
  });
  return { link, status };
}

/** Shared by the terminal CLI commands: open the pairing store, build a TerminalLink (the same factory the app uses). */
import { SerialPortTransport, type LinkStatus, type PairingStore, type TerminalLink } from '../../native-bridge';
import { openSecretStore } from '../secrets/secret-store';
import { createTerminalLink, hostIdOf } from './link-factory';
import { createSecretStorePairingStore } from './secret-pairing-store';

/** The pairing store and this register's host id, both from the data folder's secret store. */
export async function openTerminalIdentity(dataDir: string): Promise<{ store: PairingStore; hostId: string }> {
  const secrets = await openSecretStore(dataDir);
  return { store: createSecretStorePairingStore(secrets), hostId: await hostIdOf(secrets) };
}

export async function openPairingStore(dataDir: string): Promise<PairingStore> {
  return (await openTerminalIdentity(dataDir)).store;
}

/**
 * Starts a TerminalLink on `port` and waits until it is usable (authenticated or
 * unpaired) or clearly not (swapped, port error), at most `waitMs`.
 */
export async function openTerminalLinkForCli(
  port: string,
  identity: { store: PairingStore; hostId: string },
  opts: { waitMs?: number; requestTimeoutMs?: number } = {},
): Promise<{ link: TerminalLink; status: LinkStatus }> {
  const link = createTerminalLink({
    role: 'cli',
    hostId: identity.hostId,
    openTransport: () => SerialPortTransport.open(port),
    pairingStore: identity.store,
    ...(opts.requestTimeoutMs ? { requestTimeoutMs: opts.requestTimeoutMs } : {}),
  });
  const status = await new Promise<LinkStatus>((resolve) => {
    const done = (s: LinkStatus): void => {
      clearTimeout(timer);
      link.off('status', onStatus);
      resolve(s);
    };
    const settled = (s: LinkStatus): boolean =>
      s.state === 'authenticated' ||
      s.state === 'unpaired' ||
      (s.state === 'down' && s.terminal !== undefined) ||
      (s.state === 'disconnected' && s.reason !== undefined);
    const onStatus = (s: LinkStatus): void => {
      if (settled(s)) done(s);
    };
    const timer = setTimeout(() => done(link.status()), opts.waitMs ?? 8000);
    link.on('status', onStatus);
    link.start();
  });
  return { link, status };
}

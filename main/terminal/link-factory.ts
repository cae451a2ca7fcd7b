/**
 * The one way to build a TerminalLink, for the app and every CLI command: the
 * same host identity (app name, version, the host id kept in the secret store)
 * and the same pairing store, so the terminal sees one register whichever
 * process talks to it. Callers differ only in transport and tuning.
 */
import { randomUUID } from 'node:crypto';
import os from 'node:os';
import { TerminalLink, type PairingStore, type TerminalLinkOptions, type Transport } from '../../native-bridge';
import { APP_VERSION } from '../config/version';
import type { SecretStore } from '../secrets/secret-store';

export const HOST_ID_SECRET = 'host.id';

export type LinkRole = 'app' | 'cli';

/** This register's stable id (made once, kept in the secret store). */
export async function hostIdOf(secrets: SecretStore): Promise<string> {
  const existing = await secrets.get(HOST_ID_SECRET);
  if (existing) return existing;
  const made = randomUUID();
  await secrets.set(HOST_ID_SECRET, made);
  return made;
}

export interface LinkFactoryOptions {
  readonly role: LinkRole;
  readonly hostId: string;
  readonly openTransport: () => Promise<Transport>;
  readonly pairingStore: PairingStore;
  readonly hotplug?: TerminalLinkOptions['hotplug'];
  readonly log?: TerminalLinkOptions['log'];
  /** One-shot commands: no keep-alive, quicker first reconnect. */
  readonly requestTimeoutMs?: number;
}

export function createTerminalLink(o: LinkFactoryOptions): TerminalLink {
  return new TerminalLink({
    openTransport: o.openTransport,
    pairingStore: o.pairingStore,
    host: { app: o.role === 'app' ? 'refund-terminal' : 'refund-terminal-cli', version: APP_VERSION, hostId: o.hostId, hostName: os.hostname() },
    ...(o.hotplug ? { hotplug: o.hotplug } : {}),
    ...(o.log ? { log: o.log } : {}),
    ...(o.requestTimeoutMs ? { requestTimeoutMs: o.requestTimeoutMs } : {}),
    ...(o.role === 'cli' ? { heartbeatMs: 0, reconnectDelayMs: 300 } : {}),
  });
}

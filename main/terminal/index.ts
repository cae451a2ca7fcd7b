/** Node-side glue between native-bridge and the app (no electron). */
export { createSecretStorePairingStore, PAIRING_SECRET_NAME } from './secret-pairing-store';
export { openTerminalLinkForCli, openPairingStore, openTerminalIdentity } from './cli-link';
export { resolveTerminalPort, resolveTerminalPortIn, rememberTerminalPort } from './port-resolver';
export type { ResolvedPort, PortSource } from './port-resolver';
export { createTerminalLink, hostIdOf } from './link-factory';

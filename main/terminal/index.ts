/** Node-side glue between native-bridge and the app (no electron). */
export { createSecretStorePairingStore, PAIRING_SECRET_NAME } from './secret-pairing-store';
export { openTerminalLinkForCli, resolveTerminalPort, openPairingStore } from './cli-link';

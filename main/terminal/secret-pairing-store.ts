/**
 * PairingStore over the app's encrypted SecretStore: the pairing (terminal
 * serial, model, pairing key) is one JSON secret named 'terminal.pairing'.
 * A stored value that no longer parses is treated as "not paired" (and
 * reported via `onInvalid`) rather than crashing the link.
 */
import { PairingSchema, type Pairing, type PairingStore } from '../../native-bridge';
import type { SecretStore } from '../secrets/secret-store';

export const PAIRING_SECRET_NAME = 'terminal.pairing';

export function createSecretStorePairingStore(store: SecretStore, opts: { onInvalid?: (reason: string) => void } = {}): PairingStore {
  return {
    async load(): Promise<Pairing | null> {
      const raw = await store.get(PAIRING_SECRET_NAME);
      if (raw === null) return null;
      let value: unknown;
      try {
        value = JSON.parse(raw);
      } catch {
        opts.onInvalid?.('stored terminal pairing is not JSON');
        return null;
      }
      const parsed = PairingSchema.safeParse(value);
      if (!parsed.success) {
        opts.onInvalid?.('stored terminal pairing is invalid');
        return null;
      }
      return parsed.data;
    },
    async save(p: Pairing): Promise<void> {
      await store.set(PAIRING_SECRET_NAME, JSON.stringify(PairingSchema.parse(p)));
    },
    async clear(): Promise<void> {
      await store.delete(PAIRING_SECRET_NAME);
    },
  };
}

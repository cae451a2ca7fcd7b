/** Where the host keeps its one pairing. The secret-store-backed implementation lives in main/terminal. */
import { z } from 'zod';

export const PairingSchema = z.object({
  serial: z.string().min(1).max(64),
  model: z.string().min(1).max(64),
  /** 32 bytes, base64url without padding. */
  pairingKey: z.string().regex(/^[A-Za-z0-9_-]{43}$/),
  /** ISO-8601 time of pairing. */
  pairedAt: z.string().min(1),
});
export type Pairing = z.infer<typeof PairingSchema>;

export interface PairingStore {
  load(): Promise<Pairing | null>;
  save(p: Pairing): Promise<void>;
  clear(): Promise<void>;
}

export function createMemoryPairingStore(initial: Pairing | null = null): PairingStore {
  let current = initial;
  return {
    async load() {
      return current;
    },
    async save(p) {
      current = PairingSchema.parse(p);
    },
    async clear() {
      current = null;
    },
  };
}

/**
 * The two keys that protect the ledger file, kept in the secret store (so
 * under the OS keychain where there is one), never in the ledger itself:
 *  - the audit key: HMAC key of the audit chain, so an attacker who edits the
 *    SQLite file cannot rewrite the chain to match;
 *  - the PIN pepper: argon2's secret input, so the PIN hashes in a copied
 *    ledger cannot be brute-forced offline.
 * Created on first use; a lost key means `audit verify` fails and every PIN
 * must be reset, which is why they live beside the other secrets.
 */
import { randomBytes } from 'node:crypto';
import type { SecretStore } from './secret-store';

export interface LedgerKeys {
  readonly auditKey: Buffer;
  readonly pinPepper: Buffer;
}

export const LEDGER_KEY_NAMES = { auditKey: 'ledger.auditKey', pinPepper: 'ledger.pinPepper' } as const;

async function getOrCreate(secrets: SecretStore, name: string): Promise<{ key: Buffer; created: boolean }> {
  const existing = await secrets.get(name);
  if (existing !== null) {
    const key = Buffer.from(existing, 'base64');
    if (key.length !== 32) throw new Error(`secret ${name} is corrupt (expected 32 bytes)`);
    return { key, created: false };
  }
  await secrets.set(name, randomBytes(32).toString('base64'));
  // Read back: if another process created it at the same moment, both use the one that was kept.
  const kept = await secrets.get(name);
  if (kept === null) throw new Error(`secret ${name} could not be stored`);
  return { key: Buffer.from(kept, 'base64'), created: true };
}

/** `auditKeyCreated`: the audit key did not exist before this call (pass it as openLedger's adoptUnsignedAudit). */
export async function loadLedgerKeys(secrets: SecretStore): Promise<{ keys: LedgerKeys; auditKeyCreated: boolean }> {
  const audit = await getOrCreate(secrets, LEDGER_KEY_NAMES.auditKey);
  const pepper = await getOrCreate(secrets, LEDGER_KEY_NAMES.pinPepper);
  return { keys: { auditKey: audit.key, pinPepper: pepper.key }, auditKeyCreated: audit.created };
}

/**
 * Fixed, public keys for ledgers opened without the secret store: unit tests
 * and benchmarks only. Every production open (core services, CLI commands)
 * passes keys from the secret store; test/unit/security/ledger-keys.test.ts
 * fails if code under main/ opens a ledger without them.
 */
export const PUBLIC_TEST_KEYS: LedgerKeys = {
  auditKey: Buffer.alloc(32, 0x41),
  pinPepper: Buffer.alloc(32, 0x50),
};

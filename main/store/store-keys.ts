/**
 * The store's ledger keys (audit key and PIN pepper) moving from one counter
 * to a new one: every counter of a store must hold the same pair (the store
 * chain is MAC-keyed with one key; a PIN hashed at one counter is checked at
 * another), and openStoreLedger refuses a counter whose pair is not the
 * store's. The decision and its reasoning: docs/ledger.md, "Store keys".
 *
 * `exportStoreKeys` writes them to a new file readable by this OS user only;
 * `importStoreKeys` puts them into a new counter's data folder before anything
 * else is written there (never over keys a journal was signed with).
 */
import { closeSync, constants, existsSync, openSync, writeSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { LEDGER_FILE } from '../ledger/paths';
import type { LedgerKeys } from '../secrets/ledger-keys';
import { readSmallFileSync, UnsafeFileError } from '../config/safe-file';
import type { KeyProtector } from '../secrets/secret-store';
import { openDataLedger } from '../services/data-ledger';

const KEY = z
  .string()
  .regex(/^[A-Za-z0-9+/]{43}=$/, 'a 32-byte key in base64')
  .transform((s) => Buffer.from(s, 'base64'));
const KeyFile = z.object({ kind: z.literal('refund-terminal-store-keys'), version: z.literal(1), auditKey: KEY, pinPepper: KEY }).strict();

export function storeKeysJson(keys: LedgerKeys): string {
  return `${JSON.stringify({ kind: 'refund-terminal-store-keys', version: 1, auditKey: keys.auditKey.toString('base64'), pinPepper: keys.pinPepper.toString('base64') })}\n`;
}

/** Writes the keys to `file`, which must not exist yet (O_EXCL), mode 0600. */
export function writeStoreKeysFile(file: string, keys: LedgerKeys): void {
  const fd = openSync(file, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600);
  try {
    writeSync(fd, storeKeysJson(keys));
  } finally {
    closeSync(fd);
  }
}

export function parseStoreKeys(text: string): { ok: true; keys: LedgerKeys } | { ok: false; message: string } {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return { ok: false, message: 'The file is not a store keys file (refund-terminal store keys export writes one).' };
  }
  const parsed = KeyFile.safeParse(raw);
  // Never echo the content: it is key material.
  if (!parsed.success) return { ok: false, message: 'The file is not a store keys file (refund-terminal store keys export writes one).' };
  return { ok: true, keys: { auditKey: parsed.data.auditKey, pinPepper: parsed.data.pinPepper } };
}

/** Reads and checks a file `store keys export` wrote (owner-only, size-capped: readSmallFileSync). */
export function readStoreKeysFile(file: string): { ok: true; keys: LedgerKeys } | { ok: false; message: string } {
  let text: string | null;
  try {
    text = readSmallFileSync(file);
  } catch (e) {
    if (e instanceof UnsafeFileError) return { ok: false, message: e.message };
    throw e;
  }
  if (text === null) return { ok: false, message: `${file} does not exist.` };
  return parseStoreKeys(text);
}

/**
 * A new counter's data folder only: refused where a journal already exists
 * (its entries and sealed rows are signed with that folder's own keys).
 */
export async function importStoreKeys(dataDir: string, file: string, keyProtector?: KeyProtector): Promise<{ ok: true } | { ok: false; message: string }> {
  if (existsSync(path.join(dataDir, LEDGER_FILE)))
    return {
      ok: false,
      message: `${dataDir} is already set up with keys of its own; import the store keys into a new counter's data folder, before anything else.`,
    };
  const parsed = readStoreKeysFile(file);
  if (!parsed.ok) return parsed;
  const opened = await openDataLedger(dataDir, { importKeys: parsed.keys, ...(keyProtector ? { keyProtector } : {}) });
  opened.ledger.close();
  return { ok: true };
}

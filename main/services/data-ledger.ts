/**
 * Opens the ledger of a data folder the way every production path must: the
 * folder tightened to 0700/0600 first, the audit key and PIN pepper read from
 * the secret store, the shop's PIN policy applied. Shared by the core services
 * and the CLI commands that only need the ledger (users, audit, journal, doctor).
 */
import { systemTimeZone, type AppConfig } from '../config/app-config';
import type { Ledger } from '../ledger';
import { assertJournalUsable, openCheckedJournal } from '../ledger/journal-file';
import { LEDGER_KEY_NAMES, loadLedgerKeys, type LedgerKeys } from '../secrets/ledger-keys';
import { fileKeyProtector, openSecretStore, type KeyProtector, type SecretStore } from '../secrets/secret-store';
import { secureDataDir, type LooseFile } from '../security/file-modes';

export interface DataLedger {
  readonly ledger: Ledger;
  readonly secrets: SecretStore;
  /** Files and folders that were readable by others before this open (now tightened). */
  readonly loosened: readonly LooseFile[];
  /** The audit key and PIN pepper the ledger was opened with (store mode keys the store ledger with the same). */
  readonly keys: LedgerKeys;
}

export async function openDataLedger(
  dataDir: string,
  opts: {
    config?: Pick<AppConfig, 'timeZone' | 'cashierPinLength'>;
    secrets?: SecretStore;
    keyProtector?: KeyProtector;
    timeZone?: string;
    minFreeBytes?: number;
    /** A new counter of a store only (store keys import): the store's keys instead of new random ones. */
    importKeys?: LedgerKeys;
  } = {},
): Promise<DataLedger> {
  const loosened = secureDataDir(dataDir);
  // Before the secret store is opened (which may create secrets.json, the mark of
  // an installed folder): a missing, empty or unreadable journal is refused here,
  // and only a genuinely new folder gets a new journal (journal-file.ts).
  assertJournalUsable(dataDir);
  const secrets = opts.secrets ?? (await openSecretStore(dataDir, opts.keyProtector ?? fileKeyProtector));
  if (opts.importKeys !== undefined) {
    // Never over keys already in use: the journal signed with them would stop verifying.
    if ((await secrets.has(LEDGER_KEY_NAMES.auditKey)) || (await secrets.has(LEDGER_KEY_NAMES.pinPepper)))
      throw new Error('This data folder already has ledger keys; store keys can only be imported into a new counter before anything else.');
    await secrets.set(LEDGER_KEY_NAMES.auditKey, opts.importKeys.auditKey.toString('base64'));
    await secrets.set(LEDGER_KEY_NAMES.pinPepper, opts.importKeys.pinPepper.toString('base64'));
  }
  const { keys, auditKeyCreated } = await loadLedgerKeys(secrets);
  // The store's zone, else this PC's own (never UTC by accident: issue #13).
  const timeZone = opts.timeZone ?? (opts.config ? (opts.config.timeZone ?? systemTimeZone()) : undefined);
  const ledger = openCheckedJournal(dataDir, {
    keys,
    adoptUnsignedAudit: auditKeyCreated,
    ...(opts.minFreeBytes !== undefined ? { minFreeBytes: opts.minFreeBytes } : {}),
    ...(timeZone !== undefined ? { timeZone } : {}),
    ...(opts.config ? { pinPolicy: { cashierMinLength: opts.config.cashierPinLength } } : {}),
  });
  // secrets.json / data-key.bin may have been written just now: tighten again (cheap).
  secureDataDir(dataDir);
  return { ledger, secrets, loosened, keys };
}

/** Creates the journal of a new data folder before anything else (secrets, pairing) is written there. */
export async function ensureDataLedger(dataDir: string): Promise<void> {
  (await openDataLedger(dataDir)).ledger.close();
}

export function describeLoosened(loosened: readonly LooseFile[]): string | null {
  if (loosened.length === 0) return null;
  const list = loosened
    .slice(0, 5)
    .map((f) => `${f.path} (${f.mode})`)
    .join(', ');
  return `Data folder permissions were wider than owner-only and have been tightened: ${list}${loosened.length > 5 ? `, and ${loosened.length - 5} more` : ''}. Anyone else on this PC may have copied them before.`;
}

/**
 * Opens the refund journal the configuration selects (store-config.ts): the
 * store's PostgreSQL ledger in store mode, else this data folder's SQLite
 * journal. Never falls back from one to the other: a store counter whose
 * database is down must say so, not quietly write to a local file.
 */
import type { AppConfig } from '../config/app-config';
import { describeLedgerSelection, resolveLedgerSelection, type LedgerSelection } from '../config/store-config';
import type { RefundJournal } from '../ledger/journal-port';
import pg from 'pg';
import { storePoolConfig } from '../ledger/pg/pg-connection';
import { PgJournal } from '../ledger/pg/pg-journal';
import { checkStoreKeys } from '../ledger/pg/pg-store';
import type { LedgerKeys } from '../secrets/ledger-keys';
import { sqliteJournal } from '../ledger/sqlite-journal';
import type { SecretStore } from '../secrets/secret-store';
import { openDataLedger } from '../services/data-ledger';
import { localJournalRefusal, recordStoreMembership } from './membership';

export interface OpenedJournal {
  readonly journal: RefundJournal;
  readonly selection: LedgerSelection;
  /** How it is described in output (URL redacted). */
  readonly description: string;
  /** This data folder's secret store (Antom keys live here in both modes). */
  readonly secrets: SecretStore;
  close(): Promise<void>;
}

export async function openSelectedJournal(
  dataDir: string,
  config: AppConfig,
  env: NodeJS.ProcessEnv,
): Promise<{ ok: true; value: OpenedJournal } | { ok: false; message: string }> {
  const sel = resolveLedgerSelection(config, env);
  if (!sel.ok) return { ok: false, message: sel.error.message };
  const description = describeLedgerSelection(sel.value);
  // The data folder is opened in both modes: it holds the secrets (Antom's public key).
  const data = await openDataLedger(dataDir, { config });
  if (sel.value.engine === 'sqlite') {
    // `store serve` or `recover` on a store's counter without the store URL: the pushes and recoveries belong to the store.
    const refusal = await localJournalRefusal(data.secrets);
    if (refusal !== null) {
      data.ledger.close();
      return { ok: false, message: refusal };
    }
    const journal = sqliteJournal(data.ledger);
    return { ok: true, value: { journal, selection: sel.value, description, secrets: data.secrets, close: () => journal.close() } };
  }
  let pgj: PgJournal;
  try {
    pgj = await PgJournal.open({ url: sel.value.url, register: sel.value.register, auditKey: data.keys.auditKey });
  } catch (e) {
    data.ledger.close();
    // pg's messages name host and port, never the password.
    return { ok: false, message: `The ${description} cannot be opened: ${(e as Error).message}` };
  }
  try {
    // The same key check as every counter's openStoreLedger (after the migration made the tables): a serve PC
    // with foreign keys must not write `notify.*` entries into the store chain that no counter can verify.
    await assertStoreKeys(sel.value.url, data.keys, sel.value.register);
  } catch (e) {
    await pgj.close();
    data.ledger.close();
    // pg's messages name host and port, never the password.
    return { ok: false, message: `The ${description} cannot be opened: ${(e as Error).message}` };
  }
  await recordStoreMembership(data.secrets, { register: sel.value.register, store: description });
  return {
    ok: true,
    value: {
      journal: pgj,
      selection: sel.value,
      description,
      secrets: data.secrets,
      close: async () => {
        await pgj.close();
        data.ledger.close();
      },
    },
  };
}

async function assertStoreKeys(url: string, keys: LedgerKeys, register: string): Promise<void> {
  const pool = new pg.Pool(storePoolConfig(url, { max: 1 }));
  pool.on('error', () => undefined);
  try {
    await checkStoreKeys(pool, keys, register);
  } finally {
    await pool.end();
  }
}

/**
 * The ledger a read-only CLI command works on, as the configuration selects it
 * (store-config.ts): the store's PostgreSQL ledger in store mode (keyed with
 * this data folder's keys), else this data folder's SQLite journal. No terminal,
 * no Antom. Never falls back from one to the other.
 */
import { loadAppConfig } from '../config/app-config';
import { describeLedgerSelection, resolveLedgerSelection } from '../config/store-config';
import { openStoreLedger } from '../ledger/pg/pg-store';
import { sqliteStoreLedger } from '../ledger/sqlite-store';
import type { StoreLedger } from '../ledger/store-port';
import { openDataLedger } from '../services/data-ledger';
import { installIdentity, localJournalRefusal, recordStoreMembership } from '../store/membership';
import type { CliContext } from './command';
import { EXIT } from './exit-codes';

export async function openCliLedger(
  ctx: CliContext,
): Promise<{ ok: true; store: StoreLedger; close(): Promise<void> } | { ok: false; message: string; exitCode: number }> {
  const loaded = await loadAppConfig(ctx.dataDir);
  if (!loaded.ok) return { ok: false, message: loaded.error.message, exitCode: EXIT.BAD_INPUT };
  const sel = resolveLedgerSelection(loaded.value, ctx.env);
  if (!sel.ok) return { ok: false, message: sel.error.message, exitCode: EXIT.BAD_INPUT };
  const data = await openDataLedger(ctx.dataDir, { config: loaded.value });
  if (sel.value.engine === 'sqlite') {
    // A store's counter without its store URL: its local journal is not the truth any more (membership.ts).
    const refusal = await localJournalRefusal(data.secrets);
    if (refusal !== null) {
      data.ledger.close();
      return { ok: false, message: refusal, exitCode: EXIT.BAD_INPUT };
    }
    const store = sqliteStoreLedger(data.ledger, loaded.value.ledger?.register ?? 'counter-1');
    return { ok: true, store, close: async () => data.ledger.close() };
  }
  try {
    const store = await openStoreLedger(sel.value.url, { register: sel.value.register, keys: data.keys, install: await installIdentity(data.secrets) });
    await recordStoreMembership(data.secrets, { register: sel.value.register, store: describeLedgerSelection(sel.value) });
    return {
      ok: true,
      store,
      close: async () => {
        await store.close();
        data.ledger.close();
      },
    };
  } catch (e) {
    data.ledger.close();
    return { ok: false, message: `The ${describeLedgerSelection(sel.value)} cannot be opened: ${(e as Error).message}`, exitCode: EXIT.JOURNAL_UNAVAILABLE };
  }
}

/** The store ports' contract against the embedded engine: connections to one SQLite file stand for processes of one counter. */
import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openLedger } from '../../../main/ledger';
import { sqliteStoreLedger } from '../../../main/ledger/sqlite-store';
import { storeContract } from './store-contract';

storeContract(
  'SQLite',
  async (count) => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'rt-store-'));
    const file = path.join(dir, 'ledger.sqlite');
    const ledgers = Array.from({ length: count }, () => sqliteStoreLedger(openLedger(file), 'counter-1'));
    const raw = new Database(file);
    raw.pragma('busy_timeout = 5000');
    return {
      ledgers,
      raw: async (sql) => void raw.exec(sql),
      unguardAudit: async () => void raw.exec('DROP TRIGGER IF EXISTS audit_no_update; DROP TRIGGER IF EXISTS audit_no_delete;'),
      async close() {
        raw.close();
        for (const l of ledgers) await l.close();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  },
  { crossConnectionNotices: false, distinctRegisters: false, sharedTimeZone: false },
);

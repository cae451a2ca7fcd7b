/** The journal contract against the embedded engine: two connections to one SQLite file stand for two processes. */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openLedger } from '../../../main/ledger';
import { sqliteJournal } from '../../../main/ledger/sqlite-journal';
import { journalContract } from './journal-contract';

journalContract(
  'SQLite',
  async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'rt-journal-'));
    const file = path.join(dir, 'ledger.sqlite');
    const a = sqliteJournal(openLedger(file));
    const b = sqliteJournal(openLedger(file));
    return {
      a,
      b,
      async close() {
        await a.close();
        await b.close();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  },
  { crossProcessNotices: false },
);

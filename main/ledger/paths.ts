/** Where the ledger lives inside the data directory (shared by the app and the CLI). */
import { mkdirSync } from 'node:fs';
import path from 'node:path';

export const LEDGER_FILE = 'ledger.sqlite';

export function ledgerPath(dataDir: string): string {
  mkdirSync(dataDir, { recursive: true });
  return path.join(dataDir, LEDGER_FILE);
}

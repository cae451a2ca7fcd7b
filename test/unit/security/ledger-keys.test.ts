/**
 * Every production open of the ledger passes the keys from the secret store:
 * without them a ledger falls back to PUBLIC test keys, which would sign the
 * audit with a key anyone knows and hash PINs with a pepper in the source.
 * This reads main/ and fails on any `openLedger(` outside the one place that
 * loads the keys (main/services/data-ledger.ts) and the definition itself.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const MAIN = path.resolve(__dirname, '..', '..', '..', 'main');
const ALLOWED = new Set(['services/data-ledger.ts', 'ledger/ledger.ts', 'ledger/index.ts', 'ledger/journal-file.ts']);

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = path.join(dir, n);
    return statSync(p).isDirectory() ? files(p) : p.endsWith('.ts') ? [p] : [];
  });
}

describe('ledger keys in production code', () => {
  it('only data-ledger.ts opens a ledger (with keys from the secret store)', () => {
    const offenders = files(MAIN)
      .map((f) => path.relative(MAIN, f).split(path.sep).join('/'))
      .filter((rel) => !ALLOWED.has(rel) && /\b(openLedger|openJournal|openCheckedJournal)\s*\(/.test(readFileSync(path.join(MAIN, rel), 'utf8')));
    expect(offenders).toEqual([]);
    // journal-file.ts is the file guard (missing/empty journal); data-ledger.ts is the only production caller, with keys.
    expect(readFileSync(path.join(MAIN, 'services', 'data-ledger.ts'), 'utf8')).toMatch(/openCheckedJournal\(dataDir, \{\s*keys,/);
  });
});

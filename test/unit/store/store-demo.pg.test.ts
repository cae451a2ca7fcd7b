/**
 * Demo store mode (`npm run demo:store`, main/demo/store-demo.ts): it starts a
 * store ledger with the demo people in it, two counters that answer as
 * registers of it, and `store serve`; Ctrl+C (close) leaves nothing behind:
 * no process answering, no temporary folder. Needs the build (the counters
 * are the built CLI) and PostgreSQL.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { startStoreDemo } from '../../../main/demo/store-demo';
import { BIN, built } from '../../helpers/cli-process';
import { pgAvailable } from '../../helpers/pg-cluster';

async function answers(url: string): Promise<number | null> {
  try {
    return (await fetch(url, { redirect: 'manual', signal: AbortSignal.timeout(3_000) })).status;
  } catch {
    return null;
  }
}

describe.skipIf(!pgAvailable || !built)('demo store mode', () => {
  it('starts two counters and store serve on one throwaway store ledger, and removes all of it on close', async () => {
    const demo = await startStoreDemo({ cli: BIN });
    let closed = false;
    try {
      expect(demo.counters.map((c) => c.register)).toEqual(['counter-1', 'counter-2']);
      for (const c of demo.counters) expect(await answers(c.url)).not.toBeNull();
      // The store's people are in the store ledger (where every counter signs in, in store mode).
      const client = new pg.Client({ connectionString: demo.storeUrl });
      await client.connect();
      const users = await client.query<{ name: string }>('SELECT name FROM users ORDER BY name');
      await client.end();
      expect(users.rows.map((u) => u.name)).toEqual(['alice', 'maria', 'tom']);
      // store serve is up and refuses an unsigned push (the sandbox's are signed).
      const unsigned = await fetch(demo.notifyUrl, { method: 'POST', body: '{}', headers: { 'content-type': 'application/json' } });
      expect(unsigned.status).toBe(401);
      await demo.close();
      closed = true;
      for (const c of demo.counters) {
        expect(await answers(c.url)).toBeNull();
        expect(existsSync(path.dirname(c.dataDir))).toBe(false);
      }
      expect(await answers(demo.notifyUrl)).toBeNull();
    } finally {
      if (!closed) await demo.close();
    }
  }, 120_000);
});

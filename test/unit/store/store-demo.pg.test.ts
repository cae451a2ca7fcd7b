/**
 * Demo store mode (`npm run demo:store`, main/demo/store-demo.ts): it starts a
 * store ledger with the demo people in it, two counters that answer as
 * registers of it, and `store serve`; Ctrl+C (close) leaves nothing behind:
 * no process answering, no temporary folder. Needs the build (the counters
 * are the built CLI) and PostgreSQL.
 */
import { existsSync } from 'node:fs';
import Database from 'better-sqlite3';
import path from 'node:path';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { startStoreDemo } from '../../../main/demo/store-demo';
import { DEMO_USERS } from '../../../main/ledger/demo-seed';
import { BIN, built } from '../../helpers/cli-process';
import { pgAvailable } from '../../helpers/pg-cluster';

async function answers(url: string): Promise<number | null> {
  try {
    return (await fetch(url, { redirect: 'manual', signal: AbortSignal.timeout(3_000) })).status;
  } catch {
    return null;
  }
}

/** A person signs in at a counter's browser host: the launch address swapped for the session cookie, then their PIN. */
async function signIn(counterUrl: string, who: readonly { name: string; pin: string }[]): Promise<{ userName: string; role: string }[]> {
  const launch = await fetch(counterUrl, { redirect: 'manual', signal: AbortSignal.timeout(5_000) });
  let cookie = (launch.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
  const signedIn: { userName: string; role: string }[] = [];
  for (const u of who) {
    const r = await fetch(new URL('/api/session:sign-in', counterUrl), {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-refund-terminal': '1', cookie },
      body: JSON.stringify({ userName: u.name, pin: u.pin }),
      signal: AbortSignal.timeout(5_000),
    });
    // Every sign-in rotates the cookie.
    cookie = (r.headers.get('set-cookie') ?? cookie).split(';')[0] ?? cookie;
    const body = (await r.json()) as { ok: boolean; value?: { userName: string; role: string }; error?: { message: string } };
    if (!body.ok || body.value === undefined) throw new Error(`${u.name} could not sign in at ${counterUrl}: ${body.error?.message ?? r.status}`);
    signedIn.push({ userName: body.value.userName, role: body.value.role });
  }
  return signedIn;
}

describe.skipIf(!pgAvailable || !built)('demo store mode', () => {
  it('starts two counters and store serve on one throwaway store ledger, and removes all of it on close', async () => {
    const demo = await startStoreDemo({ cli: BIN });
    let closed = false;
    try {
      expect(demo.counters.map((c) => c.register)).toEqual(['counter-1', 'counter-2']);
      // The demo people sign in at every counter: they are the store's, in the store ledger.
      for (const c of demo.counters) {
        expect(await signIn(c.url, DEMO_USERS)).toEqual(DEMO_USERS.map((u) => ({ userName: u.name, role: u.role })));
      }
      const client = new pg.Client({ connectionString: demo.storeUrl });
      await client.connect();
      const users = await client.query<{ name: string }>('SELECT name FROM users ORDER BY name');
      // Seeded once for the whole store, not once per counter.
      const added = await client.query<{ n: string }>("SELECT count(*) AS n FROM audit WHERE kind = 'user.added'");
      await client.end();
      expect(users.rows.map((u) => u.name)).toEqual(['alice', 'maria', 'tom']);
      expect(Number(added.rows[0]?.n)).toBe(DEMO_USERS.length);
      // No counter wrote people into its own folder's SQLite file.
      for (const c of demo.counters) {
        const local = new Database(path.join(c.dataDir, 'ledger.sqlite'), { readonly: true });
        expect((local.prepare('SELECT count(*) AS n FROM users').get() as { n: number }).n).toBe(0);
        local.close();
      }
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

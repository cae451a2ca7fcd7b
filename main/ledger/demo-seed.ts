/**
 * Demo data only (the demo build and tests): three well-known users and a
 * default policy. Idempotent: existing users and a stored policy are kept.
 */
import type { Ledger } from './ledger';
import { DEFAULT_POLICY } from './policy';
import type { PeoplePort } from './store-port';

export const DEMO_USERS = [
  // Chosen to pass the PIN policy (managers and technicians 6+ digits, no repeats or runs).
  { name: 'alice', role: 'cashier', pin: '1470' },
  { name: 'maria', role: 'manager', pin: '246813' },
  { name: 'tom', role: 'technician', pin: '135792' },
] as const;

export async function seedDemoUsers(ledger: Ledger): Promise<void> {
  for (const u of DEMO_USERS) {
    if (ledger.users.get(u.name) !== null) continue;
    const r = await ledger.users.add(u, 'demo-seed');
    if (!r.ok && r.error.code !== 'USER_EXISTS') throw new Error(`demo seed: ${r.error.message}`);
  }
  const stored = ledger.db.prepare('SELECT 1 FROM policy WHERE id = 1').get();
  if (stored === undefined) ledger.setPolicy(DEFAULT_POLICY, 'demo-seed');
  // The demo's receipts carry a store name, as a real store's would once a manager sets it.
  if (ledger.settings.read('store') === null) ledger.settings.setStore({ storeName: 'Demo Store', register: 'Counter 1' }, 'demo-seed');
}

/**
 * Demo store mode: the demo people in the store ledger, where every counter
 * signs them in. Idempotent and safe when counters start at once (a name
 * another counter added in between is USER_EXISTS, kept as it is); never
 * touches a policy or setting a manager may have changed since.
 */
export async function seedDemoPeople(people: PeoplePort): Promise<void> {
  for (const u of DEMO_USERS) {
    if ((await people.get(u.name)) !== null) continue;
    const r = await people.add(u, 'demo-seed');
    if (!r.ok && r.error.code !== 'USER_EXISTS') throw new Error(`demo seed: ${r.error.message}`);
  }
}

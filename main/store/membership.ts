/**
 * A data folder remembers that it belongs to a store (attack3 finding 11).
 *
 * Store mode is chosen by configuration (REFUND_TERMINAL_STORE_URL or
 * `ledger` in config.json). A counter started once without it (a service unit
 * that lost its environment, a technician's shell, a rewritten launcher) would
 * otherwise open its old SQLite journal and refund from it: that file knows
 * nothing of the store's refunds, cash and approvals, so a payment already
 * refunded at another counter looks whole again. That is exactly the silent
 * fallback to a local file issue #16 forbids.
 *
 * So the first store-mode open (and `store import`) writes a mark into the
 * folder's encrypted secret store, and every opener that would use the local
 * journal for refunds (core-services.ts, cli/ledger-session.ts,
 * store/open-journal.ts) refuses while the mark is there. `store leave` is the
 * one deliberate way back to a single counter (audited in the local chain).
 * In the secret store rather than a loose file: it travels with the keys, and
 * an edit to it fails authentication instead of quietly lifting the refusal.
 */
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { z } from 'zod';
import type { InstallIdentity } from '../ledger/pg/pg-registers';
import type { SecretStore } from '../secrets/secret-store';

const MARK = 'store.membership';

const MembershipSchema = z.object({ register: z.string().min(1).max(64), store: z.string().max(300), since: z.string().max(40) }).strict();
export type StoreMembership = z.infer<typeof MembershipSchema>;

/** The folder's mark, or null (never a member, or it left). A mark that does not parse still counts as one. */
export async function storeMembership(secrets: SecretStore): Promise<StoreMembership | null> {
  const text = await secrets.get(MARK);
  if (text === null) return null;
  try {
    return MembershipSchema.parse(JSON.parse(text));
  } catch {
    return { register: '?', store: '?', since: '?' };
  }
}

/** After a successful store-mode open or import: idempotent (the first date is kept). */
export async function recordStoreMembership(secrets: SecretStore, m: { register: string; store: string }, now: Date = new Date()): Promise<void> {
  const had = await storeMembership(secrets);
  if (had !== null && had.register === m.register && had.store === m.store) return;
  await secrets.set(MARK, JSON.stringify({ register: m.register, store: m.store, since: had?.since ?? now.toISOString() }));
}

export async function forgetStoreMembership(secrets: SecretStore): Promise<void> {
  await secrets.delete(MARK);
}

/**
 * Null when this folder may use its own SQLite journal for refunds; else the
 * sentence that says why not and what to do.
 */
export async function localJournalRefusal(secrets: SecretStore): Promise<string | null> {
  const m = await storeMembership(secrets);
  if (m === null) return null;
  return (
    `This counter belongs to a store ledger (register "${m.register}" on ${m.store}, since ${m.since}), but no store ledger is configured ` +
    "(REFUND_TERMINAL_STORE_URL / REFUND_TERMINAL_REGISTER, or ledger in config.json). Its local journal no longer holds the store's refunds, so it is not used: " +
    'set the store ledger again. Only to make this PC a single counter for good: refund-terminal store leave.'
  );
}

const INSTALL = 'store.install_id';

/**
 * This data folder's identity for register claims (pg-registers.ts): a random
 * id created once, kept with the folder's secrets, so a copied config.json on
 * another PC is another install, and a reinstall with the folder is the same.
 */
export async function installIdentity(secrets: SecretStore): Promise<InstallIdentity> {
  let id = await secrets.get(INSTALL);
  if (id === null) {
    id = randomUUID();
    await secrets.set(INSTALL, id);
  }
  return { id, host: hostname() };
}

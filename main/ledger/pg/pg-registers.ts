/**
 * One register name, one counter (attack3 finding 15).
 *
 * Terminal ownership (docs/ledger.md) rests on the register: a refund waiting
 * on a terminal belongs to the register that journaled it, and only that
 * register asks its terminal. Two PCs opened under the same name (a copied
 * config.json, a cloned kiosk image) would each take the other's refunds for
 * their own and ask their own terminal for a reference the other terminal
 * already issued. So the first counter to open the store under a name claims
 * it for its data folder's install id (kept in that folder's secret store,
 * main/store/membership.ts); another folder under the same name is refused
 * with a sentence, until a technician deliberately moves the name to it
 * (`store register claim --yes`: a replaced PC), audited with both identities.
 *
 * The claim is a settings row `register:<name>`, sealed and audited like every
 * settings row (pg-row-seals.ts), under its row lock.
 */
import type { PgStoreContext } from './pg-store-context';
import { PG_SETTINGS, pgRowTrusted, sealPgRow } from './pg-row-seals';

export interface InstallIdentity {
  /** Random, created once per data folder. */
  readonly id: string;
  /** For the people reading the refusal: which PC holds the name. */
  readonly host: string;
}

interface Claim {
  installId?: unknown;
  host?: unknown;
  since?: unknown;
}

export class RegisterTakenError extends Error {
  constructor(
    readonly register: string,
    holder: string,
  ) {
    super(
      `Register "${register}" is already used by another counter PC (${holder}). Each counter needs its own register name: set REFUND_TERMINAL_REGISTER (or ledger.register) to a new name here. ` +
        `Only if that PC was replaced by this one: refund-terminal store register claim --yes.`,
    );
    this.name = 'RegisterTakenError';
  }
}

const keyOf = (register: string): string => `register:${register}`;

/** Claims `register` for this install, or confirms it holds it; `takeOver` moves it here (audited). */
export async function claimPgRegister(ctx: PgStoreContext, install: InstallIdentity, opts: { takeOver?: boolean; actor?: string } = {}): Promise<void> {
  const key = keyOf(ctx.register);
  const actor = opts.actor ?? `register:${ctx.register}`;
  const body = { installId: install.id, host: install.host, since: new Date().toISOString() };
  await ctx.tx(async (c) => {
    const inserted = await c.query('INSERT INTO settings (key, body, updated_by) VALUES ($1, $2, $3) ON CONFLICT (key) DO NOTHING RETURNING key', [
      key,
      JSON.stringify(body),
      actor,
    ]);
    if (inserted.rows[0]) {
      const seal = await sealPgRow(c, ctx.keys.auditKey, PG_SETTINGS, key);
      await ctx.audit(c, actor, 'store.register_claimed', { register: ctx.register, host: install.host, seals: seal === null ? [] : [seal] });
      return;
    }
    const r = await c.query<{ body: string }>('SELECT * FROM settings WHERE key = $1 FOR UPDATE', [key]);
    const row = r.rows[0];
    const trusted = row !== undefined && pgRowTrusted(ctx.keys.auditKey, PG_SETTINGS, row);
    let held: Claim = {};
    try {
      held = trusted ? (JSON.parse(row.body) as Claim) : {};
    } catch {
      held = {};
    }
    if (trusted && held.installId === install.id) return;
    const holder = trusted ? `${String(held.host ?? '?')}, since ${String(held.since ?? '?')}` : 'its claim was edited outside the app';
    if (opts.takeOver !== true) throw new RegisterTakenError(ctx.register, holder);
    await c.query('UPDATE settings SET body = $2, updated_at = now(), updated_by = $3 WHERE key = $1', [key, JSON.stringify(body), actor]);
    const seal = await sealPgRow(c, ctx.keys.auditKey, PG_SETTINGS, key);
    await ctx.audit(c, actor, 'store.register_moved', {
      register: ctx.register,
      from: trusted ? { host: held.host ?? null, since: held.since ?? null } : 'edited outside the app',
      to: { host: install.host },
      seals: seal === null ? [] : [seal],
    });
  });
}

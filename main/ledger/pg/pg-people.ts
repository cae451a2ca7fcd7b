/**
 * The people port of the store ledger: users, roles, PIN resets and PIN
 * verification for every counter on one PostgreSQL database.
 *
 * PIN lockout: an attempt is counted by one atomic UPDATE ... WHERE not
 * locked (the row lock serializes guesses from every counter) before its hash
 * is checked; the attempt that reaches the limit sets the lock, so at most
 * MAX_FAILED_PINS hashes are ever checked per lockout window. Lockouts are
 * judged by the database's clock. Role changes take one store-wide advisory
 * lock, so the last active manager is never demoted from two counters at once.
 */
import { randomInt } from 'node:crypto';
import type pg from 'pg';
import { err, ok, type Result } from '../../../preload/contract/result';
import { Role } from '../../../preload/contract/views';
import { Busy, PinHasher, pinPoolSaturated } from '../pin-hasher';
import { minPinLength, PIN_MAX_LENGTH, pinProblem } from '../pin-policy';
import type { Language, PeoplePort, StoreUser } from '../store-port';
import { LOCKOUT_MS, MAX_FAILED_PINS, Pin, SIGN_IN_REFUSED, UserName, type ManageUserError, type VerifyPinError } from '../users';
import type { PgStoreContext } from './pg-store-context';
import { PG_USERS, pgRowTrusted, sealPgRow } from './pg-row-seals';
import { pgIso } from './pg-rows';

/** pg_advisory_xact_lock key for role changes ("refund-terminal roles"). */
const ROLE_LOCK = 0x5254524c;
const BUSY_MESSAGE = 'Too many sign-in attempts right now. Wait a moment and try again.';
const LOCKED_MESSAGE = 'Too many wrong PINs. Try again in a few minutes, or ask a manager to unlock you.';
const FORGED_MESSAGE = (name: string): string =>
  `${name}'s record was edited outside Refund Terminal (audit verify names it): nothing is changed on it until a manager resets its PIN, which also makes it a cashier.`;

interface UserDbRow {
  name: string;
  role: Role;
  pin_hash: string;
  pin_keyed: boolean;
  must_change_pin: boolean;
  disabled: boolean;
  failed_attempts: number;
  locked_until: Date | null;
  language: Language | null;
  row_mac: string | null;
}

function toUser(r: UserDbRow): StoreUser {
  return { name: r.name, role: Role.parse(r.role), disabled: r.disabled, lockedUntil: pgIso(r.locked_until), language: r.language };
}

export class PgPeople {
  private readonly hasher: PinHasher;
  private dummyHash: Promise<string> | null = null;

  constructor(private readonly ctx: PgStoreContext) {
    this.hasher = new PinHasher(ctx.keys.pinPepper);
  }

  private async userRow(name: string, c: pg.PoolClient | pg.Pool = this.ctx.pool): Promise<UserDbRow | null> {
    const r = await c.query<UserDbRow>('SELECT * FROM users WHERE name = $1', [name]);
    return r.rows[0] ?? null;
  }

  /** False when the row was edited outside the app (its seal does not match): its role, PIN hash and flags are not trusted. */
  private trusted(r: UserDbRow): boolean {
    return pgRowTrusted(this.ctx.keys.auditKey, PG_USERS, r as unknown as Record<string, unknown>);
  }

  /**
   * Re-seals the user after a legitimate change and appends its audit entry with the seal, in one transaction.
   * Only a row that was trusted before the change is re-sealed: a change made on a forged row must not bless it.
   */
  private async sealedAudit(c: pg.PoolClient, name: string, wasTrusted: boolean, actor: string, kind: string, detail: Record<string, unknown>): Promise<void> {
    const seal = wasTrusted ? await sealPgRow(c, this.ctx.keys.auditKey, PG_USERS, name) : null;
    await this.ctx.audit(c, actor, kind, seal === null ? { ...detail, sealed: false } : { ...detail, seals: [seal] });
  }

  port(): PeoplePort {
    // `sealed`: the change touches sealed columns (disable/enable); unlocking only lifts the lockout columns.
    const change = async (name: string, actor: string, kind: string, sql: string, sealed: boolean): Promise<Result<StoreUser, 'USER_NOT_FOUND'>> => {
      const row = await this.ctx.tx(async (c) => {
        const before = (await c.query<UserDbRow>('SELECT * FROM users WHERE name = $1 FOR UPDATE', [name])).rows[0];
        if (!before) return null;
        const r = await c.query<UserDbRow>(sql, [name]);
        if (!r.rows[0]) return null;
        if (sealed) await this.sealedAudit(c, name, this.trusted(before), actor, kind, { name });
        else await this.ctx.audit(c, actor, kind, { name });
        return r.rows[0];
      });
      return row === null ? err('USER_NOT_FOUND', SIGN_IN_REFUSED) : ok(toUser(row));
    };
    return {
      get: async (name) => {
        const r = await this.userRow(name);
        return r === null ? null : toUser(r);
      },
      list: async () => (await this.ctx.pool.query<UserDbRow>('SELECT * FROM users ORDER BY name')).rows.map(toUser),
      add: async (input, actor) => {
        const name = UserName.safeParse(input.name);
        const role = Role.safeParse(input.role);
        if (!name.success) return err('INVALID_INPUT', 'User name: 1-40 letters, digits, dot, dash or underscore.');
        if (!role.success) return err('INVALID_INPUT', 'Role must be cashier, manager or technician.');
        const lang = input.language ?? null;
        if (lang !== null && lang !== 'en' && lang !== 'zh') return err('INVALID_INPUT', 'Language must be en or zh.');
        const problem = pinProblem(input.pin, role.data, this.ctx.pinPolicy);
        if (problem !== null) return err('INVALID_INPUT', problem);
        let hash: string;
        try {
          hash = await this.hasher.hash(input.pin);
        } catch (e) {
          if (e instanceof Busy) return err('INVALID_INPUT', BUSY_MESSAGE);
          throw e;
        }
        const row = await this.ctx.tx(async (c) => {
          const r = await c.query<UserDbRow>(
            'INSERT INTO users (name, role, pin_hash, language) VALUES ($1, $2, $3, $4) ON CONFLICT (name) DO NOTHING RETURNING *',
            [name.data, role.data, hash, lang],
          );
          if (!r.rows[0]) return null;
          await this.sealedAudit(c, name.data, true, actor, 'user.added', { name: name.data, role: role.data });
          return r.rows[0];
        });
        return row === null ? err('USER_EXISTS', `A user named ${name.data} already exists.`) : ok(toUser(row));
      },
      // Disabling a forged row still disables it (fail closed); enabling one leaves it unsealed, so still refused.
      disable: (name, actor) => change(name, actor, 'user.disabled', 'UPDATE users SET disabled = true WHERE name = $1 RETURNING *', true),
      enable: (name, actor) => change(name, actor, 'user.enabled', 'UPDATE users SET disabled = false WHERE name = $1 RETURNING *', true),
      unlock: (name, actor) =>
        change(name, actor, 'user.unlocked', 'UPDATE users SET failed_attempts = 0, locked_until = NULL WHERE name = $1 RETURNING *', false),
      setLanguage: async (name, lang) => {
        if (lang !== null && lang !== 'en' && lang !== 'zh') return err('INVALID_INPUT', 'Language must be en or zh.');
        const row = await this.ctx.tx(async (c) => {
          // A screen preference, not a security event: not audited (as UserStore.setLanguage on one counter).
          const r = await c.query<UserDbRow>('UPDATE users SET language = $2 WHERE name = $1 RETURNING *', [name, lang]);
          return r.rows[0] ?? null;
        });
        return row === null ? err('USER_NOT_FOUND', `No user named ${name}.`) : ok(toUser(row));
      },
      setRole: (name, role, actor) => this.setRole(name, role, actor),
      resetPin: (name, actor) => this.resetPin(name, actor),
      verifyPin: (name, pin, o) => this.verifyPin(name, pin, o?.newPin),
    };
  }

  private async setRole(name: string, role: Role, actor: string): Promise<Result<StoreUser, ManageUserError>> {
    if (name === actor) return err('FORBIDDEN', 'Nobody can change their own role; ask another manager.');
    return this.ctx.tx(async (c): Promise<Result<StoreUser, ManageUserError>> => {
      // Every role change of the store takes this lock, so two counters cannot demote the last two managers at once.
      await c.query('SELECT pg_advisory_xact_lock($1)', [ROLE_LOCK]);
      const cur = (await c.query<UserDbRow>('SELECT * FROM users WHERE name = $1 FOR UPDATE', [name])).rows[0] ?? null;
      if (cur === null) return err('USER_NOT_FOUND', `No user named ${name}.`);
      if (!this.trusted(cur)) return err('FORBIDDEN', FORGED_MESSAGE(name));
      if (cur.role === role) return ok(toUser(cur));
      if (cur.role === 'manager' && !cur.disabled) {
        // A manager row forged by SQL is no manager: it does not count, or demoting the last real one would lock the store out.
        const others = await c.query<UserDbRow>("SELECT * FROM users WHERE role = 'manager' AND NOT disabled AND name <> $1", [name]);
        if (!others.rows.some((u) => this.trusted(u))) return err('FORBIDDEN', `${name} is the only active manager; make someone else a manager first.`);
      }
      const r = await c.query<UserDbRow>('UPDATE users SET role = $2 WHERE name = $1 RETURNING *', [name, role]);
      await this.sealedAudit(c, name, true, actor, 'user.role_changed', { name, from: cur.role, to: role });
      return ok(toUser(r.rows[0] as UserDbRow));
    });
  }

  private async resetPin(name: string, actor: string): Promise<Result<{ user: StoreUser; oneTimePin: string }, ManageUserError>> {
    if ((await this.userRow(name)) === null) return err('USER_NOT_FOUND', `No user named ${name}.`);
    let pin: string;
    do {
      pin = Array.from({ length: PIN_MAX_LENGTH }, () => String(randomInt(10))).join('');
    } while (pinProblem(pin, 'manager', this.ctx.pinPolicy) !== null);
    let hash: string;
    try {
      hash = await this.hasher.hash(pin);
    } catch (e) {
      if (e instanceof Busy) return err('INVALID_INPUT', BUSY_MESSAGE);
      throw e;
    }
    const row = await this.ctx.tx(async (c) => {
      const before = (await c.query<UserDbRow>('SELECT * FROM users WHERE name = $1 FOR UPDATE', [name])).rows[0];
      if (!before) return null;
      // The repair of a row edited outside the app: a new PIN, and no role the chain did not grant (cashier);
      // a manager makes it a manager again with set-role, audited.
      const repaired = !this.trusted(before);
      const r = await c.query<UserDbRow>(
        `UPDATE users SET pin_hash = $2, pin_keyed = true, must_change_pin = true, failed_attempts = 0, locked_until = NULL${repaired ? ", role = 'cashier'" : ''}
         WHERE name = $1 RETURNING *`,
        [name, hash],
      );
      if (!r.rows[0]) return null;
      await this.sealedAudit(c, name, true, actor, 'user.pin_reset', repaired ? { name, repaired: true, forgedRole: before.role } : { name });
      return r.rows[0];
    });
    return row === null ? err('USER_NOT_FOUND', `No user named ${name}.`) : ok({ user: toUser(row), oneTimePin: pin });
  }

  private async verifyPin(rawName: string, pin: string, newPin?: string): Promise<Result<StoreUser, VerifyPinError>> {
    const name = UserName.safeParse(rawName).success ? rawName.trim() : '';
    const r = name === '' ? null : await this.userRow(name);
    if (r === null) {
      // Unknown names cost one argon2 verification too, so timing does not reveal which names exist.
      if (pinPoolSaturated()) return err('RATE_LIMITED', BUSY_MESSAGE);
      try {
        this.dummyHash ??= this.hasher.hash('00000000');
        await this.hasher.verify(await this.dummyHash, pin.slice(0, 16) || '0', true);
      } catch (e) {
        this.dummyHash = null;
        if (e instanceof Busy) return err('RATE_LIMITED', BUSY_MESSAGE);
        throw e;
      }
      return err('USER_NOT_FOUND', SIGN_IN_REFUSED);
    }
    if (r.disabled) return err('USER_DISABLED', SIGN_IN_REFUSED);
    // Edited outside the app (a cashier made manager, a PIN hash copied): refused before any hashing, like a disabled user.
    if (!this.trusted(r)) return err('USER_DISABLED', SIGN_IN_REFUSED);
    // Refused before counting: a person is not locked out by someone else's flood of this counter's hasher.
    if (pinPoolSaturated()) return err('RATE_LIMITED', BUSY_MESSAGE);
    // Gate and count in one statement: the row lock serializes every counter's attempt, and the
    // WHERE is re-checked on the latest row version, so no attempt is counted past the lock.
    const gate = await this.ctx.pool.query<UserDbRow>(
      `UPDATE users SET
         failed_attempts = CASE WHEN locked_until IS NOT NULL THEN 1 ELSE failed_attempts + 1 END,
         locked_until = CASE WHEN (CASE WHEN locked_until IS NOT NULL THEN 1 ELSE failed_attempts + 1 END) >= $2
                             THEN now() + ($3::int * interval '1 millisecond') ELSE NULL END
       WHERE name = $1 AND NOT disabled AND (locked_until IS NULL OR locked_until <= now())
       RETURNING *`,
      [name, MAX_FAILED_PINS, LOCKOUT_MS],
    );
    const g = gate.rows[0];
    if (!g) {
      const cur = await this.userRow(name);
      if (cur === null) return err('USER_NOT_FOUND', SIGN_IN_REFUSED);
      if (cur.disabled) return err('USER_DISABLED', SIGN_IN_REFUSED);
      return err('USER_LOCKED', LOCKED_MESSAGE, { lockedUntil: pgIso(cur.locked_until) });
    }
    // The row the PIN is checked against is the one the gate returned: it must be sealed too (no swap in between).
    if (!this.trusted(g)) return err('USER_DISABLED', SIGN_IN_REFUSED);
    let good = false;
    if (Pin.safeParse(pin).success) {
      try {
        good = await this.hasher.verify(g.pin_hash, pin, g.pin_keyed);
      } catch (e) {
        if (!(e instanceof Busy)) throw e;
        // Counted but not evaluated: give the attempt back (only if nobody counted since).
        await this.ctx.pool.query(
          'UPDATE users SET failed_attempts = GREATEST(failed_attempts - 1, 0), locked_until = NULL WHERE name = $1 AND failed_attempts = $2',
          [name, g.failed_attempts],
        );
        return err('RATE_LIMITED', BUSY_MESSAGE);
      }
    }
    if (!good) {
      const until = pgIso(g.locked_until);
      await this.ctx.tx((c) =>
        until !== null
          ? this.ctx.audit(c, 'system', 'auth.locked', { name, until })
          : this.ctx.audit(c, 'system', 'auth.pin_failed', { name, failed: g.failed_attempts }),
      );
      return err('PIN_INVALID', SIGN_IN_REFUSED);
    }
    const after = await this.ctx.pool.query<UserDbRow>('UPDATE users SET failed_attempts = 0, locked_until = NULL WHERE name = $1 RETURNING *', [name]);
    const u = after.rows[0];
    if (!u) return err('USER_NOT_FOUND', SIGN_IN_REFUSED);
    if (!this.trusted(u)) return err('USER_DISABLED', SIGN_IN_REFUSED);
    if (!u.must_change_pin && pinProblem(pin, u.role, this.ctx.pinPolicy) === null) return ok(toUser(u));
    // A one-time PIN (reset by a manager) or one the policy no longer accepts: only with a new one.
    if (newPin === undefined) {
      return err('PIN_CHANGE_REQUIRED', 'Your PIN must be changed before you continue: choose a new one.', {
        minLength: minPinLength(u.role, this.ctx.pinPolicy),
      });
    }
    const problem = newPin === pin ? 'The new PIN must differ from the old one.' : pinProblem(newPin, u.role, this.ctx.pinPolicy);
    if (problem !== null) return err('INVALID_INPUT', problem);
    let hash: string;
    try {
      hash = await this.hasher.hash(newPin);
    } catch (e) {
      if (e instanceof Busy) return err('RATE_LIMITED', BUSY_MESSAGE);
      throw e;
    }
    const changed = await this.ctx.tx(async (c) => {
      const before = (await c.query<UserDbRow>('SELECT * FROM users WHERE name = $1 FOR UPDATE', [name])).rows[0];
      if (!before || !this.trusted(before)) return null;
      const r = await c.query<UserDbRow>('UPDATE users SET pin_hash = $2, pin_keyed = true, must_change_pin = false WHERE name = $1 RETURNING *', [name, hash]);
      if (r.rows[0]) await this.sealedAudit(c, name, true, name, 'user.pin_changed', { name });
      return r.rows[0] ?? null;
    });
    return changed === null ? err('USER_NOT_FOUND', SIGN_IN_REFUSED) : ok(toUser(changed));
  }
}

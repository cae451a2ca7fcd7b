/**
 * People who use the terminal: cashiers, managers, technicians. PINs are
 * hashed with a keyed argon2id (see pin-hasher.ts) and never logged or
 * returned. Five wrong PINs lock the user for five minutes.
 *
 * Guessing is bounded under concurrency: attempts for one person run one at a
 * time (a per-name queue in this process), and each attempt is counted in the
 * database BEFORE its hash is checked, inside the same write transaction that
 * checks the lock. So however many guesses arrive at once, from this process
 * or another one sharing the file, at most MAX_FAILED_PINS are ever evaluated
 * per lockout window, and once locked even the right PIN is refused.
 */
import type { Database } from 'better-sqlite3';
import { randomInt } from 'node:crypto';
import { z } from 'zod';
import { err, ok, type Result } from '../../preload/contract/result';
import { Role, type UserView } from '../../preload/contract/views';
import type { AuditLog } from './audit';
import { Busy, pinPoolSaturated, type PinHasher } from './pin-hasher';
import { DEFAULT_PIN_POLICY, minPinLength, PIN_MAX_LENGTH, pinProblem, type PinPolicy } from './pin-policy';
import { RowSeals } from './row-mac';
import { CountSchema, parseRow, parseRows, UserRowSchema, type UserRow } from './rows';

export const MAX_FAILED_PINS = 5;
export const LOCKOUT_MS = 5 * 60_000;

export const UserName = z
  .string()
  .trim()
  .min(1)
  .max(40)
  .regex(/^[\p{L}\p{N}._-]+$/u);
/** Shape only (what a sign-in may carry); what a new PIN must satisfy is pin-policy.ts. */
export const Pin = z.string().regex(/^\d{4,8}$/);

export type ScreenLanguage = 'en' | 'zh';

export interface User {
  readonly name: string;
  readonly role: Role;
  readonly disabled: boolean;
  readonly lockedUntil: string | null;
}

export type VerifyPinError = 'USER_NOT_FOUND' | 'PIN_INVALID' | 'USER_LOCKED' | 'USER_DISABLED' | 'RATE_LIMITED' | 'PIN_CHANGE_REQUIRED' | 'INVALID_INPUT';
export type AddUserError = 'INVALID_INPUT' | 'USER_EXISTS';
export type ManageUserError = 'USER_NOT_FOUND' | 'INVALID_INPUT' | 'FORBIDDEN';

/** What a person is told: never whether the name exists. */
export const SIGN_IN_REFUSED = 'Name or PIN not accepted.';
const BUSY_MESSAGE = 'Too many sign-in attempts right now. Wait a moment and try again.';
const LOCKED_MESSAGE = 'Too many wrong PINs. Try again in a few minutes, or ask a manager to unlock you.';

function toUser(r: UserRow): User {
  return { name: r.name, role: r.role, disabled: r.disabled !== 0, lockedUntil: r.locked_until };
}

export class UserStore {
  /** Per-name chains of attempts: the next starts when the previous has finished. */
  private readonly lanes = new Map<string, Promise<unknown>>();
  private dummyHash: Promise<string> | null = null;

  constructor(
    private readonly db: Database,
    private readonly audit: AuditLog,
    private readonly clock: () => Date,
    private readonly hasher: PinHasher,
    private readonly pinPolicy: PinPolicy = DEFAULT_PIN_POLICY,
    private readonly seals: RowSeals | null = null,
  ) {}

  /** Re-seals the row after a legitimate change (inside the caller's transaction). */
  private seal(name: string): void {
    this.seals?.sealUser(name);
  }

  /**
   * False when the row was edited outside the app (attack F4): its seal does
   * not match, so its role, PIN hash or disabled flag cannot be trusted and
   * nobody signs in with it until a manager resets the PIN.
   */
  private trusted(name: string): boolean {
    if (this.seals === null) return true;
    const raw = this.db.prepare('SELECT * FROM users WHERE name = ?').get(name) as Record<string, unknown> | undefined;
    return raw !== undefined && this.seals.userValid(raw);
  }

  private row(name: string): UserRow | null {
    const raw = this.db.prepare('SELECT * FROM users WHERE name = ?').get(name);
    return raw === undefined ? null : parseRow(UserRowSchema, raw, 'user');
  }

  get(name: string): User | null {
    const r = this.row(name);
    return r === null ? null : toUser(r);
  }

  list(): UserView[] {
    return parseRows(UserRowSchema, this.db.prepare('SELECT * FROM users ORDER BY name').all(), 'user').map(toUser);
  }

  /** The screen language `name` last chose (#17), null when none or no such person. */
  language(name: string): ScreenLanguage | null {
    return this.row(name)?.language ?? null;
  }

  /**
   * Keeps `name`'s own screen language, so their next sign-in on any PC or
   * browser profile shows it. Not audited: it changes nothing about money or access.
   */
  setLanguage(name: string, language: ScreenLanguage): Result<ScreenLanguage, 'USER_NOT_FOUND'> {
    const changed = this.db.prepare('UPDATE users SET language = ? WHERE name = ?').run(language, name).changes;
    return changed === 0 ? err('USER_NOT_FOUND', `no user ${name}`) : ok(language);
  }

  /** The sentence explaining why `pin` is not acceptable for `role`, or null. */
  pinProblem(pin: string, role: Role): string | null {
    return pinProblem(pin, role, this.pinPolicy);
  }

  async add(input: { name: string; role: string; pin: string }, actor: string): Promise<Result<User, AddUserError>> {
    const name = UserName.safeParse(input.name);
    const role = Role.safeParse(input.role);
    if (!name.success) return err('INVALID_INPUT', 'User name: 1-40 letters, digits, dot, dash or underscore.');
    if (!role.success) return err('INVALID_INPUT', 'Role must be cashier, manager or technician.');
    const problem = this.pinProblem(input.pin, role.data);
    if (problem !== null) return err('INVALID_INPUT', problem);
    let hash: string;
    try {
      hash = await this.hasher.hash(input.pin);
    } catch (e) {
      if (e instanceof Busy) return err('INVALID_INPUT', BUSY_MESSAGE);
      throw e;
    }
    const now = this.clock().toISOString();
    const insert = this.db.transaction(() => {
      if (this.row(name.data) !== null) return false;
      this.db
        .prepare(
          'INSERT INTO users (name, role, pin_hash, pin_keyed, must_change_pin, disabled, failed_attempts, locked_until, created_at) VALUES (?, ?, ?, 1, 0, 0, 0, NULL, ?)',
        )
        .run(name.data, role.data, hash, now);
      this.seal(name.data);
      this.audit.append(actor, 'user.added', { name: name.data, role: role.data });
      return true;
    });
    if (!insert.immediate()) return err('USER_EXISTS', `A user named ${name.data} already exists.`);
    const created = this.get(name.data);
    if (created === null) throw new Error('user vanished after insert');
    return ok(created);
  }

  disable(name: string, actor: string): Result<User, 'USER_NOT_FOUND'> {
    return this.change(name, actor, 'user.disabled', 'UPDATE users SET disabled = 1 WHERE name = ?');
  }

  /** Lets a disabled person sign in again. */
  enable(name: string, actor: string): Result<User, 'USER_NOT_FOUND'> {
    return this.change(name, actor, 'user.enabled', 'UPDATE users SET disabled = 0 WHERE name = ?');
  }

  /** Lifts a lockout and clears the wrong-PIN count. */
  unlock(name: string, actor: string): Result<User, 'USER_NOT_FOUND'> {
    return this.change(name, actor, 'user.unlocked', 'UPDATE users SET failed_attempts = 0, locked_until = NULL WHERE name = ?');
  }

  private change(name: string, actor: string, kind: string, sql: string): Result<User, 'USER_NOT_FOUND'> {
    const done = this.db.transaction(() => {
      const info = this.db.prepare(sql).run(name);
      if (info.changes === 0) return false;
      this.seal(name);
      this.audit.append(actor, kind, { name });
      return true;
    });
    if (!done.immediate()) return err('USER_NOT_FOUND', SIGN_IN_REFUSED);
    const u = this.get(name);
    return u === null ? err('USER_NOT_FOUND', SIGN_IN_REFUSED) : ok(u);
  }

  /**
   * Changes a person's role. Nobody changes their own (a manager cannot make
   * themselves a technician to reach the keys, nor a cashier promote
   * themselves through a stolen session), and the last active manager stays one.
   * A PIN too short for the new role must be replaced at the next sign-in.
   */
  setRole(name: string, role: Role, actor: string): Result<User, ManageUserError> {
    if (name === actor) return err('FORBIDDEN', 'Nobody can change their own role; ask another manager.');
    const done = this.db.transaction((): Result<null, ManageUserError> => {
      const cur = this.row(name);
      if (cur === null) return err('USER_NOT_FOUND', `No user named ${name}.`);
      if (cur.role === role) return ok(null);
      if (cur.role === 'manager' && cur.disabled === 0) {
        const others = parseRow(
          CountSchema,
          this.db.prepare("SELECT COUNT(*) AS n FROM users WHERE role = 'manager' AND disabled = 0 AND name <> ?").get(name),
          'count',
        ).n;
        if (others === 0) return err('FORBIDDEN', `${name} is the only active manager; make someone else a manager first.`);
      }
      this.db.prepare('UPDATE users SET role = ? WHERE name = ?').run(role, name);
      this.seal(name);
      this.audit.append(actor, 'user.role_changed', { name, from: cur.role, to: role });
      return ok(null);
    });
    const r = done.immediate();
    if (!r.ok) return r;
    const u = this.get(name);
    return u === null ? err('USER_NOT_FOUND', `No user named ${name}.`) : ok(u);
  }

  /**
   * Gives a person a random one-time PIN (returned once, to the manager who
   * hands it over) that must be replaced at the next sign-in. Also lifts a lockout.
   */
  async resetPin(name: string, actor: string): Promise<Result<{ user: User; oneTimePin: string }, ManageUserError>> {
    const cur = this.row(name);
    if (cur === null) return err('USER_NOT_FOUND', `No user named ${name}.`);
    let pin: string;
    do {
      pin = Array.from({ length: PIN_MAX_LENGTH }, () => String(randomInt(10))).join('');
    } while (this.pinProblem(pin, 'manager') !== null);
    let hash: string;
    try {
      hash = await this.hasher.hash(pin);
    } catch (e) {
      if (e instanceof Busy) return err('INVALID_INPUT', BUSY_MESSAGE);
      throw e;
    }
    const done = this.db.transaction(() => {
      const info = this.db
        .prepare('UPDATE users SET pin_hash = ?, pin_keyed = 1, must_change_pin = 1, failed_attempts = 0, locked_until = NULL WHERE name = ?')
        .run(hash, name);
      if (info.changes === 0) return false;
      this.seal(name);
      this.audit.append(actor, 'user.pin_reset', { name });
      return true;
    });
    if (!done.immediate()) return err('USER_NOT_FOUND', `No user named ${name}.`);
    const u = this.get(name);
    return u === null ? err('USER_NOT_FOUND', `No user named ${name}.`) : ok({ user: u, oneTimePin: pin });
  }

  /** Runs `fn` after every earlier attempt for the same name has finished. */
  private serialized<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const before = this.lanes.get(key) ?? Promise.resolve();
    const mine = before.then(fn, fn);
    const tail = mine.catch(() => undefined);
    this.lanes.set(key, tail);
    void tail.then(() => {
      if (this.lanes.get(key) === tail) this.lanes.delete(key);
    });
    return mine;
  }

  /**
   * Checks a PIN. Unknown names still cost one argon2 verification so timing
   * does not reveal which names exist; all refusals carry the same message.
   * A person whose PIN is one-time (reset by a manager) or no longer meets the
   * policy is refused with PIN_CHANGE_REQUIRED unless `newPin` replaces it.
   */
  verifyPin(name: string, pin: string, opts: { newPin?: string } = {}): Promise<Result<User, VerifyPinError>> {
    const key = UserName.safeParse(name).success ? name.trim() : '';
    return this.serialized(key, () => this.verifyNow(key, pin, opts.newPin));
  }

  private async verifyNow(name: string, pin: string, newPin: string | undefined): Promise<Result<User, VerifyPinError>> {
    // One attempt per macrotask: a queue of thousands refused in a row must not run as one
    // unbroken chain of microtasks that holds the event loop (and the terminal link) for its whole length.
    await new Promise<void>((resolve) => setImmediate(resolve));
    const r = name === '' ? null : this.row(name);
    if (r === null) {
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
    if (r.disabled !== 0) return err('USER_DISABLED', SIGN_IN_REFUSED);
    // Refused before any hashing: a PIN hash copied from another user must not sign anyone in.
    if (!this.trusted(name)) return err('USER_DISABLED', SIGN_IN_REFUSED);
    const now = this.clock();
    // Already locked: refused from a plain read, so a flood of refusals never queues on the write lock
    // (a refund being journaled by the CLI at that moment is not held up). The transaction below re-checks.
    if (r.locked_until !== null && Date.parse(r.locked_until) > now.getTime()) {
      return err('USER_LOCKED', LOCKED_MESSAGE, { lockedUntil: r.locked_until });
    }

    // Gate and count in one write transaction, before any hashing.
    type Gate =
      { kind: 'locked'; until: string } | { kind: 'busy' } | { kind: 'gone' } | { kind: 'go'; failed: number; lockedUntil: string | null; row: UserRow };
    const gate = this.db
      .transaction((): Gate => {
        const cur = this.row(name);
        if (cur === null) return { kind: 'gone' };
        if (!this.trusted(name)) return { kind: 'gone' };
        if (cur.locked_until !== null && Date.parse(cur.locked_until) > now.getTime()) return { kind: 'locked', until: cur.locked_until };
        // Refused before counting: a person is not locked out by someone else's flood.
        if (pinPoolSaturated()) return { kind: 'busy' };
        const expired = cur.locked_until !== null;
        const failed = (expired ? 0 : cur.failed_attempts) + 1;
        // The attempt that reaches the limit already sets the lock, so nothing
        // else gets evaluated while it is checked; a right PIN lifts it again.
        const lockedUntil = failed >= MAX_FAILED_PINS ? new Date(now.getTime() + LOCKOUT_MS).toISOString() : null;
        this.db.prepare('UPDATE users SET failed_attempts = ?, locked_until = ? WHERE name = ?').run(failed, lockedUntil, name);
        return { kind: 'go', failed, lockedUntil, row: cur };
      })
      .immediate();
    if (gate.kind === 'gone') return err('USER_NOT_FOUND', SIGN_IN_REFUSED);
    if (gate.kind === 'locked') return err('USER_LOCKED', LOCKED_MESSAGE, { lockedUntil: gate.until });
    if (gate.kind === 'busy') return err('RATE_LIMITED', BUSY_MESSAGE);

    let good = false;
    if (Pin.safeParse(pin).success) {
      try {
        good = await this.hasher.verify(gate.row.pin_hash, pin, gate.row.pin_keyed !== 0);
      } catch (e) {
        if (!(e instanceof Busy)) throw e;
        // Counted but not evaluated: give the attempt back.
        this.db
          .prepare('UPDATE users SET failed_attempts = MAX(failed_attempts - 1, 0), locked_until = NULL WHERE name = ? AND failed_attempts = ?')
          .run(name, gate.failed);
        return err('RATE_LIMITED', BUSY_MESSAGE);
      }
    }
    if (!good) {
      this.db
        .transaction(() => {
          if (gate.lockedUntil !== null) this.audit.append('system', 'auth.locked', { name, until: gate.lockedUntil });
          else this.audit.append('system', 'auth.pin_failed', { name, failed: gate.failed });
        })
        .immediate();
      return err('PIN_INVALID', SIGN_IN_REFUSED);
    }

    this.db.prepare('UPDATE users SET failed_attempts = 0, locked_until = NULL WHERE name = ?').run(name);
    const mustChange = gate.row.must_change_pin !== 0 || this.pinProblem(pin, gate.row.role) !== null;
    if (!mustChange) {
      // A hash made before PINs were keyed is replaced by a keyed one now that we know the PIN.
      if (gate.row.pin_keyed === 0)
        await this.storePin(name, pin, 'system', 'user.pin_rekeyed').catch((e: unknown) => {
          if (!(e instanceof Busy)) throw e; // busy: re-keyed at a later sign-in instead
        });
      const u = this.get(name);
      return u === null ? err('USER_NOT_FOUND', SIGN_IN_REFUSED) : ok(u);
    }
    if (newPin === undefined) {
      return err('PIN_CHANGE_REQUIRED', 'Your PIN must be changed before you continue: choose a new one.', {
        minLength: minPinLength(gate.row.role, this.pinPolicy),
      });
    }
    const problem = newPin === pin ? 'The new PIN must differ from the old one.' : this.pinProblem(newPin, gate.row.role);
    if (problem !== null) return err('INVALID_INPUT', problem);
    try {
      await this.storePin(name, newPin, name, 'user.pin_changed');
    } catch (e) {
      if (e instanceof Busy) return err('RATE_LIMITED', BUSY_MESSAGE);
      throw e;
    }
    const u = this.get(name);
    return u === null ? err('USER_NOT_FOUND', SIGN_IN_REFUSED) : ok(u);
  }

  private async storePin(name: string, pin: string, actor: string, kind: string): Promise<void> {
    const hash = await this.hasher.hash(pin);
    this.db
      .transaction(() => {
        this.db.prepare('UPDATE users SET pin_hash = ?, pin_keyed = 1, must_change_pin = 0 WHERE name = ?').run(hash, name);
        this.seal(name);
        this.audit.append(actor, kind, { name });
      })
      .immediate();
  }
}

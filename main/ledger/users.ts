/**
 * People who use the terminal: cashiers, managers, technicians. PINs are
 * hashed with argon2id and never logged or returned. Five wrong PINs in a row
 * lock the user for five minutes (counted in the database, so restarting the
 * app or using the CLI does not reset it).
 */
import argon2 from 'argon2';
import type { Database } from 'better-sqlite3';
import { z } from 'zod';
import { err, ok, type Result } from '../../preload/contract/result';
import { Role, type UserView } from '../../preload/contract/views';
import type { AuditLog } from './audit';
import { parseRow, parseRows, UserRowSchema, type UserRow } from './rows';

export const MAX_FAILED_PINS = 5;
export const LOCKOUT_MS = 5 * 60_000;

// OWASP's argon2id baseline (19 MiB, 2 passes, ~30 ms). A 4-8 digit PIN has at
// most 10^8 values, so the online lockout, not the hash, is the main protection;
// the hash keeps PINs from being read straight out of a copied file.
const ARGON2_OPTIONS = { type: argon2.argon2id, memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;

export const UserName = z.string().trim().min(1).max(40).regex(/^[\p{L}\p{N}._-]+$/u);
export const Pin = z.string().regex(/^\d{4,8}$/);

export interface User {
  readonly name: string;
  readonly role: Role;
  readonly disabled: boolean;
  readonly lockedUntil: string | null;
}

export type VerifyPinError = 'USER_NOT_FOUND' | 'PIN_INVALID' | 'USER_LOCKED' | 'USER_DISABLED';
export type AddUserError = 'INVALID_INPUT' | 'USER_EXISTS';

/** What a person is told: never whether the name exists. */
export const SIGN_IN_REFUSED = 'Name or PIN not accepted.';

let dummyHash: Promise<string> | null = null;

function toUser(r: UserRow): User {
  return { name: r.name, role: r.role, disabled: r.disabled !== 0, lockedUntil: r.locked_until };
}

export class UserStore {
  constructor(
    private readonly db: Database,
    private readonly audit: AuditLog,
    private readonly clock: () => Date,
  ) {}

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

  async add(input: { name: string; role: string; pin: string }, actor: string): Promise<Result<User, AddUserError>> {
    const name = UserName.safeParse(input.name);
    const role = Role.safeParse(input.role);
    const pin = Pin.safeParse(input.pin);
    if (!name.success) return err('INVALID_INPUT', 'User name: 1-40 letters, digits, dot, dash or underscore.');
    if (!role.success) return err('INVALID_INPUT', 'Role must be cashier, manager or technician.');
    if (!pin.success) return err('INVALID_INPUT', 'PIN must be 4 to 8 digits.');
    const hash = await argon2.hash(pin.data, ARGON2_OPTIONS);
    const now = this.clock().toISOString();
    const insert = this.db.transaction(() => {
      if (this.row(name.data) !== null) return false;
      this.db
        .prepare('INSERT INTO users (name, role, pin_hash, disabled, failed_attempts, locked_until, created_at) VALUES (?, ?, ?, 0, 0, NULL, ?)')
        .run(name.data, role.data, hash, now);
      this.audit.append(actor, 'user.added', { name: name.data, role: role.data });
      return true;
    });
    if (!insert.immediate()) return err('USER_EXISTS', `A user named ${name.data} already exists.`);
    const created = this.get(name.data);
    if (created === null) throw new Error('user vanished after insert');
    return ok(created);
  }

  disable(name: string, actor: string): Result<User, 'USER_NOT_FOUND'> {
    const done = this.db.transaction(() => {
      const info = this.db.prepare('UPDATE users SET disabled = 1 WHERE name = ?').run(name);
      if (info.changes === 0) return false;
      this.audit.append(actor, 'user.disabled', { name });
      return true;
    });
    if (!done.immediate()) return err('USER_NOT_FOUND', SIGN_IN_REFUSED);
    const u = this.get(name);
    if (u === null) return err('USER_NOT_FOUND', SIGN_IN_REFUSED);
    return ok(u);
  }

  /**
   * Checks a PIN. Unknown names still cost one argon2 verification so timing
   * does not reveal which names exist; all refusals carry the same message.
   */
  async verifyPin(name: string, pin: string): Promise<Result<User, VerifyPinError>> {
    const r = UserName.safeParse(name).success ? this.row(name.trim()) : null;
    if (r === null) {
      dummyHash ??= argon2.hash('00000000', ARGON2_OPTIONS);
      await argon2.verify(await dummyHash, pin.slice(0, 16) || '0').catch(() => false);
      return err('USER_NOT_FOUND', SIGN_IN_REFUSED);
    }
    if (r.disabled !== 0) return err('USER_DISABLED', SIGN_IN_REFUSED);
    const now = this.clock();
    if (r.locked_until !== null && Date.parse(r.locked_until) > now.getTime()) {
      return err('USER_LOCKED', 'Too many wrong PINs. Try again in a few minutes.', { lockedUntil: r.locked_until });
    }
    const good = Pin.safeParse(pin).success && (await argon2.verify(r.pin_hash, pin).catch(() => false));
    if (good) {
      this.db.prepare('UPDATE users SET failed_attempts = 0, locked_until = NULL WHERE name = ?').run(r.name);
      const u = this.get(r.name);
      return u === null ? err('USER_NOT_FOUND', SIGN_IN_REFUSED) : ok(u);
    }
    // Count atomically in SQL so two processes' failures add up.
    const locked = this.db.transaction(() => {
      const cur = this.row(r.name);
      if (cur === null) return false;
      // A lock that has expired starts a fresh count.
      const expired = cur.locked_until !== null && Date.parse(cur.locked_until) <= now.getTime();
      const failed = (expired ? 0 : cur.failed_attempts) + 1;
      if (failed >= MAX_FAILED_PINS) {
        const until = new Date(now.getTime() + LOCKOUT_MS).toISOString();
        this.db.prepare('UPDATE users SET failed_attempts = 0, locked_until = ? WHERE name = ?').run(until, r.name);
        this.audit.append('system', 'auth.locked', { name: r.name, until });
        return true;
      }
      this.db.prepare('UPDATE users SET failed_attempts = ?, locked_until = NULL WHERE name = ?').run(failed, r.name);
      this.audit.append('system', 'auth.pin_failed', { name: r.name, failed });
      return false;
    });
    locked.immediate();
    return err('PIN_INVALID', SIGN_IN_REFUSED);
  }
}

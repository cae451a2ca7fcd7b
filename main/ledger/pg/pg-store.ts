/**
 * Store mode for everything besides the refund journal: people, audit,
 * settings, other refunds, payments, approvals and reports of every counter
 * on one PostgreSQL database, behind the ports of ../store-port.ts.
 *
 * Store-wide invariants, each enforced by PostgreSQL:
 *  - PIN lockout: an attempt is counted by one atomic UPDATE ... WHERE not
 *    locked (the row lock serializes guesses from every counter) before its
 *    hash is checked; the attempt that reaches the limit sets the lock, so at
 *    most MAX_FAILED_PINS hashes are ever checked per lockout window.
 *    Lockouts are judged by the database's clock.
 *  - audit: one chain, appends under an advisory lock in the transaction of
 *    the change, MAC-keyed with the ledger's audit key (./pg-audit.ts).
 *  - other refunds: inserted under the payment's row lock (FOR UPDATE), the
 *    same lock a refund admission takes, after the one balance computation.
 *  - approvals feed: a trigger on refunds notifies `approval_changed` on
 *    commit whenever a refund enters or leaves AWAITING_APPROVAL.
 */
import { randomInt } from 'node:crypto';
import pg from 'pg';
import { err, ok, type Result } from '../../../preload/contract/result';
import { Role, type RefundReasonView, RefundReasonsSchema, type StoreSettingsView, StoreSettingsSchema } from '../../../preload/contract/views';
import type { LedgerKeys } from '../../secrets/ledger-keys';
import { isValidTimeZone, localDate, widenedUtcBounds } from '../local-date';
import { mergeCapability } from '../method-capabilities';
import type { NewOtherRefund, RecordOtherError } from '../other-refunds';
import { Busy, PinHasher, pinPoolSaturated } from '../pin-hasher';
import { DEFAULT_PIN_POLICY, minPinLength, PIN_MAX_LENGTH, pinProblem, type PinPolicy } from '../pin-policy';
import { DEFAULT_POLICY, PolicySchema, type Policy } from '../policy';
import { buildDailyCsv, buildDailyReport } from '../reports';
import { ApprovalRowSchema, OtherRefundRowSchema, parseRow, type ApprovalRow, type OtherRefundRow, type RefundRow } from '../rows';
import { DEFAULT_REASONS, DEFAULT_STORE_SETTINGS, reasonText } from '../store-settings';
import type {
  ApprovalsPort,
  AuditPort,
  Language,
  OtherRefundsPort,
  PaymentsPort,
  PeoplePort,
  ReportsPort,
  SettingsPort,
  StoreLedger,
  StoreUser,
} from '../store-port';
import { LOCKOUT_MS, MAX_FAILED_PINS, Pin, SIGN_IN_REFUSED, UserName, type ManageUserError, type VerifyPinError } from '../users';
import { toRefundView } from '../views';
import { adoptUnsignedPgAudit, appendPgAudit, listPgAudit, pgAuditHead, verifyPgAudit } from './pg-audit';
import { PgJournal, storeBalance, toPayment, toRefundRow, upsertPgPayment } from './pg-journal';
import { pgInt, pgIso, toPaymentRow } from './pg-rows';

const APPROVAL_CHANNEL = 'approval_changed';
/** pg_advisory_xact_lock key for role changes ("refund-terminal roles"). */
const ROLE_LOCK = 0x5254524c;
const BUSY_MESSAGE = 'Too many sign-in attempts right now. Wait a moment and try again.';
const LOCKED_MESSAGE = 'Too many wrong PINs. Try again in a few minutes, or ask a manager to unlock you.';

export interface StoreLedgerOptions {
  /** This counter's register name: recorded on every refund and other refund it writes. */
  readonly register: string;
  /**
   * Audit key and PIN pepper from the secret store, required: the same keys on
   * every counter of the store (a PIN hashed at one counter is checked at
   * another; the chain is signed and verified with one key).
   */
  readonly keys: LedgerKeys;
  /** Sign entries of a V1-V3 store chain once (only right after the keys were created, as in SQLite). */
  readonly adoptUnsignedAudit?: boolean;
  readonly pinPolicy?: PinPolicy;
  readonly maxConnections?: number;
}

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
}

function toUser(r: UserDbRow): StoreUser {
  return { name: r.name, role: Role.parse(r.role), disabled: r.disabled, lockedUntil: pgIso(r.locked_until), language: r.language };
}

function toOther(raw: Record<string, unknown>): OtherRefundRow {
  return parseRow(OtherRefundRowSchema, { ...raw, amount_value: pgInt(raw['amount_value']), created_at: pgIso(raw['created_at']) }, 'other refund');
}

function toApproval(raw: Record<string, unknown>): ApprovalRow {
  return parseRow(ApprovalRowSchema, { ...raw, id: pgInt(raw['id']), at: pgIso(raw['at']) }, 'approval');
}

/**
 * Opens the store ledger for one counter: the refund journal (PgJournal) and
 * every other port, on one database, migrated once across counters.
 */
export async function openStoreLedger(url: string, opts: StoreLedgerOptions): Promise<StoreLedger> {
  const keys = opts.keys;
  const journal = await PgJournal.open({ url, register: opts.register, auditKey: keys.auditKey, maxConnections: opts.maxConnections });
  // Durable before any byte leaves: synchronous_commit on as a startup parameter, in force before the first statement.
  const pool = new pg.Pool({ connectionString: url, max: opts.maxConnections ?? 4, options: '-c synchronous_commit=on' });
  pool.on('error', () => undefined);
  try {
    if (opts.adoptUnsignedAudit === true) await adoptUnsignedPgAudit(pool, keys.auditKey);
  } catch (e) {
    await pool.end();
    await journal.close();
    throw e;
  }
  return new PgStore(url, pool, journal, opts.register, keys, opts.pinPolicy ?? DEFAULT_PIN_POLICY).ledger();
}

class PgStore {
  private readonly hasher: PinHasher;
  private dummyHash: Promise<string> | null = null;
  private readonly approvalListeners = new Set<(id: string) => void>();
  private listenClient: pg.Client | null = null;
  private listening: Promise<void> | null = null;

  constructor(
    private readonly url: string,
    private readonly pool: pg.Pool,
    private readonly journal: PgJournal,
    private readonly register: string,
    private readonly keys: LedgerKeys,
    private readonly pinPolicy: PinPolicy,
  ) {
    this.hasher = new PinHasher(keys.pinPepper);
  }

  private async tx<T>(fn: (c: pg.PoolClient) => Promise<T>): Promise<T> {
    const c = await this.pool.connect();
    try {
      await c.query('BEGIN');
      const out = await fn(c);
      await c.query('COMMIT');
      return out;
    } catch (e) {
      await c.query('ROLLBACK').catch(() => undefined);
      throw e;
    } finally {
      c.release();
    }
  }

  private audit(c: pg.PoolClient, actor: string, kind: string, detail: Record<string, unknown>): Promise<unknown> {
    return appendPgAudit(c, this.keys.auditKey, actor, kind, detail);
  }

  private async userRow(name: string, c: pg.PoolClient | pg.Pool = this.pool): Promise<UserDbRow | null> {
    const r = await c.query<UserDbRow>('SELECT * FROM users WHERE name = $1', [name]);
    return r.rows[0] ?? null;
  }

  // ---- people ----

  private people(): PeoplePort {
    const change = async (name: string, actor: string, kind: string, sql: string): Promise<Result<StoreUser, 'USER_NOT_FOUND'>> => {
      const row = await this.tx(async (c) => {
        const r = await c.query<UserDbRow>(sql, [name]);
        if (!r.rows[0]) return null;
        await this.audit(c, actor, kind, { name });
        return r.rows[0];
      });
      return row === null ? err('USER_NOT_FOUND', SIGN_IN_REFUSED) : ok(toUser(row));
    };
    return {
      get: async (name) => {
        const r = await this.userRow(name);
        return r === null ? null : toUser(r);
      },
      list: async () => (await this.pool.query<UserDbRow>('SELECT * FROM users ORDER BY name')).rows.map(toUser),
      add: async (input, actor) => {
        const name = UserName.safeParse(input.name);
        const role = Role.safeParse(input.role);
        if (!name.success) return err('INVALID_INPUT', 'User name: 1-40 letters, digits, dot, dash or underscore.');
        if (!role.success) return err('INVALID_INPUT', 'Role must be cashier, manager or technician.');
        const lang = input.language ?? null;
        if (lang !== null && lang !== 'en' && lang !== 'zh') return err('INVALID_INPUT', 'Language must be en or zh.');
        const problem = pinProblem(input.pin, role.data, this.pinPolicy);
        if (problem !== null) return err('INVALID_INPUT', problem);
        let hash: string;
        try {
          hash = await this.hasher.hash(input.pin);
        } catch (e) {
          if (e instanceof Busy) return err('INVALID_INPUT', BUSY_MESSAGE);
          throw e;
        }
        const row = await this.tx(async (c) => {
          const r = await c.query<UserDbRow>(
            'INSERT INTO users (name, role, pin_hash, language) VALUES ($1, $2, $3, $4) ON CONFLICT (name) DO NOTHING RETURNING *',
            [name.data, role.data, hash, lang],
          );
          if (!r.rows[0]) return null;
          await this.audit(c, actor, 'user.added', { name: name.data, role: role.data });
          return r.rows[0];
        });
        return row === null ? err('USER_EXISTS', `A user named ${name.data} already exists.`) : ok(toUser(row));
      },
      disable: (name, actor) => change(name, actor, 'user.disabled', 'UPDATE users SET disabled = true WHERE name = $1 RETURNING *'),
      enable: (name, actor) => change(name, actor, 'user.enabled', 'UPDATE users SET disabled = false WHERE name = $1 RETURNING *'),
      unlock: (name, actor) => change(name, actor, 'user.unlocked', 'UPDATE users SET failed_attempts = 0, locked_until = NULL WHERE name = $1 RETURNING *'),
      setLanguage: async (name, lang) => {
        if (lang !== null && lang !== 'en' && lang !== 'zh') return err('INVALID_INPUT', 'Language must be en or zh.');
        const row = await this.tx(async (c) => {
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
    return this.tx(async (c): Promise<Result<StoreUser, ManageUserError>> => {
      // Every role change of the store takes this lock, so two counters cannot demote the last two managers at once.
      await c.query('SELECT pg_advisory_xact_lock($1)', [ROLE_LOCK]);
      const cur = await this.userRow(name, c);
      if (cur === null) return err('USER_NOT_FOUND', `No user named ${name}.`);
      if (cur.role === role) return ok(toUser(cur));
      if (cur.role === 'manager' && !cur.disabled) {
        const others = await c.query<{ n: string }>("SELECT COUNT(*) AS n FROM users WHERE role = 'manager' AND NOT disabled AND name <> $1", [name]);
        if (pgInt(others.rows[0]?.n ?? 0) === 0) return err('FORBIDDEN', `${name} is the only active manager; make someone else a manager first.`);
      }
      const r = await c.query<UserDbRow>('UPDATE users SET role = $2 WHERE name = $1 RETURNING *', [name, role]);
      await this.audit(c, actor, 'user.role_changed', { name, from: cur.role, to: role });
      return ok(toUser(r.rows[0] as UserDbRow));
    });
  }

  private async resetPin(name: string, actor: string): Promise<Result<{ user: StoreUser; oneTimePin: string }, ManageUserError>> {
    if ((await this.userRow(name)) === null) return err('USER_NOT_FOUND', `No user named ${name}.`);
    let pin: string;
    do {
      pin = Array.from({ length: PIN_MAX_LENGTH }, () => String(randomInt(10))).join('');
    } while (pinProblem(pin, 'manager', this.pinPolicy) !== null);
    let hash: string;
    try {
      hash = await this.hasher.hash(pin);
    } catch (e) {
      if (e instanceof Busy) return err('INVALID_INPUT', BUSY_MESSAGE);
      throw e;
    }
    const row = await this.tx(async (c) => {
      const r = await c.query<UserDbRow>(
        'UPDATE users SET pin_hash = $2, pin_keyed = true, must_change_pin = true, failed_attempts = 0, locked_until = NULL WHERE name = $1 RETURNING *',
        [name, hash],
      );
      if (!r.rows[0]) return null;
      await this.audit(c, actor, 'user.pin_reset', { name });
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
    // Refused before counting: a person is not locked out by someone else's flood of this counter's hasher.
    if (pinPoolSaturated()) return err('RATE_LIMITED', BUSY_MESSAGE);
    // Gate and count in one statement: the row lock serializes every counter's attempt, and the
    // WHERE is re-checked on the latest row version, so no attempt is counted past the lock.
    const gate = await this.pool.query<UserDbRow>(
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
    let good = false;
    if (Pin.safeParse(pin).success) {
      try {
        good = await this.hasher.verify(g.pin_hash, pin, g.pin_keyed);
      } catch (e) {
        if (!(e instanceof Busy)) throw e;
        // Counted but not evaluated: give the attempt back (only if nobody counted since).
        await this.pool.query(
          'UPDATE users SET failed_attempts = GREATEST(failed_attempts - 1, 0), locked_until = NULL WHERE name = $1 AND failed_attempts = $2',
          [name, g.failed_attempts],
        );
        return err('RATE_LIMITED', BUSY_MESSAGE);
      }
    }
    if (!good) {
      const until = pgIso(g.locked_until);
      await this.tx((c) =>
        until !== null
          ? this.audit(c, 'system', 'auth.locked', { name, until })
          : this.audit(c, 'system', 'auth.pin_failed', { name, failed: g.failed_attempts }),
      );
      return err('PIN_INVALID', SIGN_IN_REFUSED);
    }
    const after = await this.pool.query<UserDbRow>('UPDATE users SET failed_attempts = 0, locked_until = NULL WHERE name = $1 RETURNING *', [name]);
    const u = after.rows[0];
    if (!u) return err('USER_NOT_FOUND', SIGN_IN_REFUSED);
    if (!u.must_change_pin && pinProblem(pin, u.role, this.pinPolicy) === null) return ok(toUser(u));
    // A one-time PIN (reset by a manager) or one the policy no longer accepts: only with a new one.
    if (newPin === undefined) {
      return err('PIN_CHANGE_REQUIRED', 'Your PIN must be changed before you continue: choose a new one.', { minLength: minPinLength(u.role, this.pinPolicy) });
    }
    const problem = newPin === pin ? 'The new PIN must differ from the old one.' : pinProblem(newPin, u.role, this.pinPolicy);
    if (problem !== null) return err('INVALID_INPUT', problem);
    let hash: string;
    try {
      hash = await this.hasher.hash(newPin);
    } catch (e) {
      if (e instanceof Busy) return err('RATE_LIMITED', BUSY_MESSAGE);
      throw e;
    }
    const changed = await this.tx(async (c) => {
      const r = await c.query<UserDbRow>('UPDATE users SET pin_hash = $2, pin_keyed = true, must_change_pin = false WHERE name = $1 RETURNING *', [name, hash]);
      if (r.rows[0]) await this.audit(c, name, 'user.pin_changed', { name });
      return r.rows[0] ?? null;
    });
    return changed === null ? err('USER_NOT_FOUND', SIGN_IN_REFUSED) : ok(toUser(changed));
  }

  // ---- audit ----

  private auditPort(): AuditPort {
    return {
      append: (actor, kind, detail) => this.tx((c) => appendPgAudit(c, this.keys.auditKey, actor, kind, detail)),
      head: () => pgAuditHead(this.pool),
      list: (q) => listPgAudit(this.pool, q),
      verify: (o) => verifyPgAudit(this.pool, this.keys.auditKey, o?.expectedHead),
    };
  }

  // ---- settings ----

  private async readSetting(key: string, c: pg.PoolClient | pg.Pool = this.pool): Promise<unknown> {
    const r = await c.query<{ body: string }>('SELECT body FROM settings WHERE key = $1', [key]);
    if (!r.rows[0]) return null;
    try {
      return JSON.parse(r.rows[0].body) as unknown;
    } catch {
      return null;
    }
  }

  private writeSetting(key: string, body: unknown, actor: string, kind: string, before: (raw: unknown) => unknown = (x) => x): Promise<void> {
    return this.tx(async (c) => {
      // The row lock orders concurrent writers, so each audit entry's `before` is what it replaced.
      await c.query("INSERT INTO settings (key, body, updated_by) VALUES ($1, 'null', $2) ON CONFLICT (key) DO NOTHING", [key, actor]);
      await c.query('SELECT 1 FROM settings WHERE key = $1 FOR UPDATE', [key]);
      const prior = before(await this.readSetting(key, c));
      await c.query('UPDATE settings SET body = $2, updated_at = now(), updated_by = $3 WHERE key = $1', [key, JSON.stringify(body), actor]);
      await this.audit(c, actor, kind, { before: prior, after: body });
    });
  }

  private settings(): SettingsPort {
    const policyOf = (raw: unknown): Policy => {
      const parsed = PolicySchema.safeParse(raw);
      // A corrupted policy must not silently disable approvals: fall back to the strict default.
      return parsed.success ? parsed.data : DEFAULT_POLICY;
    };
    const storeOf = (raw: unknown): StoreSettingsView => {
      const parsed = StoreSettingsSchema.safeParse(raw);
      return parsed.success ? parsed.data : DEFAULT_STORE_SETTINGS;
    };
    const reasonsOf = (raw: unknown): RefundReasonView[] => {
      const parsed = RefundReasonsSchema.safeParse({ reasons: raw });
      return parsed.success ? parsed.data.reasons : [...DEFAULT_REASONS];
    };
    const port: SettingsPort = {
      getPolicy: async () => policyOf(await this.readSetting('policy')),
      setPolicy: async (policy, actor) => {
        const parsed = PolicySchema.safeParse(policy);
        if (!parsed.success) return err('INVALID_INPUT', `Policy is not valid: ${parsed.error.issues.map((i) => i.message).join('; ')}`);
        await this.writeSetting('policy', parsed.data, actor, 'config.policy', policyOf);
        return ok(parsed.data);
      },
      store: async () => storeOf(await this.readSetting('store')),
      setStore: async (s, actor) => {
        const valid = StoreSettingsSchema.parse(s);
        await this.writeSetting('store', valid, actor, 'config.store');
        return valid;
      },
      reasons: async () => reasonsOf(await this.readSetting('reasons')),
      setReasons: async (reasons, actor) => {
        const valid = RefundReasonsSchema.parse({ reasons }).reasons;
        await this.writeSetting('reasons', valid, actor, 'config.reasons');
        return valid;
      },
      activeReason: async (code) => {
        const r = (await port.reasons()).find((x) => x.code === code && x.active);
        return r === undefined ? null : { code: r.code, text: reasonText(r) };
      },
      timeZone: async () => {
        const tz = await this.readSetting('time_zone');
        return typeof tz === 'string' && isValidTimeZone(tz) ? tz : null;
      },
      setTimeZone: async (tz, actor) => {
        if (!isValidTimeZone(tz)) return err('INVALID_INPUT', `${tz} is not a time zone. Use an IANA name such as Asia/Singapore.`);
        await this.writeSetting('time_zone', tz, actor, 'config.time_zone');
        return ok(tz);
      },
    };
    return port;
  }

  // ---- other refunds ----

  private otherRefunds(): OtherRefundsPort {
    return {
      record: (n, actor) => this.recordOther(n, actor),
      list: async (f = {}) => {
        const where: string[] = [];
        const params: unknown[] = [];
        if (f.paymentId !== undefined) {
          params.push(f.paymentId);
          where.push(`payment_id = $${params.length}`);
        }
        if (f.date !== undefined) {
          const b = widenedUtcBounds(f.date);
          params.push(b.from, b.to);
          where.push(`created_at >= $${params.length - 1} AND created_at < $${params.length}`);
        }
        const r = await this.pool.query(
          `SELECT * FROM other_refunds ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY created_at DESC, id DESC`,
          params,
        );
        const rows = (r.rows as Record<string, unknown>[]).map(toOther);
        const date = f.date;
        if (date === undefined) return rows;
        const tz = f.tz ?? (await this.settings().timeZone()) ?? 'UTC';
        return rows.filter((o) => localDate(o.created_at, tz) === date);
      },
    };
  }

  private recordOther(n: NewOtherRefund, actor: string): Promise<Result<OtherRefundRow, RecordOtherError>> {
    return this.tx(async (c): Promise<Result<OtherRefundRow, RecordOtherError>> => {
      // The payment's row lock: the same one every refund admission of this payment takes, at any counter.
      const pay = await c.query('SELECT * FROM payments WHERE payment_id = $1 FOR UPDATE', [n.paymentId]);
      const existing = await c.query('SELECT * FROM other_refunds WHERE id = $1', [n.id]);
      if (existing.rows[0]) {
        const e = toOther(existing.rows[0] as Record<string, unknown>);
        const same = e.payment_id === n.paymentId && e.amount_value === n.amount.value && e.method === n.method;
        return same ? ok(e) : err('INVALID_INPUT', 'This entry was already recorded with other details.');
      }
      if (!pay.rows[0]) return err('PAYMENT_NOT_FOUND', 'This payment has not been looked up in this store.');
      const payment = toPaymentRow(pay.rows[0] as Record<string, unknown>);
      if (payment.currency !== n.amount.currency) return err('INVALID_INPUT', `The payment is in ${payment.currency}.`);
      if (n.relatedRefundRequestId !== undefined) {
        const rel = await c.query<{ payment_id: string }>('SELECT payment_id FROM refunds WHERE refund_request_id = $1', [n.relatedRefundRequestId]);
        if (rel.rows[0]?.payment_id !== n.paymentId) return err('NOT_FOUND', 'That refund does not belong to this payment.');
      }
      const open = await c.query<{ refund_request_id: string }>(
        "SELECT refund_request_id FROM refunds WHERE payment_id = $1 AND state NOT IN ('SUCCEEDED','FAILED','DECLINED')",
        [n.paymentId],
      );
      if (open.rows[0]) {
        return err('REFUND_IN_FLIGHT', 'An Antom refund for this payment is still open. Wait for its outcome first.', {
          refundRequestId: open.rows[0].refund_request_id,
        });
      }
      const refundable = (await storeBalance(c, n.paymentId))?.refundable.value ?? 0;
      if (n.amount.value > refundable)
        return err('AMOUNT_EXCEEDS_REFUNDABLE', 'The amount is more than what is left to refund on this payment.', { refundable });
      const ins = await c.query(
        `INSERT INTO other_refunds (id, payment_id, register, method, amount_value, currency, note, related_refund_request_id, recorded_by)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING *`,
        [n.id, n.paymentId, this.register, n.method, n.amount.value, n.amount.currency, n.note, n.relatedRefundRequestId ?? null, actor],
      );
      await this.audit(c, actor, 'refund.other_recorded', {
        id: n.id,
        paymentId: n.paymentId,
        register: this.register,
        method: n.method,
        amount: n.amount,
        note: n.note,
        relatedRefundRequestId: n.relatedRefundRequestId ?? null,
      });
      return ok(toOther(ins.rows[0] as Record<string, unknown>));
    });
  }

  // ---- payments ----

  private payments(): PaymentsPort {
    const learned = async (m: string) => {
      const r = await this.pool.query<{ partial_supported: boolean | null; window_days: number | null; learned_from: string }>(
        'SELECT * FROM method_capabilities WHERE payment_method = $1',
        [m.toUpperCase()],
      );
      const x = r.rows[0];
      return mergeCapability(m, x && { partialSupported: x.partial_supported, windowDays: x.window_days, learnedFrom: x.learned_from });
    };
    const port: PaymentsPort = {
      upsert: async (p) => {
        await upsertPgPayment(this.pool, p);
        const got = await port.get(p.paymentId);
        if (got === null) throw new Error('payment vanished after upsert');
        return got;
      },
      get: async (id) => {
        const r = await this.pool.query('SELECT * FROM payments WHERE payment_id = $1', [id]);
        return r.rows[0] ? toPayment(r.rows[0] as Record<string, unknown>) : null;
      },
      row: async (id) => {
        const r = await this.pool.query('SELECT * FROM payments WHERE payment_id = $1', [id]);
        return r.rows[0] ? toPaymentRow(r.rows[0] as Record<string, unknown>) : null;
      },
      balance: (id) => storeBalance(this.pool, id),
      refundableBalance: async (id) => (await storeBalance(this.pool, id))?.refundable ?? null,
      markRefusedAt: async (id, v) =>
        void (await this.pool.query('UPDATE payments SET refundable_below = LEAST(COALESCE(refundable_below, $2), $2) WHERE payment_id = $1', [id, v])),
      markPartialRefused: async (id) => void (await this.pool.query('UPDATE payments SET supports_partial = false WHERE payment_id = $1', [id])),
      markClosed: async (id, code) => void (await this.pool.query('UPDATE payments SET refund_closed_code = $2 WHERE payment_id = $1', [id, code])),
      capability: learned,
      learnPartialRefused: async (m, code) =>
        void (await this.pool.query(
          `INSERT INTO method_capabilities (payment_method, partial_supported, window_days, learned_from) VALUES ($1, false, NULL, $2)
           ON CONFLICT (payment_method) DO UPDATE SET partial_supported = false, learned_from = excluded.learned_from, updated_at = now()`,
          [m.toUpperCase(), code],
        )),
      learnWindowExceeded: async (m, ageDays, code) => {
        const current = (await learned(m)).windowDays;
        const days = Math.max(0, Math.floor(ageDays));
        if (current !== null && current <= days) return; // consistent with what we knew
        await this.pool.query(
          `INSERT INTO method_capabilities (payment_method, partial_supported, window_days, learned_from) VALUES ($1, NULL, $2, $3)
           ON CONFLICT (payment_method) DO UPDATE SET window_days = LEAST(COALESCE(method_capabilities.window_days, excluded.window_days), excluded.window_days),
             learned_from = excluded.learned_from, updated_at = now()`,
          [m.toUpperCase(), days, code],
        );
      },
    };
    return port;
  }

  // ---- approvals ----

  private approvals(): ApprovalsPort {
    return {
      pending: async () => {
        const r = await this.pool.query("SELECT * FROM refunds WHERE state = 'AWAITING_APPROVAL' ORDER BY created_at, refund_request_id");
        return (r.rows as Record<string, unknown>[]).map((x) => ({
          refundRequestId: String(x['refund_request_id']),
          register: String(x['register']),
          cashier: String(x['cashier']),
          amount: { value: pgInt(x['amount_value']), currency: String(x['currency']) },
          paymentId: String(x['payment_id']),
          createdAt: pgIso(x['created_at']) ?? '',
        }));
      },
      record: (a) =>
        this.tx(async (c) => {
          await c.query('INSERT INTO approvals (refund_request_id, manager, decision, reason) VALUES ($1, $2, $3, $4)', [
            a.refundRequestId,
            a.manager,
            a.decision,
            a.reason,
          ]);
          await this.audit(c, a.manager, a.decision === 'APPROVED' ? 'refund.approved' : 'refund.declined', {
            refundRequestId: a.refundRequestId,
            reason: a.reason,
            register: this.register,
          });
        }),
      decisions: (id) => this.decisions(id),
      onApprovalChange: (listener) => {
        this.approvalListeners.add(listener);
        if (this.listening === null) this.listening = this.listen();
        return () => this.approvalListeners.delete(listener);
      },
    };
  }

  private async decisions(id: string): Promise<ApprovalRow[]> {
    const r = await this.pool.query('SELECT * FROM approvals WHERE refund_request_id = $1 ORDER BY id', [id]);
    return (r.rows as Record<string, unknown>[]).map(toApproval);
  }

  /** Resolves once LISTEN is in place (a test waits for it before another counter writes). */
  async approvalsReady(): Promise<void> {
    if (this.listening === null) this.listening = this.listen();
    await this.listening;
  }

  private async listen(): Promise<void> {
    const client = new pg.Client({ connectionString: this.url });
    client.on('error', () => undefined);
    client.on('notification', (m) => {
      if (m.channel !== APPROVAL_CHANNEL || m.payload === undefined) return;
      for (const l of [...this.approvalListeners]) l(m.payload);
    });
    await client.connect();
    await client.query(`LISTEN ${APPROVAL_CHANNEL}`);
    this.listenClient = client;
  }

  // ---- reports ----

  /** The day's refunds of the store (local day in `tz`), with each one's register. */
  private async dayRows(date: string, tz: string): Promise<{ rows: RefundRow[]; registerOf: Map<string, string> }> {
    const b = widenedUtcBounds(date);
    const r = await this.pool.query('SELECT * FROM refunds WHERE created_at >= $1 AND created_at < $2 ORDER BY created_at DESC, refund_request_id DESC', [
      b.from,
      b.to,
    ]);
    const registerOf = new Map<string, string>();
    const rows: RefundRow[] = [];
    for (const raw of r.rows as Record<string, unknown>[]) {
      const row = toRefundRow(raw);
      if (localDate(row.created_at, tz) !== date) continue;
      registerOf.set(row.refund_request_id, String(raw['register']));
      rows.push(row);
    }
    return { rows, registerOf };
  }

  private async otherDay(date: string, tz: string): Promise<{ rows: OtherRefundRow[]; registerOf: Map<string, string> }> {
    const b = widenedUtcBounds(date);
    const r = await this.pool.query('SELECT * FROM other_refunds WHERE created_at >= $1 AND created_at < $2 ORDER BY created_at DESC, id DESC', [b.from, b.to]);
    const registerOf = new Map<string, string>();
    const rows: OtherRefundRow[] = [];
    for (const raw of r.rows as Record<string, unknown>[]) {
      const o = toOther(raw);
      if (localDate(o.created_at, tz) !== date) continue;
      registerOf.set(o.id, String(raw['register']));
      rows.push(o);
    }
    return { rows, registerOf };
  }

  private reports(): ReportsPort {
    const zone = async (tz?: string): Promise<string> => tz ?? (await this.settings().timeZone()) ?? 'UTC';
    const load = async (date: string, tzIn: string | undefined, register: string | undefined) => {
      const tz = await zone(tzIn);
      const day = await this.dayRows(date, tz);
      const other = await this.otherDay(date, tz);
      const registers = [...new Set([...day.registerOf.values(), ...other.registerOf.values()])].sort();
      const keep = (reg: string | undefined): boolean => register === undefined || reg === register;
      const rows = day.rows.filter((r) => keep(day.registerOf.get(r.refund_request_id)));
      const others = other.rows.filter((o) => keep(other.registerOf.get(o.id)));
      const approvals = new Map<string, ApprovalRow[]>();
      if (rows.length > 0) {
        const ap = await this.pool.query('SELECT * FROM approvals WHERE refund_request_id = ANY($1) ORDER BY id', [rows.map((r) => r.refund_request_id)]);
        for (const x of (ap.rows as Record<string, unknown>[]).map(toApproval))
          approvals.set(x.refund_request_id, [...(approvals.get(x.refund_request_id) ?? []), x]);
      }
      const methods = new Map<string, string>();
      const ids = [...new Set([...rows.map((r) => r.payment_id), ...others.map((o) => o.payment_id)])];
      if (ids.length > 0) {
        const p = await this.pool.query<{ payment_id: string; payment_method: string }>(
          'SELECT payment_id, payment_method FROM payments WHERE payment_id = ANY($1)',
          [ids],
        );
        for (const x of p.rows) methods.set(x.payment_id, x.payment_method);
      }
      const registerOf = new Map([...day.registerOf, ...other.registerOf]);
      return { tz, rows, others, registers, approvals, methods, registerOf, head: await pgAuditHead(this.pool) };
    };
    return {
      dailyReport: async (date, q = {}) => {
        const d = await load(date, q.tz, q.register);
        const view = (r: RefundRow) => toRefundView(r, d.approvals.get(r.refund_request_id) ?? []);
        return { ...buildDailyReport(date, d.rows, view, d.others), auditHead: d.head, registers: d.registers };
      },
      dailyReportCsv: async (date, q = {}) => {
        const d = await load(date, q.tz, q.register);
        return buildDailyCsv(
          d.rows,
          {
            approvals: (id) => d.approvals.get(id) ?? [],
            paymentMethod: (id) => d.methods.get(id) ?? null,
            registerOf: (id) => d.registerOf.get(id) ?? '',
          },
          d.others,
          d.tz,
          d.head,
        );
      },
      view: async (id) => {
        const row = await this.journal.get(id);
        return row === null ? null : toRefundView(row, await this.decisions(id));
      },
    };
  }

  ledger(): StoreLedger & { approvalsReady(): Promise<void> } {
    return {
      engine: 'postgres',
      register: this.register,
      journal: this.journal,
      people: this.people(),
      audit: this.auditPort(),
      settings: this.settings(),
      otherRefunds: this.otherRefunds(),
      payments: this.payments(),
      approvals: this.approvals(),
      reports: this.reports(),
      approvalsReady: () => this.approvalsReady(),
      close: async () => {
        await this.listening?.catch(() => undefined);
        await this.listenClient?.end().catch(() => undefined);
        await this.pool.end();
        await this.journal.close();
      },
    };
  }
}

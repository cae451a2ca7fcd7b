/**
 * The settings port of the store ledger: refund policy, store details, refund
 * reasons and time zone, shared by every counter. Each write takes the
 * setting's row lock, so its audit entry's `before` is what it replaced, and
 * seals the row (./pg-row-seals.ts) in the same transaction.
 *
 * A row whose seal does not match was edited outside the app and is not
 * applied (fail closed): the policy becomes TAMPERED_POLICY (every refund needs
 * a manager, never self-approval), any other setting reads as never set.
 */
import type pg from 'pg';
import { err, ok } from '../../../preload/contract/result';
import { type RefundReasonView, RefundReasonsSchema, type StoreSettingsView, StoreSettingsSchema } from '../../../preload/contract/views';
import { isValidTimeZone } from '../local-date';
import { DEFAULT_POLICY, PolicySchema, TAMPERED_POLICY, type Policy } from '../policy';
import { DEFAULT_REASONS, DEFAULT_STORE_SETTINGS, reasonText } from '../store-settings';
import type { SettingsPort } from '../store-port';
import type { PgStoreContext } from './pg-store-context';
import { PG_SETTINGS, pgRowTrusted, sealPgRow } from './pg-row-seals';

/** What a setting edited outside the app reads as (never applied). */
const TAMPERED = Symbol('tampered setting');

export class PgSettings {
  constructor(private readonly ctx: PgStoreContext) {}

  private async readSetting(key: string, c: pg.PoolClient | pg.Pool = this.ctx.pool): Promise<unknown> {
    const r = await c.query<{ body: string }>('SELECT * FROM settings WHERE key = $1', [key]);
    if (!r.rows[0]) return null;
    if (!pgRowTrusted(this.ctx.keys.auditKey, PG_SETTINGS, r.rows[0])) return TAMPERED;
    try {
      return JSON.parse(r.rows[0].body) as unknown;
    } catch {
      return null;
    }
  }

  private writeSetting(key: string, body: unknown, actor: string, kind: string, before: (raw: unknown) => unknown = (x) => x): Promise<void> {
    return this.ctx.tx(async (c) => {
      // The row lock orders concurrent writers, so each audit entry's `before` is what it replaced.
      await c.query("INSERT INTO settings (key, body, updated_by) VALUES ($1, 'null', $2) ON CONFLICT (key) DO NOTHING", [key, actor]);
      await c.query('SELECT 1 FROM settings WHERE key = $1 FOR UPDATE', [key]);
      const prior = before(await this.readSetting(key, c));
      await c.query('UPDATE settings SET body = $2, updated_at = now(), updated_by = $3 WHERE key = $1', [key, JSON.stringify(body), actor]);
      const seal = await sealPgRow(c, this.ctx.keys.auditKey, PG_SETTINGS, key);
      await this.ctx.audit(c, actor, kind, { before: prior === TAMPERED ? 'edited outside the app' : prior, after: body, seals: seal === null ? [] : [seal] });
    });
  }

  port(): SettingsPort {
    const policyOf = (raw: unknown): Policy => {
      // Edited outside the app: not applied, and not the default either (deleting limits would then be as good as lowering them).
      if (raw === TAMPERED) return TAMPERED_POLICY;
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
}

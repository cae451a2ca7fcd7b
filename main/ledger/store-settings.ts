/**
 * The store's own settings a manager keeps in the journal (not config.json: they
 * travel with the refunds they describe and every change is audited): the
 * store name and register printed on receipts.
 */
import { RowSeals } from './row-mac';
import type { Database } from 'better-sqlite3';
import { BUILT_IN_REASON_TEXT, RefundReasonsSchema, StoreSettingsSchema, type RefundReasonView, type StoreSettingsView } from '../../preload/contract/views';
import type { AuditLog } from './audit';
import { parseRow, SettingRowSchema } from './rows';

export const DEFAULT_STORE_SETTINGS: StoreSettingsView = { storeName: null, register: null };

/** What an install offers until a manager changes it. */
export const DEFAULT_REASONS: readonly RefundReasonView[] = Object.keys(BUILT_IN_REASON_TEXT).map((code) => ({ code, label: null, active: true }));

/** The wording journaled for a reason: the store's label, else the built-in English text. */
export function reasonText(r: RefundReasonView): string {
  return r.label ?? BUILT_IN_REASON_TEXT[r.code] ?? r.code;
}

export class SettingsStore {
  constructor(
    private readonly db: Database,
    private readonly audit: AuditLog,
    private readonly clock: () => Date,
    private readonly seals: RowSeals | null = null,
  ) {}

  /** A stored body, or null when never set or no longer valid (callers fall back to defaults). */
  read(key: string): unknown {
    const raw = this.db.prepare('SELECT * FROM settings WHERE key = ?').get(key);
    if (raw === undefined) return null;
    // Edited outside the app (attack F4): treated as never set, so the defaults apply.
    if (this.seals !== null && !this.seals.settingValid(raw as Record<string, unknown>)) return null;
    try {
      return JSON.parse(parseRow(SettingRowSchema, raw, 'setting').body) as unknown;
    } catch {
      return null;
    }
  }

  /** Writes one setting and its audit entry in one transaction. */
  write(key: string, body: unknown, actor: string, auditKind: string): void {
    const run = this.db.transaction(() => {
      const before = this.read(key);
      this.db
        .prepare(
          `INSERT INTO settings (key, body, updated_at, updated_by) VALUES (@key, @body, @at, @by)
           ON CONFLICT(key) DO UPDATE SET body = excluded.body, updated_at = excluded.updated_at, updated_by = excluded.updated_by`,
        )
        .run({ key, body: JSON.stringify(body), at: this.clock().toISOString(), by: actor });
      this.seals?.sealSetting(key);
      this.audit.append(actor, auditKind, { before, after: body });
    });
    if (this.db.inTransaction) run();
    else run.immediate();
  }

  store(): StoreSettingsView {
    const parsed = StoreSettingsSchema.safeParse(this.read('store'));
    return parsed.success ? parsed.data : DEFAULT_STORE_SETTINGS;
  }

  /** The manager's list of refund reasons (a corrupted list falls back to the defaults). */
  reasons(): RefundReasonView[] {
    const parsed = RefundReasonsSchema.safeParse({ reasons: this.read('reasons') });
    return parsed.success ? parsed.data.reasons : [...DEFAULT_REASONS];
  }

  setReasons(reasons: readonly RefundReasonView[], actor: string): RefundReasonView[] {
    const valid = RefundReasonsSchema.parse({ reasons }).reasons;
    this.write('reasons', valid, actor, 'config.reasons');
    return valid;
  }

  /** A reason a cashier may choose now: known and still offered. */
  activeReason(code: string): { code: string; text: string } | null {
    const r = this.reasons().find((x) => x.code === code && x.active);
    return r === undefined ? null : { code: r.code, text: reasonText(r) };
  }

  setStore(settings: StoreSettingsView, actor: string): StoreSettingsView {
    const valid = StoreSettingsSchema.parse(settings);
    this.write('store', valid, actor, 'config.store');
    return valid;
  }
}

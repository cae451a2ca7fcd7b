/**
 * Versioned PostgreSQL migrations of the store ledger. Each step runs in one
 * transaction with its version row, under an advisory lock, so several
 * counters starting at once migrate exactly once and a failed step leaves the
 * previous version intact. Append-only: never edit a shipped step.
 */
import type { PoolClient } from 'pg';

const FINAL_LIST = "('SUCCEEDED','FAILED','DECLINED')";
const STATES =
  "('AWAITING_APPROVAL','APPROVED','DECLINED','REFERENCE_REQUESTED','REFERENCE_OBTAINED','SUBMITTING','SUCCEEDED','FAILED','PENDING_IN_PROCESS','PENDING_UNKNOWN')";

const V1 = `
CREATE TABLE payments (
  payment_id       TEXT PRIMARY KEY,
  amount_value     BIGINT NOT NULL CHECK (amount_value >= 0),
  currency         TEXT NOT NULL,
  payment_method   TEXT NOT NULL,
  paid_at          TEXT NOT NULL,
  status           TEXT NOT NULL,
  supports_partial BOOLEAN,
  fetched_at       TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE TABLE refunds (
  refund_request_id           TEXT PRIMARY KEY,
  intent_id                   TEXT NOT NULL UNIQUE,
  root_intent_id              TEXT,
  parent_refund_request_id    TEXT,
  payment_id                  TEXT NOT NULL REFERENCES payments(payment_id),
  register                    TEXT NOT NULL,
  mode                        TEXT NOT NULL CHECK (mode IN ('FULL','PARTIAL')),
  amount_value                BIGINT NOT NULL CHECK (amount_value > 0),
  currency                    TEXT NOT NULL,
  memo                        TEXT,
  state                       TEXT NOT NULL CHECK (state IN ${STATES}),
  original_merchant_refund_id TEXT,
  refund_id                   TEXT,
  result_code                 TEXT,
  message                     TEXT NOT NULL,
  next_action                 TEXT NOT NULL,
  cashier                     TEXT NOT NULL,
  approval_reasons            TEXT NOT NULL DEFAULT '[]',
  attempts                    INTEGER NOT NULL DEFAULT 0,
  next_check_at               TIMESTAMPTZ,
  lease_owner                 TEXT,
  lease_until                 TIMESTAMPTZ,
  created_at                  TIMESTAMPTZ NOT NULL DEFAULT now(),
  updated_at                  TIMESTAMPTZ NOT NULL DEFAULT now()
);
-- Store-wide: one unfinished refund per payment, whichever counter inserts it.
CREATE UNIQUE INDEX refunds_one_in_flight ON refunds(payment_id) WHERE state NOT IN ${FINAL_LIST};
-- A terminal reference is used by one refund only, store-wide.
CREATE UNIQUE INDEX refunds_reference_once ON refunds(original_merchant_refund_id) WHERE original_merchant_refund_id IS NOT NULL;
CREATE INDEX refunds_created ON refunds(created_at);
CREATE INDEX refunds_payment ON refunds(payment_id);
CREATE INDEX refunds_next_check ON refunds(next_check_at) WHERE next_check_at IS NOT NULL;

CREATE TABLE refund_transitions (
  id                BIGSERIAL PRIMARY KEY,
  refund_request_id TEXT NOT NULL REFERENCES refunds(refund_request_id),
  at                TIMESTAMPTZ NOT NULL DEFAULT now(),
  actor             TEXT NOT NULL,
  from_state        TEXT,
  to_state          TEXT NOT NULL,
  detail            TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX refund_transitions_refund ON refund_transitions(refund_request_id);

CREATE TABLE audit (
  seq       BIGINT PRIMARY KEY,
  at        TEXT NOT NULL,
  actor     TEXT NOT NULL,
  kind      TEXT NOT NULL,
  detail    TEXT NOT NULL,
  prev_hash TEXT NOT NULL,
  hash      TEXT NOT NULL
);
CREATE FUNCTION audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN RAISE EXCEPTION 'audit is append-only'; END $$;
CREATE TRIGGER audit_no_update BEFORE UPDATE OR DELETE ON audit FOR EACH ROW EXECUTE FUNCTION audit_append_only();
`;

// Parity with the SQLite journal's v6 (issue #13): whether the refund call carries refundAmount.
const V2 = `
ALTER TABLE refunds ADD COLUMN send_amount INTEGER NOT NULL DEFAULT 0 CHECK (send_amount IN (0, 1));
UPDATE refunds SET send_amount = 1 WHERE mode = 'PARTIAL';
`;

// Parity with the SQLite journal's v7/v8 (issue #17): the terminal's slip answer and the refund reason.
const V3 = `
ALTER TABLE refunds ADD COLUMN terminal_printed INTEGER;
ALTER TABLE refunds ADD COLUMN reason_code TEXT;
ALTER TABLE refunds ADD COLUMN reason_text TEXT;
`;

// Issue #16, store-wide everything else (task w-pgstore): people, MAC-keyed audit,
// settings, approvals, other refunds, Antom's balance columns, capabilities, and
// the approvals feed.
const V4 = `
-- The audit chain is MAC-keyed like the SQLite chain; the only update allowed is
-- signing an entry written before (a NULL mac set, nothing else changed).
ALTER TABLE audit ADD COLUMN mac TEXT;
DROP TRIGGER audit_no_update ON audit;
CREATE FUNCTION audit_sign_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'UPDATE' AND OLD.mac IS NULL AND NEW.mac IS NOT NULL AND NEW.seq = OLD.seq AND NEW.at = OLD.at
     AND NEW.actor = OLD.actor AND NEW.kind = OLD.kind AND NEW.detail = OLD.detail AND NEW.prev_hash = OLD.prev_hash AND NEW.hash = OLD.hash THEN
    RETURN NEW;
  END IF;
  RAISE EXCEPTION 'audit is append-only';
END $$;
CREATE TRIGGER audit_no_update BEFORE UPDATE OR DELETE ON audit FOR EACH ROW EXECUTE FUNCTION audit_sign_only();

-- What Antom reported on the last lookup (parity with SQLite v6): the store balance is computeBalance on both engines.
ALTER TABLE payments ADD COLUMN antom_refunded BIGINT CHECK (antom_refunded >= 0);
ALTER TABLE payments ADD COLUMN antom_refunds TEXT NOT NULL DEFAULT '[]';
ALTER TABLE payments ADD COLUMN refundable_below BIGINT CHECK (refundable_below >= 0);
ALTER TABLE payments ADD COLUMN refund_closed_code TEXT;

-- People are store-wide: one row per person, the lockout counter in the row (updated atomically).
CREATE TABLE users (
  name            TEXT PRIMARY KEY,
  role            TEXT NOT NULL CHECK (role IN ('cashier','manager','technician')),
  pin_hash        TEXT NOT NULL,
  pin_keyed       BOOLEAN NOT NULL DEFAULT true,
  must_change_pin BOOLEAN NOT NULL DEFAULT false,
  disabled        BOOLEAN NOT NULL DEFAULT false,
  failed_attempts INTEGER NOT NULL DEFAULT 0 CHECK (failed_attempts >= 0),
  locked_until    TIMESTAMPTZ,
  language        TEXT CHECK (language IN ('en','zh')),
  created_at      TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE TABLE approvals (
  id                BIGSERIAL PRIMARY KEY,
  refund_request_id TEXT NOT NULL REFERENCES refunds(refund_request_id),
  manager           TEXT NOT NULL,
  decision          TEXT NOT NULL CHECK (decision IN ('APPROVED','DECLINED')),
  reason            TEXT NOT NULL,
  at                TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX approvals_refund ON approvals(refund_request_id);

-- Store settings (policy, receipt header, reasons, time zone): key -> validated JSON.
CREATE TABLE settings (
  key        TEXT PRIMARY KEY,
  body       TEXT NOT NULL,
  updated_at TIMESTAMPTZ NOT NULL DEFAULT now(),
  updated_by TEXT NOT NULL
);

CREATE TABLE other_refunds (
  id                        TEXT PRIMARY KEY,
  payment_id                TEXT NOT NULL REFERENCES payments(payment_id),
  register                  TEXT NOT NULL,
  method                    TEXT NOT NULL CHECK (method IN ('CASH','STORE_CREDIT')),
  amount_value              BIGINT NOT NULL CHECK (amount_value > 0),
  currency                  TEXT NOT NULL,
  note                      TEXT NOT NULL,
  related_refund_request_id TEXT REFERENCES refunds(refund_request_id),
  recorded_by               TEXT NOT NULL,
  created_at                TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX other_refunds_created ON other_refunds(created_at);
CREATE INDEX other_refunds_payment ON other_refunds(payment_id);

CREATE TABLE method_capabilities (
  payment_method    TEXT PRIMARY KEY,
  partial_supported BOOLEAN,
  window_days       INTEGER,
  learned_from      TEXT NOT NULL,
  updated_at        TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- The approvals feed: whatever writes a refund into or out of AWAITING_APPROVAL,
-- every listening manager screen is told on commit (LISTEN approval_changed).
CREATE FUNCTION refunds_approval_feed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF (TG_OP = 'INSERT' AND NEW.state = 'AWAITING_APPROVAL')
     OR (TG_OP = 'UPDATE' AND (OLD.state = 'AWAITING_APPROVAL') IS DISTINCT FROM (NEW.state = 'AWAITING_APPROVAL')) THEN
    PERFORM pg_notify('approval_changed', NEW.refund_request_id);
  END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER refunds_approval_feed AFTER INSERT OR UPDATE OF state ON refunds FOR EACH ROW EXECUTE FUNCTION refunds_approval_feed();
CREATE INDEX refunds_awaiting ON refunds(created_at) WHERE state = 'AWAITING_APPROVAL';
`;

// Issue #16, tamper evidence of the store (task w-pgseal): seals on the rows that decide
// who may do what (users, settings: ./pg-row-seals.ts), the chain's head record, and no
// TRUNCATE of the money and the chain (row triggers do not fire on TRUNCATE). Existing rows
// are sealed in this step's transaction by a process holding the audit key (adoptPgSeals).
const V5 = `
ALTER TABLE users ADD COLUMN row_mac TEXT;
ALTER TABLE settings ADD COLUMN row_mac TEXT;

-- The chain's last entry (seq, hash, MAC-keyed), moved by every append in its transaction:
-- entries cut off the end of the chain leave it pointing past the end.
CREATE TABLE audit_head (
  id   INTEGER PRIMARY KEY CHECK (id = 1),
  seq  BIGINT NOT NULL,
  hash TEXT NOT NULL,
  mac  TEXT NOT NULL
);

CREATE FUNCTION refuse_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN RAISE EXCEPTION '% cannot be truncated: the store ledger is append-only evidence', TG_TABLE_NAME; END $$;
CREATE TRIGGER audit_no_truncate BEFORE TRUNCATE ON audit FOR EACH STATEMENT EXECUTE FUNCTION refuse_truncate();
CREATE TRIGGER audit_head_no_truncate BEFORE TRUNCATE ON audit_head FOR EACH STATEMENT EXECUTE FUNCTION refuse_truncate();
CREATE TRIGGER refunds_no_truncate BEFORE TRUNCATE ON refunds FOR EACH STATEMENT EXECUTE FUNCTION refuse_truncate();
CREATE TRIGGER refund_transitions_no_truncate BEFORE TRUNCATE ON refund_transitions FOR EACH STATEMENT EXECUTE FUNCTION refuse_truncate();
CREATE TRIGGER approvals_no_truncate BEFORE TRUNCATE ON approvals FOR EACH STATEMENT EXECUTE FUNCTION refuse_truncate();
`;

// Attack 3, finding 14: a terminal reference (originalMerchantRefundId, the merchant-side POS reference) is issued
// by each counter's own terminal and TLP/1 promises it unique only on that terminal, so in store mode it is unique
// per register, not store-wide (two terminals may both count 000001). Same index name: a replay on one register
// still maps to REFERENCE_REUSED (pg-journal.ts).
const V_REFERENCE_PER_REGISTER = `
DROP INDEX refunds_reference_once;
CREATE UNIQUE INDEX refunds_reference_once ON refunds(register, original_merchant_refund_id) WHERE original_merchant_refund_id IS NOT NULL;
`;

// The cashier's daily total (read twice per refund, store-wide) as an indexed range.
const V_CASHIER_DAY = `
CREATE INDEX refunds_cashier_created ON refunds(cashier, created_at);
`;

export const PG_MIGRATIONS: readonly string[] = [V1, V2, V3, V4, V5, V_REFERENCE_PER_REGISTER, V_CASHIER_DAY];
export const PG_LATEST_VERSION = PG_MIGRATIONS.length;

/** A fixed key for pg_advisory_xact_lock: "refund-terminal migrate". */
const MIGRATE_LOCK = 0x52544d47;

/**
 * The store schema's version; 0 for an empty database. Read-only when the
 * table exists: a counter whose role only has the grants doctor lists (a DBA
 * owns and migrates the schema) must open an up-to-date store without any
 * CREATE (PostgreSQL checks CREATE on the schema even for "IF NOT EXISTS").
 */
export async function pgSchemaVersion(client: PoolClient): Promise<number> {
  const exists = await client.query<{ t: string | null }>("SELECT to_regclass('schema_migrations')::text AS t");
  if (exists.rows[0]?.t == null) return 0;
  const r = await client.query<{ v: number | null }>('SELECT max(version) AS v FROM schema_migrations');
  return r.rows[0]?.v ?? 0;
}

const CREATE_VERSIONS = 'CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())';

/**
 * Brings the store ledger up to `target` (default latest). Never downgrades; refuses a newer schema.
 * `afterStep` runs inside each step's transaction, after its SQL (the V5 step seals existing rows with the key).
 */
export async function pgMigrate(
  client: PoolClient,
  target: number = PG_LATEST_VERSION,
  afterStep?: (version: number, client: PoolClient) => Promise<unknown>,
): Promise<number> {
  if (target > PG_LATEST_VERSION) throw new RangeError(`no store-ledger migration to v${target}`);
  for (;;) {
    await client.query('BEGIN');
    try {
      await client.query('SELECT pg_advisory_xact_lock($1)', [MIGRATE_LOCK]);
      const current = await pgSchemaVersion(client);
      if (current > PG_LATEST_VERSION) throw new Error(`store ledger schema v${current} is newer than this app (v${PG_LATEST_VERSION})`);
      if (current >= target) {
        await client.query('COMMIT');
        return current;
      }
      const sql = PG_MIGRATIONS[current];
      if (sql === undefined) throw new Error(`missing store-ledger migration ${current + 1}`);
      if (current === 0) await client.query(CREATE_VERSIONS);
      await client.query(sql).catch((e: unknown) => {
        // A counter whose role may not change the schema (a DBA owns it) cannot bring it up to date itself.
        if ((e as { code?: unknown }).code === '42501')
          throw new Error(
            `The store ledger's schema is at v${current}; this app needs v${target}, and this counter's database role may not change the schema (${(e as Error).message}). The schema's owner must run this app once (or refund-terminal doctor shows what to grant).`,
          );
        throw e;
      });
      await afterStep?.(current + 1, client);
      await client.query('INSERT INTO schema_migrations (version) VALUES ($1)', [current + 1]);
      await client.query('COMMIT');
    } catch (e) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw e;
    }
  }
}

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

export const PG_MIGRATIONS: readonly string[] = [V1, V2, V3];
export const PG_LATEST_VERSION = PG_MIGRATIONS.length;

/** A fixed key for pg_advisory_xact_lock: "refund-terminal migrate". */
const MIGRATE_LOCK = 0x52544d47;

export async function pgSchemaVersion(client: PoolClient): Promise<number> {
  await client.query('CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())');
  const r = await client.query<{ v: number | null }>('SELECT max(version) AS v FROM schema_migrations');
  return r.rows[0]?.v ?? 0;
}

/** Brings the store ledger up to `target` (default latest). Never downgrades; refuses a newer schema. */
export async function pgMigrate(client: PoolClient, target: number = PG_LATEST_VERSION): Promise<number> {
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
      await client.query(sql);
      await client.query('INSERT INTO schema_migrations (version) VALUES ($1)', [current + 1]);
      await client.query('COMMIT');
    } catch (e) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw e;
    }
  }
}

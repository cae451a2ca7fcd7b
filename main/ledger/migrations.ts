/**
 * Versioned schema migrations keyed on SQLite's `PRAGMA user_version`. Each
 * step runs in its own IMMEDIATE transaction together with the version bump,
 * so a crash mid-migration leaves the previous version intact. Steps are
 * append-only: never edit a shipped one, add the next.
 */
import type { Database } from 'better-sqlite3';

const FINAL_LIST = "('SUCCEEDED','FAILED','DECLINED')";

const V1 = `
CREATE TABLE payments (
  payment_id       TEXT PRIMARY KEY,
  amount_value     INTEGER NOT NULL CHECK (amount_value >= 0),
  currency         TEXT NOT NULL,
  payment_method   TEXT NOT NULL,
  paid_at          TEXT NOT NULL,
  status           TEXT NOT NULL,
  supports_partial INTEGER,            -- NULL = unknown
  fetched_at       TEXT NOT NULL
);

CREATE TABLE refunds (
  refund_request_id          TEXT PRIMARY KEY,
  intent_id                  TEXT NOT NULL UNIQUE,
  payment_id                 TEXT NOT NULL,
  mode                       TEXT NOT NULL CHECK (mode IN ('FULL','PARTIAL')),
  amount_value               INTEGER NOT NULL CHECK (amount_value > 0),
  currency                   TEXT NOT NULL,
  memo                       TEXT,
  state                      TEXT NOT NULL CHECK (state IN ('AWAITING_APPROVAL','APPROVED','DECLINED','REFERENCE_REQUESTED','REFERENCE_OBTAINED','SUBMITTING','SUCCEEDED','FAILED','PENDING_IN_PROCESS','PENDING_UNKNOWN')),
  original_merchant_refund_id TEXT,
  refund_id                  TEXT,
  result_code                TEXT,
  message                    TEXT NOT NULL,
  next_action                TEXT NOT NULL,
  cashier                    TEXT NOT NULL,
  approval_reasons           TEXT NOT NULL DEFAULT '[]',
  created_at                 TEXT NOT NULL,
  updated_at                 TEXT NOT NULL
);
-- The store itself guarantees one refund in flight per payment: a second
-- non-final row for the same payment is refused by SQLite, whoever inserts it.
CREATE UNIQUE INDEX refunds_one_in_flight ON refunds(payment_id) WHERE state NOT IN ${FINAL_LIST};
CREATE INDEX refunds_created ON refunds(created_at);
CREATE INDEX refunds_payment ON refunds(payment_id);

CREATE TABLE refund_transitions (
  id                INTEGER PRIMARY KEY AUTOINCREMENT,
  refund_request_id TEXT NOT NULL REFERENCES refunds(refund_request_id),
  at                TEXT NOT NULL,
  actor             TEXT NOT NULL,
  from_state        TEXT,
  to_state          TEXT NOT NULL,
  detail            TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX refund_transitions_refund ON refund_transitions(refund_request_id);

CREATE TABLE users (
  name            TEXT PRIMARY KEY,
  role            TEXT NOT NULL CHECK (role IN ('cashier','manager','technician')),
  pin_hash        TEXT NOT NULL,
  disabled        INTEGER NOT NULL DEFAULT 0,
  failed_attempts INTEGER NOT NULL DEFAULT 0,
  locked_until    TEXT,
  created_at      TEXT NOT NULL
);

CREATE TABLE approvals (
  id                INTEGER PRIMARY KEY AUTOINCREMENT,
  refund_request_id TEXT NOT NULL REFERENCES refunds(refund_request_id),
  manager           TEXT NOT NULL,
  decision          TEXT NOT NULL CHECK (decision IN ('APPROVED','DECLINED')),
  reason            TEXT NOT NULL,
  at                TEXT NOT NULL
);
CREATE INDEX approvals_refund ON approvals(refund_request_id);

CREATE TABLE audit (
  seq       INTEGER PRIMARY KEY,
  at        TEXT NOT NULL,
  actor     TEXT NOT NULL,
  kind      TEXT NOT NULL,
  detail    TEXT NOT NULL,
  prev_hash TEXT NOT NULL,
  hash      TEXT NOT NULL
);
-- Append-only: the application can never rewrite history. (Someone with the
-- file can drop these; the hash chain is what detects that.)
CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit BEGIN SELECT RAISE(ABORT, 'audit is append-only'); END;
CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit BEGIN SELECT RAISE(ABORT, 'audit is append-only'); END;
`;

const V2 = `
-- Background resolution: attempts and the persisted time of the next check,
-- so a restart continues the backoff instead of hammering Antom.
ALTER TABLE refunds ADD COLUMN attempts INTEGER NOT NULL DEFAULT 0;
ALTER TABLE refunds ADD COLUMN next_check_at TEXT;
-- Lineage for "retry as new": a person's new attempt for the same intent.
ALTER TABLE refunds ADD COLUMN root_intent_id TEXT;
ALTER TABLE refunds ADD COLUMN parent_refund_request_id TEXT;
UPDATE refunds SET root_intent_id = intent_id WHERE root_intent_id IS NULL;
CREATE INDEX refunds_root_intent ON refunds(root_intent_id);
CREATE INDEX refunds_next_check ON refunds(next_check_at) WHERE next_check_at IS NOT NULL;

CREATE TABLE policy (
  id         INTEGER PRIMARY KEY CHECK (id = 1),
  body       TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  updated_by TEXT NOT NULL
);
`;

const V3 = `
-- Which engine (host:pid:nonce) is driving a refund right now, until when.
-- Lets the CLI's recover and the app skip each other's live work, while a
-- crashed owner's lease is taken over at once (dead pid) or after it expires.
ALTER TABLE refunds ADD COLUMN lease_owner TEXT;
ALTER TABLE refunds ADD COLUMN lease_until TEXT;
`;

// Task h-a2 (issue #12 item 4): terminal references are single-use.
const V_REFERENCE_ONCE = `
-- A terminal's originalMerchantRefundId belongs to one refund only: a terminal
-- that replays a reference it issued for another refund is refused by SQLite,
-- whoever writes it. Journals written before this rule may already hold such
-- pairs (the bug this closes sent both to Antom): every copy after the first is
-- marked reference_reused = 1 and kept as it is, because the journal must keep
-- saying what was sent. The index covers every other row.
ALTER TABLE refunds ADD COLUMN reference_reused INTEGER NOT NULL DEFAULT 0;
UPDATE refunds SET reference_reused = 1
 WHERE original_merchant_refund_id IS NOT NULL
   AND EXISTS (SELECT 1 FROM refunds o
                WHERE o.original_merchant_refund_id = refunds.original_merchant_refund_id
                  AND o.rowid < refunds.rowid);
CREATE UNIQUE INDEX refunds_reference_once ON refunds(original_merchant_refund_id)
 WHERE original_merchant_refund_id IS NOT NULL AND reference_reused = 0;
`;

// Task #14 (security, second round): audit entries carry a MAC keyed with a secret
// from the secret store (backfilled for old entries by the ledger at open, the
// only UPDATE the trigger allows: setting a missing mac, nothing else); PIN
// hashes keyed with a pepper (old unkeyed ones re-hashed at the next sign-in);
// one-time PINs after a manager's reset.
const V_SECURITY_14 = `
ALTER TABLE audit ADD COLUMN mac TEXT;
DROP TRIGGER audit_no_update;
CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit
  WHEN NOT (OLD.mac IS NULL AND NEW.mac IS NOT NULL AND NEW.seq = OLD.seq AND NEW.at = OLD.at AND NEW.actor = OLD.actor
            AND NEW.kind = OLD.kind AND NEW.detail = OLD.detail AND NEW.prev_hash = OLD.prev_hash AND NEW.hash = OLD.hash)
BEGIN SELECT RAISE(ABORT, 'audit is append-only'); END;
ALTER TABLE users ADD COLUMN pin_keyed INTEGER NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN must_change_pin INTEGER NOT NULL DEFAULT 0;
`;

// Issue #13 (amounts and balances a cashier can trust). Lead: renumber at merge.
const V_ISSUE13 = `
-- What Antom reported about a payment's refunds on the last lookup: the total
-- (NULL = Antom did not say) and the refunds it listed (JSON), so refunds made
-- elsewhere (another counter, the Antom Dashboard, an earlier install) count.
ALTER TABLE payments ADD COLUMN antom_refunded INTEGER;
ALTER TABLE payments ADD COLUMN antom_refunds TEXT NOT NULL DEFAULT '[]';
-- After DPOS_REFUND_REFUND_AMOUNT_EXCEED for X: Antom has less than X left.
ALTER TABLE payments ADD COLUMN refundable_below INTEGER;
-- A refusal Antom gave that closes this payment for refunds (e.g. REFUND_WINDOW_EXCEED).
ALTER TABLE payments ADD COLUMN refund_closed_code TEXT;
-- 1 = the refund call carries refundAmount (partials, and "refund the rest"
-- after earlier refunds); 0 = omitted, Antom's documented full refund.
ALTER TABLE refunds ADD COLUMN send_amount INTEGER NOT NULL DEFAULT 0;
UPDATE refunds SET send_amount = 1 WHERE mode = 'PARTIAL';
-- Refund capabilities per payment method as Antom's answers corrected them
-- (the seed from the integration guide lives in code: main/ledger/method-capabilities.ts).
CREATE TABLE method_capabilities (
  payment_method     TEXT PRIMARY KEY,
  partial_supported  INTEGER,
  window_days        INTEGER,
  learned_from       TEXT NOT NULL,
  updated_at         TEXT NOT NULL
);
`;

// Issue #17 (receipts): whether the payment terminal printed its slip, from the
// `refund.result` reply (NULL = it never confirmed), and the store's own words
// for its receipts (store name, register) and later its refund reasons.
const V_RECEIPTS = `
ALTER TABLE refunds ADD COLUMN terminal_printed INTEGER;
CREATE TABLE settings (
  key        TEXT PRIMARY KEY,
  body       TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  updated_by TEXT NOT NULL
);
`;

// Issue #17 (reasons): the refund reason chosen at the counter, code and the
// wording at that moment (a later rename must not rewrite old receipts and reports).
const V_REASONS = `
ALTER TABLE refunds ADD COLUMN reason_code TEXT;
ALTER TABLE refunds ADD COLUMN reason_text TEXT;
`;

// Issue #17 (refunds made another way): cash or store credit the store gave when
// Antom could not refund. No money moves through Antom; the id is made by the
// screen once per entry, so a double click cannot record it twice.
const V_OTHER_REFUNDS = `
CREATE TABLE other_refunds (
  id                        TEXT PRIMARY KEY,
  payment_id                TEXT NOT NULL,
  method                    TEXT NOT NULL CHECK (method IN ('CASH','STORE_CREDIT')),
  amount_value              INTEGER NOT NULL CHECK (amount_value > 0),
  currency                  TEXT NOT NULL,
  note                      TEXT NOT NULL,
  related_refund_request_id TEXT,
  recorded_by               TEXT NOT NULL,
  created_at                TEXT NOT NULL
);
CREATE INDEX other_refunds_created ON other_refunds(created_at);
CREATE INDEX other_refunds_payment ON other_refunds(payment_id);
`;

// #17 language per person: the screen language a person last chose, applied at their sign-in on any PC or browser (null: none chosen yet).
// The store ledger's users carry the same column (PostgreSQL V4).
const V_LANGUAGE_17 = `
ALTER TABLE users ADD COLUMN language TEXT CHECK (language IS NULL OR language IN ('en', 'zh'));
`;

// attack F4: a seal (HMAC with the audit key, see row-mac.ts) on the rows that decide
// who may do what, so an SQL edit of a role, a PIN hash or the policy is caught and refused.
const V_ROW_MAC = `
ALTER TABLE users ADD COLUMN row_mac TEXT;
ALTER TABLE policy ADD COLUMN row_mac TEXT;
ALTER TABLE settings ADD COLUMN row_mac TEXT;
`;

// The cashier's daily total (read twice per refund) as an indexed range instead of a scan of the day.
const V_CASHIER_DAY = `
CREATE INDEX refunds_cashier_created ON refunds(cashier, created_at);
`;

// Order is the schema version (PRAGMA user_version): v4 references, v5 security, v6 balances, v7 receipts, v8 reasons,
// v9 other refunds, v10 language per person, v11 row seals, v12 the cashier's day index.
export const MIGRATIONS: readonly string[] = [
  V1,
  V2,
  V3,
  V_REFERENCE_ONCE,
  V_SECURITY_14,
  V_ISSUE13,
  V_RECEIPTS,
  V_REASONS,
  V_OTHER_REFUNDS,
  V_LANGUAGE_17, // #17 language per person
  V_ROW_MAC, // attack F4
  V_CASHIER_DAY, // #16 journal speed
];
export const LATEST_VERSION = MIGRATIONS.length;

export function schemaVersion(db: Database): number {
  const v = db.pragma('user_version', { simple: true });
  return typeof v === 'number' ? v : 0;
}

/** Brings the schema up to `target` (default: latest). Never downgrades. */
export function migrate(db: Database, target: number = LATEST_VERSION): number {
  if (target > LATEST_VERSION) throw new RangeError(`no migration to v${target}`);
  for (;;) {
    // Re-read inside the write lock: another process may have migrated meanwhile.
    const step = db.transaction(() => {
      const current = schemaVersion(db);
      if (current >= target) return false;
      const sql = MIGRATIONS[current];
      if (sql === undefined) throw new Error(`missing migration ${current + 1}`);
      db.exec(sql);
      db.pragma(`user_version = ${current + 1}`);
      return true;
    });
    if (!step.immediate()) break;
  }
  const v = schemaVersion(db);
  if (v > LATEST_VERSION) throw new Error(`ledger schema v${v} is newer than this app (v${LATEST_VERSION})`);
  return v;
}

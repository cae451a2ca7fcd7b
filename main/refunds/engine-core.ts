/**
 * What every part of the refund engine shares: the public types of the façade
 * (refund-engine.ts), the dependencies it is built from, and the small core the
 * job modules (payment-lookup, admission, manager-decisions, driver, recovery)
 * hold instead of reaching into one another's state.
 */
import { randomUUID } from 'node:crypto';
import type { Money } from '../../preload/contract/money';
import type { NextAction, RefundState, RefundView } from '../../preload/contract/refunds';
import type { RefundJournal } from '../ledger/journal-port';
import type { Ledger } from '../ledger/ledger';
import type { StoreLedger } from '../ledger/store-port';
import type { RefundRow } from '../ledger/rows';
import type { OutcomeRecorder } from './outcome-recorder';
import type { PollPolicy } from './poll-policy';
import type { AntomGatewayPort, AntomOutcome, TerminalPort } from './ports';

/** How long a looked-up payment is trusted on confirm without asking Antom again. */
export const PAYMENT_FRESH_MS = 60_000;

export type RefundErrorCode =
  | 'INVALID_INPUT'
  | 'PAYMENT_NOT_FOUND'
  | 'REFUND_IN_FLIGHT'
  | 'AMOUNT_EXCEEDS_REFUNDABLE'
  | 'NOT_FOUND'
  | 'NOT_AWAITING_APPROVAL'
  | 'PIN_INVALID'
  | 'USER_LOCKED'
  | 'NOT_A_MANAGER'
  | 'NOT_RETRYABLE'
  | 'SELF_APPROVAL'
  | 'BALANCE_CHANGED'
  | 'UNAVAILABLE'
  | 'LOOKUP_MISCONFIGURED'
  | 'TERMINAL_DOWN'
  | 'JOURNAL_LOW_DISK'
  | 'STORE_UNAVAILABLE';

export interface SubmitInput {
  readonly intentId: string;
  readonly paymentId: string;
  readonly mode: 'FULL' | 'PARTIAL';
  readonly amount?: Money;
  /** FULL only: the remainder the cashier saw on the button; a different balance now is BALANCE_CHANGED. */
  readonly expectedAmount?: Money;
  readonly memo?: string;
  /** One of the store's active refund reasons. */
  readonly reasonCode?: string;
  readonly cashier: string;
}

export interface ManagerDecisionInput {
  readonly refundRequestId: string;
  readonly manager: string;
  readonly pin: string;
  readonly reason: string;
}

export interface RecoverySummary {
  /** Non-final refunds found (AWAITING_APPROVAL ones are listed but left for a manager). */
  readonly examined: number;
  readonly resumed: number;
  readonly awaitingApproval: number;
  readonly final: number;
  readonly pending: number;
  /** Still not final or pending (e.g. terminal unreachable, REFERENCE_REQUESTED). */
  readonly stuck: number;
  /** Being driven right now by another live process (the app, or another CLI): left alone. */
  readonly busyElsewhere: number;
  readonly errors: number;
  readonly durationMs: number;
  readonly refunds: readonly { refundRequestId: string; from: RefundState; to: RefundState; busyElsewhere?: boolean; error?: string }[];
}

/** pino-compatible subset. Never given PINs. */
export interface EngineLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

/** The ports of the ledger the engine reads and writes (store-port.ts), whichever engine holds them. */
export type EngineStore = Pick<StoreLedger, 'engine' | 'register' | 'journal' | 'people' | 'audit' | 'settings' | 'payments' | 'approvals'>;

export interface RefundEngineDeps {
  /**
   * One counter's SQLite ledger. Without `store`, the engine runs on its ports
   * (sqliteStoreLedger); with `store` it is only asked for the journal's free
   * disk space (SQLite engine), and may be left out: a store-mode engine
   * touches no SQLite for refunds.
   */
  readonly ledger?: Ledger;
  /** Every ledger port the engine uses (store mode: openStoreLedger's). */
  readonly store?: EngineStore;
  /**
   * The refund journal the driver and recovery read and move refunds through.
   * Default: `store.journal`, else the SQLite ledger's own (sqliteJournal(ledger)).
   */
  readonly journal?: RefundJournal;
  readonly terminal: TerminalPort;
  readonly antom: AntomGatewayPort;
  readonly clock?: () => Date;
  readonly newRefundRequestId?: () => string;
  readonly log?: EngineLogger;
  readonly pollPolicy?: Partial<PollPolicy>;
  /**
   * Called synchronously right after a state is journaled (the write is on
   * disk). Used by the crash harness to kill the process at every boundary.
   */
  readonly afterJournal?: (state: RefundState, row: RefundRow) => void;
  /** Called right after Antom answered, before the answer is journaled (crash harness). */
  readonly afterGatewayReply?: (row: RefundRow, outcome: AntomOutcome) => void;
  /** How long a submit waits for another process that is driving the same refund. */
  readonly settleWaitMs?: number;
  /** Upper bound for the best-effort slip notice to the terminal. */
  readonly resultNoticeTimeoutMs?: number;
  /** How long a drive lease lasts without renewal (renewed at every step). Default 5 min. */
  readonly leaseTtlMs?: number;
  /**
   * Why the paired terminal is known to be down right now, or null when it is up
   * or not known yet (start-up). A new refund is then refused before anything is
   * journaled (TERMINAL_DOWN); refunds already journaled are not affected.
   */
  readonly terminalDownReason?: () => string | null;
  /** Holds Antom answers the journal could not record (outcome-recorder.ts). Default: one with no alarm sink. */
  readonly outcomeRecorder?: OutcomeRecorder;
  /** How long `stop()` keeps trying to write held answers before giving up (bounded; default 2 s). */
  readonly outcomeFlushMs?: number;
}

export interface DriveResult {
  readonly row: RefundRow;
  /** Another live engine holds the lease: we did not touch it. */
  readonly busyElsewhere: boolean;
}

/**
 * Antom result codes of an inquiry meaning "no refund with this refundRequestId
 * exists". Only then may a SUBMITTING / PENDING_UNKNOWN refund be resubmitted
 * (same id, same body). Gateway adapters should use one of these codes.
 */
export const REFUND_NOT_FOUND_CODES: ReadonlySet<string> = new Set([
  'REFUND_NOT_FOUND',
  'REFUND_NOT_EXIST',
  'ORDER_NOT_EXIST',
  'DPOS_PAYMENT_ORDER_NOT_EXIST',
  'NOT_FOUND',
]);

/** resultCode of a refund stopped because the terminal replayed another refund's reference. */
export const REFERENCE_REUSED_CODE = 'TERMINAL_REFERENCE_REUSED';

export function isNotFoundOutcome(o: AntomOutcome): boolean {
  return o.status !== 'SUCCESS' && REFUND_NOT_FOUND_CODES.has(o.resultCode);
}

export const NOOP_LOG: EngineLogger = { info: () => undefined, warn: () => undefined, error: () => undefined };
/** The actor of every step the engine takes by itself. */
export const SYSTEM = 'system';

/** The state the job modules share (built once by the façade). */
export interface EngineCore {
  /** Every ledger port: people, audit, settings, payments, approvals (and the journal below). */
  readonly store: EngineStore;
  /** The asynchronous journal port (journal-port.ts): every read and move of a refund. */
  readonly journal: RefundJournal;
  /** The zone local dates are read in: the store's, else this PC's. */
  timeZone(): Promise<string>;
  readonly terminal: TerminalPort;
  readonly antom: AntomGatewayPort;
  readonly clock: () => Date;
  readonly newId: () => string;
  readonly log: EngineLogger;
  readonly poll: PollPolicy;
  readonly deps: RefundEngineDeps;
  /** In-process dedupe: one driver per refund. */
  readonly driving: Map<string, Promise<DriveResult>>;
  /** This process's drive-lease identity (lease-owner.ts). */
  readonly leaseOwner: string;
  /**
   * Whether another lease owner is alive: one counter judges by this machine's process table; a store
   * ledger shared by PCs frees another machine's lease by expiry only (lease-owner.ts sharedLeaseOwnerAlive).
   */
  readonly ownerAlive: (owner: string) => boolean;
  /** Antom answers the journal could not record yet (an alarm while non-empty). */
  readonly outcomes: OutcomeRecorder;
  /**
   * After every journal write: crash hook, then tell listeners. `passed`: the states a commit of
   * several moves went through before `row.state` (the crash hook is a state boundary for each).
   */
  journaled(row: RefundRow, passed?: readonly RefundState[]): void;
  /** Tells listeners without the crash hook (not a state boundary), in the order of the calls. */
  emitUpdated(row: RefundRow): void;
  /** The refund as screens show it, with its approvals. */
  view(row: RefundRow): Promise<RefundView>;
}

export function assertNever(x: never): never {
  throw new Error(`unhandled refund state ${String(x)}`);
}

export function unknownOutcome(resultCode: string, message: string): AntomOutcome {
  return {
    status: 'PENDING',
    pendingKind: 'UNKNOWN',
    resultCode,
    resultMessage: message,
    cashierMessage: message,
    nextAction: 'INQUIRE' satisfies NextAction,
    retrySameRequestId: true,
  };
}

/** Antom allows 64 characters; date prefix helps a person find it, the UUID makes it unique. */
export function defaultRefundRequestId(clock: () => Date): () => string {
  return () => `RR${clock().toISOString().slice(0, 10).replace(/-/g, '')}${randomUUID().replace(/-/g, '')}`;
}

/**
 * The exit codes of `refund-terminal`, one meaning each, for scripts and
 * people alike (README "Command line", docs/ledger.md "Exit codes").
 * The rule behind 1 vs 4: 1 means nothing was journaled, so nothing can have
 * left the machine; once a refund is journaled an error is never reported as
 * bad input, because the refund may still be on its way to Antom.
 */
export const EXIT = {
  /** The refund succeeded (or the command did what was asked). */
  SUCCESS: 0,
  /** Bad input or configuration: nothing was journaled, nothing was sent. */
  BAD_INPUT: 1,
  /** The refund failed or was declined; no money moved. */
  FAILED: 2,
  /** The refund is pending (at Antom, awaiting approval, or waiting for the terminal); it is journaled and is resumed. */
  PENDING: 3,
  /** Outcome unknown: the refund is journaled but an internal or disk error stopped this run. Run `status ID --refresh`. */
  OUTCOME_UNKNOWN: 4,
  /** The journal cannot be used (missing, empty, unreadable, or its disk below the free-space floor): nothing was journaled or sent. */
  JOURNAL_UNAVAILABLE: 5,
} as const;

/** Thrown by a command's helpers to end the run with a given exit code; main prints the message. */
export class CliFailure extends Error {
  constructor(
    message: string,
    readonly exitCode: number,
  ) {
    super(message);
    this.name = 'CliFailure';
  }
}

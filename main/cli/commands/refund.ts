/**
 * `refund --payment ID [--intent KEY] [--terminal PATH] [--amount 10.50 --currency SGD] [--memo TEXT]
 *         [--cashier NAME] [--approver NAME] [--json]`
 *
 * Honest exits (main/cli/exit-codes.ts): 1 only while nothing is journaled.
 * Once the intent is in the journal, an error never reads as "bad input": it
 * exits 4 with the refundRequestId, and `status ID --refresh` / `recover`
 * finish the refund. Every run prints its intent key; running again with
 * `--intent KEY` is the same refund (from any process), never a second one.
 */
import { randomUUID } from 'node:crypto';
import os from 'node:os';
import { parseArgs } from 'node:util';
import { parseAmount, type Money } from '../../../preload/contract/money';
import type { RefundView } from '../../../preload/contract/refunds';
import { isStoreUnreachable } from '../../ledger/pg/pg-errors';
import type { RefundRow } from '../../ledger/rows';
import type { StoreLedger } from '../../ledger/store-port';
import type { RefundEngine } from '../../refunds/refund-engine';
import type { CliCommand, CliContext } from '../command';
import { EXIT } from '../exit-codes';
import { dataDiskSpace, diskFullMessage, isDiskFull } from '../disk-full';
import { describeRefund, exitCodeFor, readPin, refundJson } from '../engine-session';

const USAGE = `Usage: refund-terminal [--data-dir DIR] refund --payment ID [options]
  --payment ID        Antom paymentId of the original payment (required)
  --intent KEY        this refund's idempotency key (8-64 of A-Z a-z 0-9 . _ : -); every run prints
                      the key it uses: run again with the same key and it is the same refund, never a second
  --amount 10.50      partial refund amount in major units (needs --currency); omit for a full refund
  --currency SGD      ISO-4217 currency of the payment
  --memo TEXT         note (up to 256 characters)
  --terminal PATH     serial device of the terminal (else TERMINAL_PORT, config, or the demo's virtual terminal)
  --cashier NAME      who is refunding (default: the OS user); needs NAME's PIN in REFUND_TERMINAL_CASHIER_PIN
  --approver NAME     manager approving when policy asks (PIN from REFUND_TERMINAL_PIN or stdin); must be
                      someone other than --cashier, and without --cashier only when self-approval is allowed
  --json              print the result as JSON
Exit codes: 0 SUCCESS, 2 FAILED, 3 PENDING, 1 bad input or configuration (nothing journaled, nothing sent),
  4 outcome unknown: journaled but this run stopped on an error (run \`status ID --refresh\`; never refund again),
  5 journal unavailable or its disk below the free-space floor (nothing journaled, nothing sent).`;

/** Same alphabet as the engine's intent ids; long enough that a typo does not hit another refund's key. */
export const INTENT_KEY = /^[A-Za-z0-9._:-]{8,64}$/;

/** What `refund` needs from the opened services (a narrow port so tests can inject faults). */
export interface RefundSession {
  readonly engine: RefundEngine;
  /**
   * The ledger the engine runs on, as ports: this data folder's SQLite journal, or in store mode the
   * store's PostgreSQL ledger (the intent, the cashier's PIN, the policy and the audit entry are the store's).
   */
  readonly store: Pick<StoreLedger, 'engine' | 'journal' | 'people' | 'audit' | 'settings'>;
  /** Why Antom cannot be called (not configured), or null. */
  readonly antomProblem: string | null;
  /** The process that owns this data folder's demo terminal, when it is not us (a second terminal would break its link). */
  readonly demoOwnerPid: number | null;
  /** Resolves once the terminal link is usable, or with why not after `timeoutMs`. */
  terminalReady(timeoutMs: number): Promise<{ ready: true } | { ready: false; detail: string }>;
  close(): Promise<void>;
}

export interface RefundDeps {
  open(ctx: CliContext, opts: { terminalPort?: string }): Promise<{ ok: true; session: RefundSession } | { ok: false; message: string; exitCode: number }>;
  /** How long to wait for the terminal before refusing (new refunds) or carrying on (re-runs). */
  readonly terminalWaitMs?: number;
  /** How long, at most, to keep retrying a journal write that failed after Antom answered. */
  readonly outcomeFlushMs?: number;
}

interface Request {
  readonly paymentId: string;
  readonly mode: 'FULL' | 'PARTIAL';
  readonly amount?: Money;
}

/** Why a journaled intent does not match this command line, or null when it does. */
function mismatch(row: RefundRow, req: Request): string | null {
  if (row.payment_id !== req.paymentId) return `payment ${row.payment_id}`;
  if (row.mode !== req.mode) return `a ${row.mode.toLowerCase()} refund`;
  if (req.amount && (row.amount_value !== req.amount.value || row.currency !== req.amount.currency))
    return `another amount (${row.amount_value} minor units ${row.currency})`;
  return null;
}

const OPTIONS = {
  payment: { type: 'string' },
  intent: { type: 'string' },
  amount: { type: 'string' },
  currency: { type: 'string' },
  memo: { type: 'string' },
  terminal: { type: 'string' },
  cashier: { type: 'string' },
  approver: { type: 'string' },
  json: { type: 'boolean', default: false },
} as const;
type ParsedValues = ReturnType<typeof parseArgs<{ options: typeof OPTIONS; strict: true }>>['values'];

export function makeRefundCommand(deps: RefundDeps): CliCommand {
  return {
    name: 'refund',
    summary: 'Refund a payment fully or partly (terminal reference + signed Antom call)',
    usage: USAGE,
    async run(args, ctx) {
      let values: ParsedValues;
      try {
        ({ values } = parseArgs({
          args: [...args],
          options: OPTIONS,
          strict: true,
        }));
      } catch (e) {
        ctx.stderr.write(`${(e as Error).message}\n\n${USAGE}\n`);
        return EXIT.BAD_INPUT;
      }
      if (!values.payment) {
        ctx.stderr.write(`--payment is required.\n\n${USAGE}\n`);
        return EXIT.BAD_INPUT;
      }
      if (values.intent !== undefined && !INTENT_KEY.test(values.intent)) {
        ctx.stderr.write('--intent must be 8 to 64 characters of A-Z, a-z, 0-9, ".", "_", ":" or "-" (use the key an earlier run printed).\n');
        return EXIT.BAD_INPUT;
      }
      let amount: Money | undefined;
      if (values.amount !== undefined || values.currency !== undefined) {
        if (values.amount === undefined || values.currency === undefined) {
          ctx.stderr.write('A partial refund needs both --amount and --currency (omit both for a full refund).\n');
          return EXIT.BAD_INPUT;
        }
        const currency = values.currency.toUpperCase();
        // The same parser as the cashier's screen (English separators: 1,234.50 or 1,50).
        const parsed = parseAmount(values.amount, currency);
        if (!parsed.ok) {
          ctx.stderr.write(`The amount is not valid: ${parsed.message}\n`);
          return EXIT.BAD_INPUT;
        }
        amount = { value: parsed.value, currency };
      }
      const req: Request = { paymentId: values.payment, mode: amount ? 'PARTIAL' : 'FULL', ...(amount ? { amount } : {}) };
      const intentId = values.intent ?? `cli-${randomUUID()}`;
      // Printed before anything can go wrong, so even a killed run leaves the key to re-run with.
      ctx.stderr.write(
        `Intent ${intentId}: if this run ends unclearly, run the same command with --intent ${intentId} (it is the same refund, never a second one).\n`,
      );

      let opened: Awaited<ReturnType<typeof deps.open>>;
      try {
        opened = await deps.open(ctx, values.terminal ? { terminalPort: values.terminal } : {});
      } catch (e) {
        // Opening writes (ledger, migrations, keys, pairing): a full disk here is the journal's problem, not bad input (F8).
        if (!isDiskFull(e)) throw e;
        ctx.stderr.write(`${diskFullMessage(ctx.dataDir)}\n`);
        return EXIT.JOURNAL_UNAVAILABLE;
      }
      if (!opened.ok) {
        if (opened.exitCode === EXIT.BAD_INPUT && dataDiskSpace(ctx.dataDir).low) {
          ctx.stderr.write(`${diskFullMessage(ctx.dataDir)}\n`);
          return EXIT.JOURNAL_UNAVAILABLE;
        }
        ctx.stderr.write(`${opened.message}\n`);
        return opened.exitCode;
      }
      const { session } = opened;
      const { engine } = session;
      let exitCode: number = EXIT.OUTCOME_UNKNOWN;
      try {
        exitCode = await drive();
      } finally {
        try {
          await session.close();
        } catch (e) {
          ctx.stderr.write(`Closing the services failed: ${(e as Error).message}\n`);
        }
      }
      return exitCode;

      /** Exit 4 with what is known: the refund is (or may be) journaled, so it is never "bad input". */
      async function unknownOutcome(e: unknown, opts: { submitted: boolean }): Promise<number> {
        let row: RefundRow | null = null;
        let readable = true;
        try {
          row = await session.store.journal.getByIntent(intentId);
        } catch {
          readable = false;
        }
        const message = e instanceof Error ? e.message : String(e);
        const storeDown = session.store.engine === 'postgres' && isStoreUnreachable(e);
        // A new key of this run, and the engine never asked: no run can have journaled it. A key given
        // with --intent may be an earlier run's refund, so an unreadable store says "unknown" then.
        const neverJournaled = !opts.submitted && values.intent === undefined;
        if ((readable && row === null) || (!readable && storeDown && neverJournaled)) {
          // The journal says this intent was never journaled, so nothing was sent (the engine journals first).
          const journalFault =
            storeDown ||
            (typeof (e as { code?: unknown }).code === 'string' &&
              ((e as { code: string }).code.startsWith('SQLITE_') || (e as { code: string }).code === 'ENOSPC'));
          if (values.json)
            ctx.stdout.write(`${JSON.stringify({ status: 'REJECTED', intentId, code: journalFault ? 'JOURNAL_UNAVAILABLE' : 'INTERNAL', message })}\n`);
          const fix = storeDown
            ? "The store's refund ledger (its database) cannot be reached: check the store network (refund-terminal doctor), then run"
            : journalFault
              ? 'Free disk space (refund-terminal doctor), then run'
              : 'Run';
          ctx.stderr.write(`Not started: ${message}. Nothing was journaled and nothing was sent. ${fix} the same command again with --intent ${intentId}.\n`);
          return journalFault ? EXIT.JOURNAL_UNAVAILABLE : EXIT.BAD_INPUT;
        }
        const id = row?.refund_request_id ?? null;
        if (values.json) {
          ctx.stdout.write(`${JSON.stringify({ status: 'UNKNOWN', intentId, refundRequestId: id, state: row?.state ?? null, error: message })}\n`);
        }
        ctx.stderr.write(
          `Outcome unknown: ${message}\n` +
            (id
              ? `The refund ${id} is in the journal (${row?.state ?? '?'}); it may have reached Antom. Do not refund again or another way.\n` +
                `Next: refund-terminal status ${id} --refresh   (or run this same command with --intent ${intentId})\n`
              : `The journal could not be read to tell whether this refund was started. Do not refund another way. Next: run this same command with --intent ${intentId} once the journal works (refund-terminal doctor).\n`),
        );
        return EXIT.OUTCOME_UNKNOWN;
      }

      function report(view: RefundView): number {
        const held = engine.outcomes.get(view.refundRequestId);
        if (held !== undefined) {
          if (values.json)
            ctx.stdout.write(
              `${JSON.stringify({ ...refundJson(view), status: 'UNKNOWN', intentId, antomAnswer: held.outcome.status, journalError: held.lastError })}\n`,
            );
          else ctx.stdout.write(`${describeRefund(view)}\n`);
          ctx.stderr.write(
            `Outcome unknown: Antom answered ${held.outcome.status} (${held.outcome.resultCode}) but the journal could not record it: ${held.lastError}\n` +
              `Do not refund again. Free disk space, then: refund-terminal status ${view.refundRequestId} --refresh   (asks Antom about this same refund)\n`,
          );
          return EXIT.OUTCOME_UNKNOWN;
        }
        ctx.stdout.write(values.json ? `${JSON.stringify({ ...refundJson(view), intentId })}\n` : `${describeRefund(view)}\n`);
        return exitCodeFor(view);
      }

      async function drive(): Promise<number> {
        let existing: RefundRow | null;
        try {
          existing = await session.store.journal.getByIntent(intentId);
        } catch (e) {
          return unknownOutcome(e, { submitted: false });
        }
        if (existing !== null) {
          const differs = mismatch(existing, req);
          if (differs !== null) {
            ctx.stderr.write(
              `Intent ${intentId} is refund ${existing.refund_request_id}, which is for ${differs}. Nothing was done. Use the same command as before, or leave out --intent for a new refund.\n`,
            );
            return EXIT.BAD_INPUT;
          }
          ctx.stderr.write(`Intent ${intentId} is already journaled as refund ${existing.refund_request_id} (${existing.state}): continuing that refund.\n`);
        } else {
          if (session.antomProblem !== null) {
            ctx.stderr.write(`${session.antomProblem}\n`);
            return EXIT.BAD_INPUT;
          }
          if (session.demoOwnerPid !== null) {
            ctx.stderr.write(
              `The demo terminal of ${ctx.dataDir} belongs to process ${session.demoOwnerPid} (the running app). Refund there, or stop it first. Nothing was sent.\n`,
            );
            return EXIT.BAD_INPUT;
          }
          // A named cashier must be a real, active person at the counter: the name lands in reports and daily limits.
          if (values.cashier !== undefined) {
            let who: Awaited<ReturnType<RefundSession['store']['people']['get']>>;
            try {
              who = await session.store.people.get(values.cashier);
            } catch (e) {
              return unknownOutcome(e, { submitted: false });
            }
            if (who === null || who.disabled || (who.role !== 'cashier' && who.role !== 'manager')) {
              ctx.stderr.write(
                `--cashier ${values.cashier} is not an active cashier of this ${session.store.engine === 'postgres' ? 'store' : 'terminal'} (see \`refund-terminal users list\`). Nothing was sent.\n`,
              );
              return EXIT.BAD_INPUT;
            }
            // Attack F5: the refund is booked to (and counted against) the named person, and an approval is
            // compared with that name, so the name must be proven: otherwise a manager books her own
            // over-limit refund to a cashier and approves it herself.
            const cashierPin = ctx.env.REFUND_TERMINAL_CASHIER_PIN;
            if (!cashierPin) {
              ctx.stderr.write(
                `--cashier ${values.cashier} needs ${values.cashier}'s PIN in REFUND_TERMINAL_CASHIER_PIN (without --cashier the refund is booked to the OS user). Nothing was sent.\n`,
              );
              return EXIT.BAD_INPUT;
            }
            let proven: Awaited<ReturnType<RefundSession['store']['people']['verifyPin']>>;
            try {
              proven = await session.store.people.verifyPin(values.cashier, cashierPin);
            } catch (e) {
              return unknownOutcome(e, { submitted: false });
            }
            if (!proven.ok) {
              ctx.stderr.write(`--cashier ${values.cashier}: ${proven.error.message} Nothing was sent.\n`);
              return EXIT.BAD_INPUT;
            }
          }
        }
        const ready = await session.terminalReady(deps.terminalWaitMs ?? 15_000);
        if (!ready.ready && existing === null) {
          // A full disk breaks the pairing state: the terminal is not to blame (F8).
          if (dataDiskSpace(ctx.dataDir).low) {
            ctx.stderr.write(`${diskFullMessage(ctx.dataDir)}\n`);
            return EXIT.JOURNAL_UNAVAILABLE;
          }
          ctx.stderr.write(`The terminal is not ready (${ready.detail}). Nothing was sent. Check the cable and pairing (refund-terminal doctor).\n`);
          return EXIT.BAD_INPUT;
        }
        let view: RefundView;
        const osUser = os.userInfo().username;
        const cashier = values.cashier ?? `cli:${osUser}`;
        let submitting = false;
        try {
          // Who ran the command, whatever --cashier says: journaled before anything is sent.
          await session.store.audit.append(`cli:${osUser}`, 'cli.refund', {
            intentId,
            paymentId: req.paymentId,
            cashier,
            osUser,
            host: os.hostname(),
            pid: process.pid,
          });
          submitting = true;
          const submitted = await engine.submit({
            intentId,
            paymentId: req.paymentId,
            mode: req.mode,
            ...(req.amount ? { amount: req.amount } : {}),
            ...(values.memo !== undefined ? { memo: values.memo } : {}),
            cashier,
          });
          if (!submitted.ok) {
            // Store lost after the intent was journaled: in the store ledger and not final, never refused or failed.
            const lostId = submitted.error.code === 'STORE_UNAVAILABLE' ? submitted.error.details?.['refundRequestId'] : undefined;
            if (typeof lostId === 'string') {
              if (values.json)
                ctx.stdout.write(
                  `${JSON.stringify({ status: 'PENDING', intentId, refundRequestId: lostId, code: submitted.error.code, message: submitted.error.message })}\n`,
                );
              ctx.stderr.write(`${submitted.error.message}\nNext, once the store's database answers: refund-terminal status ${lostId} --refresh\n`);
              return EXIT.OUTCOME_UNKNOWN;
            }
            // Refused before journaling (validation, balance, another refund in flight, low disk, store unreachable): nothing was sent.
            if (values.json)
              ctx.stdout.write(`${JSON.stringify({ status: 'REJECTED', intentId, code: submitted.error.code, message: submitted.error.message })}\n`);
            else ctx.stderr.write(`${submitted.error.message}\n`);
            return submitted.error.code === 'JOURNAL_LOW_DISK' || submitted.error.code === 'STORE_UNAVAILABLE' ? EXIT.JOURNAL_UNAVAILABLE : EXIT.BAD_INPUT;
          }
          view = submitted.value;
          // Booked to the OS user (no --cashier with its PIN, now or when first asked): whoever typed a command
          // for it asked for it, and the only person this command authenticates is the approver, so approving
          // it here is approving one's own refund (F5).
          const askerUnproven = view.cashier.startsWith('cli:');
          if (view.state === 'AWAITING_APPROVAL' && values.approver && askerUnproven && !(await session.store.settings.getPolicy()).allowSelfApproval) {
            ctx.stderr.write(
              `Approval refused: the refund was asked for by whoever typed this command (no --cashier with its PIN), so ${values.approver} would approve their own refund. Another manager must approve it in the app. The refund waits for approval.\n`,
            );
          } else if (view.state === 'AWAITING_APPROVAL' && values.approver) {
            const pin = await readPin(ctx);
            if (!pin) {
              ctx.stderr.write('No PIN given for the approver (set REFUND_TERMINAL_PIN or type it on stdin). The refund waits for approval.\n');
            } else {
              const approved = await engine.approve({
                refundRequestId: view.refundRequestId,
                manager: values.approver,
                pin,
                reason: 'approved at the command line',
              });
              if (!approved.ok) ctx.stderr.write(`Approval refused: ${approved.error.message}\n`);
              else view = approved.value;
            }
          }
          // An answer the journal could not take yet: a bounded last try before reporting.
          if (engine.outcomes.get(view.refundRequestId) !== undefined) {
            await engine.outcomes.flush(deps.outcomeFlushMs ?? 3_000);
            const now = engine.outcomes.get(view.refundRequestId) === undefined ? await engine.get(view.refundRequestId) : null;
            if (now?.ok) view = now.value;
          }
        } catch (e) {
          return unknownOutcome(e, { submitted: submitting });
        }
        return report(view);
      }
    },
  };
}

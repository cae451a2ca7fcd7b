/**
 * `refund --payment ID [--terminal PATH] [--amount 10.50 --currency SGD] [--memo TEXT]
 *         [--cashier NAME] [--approver NAME] [--json]`
 * Exit codes: 0 SUCCESS, 2 FAILED, 3 PENDING, 1 bad input or configuration.
 */
import { randomUUID } from 'node:crypto';
import os from 'node:os';
import { parseArgs } from 'node:util';
import { parseAmount } from '../../../preload/contract/money';
import type { CliCommand } from '../command';
import { describeRefund, exitCodeFor, openCliCore, readPin, refundJson, waitForAuthenticated } from '../engine-session';

const USAGE = `Usage: refund-terminal [--data-dir DIR] refund --payment ID [options]
  --payment ID        Antom paymentId of the original payment (required)
  --amount 10.50      partial refund amount in major units (needs --currency); omit for a full refund
  --currency SGD      ISO-4217 currency of the payment
  --memo TEXT         note (up to 256 characters)
  --terminal PATH     serial device of the terminal (else TERMINAL_PORT, config, or the demo's virtual terminal)
  --cashier NAME      who is refunding (default: the OS user)
  --approver NAME     manager approving when policy asks (PIN from REFUND_TERMINAL_PIN or stdin)
  --json              print the result as JSON
Exit codes: 0 SUCCESS, 2 FAILED, 3 PENDING, 1 bad input or configuration.`;

export const refundCommand: CliCommand = {
  name: 'refund',
  summary: 'Refund a payment fully or partly (terminal reference + signed Antom call)',
  usage: USAGE,
  async run(args, ctx) {
    let values;
    try {
      ({ values } = parseArgs({
        args: [...args],
        options: {
          payment: { type: 'string' },
          amount: { type: 'string' },
          currency: { type: 'string' },
          memo: { type: 'string' },
          terminal: { type: 'string' },
          cashier: { type: 'string' },
          approver: { type: 'string' },
          json: { type: 'boolean', default: false },
        },
        strict: true,
      }));
    } catch (e) {
      ctx.stderr.write(`${(e as Error).message}\n\n${USAGE}\n`);
      return 1;
    }
    if (!values.payment) {
      ctx.stderr.write(`--payment is required.\n\n${USAGE}\n`);
      return 1;
    }
    let amount: { value: number; currency: string } | undefined;
    if (values.amount !== undefined || values.currency !== undefined) {
      if (values.amount === undefined || values.currency === undefined) {
        ctx.stderr.write('A partial refund needs both --amount and --currency (omit both for a full refund).\n');
        return 1;
      }
      const currency = values.currency.toUpperCase();
      // The same parser as the cashier's screen (English separators: 1,234.50 or 1,50).
      const parsed = parseAmount(values.amount, currency);
      if (!parsed.ok) {
        ctx.stderr.write(`The amount is not valid: ${parsed.message}
`);
        return 1;
      }
      amount = { value: parsed.value, currency };
    }

    const opened = await openCliCore(ctx, values.terminal ? { terminalPort: values.terminal } : {});
    if (!opened.ok) {
      ctx.stderr.write(`${opened.message}\n`);
      return 1;
    }
    const { core } = opened;
    try {
      if (!core.antom) {
        ctx.stderr.write(`${core.antomProblem ?? 'Antom is not configured.'}\n`);
        return 1;
      }
      if (!(await waitForAuthenticated(core.link, 15_000))) {
        const s = core.link.status();
        ctx.stderr.write(`The terminal is not ready (${s.state}${s.reason ? `: ${s.reason}` : ''}). Nothing was sent. Check the cable and pairing (refund-terminal doctor).\n`);
        return 1;
      }
      const submitted = await core.engine.submit({
        intentId: randomUUID(),
        paymentId: values.payment,
        mode: amount ? 'PARTIAL' : 'FULL',
        ...(amount ? { amount } : {}),
        ...(values.memo !== undefined ? { memo: values.memo } : {}),
        cashier: values.cashier ?? `cli:${os.userInfo().username}`,
      });
      if (!submitted.ok) {
        if (values.json) ctx.stdout.write(`${JSON.stringify({ status: 'REJECTED', code: submitted.error.code, message: submitted.error.message })}\n`);
        else ctx.stderr.write(`${submitted.error.message}\n`);
        return 1;
      }
      let view = submitted.value;
      if (view.state === 'AWAITING_APPROVAL' && values.approver) {
        const pin = await readPin(ctx);
        if (!pin) {
          ctx.stderr.write('No PIN given for the approver (set REFUND_TERMINAL_PIN or type it on stdin). The refund waits for approval.\n');
        } else {
          const approved = await core.engine.approve({ refundRequestId: view.refundRequestId, manager: values.approver, pin, reason: 'approved at the command line' });
          if (!approved.ok) ctx.stderr.write(`Approval refused: ${approved.error.message}\n`);
          else view = approved.value;
        }
      }
      ctx.stdout.write(values.json ? `${JSON.stringify(refundJson(view))}\n` : `${describeRefund(view)}\n`);
      return exitCodeFor(view);
    } finally {
      await core.close();
    }
  },
};

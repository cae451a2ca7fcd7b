/** `status REFUND_REQUEST_ID [--json] [--refresh]`: the journaled state of one refund. */
import { parseArgs } from 'node:util';
import type { CliCommand } from '../command';
import { describeRefund, exitCodeFor, openCliCore, refundJson } from '../engine-session';
import { EXIT } from '../exit-codes';

const USAGE = `Usage: refund-terminal [--data-dir DIR] status REFUND_REQUEST_ID [--json] [--refresh]
  --refresh   first resolve pending refunds with Antom (inquiryRefund), then report
Exit codes: 0 SUCCESS, 2 FAILED, 3 PENDING, 1 unknown id or bad input, 4 outcome unknown (--refresh got Antom's answer
  but the journal could not record it), 5 journal unavailable.`;

export const statusCommand: CliCommand = {
  name: 'status',
  summary: 'Show one refund by refundRequestId (exit 0/2/3 = SUCCESS/FAILED/PENDING)',
  usage: USAGE,
  async run(args, ctx) {
    let parsed;
    try {
      parsed = parseArgs({
        args: [...args],
        options: { json: { type: 'boolean', default: false }, refresh: { type: 'boolean', default: false } },
        allowPositionals: true,
        strict: true,
      });
    } catch (e) {
      ctx.stderr.write(`${(e as Error).message}\n\n${USAGE}\n`);
      return 1;
    }
    const id = parsed.positionals[0];
    if (!id || parsed.positionals.length > 1) {
      ctx.stderr.write(`${USAGE}\n`);
      return 1;
    }
    const opened = await openCliCore(ctx);
    if (!opened.ok) {
      ctx.stderr.write(`${opened.message}\n`);
      return opened.exitCode;
    }
    const { core } = opened;
    try {
      if (parsed.values.refresh) await core.engine.recover();
      const found = await core.engine.get(id);
      if (!found.ok) {
        const where = core.store.engine === 'postgres' ? `the store ledger (register ${core.register} looked)` : `this terminal's journal (${ctx.dataDir})`;
        ctx.stderr.write(`No refund ${id} in ${where}.\n`);
        return 1;
      }
      ctx.stdout.write(parsed.values.json ? `${JSON.stringify(refundJson(found.value))}\n` : `${describeRefund(found.value)}\n`);
      const held = core.engine.outcomes.get(id);
      if (held !== undefined) {
        ctx.stderr.write(
          `Outcome unknown: Antom answered ${held.outcome.status} but the journal could not record it (${held.lastError}). Free disk space and run this again; do not refund it again.\n`,
        );
        return EXIT.OUTCOME_UNKNOWN;
      }
      return exitCodeFor(found.value);
    } finally {
      await core.close();
    }
  },
};

/**
 * `audit verify [--head SEQ:HASH]` (non-zero exit when the chain, its MACs or
 * the refunds table do not match; with --head, also when a head written down
 * earlier is gone), `audit list`.
 */
import { parseArgs } from 'node:util';
import type { CliCommand } from '../command';
import { parseHead } from '../../ledger/audit';
import { openCliLedger } from '../ledger-session';

const USAGE = [
  'Usage: refund-terminal [--data-dir DIR] audit <verify|list> [--json] [--limit N] [--head SEQ:HASH]',
  '  audit verify            exit 0 if the keyed hash chain is intact and every refund row matches it, 1 otherwise;',
  '                          prints the head (write it down: it exposes entries later cut off the end)',
  '  audit verify --head H   also checks that a head written down earlier (SEQ:HASH or the hash) is still in the chain',
  '  audit list              newest entries first (default 50)',
].join('\n');

export const auditCommand: CliCommand = {
  name: 'audit',
  summary: 'Verify or list the tamper-evident audit trail',
  usage: USAGE,
  async run(args, ctx) {
    const { values, positionals } = parseArgs({
      args: [...args],
      options: { json: { type: 'boolean', default: false }, limit: { type: 'string', default: '50' }, head: { type: 'string' } },
      allowPositionals: true,
      strict: true,
    });
    if (values.head !== undefined && parseHead(values.head) === null) {
      ctx.stderr.write('--head must be SEQ:HASH as printed by `audit verify` (or the 64-hex hash alone).\n');
      return 1;
    }
    // Store mode: the store-wide chain, verified from any counter.
    const opened = await openCliLedger(ctx);
    if (!opened.ok) {
      ctx.stderr.write(`${opened.message}\n`);
      return opened.exitCode;
    }
    const { store } = opened;
    try {
      switch (positionals[0]) {
        case 'verify': {
          const v = await store.audit.verify(values.head !== undefined ? { expectedHead: values.head } : {});
          const headText = `${v.head.seq}:${v.head.hash}`;
          if (values.json) ctx.stdout.write(`${JSON.stringify(v)}\n`);
          else if (v.ok)
            ctx.stdout.write(
              `Audit trail intact: ${v.count} entries, every refund row matches.${values.head !== undefined ? ' The head given is in the chain.' : ''}\nHead (write it down): ${headText}\n`,
            );
          else {
            ctx.stdout.write(`AUDIT TRAIL BROKEN at entry ${v.firstBrokenSeq}: ${v.reason}. ${v.count} entries verify.\n`);
            for (const p of v.refundProblems) ctx.stdout.write(`  refund ${p.refundRequestId}: ${p.problem}\n`);
            for (const p of v.rowProblems ?? []) ctx.stdout.write(`  ${p.table} ${p.key}: ${p.problem}\n`);
            ctx.stdout.write(`Head now: ${headText}\n`);
          }
          return v.ok ? 0 : 1;
        }
        case 'list': {
          const limit = Number(values.limit);
          if (!Number.isInteger(limit) || limit < 1 || limit > 10_000) {
            ctx.stderr.write('--limit must be 1 to 10000.\n');
            return 1;
          }
          const entries = await store.audit.list({ limit });
          if (values.json) ctx.stdout.write(`${JSON.stringify(entries, null, 2)}\n`);
          else
            for (const e of entries)
              ctx.stdout.write(`${String(e.seq).padStart(6)}  ${e.at}  ${e.actor.padEnd(12)} ${e.kind.padEnd(18)} ${JSON.stringify(e.detail)}\n`);
          return 0;
        }
        default:
          ctx.stderr.write(`${USAGE}\n`);
          return 1;
      }
    } finally {
      await opened.close();
    }
  },
};

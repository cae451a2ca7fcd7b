/** `audit verify` (non-zero exit and the first broken link when the chain is broken), `audit list`. */
import { parseArgs } from 'node:util';
import type { CliCommand } from '../command';
import { openJournal } from '../../ledger/journal-file';

const USAGE = ['Usage: refund-terminal [--data-dir DIR] audit <verify|list> [--json] [--limit N]', '  audit verify   exit 0 if the hash chain is intact, 1 otherwise', '  audit list     newest entries first (default 50)'].join('\n');

export const auditCommand: CliCommand = {
  name: 'audit',
  summary: 'Verify or list the tamper-evident audit trail',
  usage: USAGE,
  async run(args, ctx) {
    const { values, positionals } = parseArgs({
      args: [...args],
      options: { json: { type: 'boolean', default: false }, limit: { type: 'string', default: '50' } },
      allowPositionals: true,
      strict: true,
    });
    const ledger = openJournal(ctx.dataDir);
    try {
      switch (positionals[0]) {
        case 'verify': {
          const v = ledger.verifyAudit();
          const head = ledger.audit.head();
          if (values.json) ctx.stdout.write(`${JSON.stringify({ ...v, head })}\n`);
          else if (v.ok) ctx.stdout.write(`Audit trail intact: ${v.count} entries. Head: #${head.seq} ${head.hash}\n`);
          else ctx.stdout.write(`AUDIT TRAIL BROKEN at entry ${v.firstBrokenSeq}: ${v.reason}. ${v.count} entries before it verify.\n`);
          return v.ok ? 0 : 1;
        }
        case 'list': {
          const limit = Number(values.limit);
          if (!Number.isInteger(limit) || limit < 1 || limit > 10_000) {
            ctx.stderr.write('--limit must be 1 to 10000.\n');
            return 1;
          }
          const entries = ledger.audit.list({ limit });
          if (values.json) ctx.stdout.write(`${JSON.stringify(entries, null, 2)}\n`);
          else for (const e of entries) ctx.stdout.write(`${String(e.seq).padStart(6)}  ${e.at}  ${e.actor.padEnd(12)} ${e.kind.padEnd(18)} ${JSON.stringify(e.detail)}\n`);
          return 0;
        }
        default:
          ctx.stderr.write(`${USAGE}\n`);
          return 1;
      }
    } finally {
      ledger.close();
    }
  },
};

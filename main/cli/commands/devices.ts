/** `devices`: lists serial ports that may be an Antom terminal, with permission problems and fixes. */
import { parseArgs } from 'node:util';
import { listTerminalCandidates, type TerminalCandidate } from '../../../native-bridge';
import type { CliCommand, CliContext } from '../command';

const USAGE = [
  'Usage: refund-terminal devices [--json] [--all]',
  '  --json   machine-readable output',
  '  --all    also list USB-serial ports that are not known terminal models',
].join('\n');

function hex(n: number | undefined): string {
  return n === undefined ? '----' : n.toString(16).padStart(4, '0');
}

export async function runDevices(args: readonly string[], ctx: CliContext, list: typeof listTerminalCandidates = listTerminalCandidates): Promise<number> {
  let v: { json?: boolean; all?: boolean };
  try {
    v = parseArgs({ args: [...args], options: { json: { type: 'boolean' }, all: { type: 'boolean' } }, strict: true }).values;
  } catch (e) {
    ctx.stderr.write(`${(e as Error).message}\n\n${USAGE}\n`);
    return 2;
  }
  const warnings: string[] = [];
  const candidates: TerminalCandidate[] = await list({ includeUnknown: v.all ?? true, onWarning: (w) => warnings.push(w) });
  if (v.json) {
    ctx.stdout.write(`${JSON.stringify({ candidates, warnings }, null, 2)}\n`);
    return 0;
  }
  for (const w of warnings) ctx.stderr.write(`note: ${w}\n`);
  if (candidates.length === 0) {
    ctx.stdout.write('No terminal candidates found. Plug the terminal in (USB), then run this again.\n');
    return 0;
  }
  for (const c of candidates) {
    const id = `${hex(c.vendorId)}:${hex(c.productId)}`;
    const what = [c.name ?? c.product, c.manufacturer, c.serialNumber ? `serial ${c.serialNumber}` : null].filter(Boolean).join(', ');
    ctx.stdout.write(`${c.known ? '*' : ' '} ${c.path}  [${id}] ${what} (via ${c.source})${c.accessible ? '' : '  NOT ACCESSIBLE'}\n`);
    if (c.stablePath) ctx.stdout.write(`    stable path: ${c.stablePath}\n`);
    if (c.problem) ctx.stdout.write(`    problem: ${c.problem.message}\n    fix: ${c.problem.fix}\n`);
  }
  ctx.stdout.write('* = known terminal model. Confirm one with: refund-terminal ping --port PATH\n');
  return 0;
}

export const devicesCommand: CliCommand = {
  name: 'devices',
  summary: 'List USB serial ports that may be the payment terminal',
  usage: USAGE,
  run: (args, ctx) => runDevices(args, ctx),
};

/** `pair`: pairs this register with the terminal on --port (the technician types the code the terminal shows). */
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { ensureJournal } from '../../ledger/journal-file';
import { openPairingStore } from '../../terminal/cli-link';
import { openTerminalLinkForCli, resolveTerminalPort } from '../../terminal';
import type { CliCommand, CliContext } from '../command';

const USAGE = [
  'Usage: refund-terminal [--data-dir DIR] pair [--port PATH] [--code NNNNNN]',
  '  --port PATH   the terminal\'s serial port (default: TERMINAL_PORT)',
  '  --code CODE   the 6-digit code shown on the terminal (asked on stdin when omitted)',
].join('\n');

function askLine(ctx: CliContext, question: string): Promise<string | null> {
  return new Promise((resolve) => {
    const rl = createInterface({ input: ctx.stdin, output: ctx.stdout, terminal: false });
    let answered = false;
    rl.once('line', (line) => {
      answered = true;
      rl.close();
      resolve(line.trim());
    });
    rl.once('close', () => {
      if (!answered) resolve(null);
    });
    ctx.stdout.write(question);
  });
}

export async function runPair(args: readonly string[], ctx: CliContext): Promise<number> {
  let v: { port?: string; code?: string };
  try {
    v = parseArgs({ args: [...args], options: { port: { type: 'string' }, code: { type: 'string' } }, strict: true }).values;
  } catch (e) {
    ctx.stderr.write(`${(e as Error).message}\n\n${USAGE}\n`);
    return 2;
  }
  const port = resolveTerminalPort(v.port, ctx.env);
  if (!port) {
    ctx.stderr.write(`No terminal port: pass --port PATH or set TERMINAL_PORT (see: refund-terminal devices).\n`);
    return 2;
  }
  // The journal exists before the pairing does: a folder with secrets but no journal reads as a lost journal.
  ensureJournal(ctx.dataDir);
  const store = await openPairingStore(ctx.dataDir);
  const { link, status } = await openTerminalLinkForCli(port, store);
  try {
    if (!status.terminal) {
      ctx.stderr.write(`No terminal answered on ${port}: ${status.reason ?? status.state}\n`);
      return 1;
    }
    ctx.stdout.write(`Terminal ${status.terminal.serial} (${status.terminal.model}, firmware ${status.terminal.firmware}) on ${port}.\n`);
    const begun = await link.pairBegin();
    if (!begun.ok) {
      ctx.stderr.write(`Pairing refused: ${begun.error.code}: ${begun.error.message}\n`);
      return 1;
    }
    let code = v.code ?? null;
    if (code === null) {
      code = await askLine(ctx, 'Type the 6-digit code shown on the terminal screen: ');
      if (code === null) {
        ctx.stderr.write('No code entered.\n');
        return 1;
      }
    } else ctx.stdout.write('The terminal shows a pairing code now.\n');
    const confirmed = await link.pairConfirm(code);
    if (!confirmed.ok) {
      ctx.stderr.write(`Pairing failed: ${confirmed.error.code}: ${confirmed.error.message}\n`);
      return 1;
    }
    const after = link.status();
    ctx.stdout.write(`Paired with ${confirmed.value.serial} (${confirmed.value.model}); session ${after.state}.\n`);
    return after.state === 'authenticated' ? 0 : 1;
  } finally {
    await link.stop();
  }
}

export const pairCommand: CliCommand = {
  name: 'pair',
  summary: 'Pair this register with the payment terminal',
  usage: USAGE,
  run: runPair,
};

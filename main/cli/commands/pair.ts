/** `pair`: pairs this register with the terminal on --port (the technician types the code the terminal shows). */
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { openTerminalIdentity, openTerminalLinkForCli, rememberTerminalPort, resolveTerminalPortIn } from '../../terminal';
import { ensureDataLedger } from '../../services/data-ledger';
import type { CliCommand, CliContext } from '../command';

const USAGE = [
  'Usage: refund-terminal [--data-dir DIR] pair [--port PATH] [--code NNNNNN]',
  "  --port PATH   the terminal's serial port (default: TERMINAL_PORT, else the port it was paired on)",
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
  const port = (await resolveTerminalPortIn(ctx.dataDir, v.port, ctx.env))?.port ?? null;
  if (!port) {
    ctx.stderr.write(
      'No terminal port: pass --port PATH, set TERMINAL_PORT, or pair once (the port is then remembered in config.json; see: refund-terminal devices).\n',
    );
    return 2;
  }
  // The journal exists before the pairing does: a folder with secrets but no journal reads as a lost journal.
  await ensureDataLedger(ctx.dataDir);
  const { link, status } = await openTerminalLinkForCli(port, await openTerminalIdentity(ctx.dataDir));
  try {
    if (!status.terminal) {
      ctx.stderr.write(`No terminal answered on ${port}: ${status.reason ?? status.state}\n`);
      return 1;
    }
    ctx.stdout.write(`Terminal ${status.terminal.serial} (${status.terminal.model}, firmware ${status.terminal.firmware}) on ${port}.\n`);
    // One command even on a noisy cable: if the terminal's confirmation is
    // lost, pairing starts over and the terminal shows a new code, which is
    // asked for again (a --code given on the command line can only be used once).
    const confirmed = await link.pairWithCode(async (round) => {
      if (round > 1) {
        ctx.stdout.write("The terminal's answer was lost on the cable (line noise); pairing starts over and the terminal shows a new code.\n");
        if (v.code !== undefined) return null;
      }
      if (v.code !== undefined) {
        ctx.stdout.write('The terminal shows a pairing code now.\n');
        return v.code;
      }
      const typed = await askLine(ctx, 'Type the 6-digit code shown on the terminal screen: ');
      if (typed === null) ctx.stderr.write('No code entered.\n');
      return typed;
    });
    if (!confirmed.ok) {
      ctx.stderr.write(`Pairing failed: ${confirmed.error.code}: ${confirmed.error.message}\n`);
      return 1;
    }
    const after = link.status();
    ctx.stdout.write(`Paired with ${confirmed.value.serial} (${confirmed.value.model}); session ${after.state}.\n`);
    // Remembered, so ping, unpair, refund, doctor and the app find the terminal without --port from now on.
    if (await rememberTerminalPort(ctx.dataDir, port)) ctx.stdout.write(`Port ${port} remembered in config.json.\n`);
    else ctx.stderr.write(`config.json is not valid, so port ${port} was not remembered: fix it (refund-terminal doctor) or pass --port next time.\n`);
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

/** `unpair`: forgets the terminal pairing here, and on the terminal when it is reachable and authenticated. */
import { parseArgs } from 'node:util';
import { openPairingStore } from '../../terminal/cli-link';
import { openTerminalLinkForCli, resolveTerminalPort } from '../../terminal';
import type { CliCommand, CliContext } from '../command';

const USAGE = [
  'Usage: refund-terminal [--data-dir DIR] unpair [--port PATH] [--local]',
  '  --port PATH   the terminal\'s serial port (default: TERMINAL_PORT)',
  '  --local       only forget the pairing on this register (terminal absent)',
].join('\n');

export async function runUnpair(args: readonly string[], ctx: CliContext): Promise<number> {
  let v: { port?: string; local?: boolean };
  try {
    v = parseArgs({ args: [...args], options: { port: { type: 'string' }, local: { type: 'boolean' } }, strict: true }).values;
  } catch (e) {
    ctx.stderr.write(`${(e as Error).message}\n\n${USAGE}\n`);
    return 2;
  }
  const store = await openPairingStore(ctx.dataDir);
  const pairing = await store.load();
  const port = resolveTerminalPort(v.port, ctx.env);
  if (v.local || !port) {
    await store.clear();
    ctx.stdout.write(
      `${pairing ? `Forgot the pairing with ${pairing.serial} on this register.` : 'No pairing was stored.'}${port ? '' : ' (No --port/TERMINAL_PORT: the terminal itself was not told; pair again or unpair there.)'}\n`,
    );
    return 0;
  }
  const { link, status } = await openTerminalLinkForCli(port, store);
  try {
    const r = await link.unpair();
    if (!r.ok) {
      ctx.stderr.write(`Unpair failed: ${r.error.code}: ${r.error.message}\n`);
      return 1;
    }
    ctx.stdout.write(
      r.value.terminalCleared
        ? `Unpaired: terminal ${status.terminal?.serial ?? ''} and this register forgot each other.\n`
        : `Forgot the pairing on this register; the terminal was not reachable/authenticated (${status.reason ?? status.state}) and keeps its own until re-paired.\n`,
    );
    return 0;
  } finally {
    await link.stop();
  }
}

export const unpairCommand: CliCommand = {
  name: 'unpair',
  summary: 'Forget the terminal pairing',
  usage: USAGE,
  run: runUnpair,
};

/** `unpair`: forgets the terminal pairing here, and on the terminal when it is reachable and authenticated. */
import { parseArgs } from 'node:util';
import { openTerminalIdentity, openTerminalLinkForCli, resolveTerminalPortIn } from '../../terminal';
import type { CliCommand, CliContext } from '../command';

const USAGE = [
  'Usage: refund-terminal [--data-dir DIR] unpair [--port PATH] [--local]',
  "  --port PATH   the terminal's serial port (default: TERMINAL_PORT, else the port it was paired on)",
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
  const identity = await openTerminalIdentity(ctx.dataDir);
  const store = identity.store;
  const pairing = await store.load();
  const port = (await resolveTerminalPortIn(ctx.dataDir, v.port, ctx.env))?.port ?? null;
  if (v.local || !port) {
    await store.clear();
    ctx.stdout.write(
      `${pairing ? `Forgot the pairing with ${pairing.serial} on this register.` : 'No pairing was stored.'}${port ? '' : ' (No port known: the terminal itself was not told; pair again or unpair there.)'}\n`,
    );
    return 0;
  }
  const { link, status } = await openTerminalLinkForCli(port, identity);
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

/** `ping`: checks the link to the paired terminal and prints round-trip times. */
import { parseArgs } from 'node:util';
import { openTerminalIdentity, openTerminalLinkForCli, resolveTerminalPortIn } from '../../terminal';
import type { CliCommand, CliContext } from '../command';

const USAGE = [
  'Usage: refund-terminal [--data-dir DIR] ping [--port PATH] [--count N] [--interval MS]',
  "  --port PATH     the terminal's serial port (default: TERMINAL_PORT, else the port it was paired on)",
  '  --count N       number of pings (default 4)',
  '  --interval MS   pause between pings (default 200)',
].join('\n');

export async function runPing(args: readonly string[], ctx: CliContext): Promise<number> {
  let v: { port?: string; count?: string; interval?: string };
  try {
    v = parseArgs({ args: [...args], options: { port: { type: 'string' }, count: { type: 'string' }, interval: { type: 'string' } }, strict: true }).values;
  } catch (e) {
    ctx.stderr.write(`${(e as Error).message}\n\n${USAGE}\n`);
    return 2;
  }
  const count = v.count === undefined ? 4 : Number(v.count);
  const interval = v.interval === undefined ? 200 : Number(v.interval);
  if (!Number.isInteger(count) || count < 1 || count > 100_000 || !Number.isFinite(interval) || interval < 0) {
    ctx.stderr.write(`--count must be 1..100000 and --interval >= 0\n`);
    return 2;
  }
  const port = (await resolveTerminalPortIn(ctx.dataDir, v.port, ctx.env))?.port ?? null;
  if (!port) {
    ctx.stderr.write(
      'No terminal port: pass --port PATH, set TERMINAL_PORT, or pair once (the port is then remembered in config.json; see: refund-terminal devices).\n',
    );
    return 2;
  }
  const { link, status } = await openTerminalLinkForCli(port, await openTerminalIdentity(ctx.dataDir));
  try {
    if (!status.terminal) {
      ctx.stderr.write(`No terminal answered on ${port}: ${status.reason ?? status.state}\n`);
      return 1;
    }
    ctx.stdout.write(`PING ${status.terminal.serial} on ${port} (session ${status.state}${status.reason ? `: ${status.reason}` : ''})\n`);
    const rtts: number[] = [];
    for (let i = 1; i <= count; i++) {
      const r = await link.ping();
      if (r.ok) {
        rtts.push(r.value.rttMs);
        ctx.stdout.write(`seq=${i} rtt=${r.value.rttMs.toFixed(2)} ms uptime=${Math.round(r.value.uptimeMs / 1000)} s\n`);
      } else ctx.stdout.write(`seq=${i} ${r.error.code}: ${r.error.message}\n`);
      if (i < count && interval > 0) await new Promise((res) => setTimeout(res, interval));
    }
    const st = link.stats();
    ctx.stdout.write(`--- ${count} sent, ${rtts.length} answered, ${count - rtts.length} lost ---\n`);
    if (rtts.length > 0) {
      const min = Math.min(...rtts);
      const max = Math.max(...rtts);
      const avg = rtts.reduce((a, b) => a + b, 0) / rtts.length;
      ctx.stdout.write(`rtt min/avg/max = ${min.toFixed(2)}/${avg.toFixed(2)}/${max.toFixed(2)} ms\n`);
    }
    ctx.stdout.write(
      `link: retransmissions=${st.retransmissions} NAKs sent/received=${st.naksSent}/${st.naksReceived} CRC errors=${st.crcErrors} ACK timeouts=${st.ackTimeouts}\n`,
    );
    // Line noise (damaged frames, asked again) is told apart from a terminal that does not answer.
    ctx.stdout.write(
      `line noise: ${st.reasked} asked again (${st.reaskedOk} then answered), ${st.noisyLinkDowns} noisy link downs kept up; terminal not answering: ${st.notAnswering}\n`,
    );
    return rtts.length === count ? 0 : 1;
  } finally {
    await link.stop();
  }
}

export const pingCommand: CliCommand = {
  name: 'ping',
  summary: 'Check the terminal link and print round-trip times',
  usage: USAGE,
  run: runPing,
};

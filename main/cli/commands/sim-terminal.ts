/**
 * `sim terminal`: runs the virtual Antom terminal on a serial device or pty
 * until Ctrl+C. Without --port it makes a socat pty pair and prints the end
 * the host should use.
 */
import path from 'node:path';
import { parseArgs } from 'node:util';
import {
  createPtyPair,
  socatAvailable,
  startVirtualTerminalOnPort,
  VirtualTerminal,
  FaultSwitchesSchema,
  type PtyPair,
  type FaultSwitchesInput,
} from '../../../native-bridge/testing';
import type { CliCommand, CliContext } from '../command';

const USAGE = [
  'Usage: refund-terminal [--data-dir DIR] sim terminal [--port PATH] [--serial S] [--model M] [--firmware F] [--state FILE]',
  '                                          [--fault-drop-ack SHARE] [--fault-delay-ack MS] [--fault-corrupt SHARE]',
  '                                          [--fault-nak SHARE] [--fault-busy] [--fault-vanish silent|close]',
  '  --port PATH              serial device or pty the terminal listens on (default: TERMINAL_SIM_PORT, else a new socat pty pair)',
  '  --serial S               terminal serial number (default AT-PX-DEMO1)',
  '  --state FILE             pairing/reference state (default <data dir>/virtual-terminal-<serial>.json)',
  '  --fault-drop-ack SHARE   do not ACK this share (0..1) of good frames',
  '  --fault-delay-ack MS     delay every ACK',
  '  --fault-corrupt SHARE    corrupt this share (0..1) of outgoing bytes',
  '  --fault-nak SHARE        NAK this share (0..1) of good frames',
  '  --fault-busy             answer BUSY to refund.* and info',
  '  --fault-vanish MODE      on the next request stop answering (silent) or close the port (close)',
  'Prints the 6-digit pairing code when a host sends pair.begin. Ctrl+C stops.',
].join('\n');

function waitForSignal(): Promise<void> {
  return new Promise((resolve) => {
    const stop = (): void => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve();
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
}

function share(v: string | undefined, flag: string): number | undefined | Error {
  if (v === undefined) return undefined;
  const n = Number(v);
  return Number.isFinite(n) && n >= 0 && n <= 1 ? n : new Error(`${flag} must be a number between 0 and 1`);
}

/** `until` lets tests stop the terminal without a signal. */
export async function runSimTerminal(args: readonly string[], ctx: CliContext, until: Promise<void> = waitForSignal()): Promise<number> {
  const out = (s: string): void => void ctx.stdout.write(`${s}\n`);
  const fail = (s: string): number => {
    ctx.stderr.write(`${s}\n`);
    return 2;
  };
  let v: Record<string, string | boolean | undefined>;
  try {
    v = parseArgs({
      args: [...args],
      options: {
        port: { type: 'string' },
        serial: { type: 'string' },
        model: { type: 'string' },
        firmware: { type: 'string' },
        state: { type: 'string' },
        'fault-drop-ack': { type: 'string' },
        'fault-delay-ack': { type: 'string' },
        'fault-corrupt': { type: 'string' },
        'fault-nak': { type: 'string' },
        'fault-busy': { type: 'boolean' },
        'fault-vanish': { type: 'string' },
      },
      strict: true,
      allowPositionals: false,
    }).values;
  } catch (e) {
    return fail(`${(e as Error).message}\n\n${USAGE}`);
  }
  const str = (k: string): string | undefined => (typeof v[k] === 'string' ? (v[k] as string) : undefined);
  const faults: FaultSwitchesInput = {};
  for (const [flag, key] of [
    ['fault-drop-ack', 'dropAckShare'],
    ['fault-corrupt', 'corruptShare'],
    ['fault-nak', 'nakShare'],
  ] as const) {
    const s = share(str(flag), `--${flag}`);
    if (s instanceof Error) return fail(s.message);
    if (s !== undefined) faults[key] = s;
  }
  if (str('fault-delay-ack') !== undefined) faults.delayAckMs = Number(str('fault-delay-ack'));
  if (v['fault-busy'] === true) faults.busy = true;
  const vanish = str('fault-vanish');
  if (vanish !== undefined) faults.vanish = vanish as 'silent' | 'close';
  const parsedFaults = FaultSwitchesSchema.safeParse(faults);
  if (!parsedFaults.success) return fail(`invalid fault switches: ${parsedFaults.error.issues.map((i) => `${i.path.join('.')} ${i.message}`).join('; ')}`);

  const serial = str('serial') ?? 'AT-PX-DEMO1';
  const stateFile = str('state') ?? path.join(ctx.dataDir, `virtual-terminal-${serial.replace(/[^A-Za-z0-9_-]/g, '_')}.json`);
  let port = str('port') ?? ctx.env['TERMINAL_SIM_PORT'];
  let pair: PtyPair | null = null;
  if (!port) {
    if (!socatAvailable()) return fail('No --port given and socat is not installed to make a pty pair (apt-get install socat).');
    pair = await createPtyPair();
    port = pair.terminalPath;
    out(`Created a pty pair. Point the host at:  ${pair.hostPath}   (e.g. TERMINAL_PORT=${pair.hostPath})`);
  }
  try {
    const { mkdirSync } = await import('node:fs');
    mkdirSync(path.dirname(stateFile), { recursive: true });
  } catch {
    /* state dir problems surface as a warning from the terminal */
  }
  const terminal = new VirtualTerminal({
    serial,
    ...(str('model') ? { model: str('model') as string } : {}),
    ...(str('firmware') ? { firmware: str('firmware') as string } : {}),
    stateFile,
    faults: parsedFaults.data,
    onPairingCode: (code) => out(`PAIRING CODE: ${code}   (type it on the host: refund-terminal pair --code ${code})`),
    log: (level, msg) => {
      if (level !== 'debug') ctx.stderr.write(`[terminal ${level}] ${msg}\n`);
    },
  });
  let running;
  try {
    running = await startVirtualTerminalOnPort(port, { terminal });
  } catch (e) {
    await pair?.close();
    return fail(`Cannot open ${port}: ${(e as Error).message}`);
  }
  out(`Virtual terminal ${serial} listening on ${port} (${terminal.isPaired ? 'paired' : 'not paired'}; state ${stateFile}). Ctrl+C to stop.`);
  await until;
  await running.stop();
  await pair?.close();
  out('Virtual terminal stopped.');
  return 0;
}

export const simTerminalCommand: CliCommand = {
  name: 'sim terminal',
  summary: 'Run the virtual Antom payment terminal on a serial port or pty',
  usage: USAGE,
  run: (args, ctx) => runSimTerminal(args, ctx),
};

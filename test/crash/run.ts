/**
 * `npx tsx test/crash/run.ts --runs N [--seed S] [--intents K] [--two-process-every K] [--resolver-every K]`
 *   fake mode: the in-repo counter server and a fake terminal.
 * `npx tsx test/crash/run.ts --real --runs N [--seed S] [--async-settle-ms M] [--other-register-every K]`
 *   real mode: the local Antom sandbox (signed HTTP, createAntomGateway) and the
 *   VirtualTerminal over a socat pty pair (serialport bindings, TerminalLink).
 * Prints the campaign counts as JSON; exit code 1 if any invariant was violated.
 */
import { runCrashCampaign } from './campaign';
import { runRealCrashCampaign } from './real-campaign';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  const v = i >= 0 ? Number(process.argv[i + 1]) : fallback;
  if (!Number.isInteger(v) || v < 0) throw new Error(`--${name} must be a non-negative integer`);
  return v;
}

async function main(): Promise<void> {
  const runs = arg('runs', 30);
  const started = Date.now();
  const log = (l: string): void => void process.stderr.write(`${l}\n`);
  const res = process.argv.includes('--real')
    ? await runRealCrashCampaign({
        runs,
        seed: arg('seed', 20261125),
        asyncSettleMs: arg('async-settle-ms', 300),
        otherRegisterEvery: arg('other-register-every', 0) || undefined,
        log,
      })
    : await runCrashCampaign({
        runs,
        seed: arg('seed', 20261125),
        intentsPerRun: arg('intents', 4),
        twoProcessEvery: arg('two-process-every', 10) || undefined,
        resolverEvery: arg('resolver-every', 2) || undefined,
        log,
      });
  process.stdout.write(`${JSON.stringify({ mode: process.argv.includes('--real') ? 'real' : 'fake', ...res, wallClockMs: Date.now() - started }, null, 2)}\n`);
  process.exitCode = res.violations.length === 0 ? 0 : 1;
}

main().catch((e: unknown) => {
  process.stderr.write(`${String(e)}\n`);
  process.exitCode = 2;
});

/**
 * `npx tsx test/crash/run.ts --runs N [--seed S] [--intents K] [--two-process-every K]`
 * Prints the campaign counts as JSON; exit code 1 if any invariant was violated.
 */
import { runCrashCampaign } from './campaign';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  const v = i >= 0 ? Number(process.argv[i + 1]) : fallback;
  if (!Number.isInteger(v) || v < 0) throw new Error(`--${name} must be a non-negative integer`);
  return v;
}

async function main(): Promise<void> {
  const runs = arg('runs', 30);
  const started = Date.now();
  const res = await runCrashCampaign({
    runs,
    seed: arg('seed', 20261125),
    intentsPerRun: arg('intents', 4),
    twoProcessEvery: arg('two-process-every', 10) || undefined,
    log: (l) => process.stderr.write(`${l}\n`),
  });
  process.stdout.write(`${JSON.stringify({ ...res, wallClockMs: Date.now() - started }, null, 2)}\n`);
  process.exitCode = res.violations.length === 0 ? 0 : 1;
}

main().catch((e: unknown) => {
  process.stderr.write(`${String(e)}\n`);
  process.exitCode = 2;
});

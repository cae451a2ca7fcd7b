import { describe, expect, it } from 'vitest';
import { CRASH_POINTS, runCrashCampaign } from '../../crash/campaign';

describe('crash harness (bounded)', () => {
  it(
    'SIGKILL at every state boundary and at random moments never makes a second refund or loses one',
    async () => {
      const runs = 30;
      const res = await runCrashCampaign({ runs, seed: 7, intentsPerRun: 4, twoProcessEvery: 10 });
      expect(res.violations).toEqual([]);
      expect(res.runs).toBe(runs);
      expect(res.twoProcessRuns).toBe(3);
      expect(res.maxCreatedPerIntent).toBeLessThanOrEqual(1);
      // every boundary was actually hit at least once
      for (const p of CRASH_POINTS.filter((x) => x !== 'PENDING_UNKNOWN')) expect(res.killedByPoint[p] ?? 0).toBeGreaterThan(0);
      expect(res.gatewayRefundsCreated).toBe(res.intents);
      expect(res.finalAfterRecovery).toBe(res.intents);
    },
    240_000,
  );
});

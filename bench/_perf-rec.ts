import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runRecovery } from '/work/wt/perf/bench/recovery';
(async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'rt-perf-rec-'));
  try {
    const r = await runRecovery(dir, Number(process.argv[2] ?? 10000));
    console.log(JSON.stringify({ load: r.loadAndSchedule.totalMs, recover: r.engineRecover, la: os.loadavg() }));
  } finally { rmSync(dir, { recursive: true, force: true }); }
})();

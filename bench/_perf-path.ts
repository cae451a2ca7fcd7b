import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runRefunds, startRig } from './refund-path';
import { percentile } from './stats';
(async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'rt-perf-path-'));
  const n = Number(process.argv[2] ?? 100);
  const rig = await startRig(dir, n + 10);
  try {
    await runRefunds(rig, 0, 10);
    console.error('MEASURE-START');
    const r = await runRefunds(rig, n, 0, 10);
    const k = ['totalMs','journalMs','ledgerReadMs','terminalMs','signingMs','paymentInquiryMs','httpSendMs','otherMs'] as const;
    console.log(JSON.stringify(Object.fromEntries(k.map((x) => [x, Math.round(percentile(r.samples.map((s) => s[x]), 50) * 100) / 100]))), 'p99', percentile(r.samples.map((s) => s.totalMs), 99).toFixed(2), 'fail', r.failures.length, 'la', os.loadavg()[0]);
    const by: Record<string, number> = {};
    for (const s of r.samples) for (const [m, v] of Object.entries(s.readMsByMethod)) by[m] = (by[m] ?? 0) + v / r.samples.length;
    const w: Record<string, number> = {};
    for (const s of r.samples) for (const [m, v] of Object.entries(s.writesByMethod)) w[m] = (w[m] ?? 0) + v / r.samples.length;
    console.log(JSON.stringify(by), JSON.stringify(w), 'reads', r.samples.reduce((a, s) => a + s.ledgerReads, 0) / r.samples.length);
  } finally { await rig.close(); rmSync(dir, { recursive: true, force: true }); }
})();

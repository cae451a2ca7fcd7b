/**
 * CPU accounting for the multi-process benchmarks (Linux /proc; elsewhere null):
 * the whole machine's busy share and the CPU seconds of named processes
 * (PostgreSQL's backends), so a throughput figure can be read against what the
 * cores could give: refunds/s ceiling = cores / CPU seconds per refund.
 */
import { readdirSync, readFileSync } from 'node:fs';

const TICKS_PER_S = 100; // USER_HZ on Linux

export interface MachineCpu {
  readonly busyTicks: number;
  readonly totalTicks: number;
}

/** Machine-wide CPU ticks (all cores) from /proc/stat, or null off Linux. */
export function machineCpu(): MachineCpu | null {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '';
    const f = line.trim().split(/\s+/).slice(1).map(Number);
    const idle = (f[3] ?? 0) + (f[4] ?? 0);
    const total = f.slice(0, 8).reduce((a, b) => a + b, 0);
    return { busyTicks: total - idle, totalTicks: total };
  } catch {
    return null;
  }
}

/** Busy share of the machine between two readings (1 = every core busy). */
export function busyShare(a: MachineCpu | null, b: MachineCpu | null): number | null {
  if (a === null || b === null || b.totalTicks <= a.totalTicks) return null;
  return (b.busyTicks - a.busyTicks) / (b.totalTicks - a.totalTicks);
}

/** CPU seconds (user + system) used so far by every live process whose command name is `comm`. */
export function processCpuSeconds(comm: string): number | null {
  let ticks = 0;
  try {
    for (const pid of readdirSync('/proc')) {
      if (!/^\d+$/.test(pid)) continue;
      let stat: string;
      try {
        stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      } catch {
        continue; // exited meanwhile
      }
      const close = stat.lastIndexOf(')');
      const name = stat.slice(stat.indexOf('(') + 1, close);
      if (name !== comm) continue;
      const rest = stat.slice(close + 2).split(' ');
      ticks += Number(rest[11]) + Number(rest[12]); // utime, stime (fields 14, 15)
    }
  } catch {
    return null;
  }
  return ticks / TICKS_PER_S;
}

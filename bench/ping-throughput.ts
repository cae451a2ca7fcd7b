/** Benchmark 2: ping throughput over the pty link, against what the 115200 line alone allows (stop-and-wait). */
import type { TerminalLink } from '../native-bridge';
import { LINE_BYTES_PER_S, lineTimeMs, ratio, summarize, type Summary } from './stats';
import { diffCounters, type WireRecorder } from './wire';

const now = (): number => performance.now();

export interface ThroughputResult {
  readonly durationMs: number;
  readonly pings: number;
  readonly failures: number;
  readonly pingsPerS: number;
  readonly rttMs: Summary;
  readonly payloadBytesPerS: { readonly hostToTerminal: number; readonly terminalToHost: number; readonly total: number };
  readonly wireBytesPerS: { readonly hostToTerminal: number; readonly terminalToHost: number };
  readonly lineRateBytesPerS: number;
  readonly wireUtilisation: { readonly hostToTerminal: number | null; readonly terminalToHost: number | null };
  readonly bytesPerPingExchange: number;
  /** Pings per second if the link were limited by the 115200 line alone (stop-and-wait). */
  readonly lineLimitedPingsPerS: number | null;
}

export async function measurePings(link: TerminalLink, recorder: WireRecorder, durationMs: number): Promise<ThroughputResult> {
  const before = recorder.snapshot();
  const rtts: number[] = [];
  let failures = 0;
  const started = now();
  while (now() - started < durationMs) {
    const t = now();
    const r = await link.ping();
    if (r.ok) rtts.push(now() - t);
    else failures++;
  }
  const elapsed = now() - started;
  const d = diffCounters(recorder.snapshot(), before);
  const s = elapsed / 1000;
  const pings = rtts.length;
  // Blocking bytes per ping: request frame + terminal ACK + reply frame (host's trailing ACK not waited for).
  const perPing = pings === 0 ? 0 : (d.bytesOut + d.bytesIn - 2 * d.acksOut) / pings;
  return {
    durationMs: elapsed,
    pings,
    failures,
    pingsPerS: pings / s,
    rttMs: summarize(rtts),
    payloadBytesPerS: { hostToTerminal: d.payloadOut / s, terminalToHost: d.payloadIn / s, total: (d.payloadOut + d.payloadIn) / s },
    wireBytesPerS: { hostToTerminal: d.bytesOut / s, terminalToHost: d.bytesIn / s },
    lineRateBytesPerS: LINE_BYTES_PER_S,
    wireUtilisation: { hostToTerminal: ratio(d.bytesOut / s, LINE_BYTES_PER_S), terminalToHost: ratio(d.bytesIn / s, LINE_BYTES_PER_S) },
    bytesPerPingExchange: perPing,
    lineLimitedPingsPerS: perPing > 0 ? 1000 / lineTimeMs(perPing) : null,
  };
}

/** Counters kept by the link and message layers; one object can span reconnects. */
export interface LinkStats {
  framesSent: number;
  framesReceived: number;
  retransmissions: number;
  naksSent: number;
  naksReceived: number;
  crcErrors: number;
  framingErrors: number;
  versionMismatches: number;
  duplicatesSuppressed: number;
  ackTimeouts: number;
  bytesDiscarded: number;
  linkDowns: number;
  requestTimeouts: number;
  reconnects: number;
  /** Idempotent requests asked again (as a new frame) after line noise cost their reply. */
  reasked: number;
  /** Requests that succeeded only after being asked again. */
  reaskedOk: number;
  /** Requests given up because the terminal did not answer on a clean line (not noise). */
  notAnswering: number;
  /** Link downs on an open port with line noise seen: the session was kept and probed, not shown as down. */
  noisyLinkDowns: number;
  /** Most recent request round-trip times in ms, newest last (bounded). */
  lastRttsMs: number[];
}

export function createLinkStats(): LinkStats {
  return {
    framesSent: 0,
    framesReceived: 0,
    retransmissions: 0,
    naksSent: 0,
    naksReceived: 0,
    crcErrors: 0,
    framingErrors: 0,
    versionMismatches: 0,
    duplicatesSuppressed: 0,
    ackTimeouts: 0,
    bytesDiscarded: 0,
    linkDowns: 0,
    requestTimeouts: 0,
    reconnects: 0,
    reasked: 0,
    reaskedOk: 0,
    notAnswering: 0,
    noisyLinkDowns: 0,
    lastRttsMs: [],
  };
}

export const MAX_RTT_SAMPLES = 20;

export function recordRtt(stats: LinkStats, ms: number): void {
  stats.lastRttsMs.push(ms);
  if (stats.lastRttsMs.length > MAX_RTT_SAMPLES) stats.lastRttsMs.splice(0, stats.lastRttsMs.length - MAX_RTT_SAMPLES);
}

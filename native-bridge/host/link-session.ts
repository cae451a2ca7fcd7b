/**
 * One session of the terminal link: an open port with its link layer and
 * message endpoint, from opening until it ends (port closed, link down for
 * good, stopped). The session ends exactly once; ending fails every request
 * in flight with LINK_DOWN at once, so nothing waits on a reply that cannot come.
 */
import { LinkLayer, type LinkOptions } from '../link/link';
import type { LinkStats } from '../link/stats';
import { TERMINAL_ERROR_MESSAGES } from '../messages/errors';
import { MessageEndpoint, type IncomingMessage } from '../messages/endpoint';
import type { HelloOk } from '../messages/schemas';
import type { Transport } from '../transport/transport';
import type { LinkStatus } from './status';
import type { TerminalErrorCode } from './terminal-port';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
export type Logger = (level: LogLevel, msg: string, fields?: Record<string, unknown>) => void;

export interface Session {
  readonly transport: Transport;
  readonly link: LinkLayer;
  readonly endpoint: MessageEndpoint;
  /** Resolves with a reason once the session is over (port closed, link down, stopped). */
  readonly ended: Promise<string>;
  end(reason: string): void;
  isEnded(): boolean;
  hello: HelloOk | null;
  lastActivity: number;
  /** Why requests are refused in this session (e.g. TERMINAL_SWAPPED), or null when usable. */
  refusal: { code: TerminalErrorCode; message: string } | null;
  /** Status to return to when a link-down probe succeeds; null when not recovering. */
  recovering: LinkStatus | null;
  /** True while the hello/auth exchange runs (a link down is then left to the handshake: asked again after noise, else the session ends). */
  handshaking: boolean;
  /** noiseMark() when the last good frame arrived: more noise since then means the line, not the terminal, is the problem. */
  noiseAtLastFrame: number;
}

/** Sum of the counters that only move when damaged or stray bytes arrive. */
export function noiseMark(c: LinkStats): number {
  return c.crcErrors + c.framingErrors + c.bytesDiscarded + c.naksReceived + c.versionMismatches;
}

export interface SessionHooks {
  readonly stats: LinkStats;
  readonly link?: Pick<LinkOptions, 'ackTimeoutMs' | 'maxRetransmissions' | 'interByteTimeoutMs'>;
  readonly timeoutMs: number;
  readonly log: Logger;
  /** Called once, synchronously, as the session ends (before pending requests fail): report the link down now. */
  onEnd(s: Session, reason: string): void;
  /** The link layer gave up on a frame while the port stayed open, after the handshake: probe before reopening. */
  onLinkDown(s: Session, message: string): void;
  onEvent(m: IncomingMessage): void;
}

export function openSession(transport: Transport, hooks: SessionHooks): Session {
  const { stats, log } = hooks;
  const link = new LinkLayer(transport, { stats, ...hooks.link, log });
  const endpoint = new MessageEndpoint(link, { idPrefix: 'h', defaultTimeoutMs: hooks.timeoutMs, log });
  let endIt: (r: string) => void = () => undefined;
  let ended = false;
  const endedP = new Promise<string>((r) => (endIt = r));
  const s: Session = {
    transport,
    link,
    endpoint,
    ended: endedP,
    hello: null,
    lastActivity: Date.now(),
    refusal: null,
    recovering: null,
    handshaking: false,
    noiseAtLastFrame: noiseMark(stats),
    end: (reason) => {
      if (ended) return;
      ended = true;
      // Report at once (synchronously) so nobody sees a stale 'authenticated'.
      hooks.onEnd(s, reason);
      // Fail in-flight requests right away with a link error: nothing is guessed.
      endpoint.failPending('LINK_DOWN', `${reason}. ${TERMINAL_ERROR_MESSAGES.LINK_DOWN}`);
      endIt(reason);
    },
    isEnded: () => ended,
  };
  transport.onClose((e) => s.end(`port closed${e ? ` (${e.message})` : ''}`));
  link.onDown((e) => {
    if (e.kind === 'closed' || !transport.isOpen) {
      s.end(e.message);
      return;
    }
    // During hello/auth the failed request is asked again by the handshake
    // when the line was noisy, and the handshake ends the session otherwise.
    if (s.handshaking) return;
    if (!s.hello) s.end(e.message);
    else hooks.onLinkDown(s, e.message);
  });
  link.onPeerGaveUp((seq) => {
    if (endpoint.pendingCount > 0) {
      log('warn', 'terminal gave up a frame after retransmissions; failing the pending request', { seq });
      endpoint.failPending(
        'LINK_DOWN',
        `The terminal's reply was lost on the link (frame ${seq} damaged ${1 + (hooks.link?.maxRetransmissions ?? 3)} times). Nothing was assumed; ask again.`,
      );
    }
  });
  link.onVersionMismatch((v) => log('warn', `terminal sent a TLP frame with version ${v}; this host speaks 1`));
  link.onFrame(() => {
    s.lastActivity = Date.now();
    s.noiseAtLastFrame = noiseMark(stats);
  });
  endpoint.onEvent((m) => hooks.onEvent(m));
  return s;
}

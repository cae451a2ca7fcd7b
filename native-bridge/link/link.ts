/**
 * TLP/1 link layer (spec section 3): stop-and-wait with ACK/NAK, 300 ms ACK
 * timeout, 3 retransmissions then "link down", duplicate suppression and the
 * 200 ms inter-byte timeout. Knows nothing about JSON or messages.
 */
import { ACK_TIMEOUT_MS, INTER_BYTE_TIMEOUT_MS, MAX_RETRANSMISSIONS } from '../protocol/constants';
import { DecoderEvent, FrameDecoder } from '../protocol/decoder';
import { encodeAck, encodeFrame, encodeNak } from '../protocol/frame';
import type { Transport } from '../transport/transport';
import { createLinkStats, LinkStats } from './stats';

export class LinkDownError extends Error {
  constructor(
    message: string,
    readonly kind: 'no-ack' | 'closed' = 'no-ack',
  ) {
    super(message);
    this.name = 'LinkDownError';
  }
}

/** What the receiver does with a good frame; the virtual terminal's fault switches plug in here. */
export interface AckDecision {
  readonly action: 'ack' | 'drop' | 'nak';
  readonly delayMs?: number;
}

export type LinkLogger = (level: 'debug' | 'info' | 'warn' | 'error', msg: string, fields?: Record<string, unknown>) => void;

export interface LinkOptions {
  readonly ackTimeoutMs?: number;
  readonly maxRetransmissions?: number;
  readonly interByteTimeoutMs?: number;
  readonly initialSeq?: number;
  readonly stats?: LinkStats;
  readonly ackPolicy?: (seq: number) => AckDecision;
  /**
   * On link down, also fail the frames queued behind the failed one (default true:
   * the host starts over). The terminal sets false: its queued replies answer
   * other requests and are still worth sending.
   */
  readonly failQueuedOnDown?: boolean;
  readonly now?: () => number;
  readonly log?: LinkLogger;
}

interface Outgoing {
  readonly seq: number;
  readonly frame: Buffer;
  readonly resolve: () => void;
  readonly reject: (e: Error) => void;
  retransmissions: number;
}

export class LinkLayer {
  readonly stats: LinkStats;
  private readonly decoder: FrameDecoder;
  private readonly queue: Outgoing[] = [];
  private outstanding: Outgoing | null = null;
  private ackTimer: NodeJS.Timeout | null = null;
  private ibtTimer: NodeJS.Timeout | null = null;
  private nextSeq: number;
  /** The last frame passed up, kept whole (≤ 4096 bytes) so a retransmission is recognised by its bytes, not by a CRC that can collide. */
  private lastDelivered: { seq: number; payload: Buffer } | null = null;
  private disposed = false;
  private readonly unsubs: Array<() => void> = [];
  private readonly frameListeners = new Set<(payload: Buffer) => void>();
  private readonly downListeners = new Set<(e: LinkDownError) => void>();
  private readonly versionListeners = new Set<(version: number) => void>();
  private readonly peerGaveUpListeners = new Set<(seq: number) => void>();
  /** Damaged incoming frames since the last good one (NAKed, wrong version, bad length, cut short, or a lost STX). */
  private damagedRun = 0;
  private readonly ackTimeoutMs: number;
  private readonly maxRetx: number;
  private readonly ibtMs: number;
  private readonly now: () => number;

  constructor(
    private readonly transport: Transport,
    private readonly opts: LinkOptions = {},
  ) {
    this.stats = opts.stats ?? createLinkStats();
    this.ackTimeoutMs = opts.ackTimeoutMs ?? ACK_TIMEOUT_MS;
    this.maxRetx = opts.maxRetransmissions ?? MAX_RETRANSMISSIONS;
    this.ibtMs = opts.interByteTimeoutMs ?? INTER_BYTE_TIMEOUT_MS;
    this.now = opts.now ?? Date.now;
    this.nextSeq = (opts.initialSeq ?? 0) & 0xff;
    this.decoder = new FrameDecoder({ interByteTimeoutMs: this.ibtMs });
    this.unsubs.push(transport.onData((d) => this.onBytes(d)));
    this.unsubs.push(transport.onClose((e) => this.failAll(new LinkDownError(`port closed${e ? `: ${e.message}` : ''}`, 'closed'))));
  }

  onFrame(l: (payload: Buffer) => void): () => void {
    this.frameListeners.add(l);
    return () => this.frameListeners.delete(l);
  }

  /** Fires when a frame got no ACK after the allowed retransmissions (or the port closed with frames pending). */
  onDown(l: (e: LinkDownError) => void): () => void {
    this.downListeners.add(l);
    return () => this.downListeners.delete(l);
  }

  onVersionMismatch(l: (version: number) => void): () => void {
    this.versionListeners.add(l);
    return () => this.versionListeners.delete(l);
  }

  /**
   * Fires when 1 + maxRetransmissions damaged frames arrived in a row: by the
   * spec the peer has then given (at least) one frame up, so whatever it carried (often
   * the reply we wait for) will not arrive. Lets the host fail fast instead of
   * waiting for the request timeout.
   */
  onPeerGaveUp(l: (seq: number) => void): () => void {
    this.peerGaveUpListeners.add(l);
    return () => this.peerGaveUpListeners.delete(l);
  }

  /** Sends one payload; resolves once the peer ACKed it, rejects with LinkDownError. */
  send(payload: Uint8Array): Promise<void> {
    if (this.disposed || !this.transport.isOpen) return Promise.reject(new LinkDownError('link closed', 'closed'));
    return new Promise<void>((resolve, reject) => {
      let frame: Buffer;
      try {
        frame = encodeFrame(this.nextSeq, payload);
      } catch (e) {
        reject(e instanceof Error ? e : new Error(String(e)));
        return;
      }
      this.queue.push({ seq: this.nextSeq, frame, resolve, reject, retransmissions: 0 });
      this.nextSeq = (this.nextSeq + 1) & 0xff;
      this.pump();
    });
  }

  /** Stops timers and listeners; pending sends fail with LinkDownError('closed'). */
  dispose(): void {
    if (this.disposed) return;
    this.failAll(new LinkDownError('link disposed', 'closed'), false);
    this.disposed = true;
    for (const u of this.unsubs) u();
    if (this.ibtTimer) clearTimeout(this.ibtTimer);
    this.frameListeners.clear();
    this.downListeners.clear();
    this.versionListeners.clear();
    this.peerGaveUpListeners.clear();
  }

  private pump(): void {
    if (this.outstanding || this.disposed) return;
    const next = this.queue.shift();
    if (!next) return;
    this.outstanding = next;
    this.transmit(next);
  }

  private transmit(o: Outgoing): void {
    this.stats.framesSent++;
    this.transport.write(o.frame);
    if (this.ackTimer) clearTimeout(this.ackTimer);
    this.ackTimer = setTimeout(() => {
      this.ackTimer = null;
      this.stats.ackTimeouts++;
      this.retransmitOrDown('no ACK within ' + this.ackTimeoutMs + ' ms');
    }, this.ackTimeoutMs);
  }

  private retransmitOrDown(why: string): void {
    const o = this.outstanding;
    if (!o) return;
    if (o.retransmissions >= this.maxRetx) {
      if (this.ackTimer) clearTimeout(this.ackTimer);
      this.ackTimer = null;
      this.outstanding = null;
      this.stats.linkDowns++;
      const e = new LinkDownError(`link down: frame SEQ ${o.seq} not acknowledged after ${this.maxRetx} retransmissions (${why})`);
      this.opts.log?.('warn', 'link down', { seq: o.seq, why });
      o.reject(e);
      // Frames queued behind it were never sent; by default fail them too rather than guess.
      if (this.opts.failQueuedOnDown ?? true) for (const q of this.queue.splice(0)) q.reject(e);
      for (const l of [...this.downListeners]) l(e);
      this.pump();
      return;
    }
    o.retransmissions++;
    this.stats.retransmissions++;
    this.transmit(o);
  }

  private failAll(e: LinkDownError, notify = true): void {
    if (this.disposed) return;
    if (this.ackTimer) clearTimeout(this.ackTimer);
    this.ackTimer = null;
    const pending = this.outstanding ? [this.outstanding, ...this.queue] : [...this.queue];
    this.outstanding = null;
    this.queue.length = 0;
    for (const p of pending) p.reject(e);
    if (notify) for (const l of [...this.downListeners]) l(e);
  }

  private onBytes(d: Buffer): void {
    if (this.disposed) return;
    const events = this.decoder.push(d, this.now());
    for (const ev of events) this.handle(ev);
    if (this.ibtTimer) clearTimeout(this.ibtTimer);
    this.ibtTimer = null;
    if (this.decoder.midFrame) {
      this.ibtTimer = setTimeout(() => {
        this.ibtTimer = null;
        for (const ev of this.decoder.expire(this.now())) this.handle(ev);
      }, this.ibtMs + 1);
    }
  }

  private handle(ev: DecoderEvent): void {
    switch (ev.kind) {
      case 'ack':
        if (this.outstanding && ev.seq === this.outstanding.seq) {
          const o = this.outstanding;
          if (this.ackTimer) clearTimeout(this.ackTimer);
          this.ackTimer = null;
          this.outstanding = null;
          o.resolve();
          this.pump();
        }
        // An ACK for anything else is stale (a re-ACK of an old frame) or noise.
        return;
      case 'nak':
        this.stats.naksReceived++;
        if (this.outstanding && ev.seq === this.outstanding.seq) this.retransmitOrDown(`NAK ${ev.seq}`);
        return;
      case 'bad-frame':
        if (ev.reason === 'crc') this.stats.crcErrors++;
        else this.stats.framingErrors++;
        this.sendNak(ev.seq);
        return;
      case 'version-mismatch':
        this.stats.versionMismatches++;
        this.opts.log?.('warn', 'protocol version mismatch', { version: ev.version });
        this.sendNak(ev.seq);
        for (const l of [...this.versionListeners]) l(ev.version);
        return;
      case 'framing-error':
        this.stats.framingErrors++;
        this.damaged(-1);
        return;
      case 'discarded':
        this.stats.bytesDiscarded += ev.count;
        // A frame whose STX was lost shows up only as a run of discarded bytes.
        if (ev.count >= 8) this.damaged(-1);
        return;
      case 'frame':
        this.onGoodFrame(ev.seq, ev.payload);
        return;
    }
  }

  private sendNak(seq: number, countTowardsGiveUp = true): void {
    this.stats.naksSent++;
    this.transport.write(encodeNak(seq));
    if (countTowardsGiveUp) this.damaged(seq);
  }

  /**
   * The peer sends a frame at most 1 + maxRetransmissions times; once that many
   * damaged frames arrived in a row, it has given (at least) one frame up.
   */
  private damaged(seq: number): void {
    this.damagedRun++;
    if (this.damagedRun === this.maxRetx + 1) for (const l of [...this.peerGaveUpListeners]) l(seq);
  }

  private onGoodFrame(seq: number, payload: Buffer): void {
    this.stats.framesReceived++;
    const decision = this.opts.ackPolicy?.(seq) ?? { action: 'ack' };
    this.damagedRun = 0;
    if (decision.action === 'nak') {
      // Fault injection: pretend the frame was damaged; the sender will retransmit.
      this.sendNak(seq, false);
      return;
    }
    if (decision.action === 'ack') {
      const ack = encodeAck(seq);
      if (decision.delayMs && decision.delayMs > 0) setTimeout(() => this.transport.write(ack), decision.delayMs);
      else this.transport.write(ack);
    }
    // A retransmission is byte-identical (same SEQ and payload): ACK again, deliver once.
    // A different payload that merely reuses the SEQ (peer restarted its counter) is new,
    // even when its CRC happens to equal the last one's (1 in 65,536 for CRC-16).
    const last = this.lastDelivered;
    if (last && last.seq === seq && last.payload.equals(payload)) {
      this.stats.duplicatesSuppressed++;
      return;
    }
    this.lastDelivered = { seq, payload: Buffer.from(payload) };
    for (const l of [...this.frameListeners]) l(payload);
  }
}

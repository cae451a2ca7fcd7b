/**
 * Streaming TLP/1 decoder. Pure state machine: bytes in, events out. It never
 * throws, whatever it is fed, and only ever yields a `frame` whose CRC checked.
 *
 * Resynchronisation rules (spec 2/3 plus our documented decisions, see
 * docs/terminal-link.md):
 *  - outside a frame, bytes other than STX/ACK/NAK are discarded;
 *  - ACK/NAK are two bytes; the byte after 0x06/0x15 is always the SEQ;
 *  - a payload can never contain 0x02/0x03 (JSON text), so a raw STX inside a
 *    payload aborts the frame (NAK) and starts a new one, and a raw ETX before
 *    LEN bytes means the frame is short: NAK and skip its two CRC bytes;
 *  - wrong ETX or CRC: NAK with the SEQ as read;
 *  - wrong VER: read the SEQ, NAK it and report a version mismatch;
 *  - LEN > 4096: framing error, discarded without NAK (spec lists NAK only for
 *    CRC/ETX); the sender's ACK timeout recovers;
 *  - a partial frame whose previous byte is older than the inter-byte timeout
 *    is discarded before the new byte is looked at.
 */
import { ACK, ETX, INTER_BYTE_TIMEOUT_MS, MAX_PAYLOAD, NAK, PROTOCOL_VERSION, STX } from './constants';
import { crc16 } from './crc16';

export type FramingErrorReason = 'len-too-large' | 'inter-byte-timeout' | 'stx-in-payload';

export type DecoderEvent =
  | { readonly kind: 'frame'; readonly seq: number; readonly payload: Buffer; readonly crc: number }
  | { readonly kind: 'ack'; readonly seq: number }
  | { readonly kind: 'nak'; readonly seq: number }
  /** A damaged frame; the link answers NAK `seq`. */
  | { readonly kind: 'bad-frame'; readonly seq: number; readonly reason: 'crc' | 'etx' | 'stx-in-payload' }
  /** VER was not 0x01; the link answers NAK `seq` and reports the mismatch. */
  | { readonly kind: 'version-mismatch'; readonly seq: number; readonly version: number }
  | { readonly kind: 'framing-error'; readonly reason: FramingErrorReason }
  | { readonly kind: 'discarded'; readonly count: number };

const enum S {
  Hunt,
  CtlSeq,
  Ver,
  Seq,
  Len1,
  Len2,
  Payload,
  Etx,
  Crc1,
  Crc2,
  SkipCrc,
}

export interface DecoderOptions {
  readonly interByteTimeoutMs?: number;
}

export class FrameDecoder {
  private state: S = S.Hunt;
  private ctl = 0;
  private version = 0;
  private seq = 0;
  private len = 0;
  private payload: Buffer = Buffer.alloc(0);
  private filled = 0;
  private crcHi = 0;
  private skip = 0;
  private discarded = 0;
  private lastByteAt = Number.NEGATIVE_INFINITY;
  private readonly timeoutMs: number;

  constructor(opts: DecoderOptions = {}) {
    this.timeoutMs = opts.interByteTimeoutMs ?? INTER_BYTE_TIMEOUT_MS;
  }

  /** True while part of a frame (or of an ACK/NAK) has been read. */
  get midFrame(): boolean {
    return this.state !== S.Hunt;
  }

  /** Feeds bytes received at `now` (ms, monotonic). */
  push(chunk: Uint8Array, now: number = Date.now()): DecoderEvent[] {
    const out: DecoderEvent[] = [];
    this.expireInto(now, out);
    for (let i = 0; i < chunk.length; i++) this.byte(chunk[i] ?? 0, out);
    if (chunk.length > 0) this.lastByteAt = now;
    this.flushDiscarded(out);
    return out;
  }

  /** Drops a stale partial frame; call from a timer so a frame cut short is reported promptly. */
  expire(now: number = Date.now()): DecoderEvent[] {
    const out: DecoderEvent[] = [];
    this.expireInto(now, out);
    this.flushDiscarded(out);
    return out;
  }

  reset(): void {
    this.state = S.Hunt;
    this.payload = Buffer.alloc(0);
    this.filled = 0;
  }

  private expireInto(now: number, out: DecoderEvent[]): void {
    if (this.state !== S.Hunt && now - this.lastByteAt > this.timeoutMs) {
      this.reset();
      out.push({ kind: 'framing-error', reason: 'inter-byte-timeout' });
    }
  }

  private flushDiscarded(out: DecoderEvent[]): void {
    if (this.discarded > 0) {
      out.push({ kind: 'discarded', count: this.discarded });
      this.discarded = 0;
    }
  }

  private byte(b: number, out: DecoderEvent[]): void {
    switch (this.state) {
      case S.Hunt:
        if (b === STX) this.state = S.Ver;
        else if (b === ACK || b === NAK) {
          this.ctl = b;
          this.state = S.CtlSeq;
        } else this.discarded++;
        return;
      case S.CtlSeq:
        out.push({ kind: this.ctl === ACK ? 'ack' : 'nak', seq: b });
        this.state = S.Hunt;
        return;
      case S.Ver:
        this.version = b;
        this.state = S.Seq;
        return;
      case S.Seq:
        this.seq = b;
        if (this.version !== PROTOCOL_VERSION) {
          // We cannot trust the layout of another version: NAK and hunt.
          out.push({ kind: 'version-mismatch', seq: b, version: this.version });
          this.state = S.Hunt;
          return;
        }
        this.state = S.Len1;
        return;
      case S.Len1:
        this.len = b << 8;
        this.state = S.Len2;
        return;
      case S.Len2:
        this.len |= b;
        if (this.len > MAX_PAYLOAD) {
          out.push({ kind: 'framing-error', reason: 'len-too-large' });
          this.state = S.Hunt;
          return;
        }
        this.payload = Buffer.alloc(this.len);
        this.filled = 0;
        this.state = this.len === 0 ? S.Etx : S.Payload;
        return;
      case S.Payload:
        if (b === STX) {
          // Lost sync: this frame is broken, the STX may begin the next one.
          out.push({ kind: 'bad-frame', seq: this.seq, reason: 'stx-in-payload' });
          this.state = S.Ver;
          return;
        }
        if (b === ETX) {
          // Frame shorter than LEN says: treat as a wrong ETX and skip its CRC.
          out.push({ kind: 'bad-frame', seq: this.seq, reason: 'etx' });
          this.skip = 2;
          this.state = S.SkipCrc;
          return;
        }
        this.payload[this.filled++] = b;
        if (this.filled === this.len) this.state = S.Etx;
        return;
      case S.Etx:
        if (b !== ETX) {
          out.push({ kind: 'bad-frame', seq: this.seq, reason: 'etx' });
          this.state = S.Hunt;
          if (b === STX) this.state = S.Ver;
          return;
        }
        this.state = S.Crc1;
        return;
      case S.Crc1:
        this.crcHi = b;
        this.state = S.Crc2;
        return;
      case S.Crc2: {
        const got = (this.crcHi << 8) | b;
        this.state = S.Hunt;
        const header = Buffer.from([this.version, this.seq, (this.len >> 8) & 0xff, this.len & 0xff]);
        const crc = crc16(Buffer.from([ETX]), crc16(this.payload, crc16(header)));
        if (crc !== got) out.push({ kind: 'bad-frame', seq: this.seq, reason: 'crc' });
        else out.push({ kind: 'frame', seq: this.seq, payload: this.payload, crc });
        this.payload = Buffer.alloc(0);
        return;
      }
      case S.SkipCrc:
        if (--this.skip <= 0) this.state = S.Hunt;
        return;
    }
  }
}

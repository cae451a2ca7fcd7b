/**
 * A Transport decorator that counts what crosses the wire in each direction
 * (frames, ACK/NAK, payload bytes), so line-rate times can be computed from
 * the real frame sizes. It never changes the bytes.
 */
import { FrameDecoder, type Transport } from '../native-bridge';

export interface WireCounters {
  bytesOut: number;
  bytesIn: number;
  framesOut: number;
  framesIn: number;
  payloadOut: number;
  payloadIn: number;
  acksOut: number;
  acksIn: number;
}

export function zeroCounters(): WireCounters {
  return { bytesOut: 0, bytesIn: 0, framesOut: 0, framesIn: 0, payloadOut: 0, payloadIn: 0, acksOut: 0, acksIn: 0 };
}

export function diffCounters(after: WireCounters, before: WireCounters): WireCounters {
  return {
    bytesOut: after.bytesOut - before.bytesOut,
    bytesIn: after.bytesIn - before.bytesIn,
    framesOut: after.framesOut - before.framesOut,
    framesIn: after.framesIn - before.framesIn,
    payloadOut: after.payloadOut - before.payloadOut,
    payloadIn: after.payloadIn - before.payloadIn,
    acksOut: after.acksOut - before.acksOut,
    acksIn: after.acksIn - before.acksIn,
  };
}

export class WireRecorder {
  readonly counters: WireCounters = zeroCounters();
  private readonly outDecoder = new FrameDecoder({ interByteTimeoutMs: 200 });
  private readonly inDecoder = new FrameDecoder({ interByteTimeoutMs: 200 });

  snapshot(): WireCounters {
    return { ...this.counters };
  }

  out(d: Uint8Array): void {
    this.counters.bytesOut += d.length;
    for (const ev of this.outDecoder.push(Buffer.from(d), Date.now())) {
      if (ev.kind === 'frame') {
        this.counters.framesOut++;
        this.counters.payloadOut += ev.payload.length;
      } else if (ev.kind === 'ack' || ev.kind === 'nak') this.counters.acksOut++;
    }
  }

  in(d: Buffer): void {
    this.counters.bytesIn += d.length;
    for (const ev of this.inDecoder.push(d, Date.now())) {
      if (ev.kind === 'frame') {
        this.counters.framesIn++;
        this.counters.payloadIn += ev.payload.length;
      } else if (ev.kind === 'ack' || ev.kind === 'nak') this.counters.acksIn++;
    }
  }
}

export class RecordingTransport implements Transport {
  constructor(
    private readonly inner: Transport,
    private readonly rec: WireRecorder,
  ) {
    inner.onData((d) => rec.in(d));
  }

  get description(): string {
    return this.inner.description;
  }

  get isOpen(): boolean {
    return this.inner.isOpen;
  }

  write(data: Uint8Array): void {
    this.rec.out(data);
    this.inner.write(data);
  }

  onData(listener: (data: Buffer) => void): () => void {
    return this.inner.onData(listener);
  }

  onClose(listener: (error?: Error) => void): () => void {
    return this.inner.onClose(listener);
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}

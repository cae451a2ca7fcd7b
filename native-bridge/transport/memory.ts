/** In-memory transport pair for unit tests: bytes written on one end arrive on the other asynchronously. */
import { Transport, TransportEvents } from './transport';

export interface MemoryTransport extends Transport {
  /** Simulates unplugging: both ends close, with an error on this end. */
  sever(error?: Error): void;
}

class MemoryEnd implements MemoryTransport {
  readonly events = new TransportEvents();
  peer: MemoryEnd | null = null;

  constructor(readonly description: string) {}

  get isOpen(): boolean {
    return !this.events.isClosed;
  }

  write(data: Uint8Array): void {
    if (!this.isOpen) return;
    const copy = Buffer.from(data);
    const peer = this.peer;
    // setImmediate keeps delivery asynchronous like a real port and lets timers interleave.
    setImmediate(() => peer?.events.emitData(copy));
  }

  onData(l: (d: Buffer) => void): () => void {
    return this.events.onData(l);
  }

  onClose(l: (e?: Error) => void): () => void {
    return this.events.onClose(l);
  }

  async close(): Promise<void> {
    this.sever();
  }

  sever(error?: Error): void {
    const peer = this.peer;
    this.events.emitClose(error);
    if (peer && peer.isOpen) setImmediate(() => peer.events.emitClose(error));
  }
}

export function createMemoryTransportPair(): [MemoryTransport, MemoryTransport] {
  const a = new MemoryEnd('memory:host');
  const b = new MemoryEnd('memory:terminal');
  a.peer = b;
  b.peer = a;
  return [a, b];
}

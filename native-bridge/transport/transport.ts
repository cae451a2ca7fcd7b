/**
 * The one byte-pipe abstraction everything above the wire is written against
 * (the role Ledger Live's `Transport` plays): serial port, pty and in-memory
 * pairs all look the same to the link layer.
 */
export interface Transport {
  /** Human-readable endpoint, e.g. the device path. */
  readonly description: string;
  readonly isOpen: boolean;
  /** Queues bytes for sending, in order. Never throws; a failed write surfaces as `close`. */
  write(data: Uint8Array): void;
  /** Subscribes to received bytes; returns an unsubscribe function. */
  onData(listener: (data: Buffer) => void): () => void;
  /** Fires once when the transport closes (by us, the peer, unplug or error). */
  onClose(listener: (error?: Error) => void): () => void;
  close(): Promise<void>;
}

/** Small helper so implementations share listener bookkeeping and close-once semantics. */
export class TransportEvents {
  private readonly dataListeners = new Set<(d: Buffer) => void>();
  private readonly closeListeners = new Set<(e?: Error) => void>();
  private closed = false;

  get isClosed(): boolean {
    return this.closed;
  }

  onData(l: (d: Buffer) => void): () => void {
    this.dataListeners.add(l);
    return () => this.dataListeners.delete(l);
  }

  onClose(l: (e?: Error) => void): () => void {
    if (this.closed) {
      queueMicrotask(() => l());
      return () => undefined;
    }
    this.closeListeners.add(l);
    return () => this.closeListeners.delete(l);
  }

  emitData(d: Buffer): void {
    if (this.closed) return;
    for (const l of [...this.dataListeners]) l(d);
  }

  emitClose(e?: Error): void {
    if (this.closed) return;
    this.closed = true;
    for (const l of [...this.closeListeners]) l(e);
    this.closeListeners.clear();
    this.dataListeners.clear();
  }
}

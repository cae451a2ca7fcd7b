/** `Transport` over the real `serialport` package (115200 8N1, no flow control, spec section 1). */
import { SerialPort } from 'serialport';
import { Transport, TransportEvents } from './transport';

export interface SerialOpenOptions {
  readonly baudRate?: number;
}

export class SerialPortTransport implements Transport {
  private readonly events = new TransportEvents();

  private constructor(
    private readonly port: SerialPort,
    readonly description: string,
  ) {
    port.on('data', (d: Buffer) => this.events.emitData(d));
    port.on('close', (e?: Error | null) => this.events.emitClose(e ?? undefined));
    port.on('error', (e: Error) => {
      this.events.emitClose(e);
      if (port.isOpen) port.close(() => undefined);
    });
  }

  /** Opens `path`; rejects with the OS error (ENOENT, EACCES, EBUSY...) so callers can explain it. */
  static open(path: string, opts: SerialOpenOptions = {}): Promise<SerialPortTransport> {
    return new Promise((resolve, reject) => {
      const port = new SerialPort(
        { path, baudRate: opts.baudRate ?? 115200, dataBits: 8, parity: 'none', stopBits: 1, rtscts: false, xon: false, xoff: false, autoOpen: false, lock: false },
      );
      port.open((e) => (e ? reject(e) : resolve(new SerialPortTransport(port, path))));
    });
  }

  get isOpen(): boolean {
    return !this.events.isClosed && this.port.isOpen;
  }

  write(data: Uint8Array): void {
    if (!this.isOpen) return;
    this.port.write(Buffer.from(data), (e) => {
      if (e) this.events.emitClose(e);
    });
  }

  onData(l: (d: Buffer) => void): () => void {
    return this.events.onData(l);
  }

  onClose(l: (e?: Error) => void): () => void {
    return this.events.onClose(l);
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      if (!this.port.isOpen) {
        this.events.emitClose();
        resolve();
        return;
      }
      this.port.close(() => {
        this.events.emitClose();
        resolve();
      });
    });
  }
}

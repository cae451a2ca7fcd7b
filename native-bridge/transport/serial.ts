/** `Transport` over the real `serialport` package (115200 8N1, no flow control, spec section 1). */
import { promises as fs } from 'node:fs';
import { SerialPort } from 'serialport';
import { Transport, TransportEvents } from './transport';

export interface SerialOpenOptions {
  readonly baudRate?: number;
  /**
   * How often to check that the device node still exists (ms; 0 disables).
   * The Linux bindings do not report a hang-up on an idle port (only the next
   * write fails), but an unplugged ttyACM / closed pty loses its /dev node at once.
   */
  readonly presencePollMs?: number;
  /** Exclusive lock (default true): a second program opening the terminal gets EBUSY instead of stealing frames. */
  readonly lock?: boolean;
}

export const DEFAULT_PRESENCE_POLL_MS = 250;

export class SerialPortTransport implements Transport {
  private readonly events = new TransportEvents();
  private presenceTimer: NodeJS.Timeout | null = null;

  private constructor(
    private readonly port: SerialPort,
    readonly description: string,
    presencePollMs: number,
  ) {
    if (presencePollMs > 0 && description.startsWith('/')) {
      // Identity of the node we opened; a re-plugged device (or a new pty behind the
      // same symlink) is a different node even if the path exists again.
      let identity: string | null = null;
      const idOf = (st: { rdev: number; ino: number }): string => `${st.rdev}:${st.ino}`;
      fs.stat(description).then(
        (st) => (identity = idOf(st)),
        () => undefined,
      );
      this.presenceTimer = setInterval(() => {
        fs.stat(description).then(
          (st) => {
            if (identity !== null && idOf(st) !== identity) this.hangUp(new Error(`${description} is now a different device (re-plugged)`));
          },
          () => this.hangUp(new Error(`${description} disappeared (device unplugged)`)),
        );
      }, presencePollMs);
      this.presenceTimer.unref();
      this.events.onClose(() => {
        if (this.presenceTimer) clearInterval(this.presenceTimer);
        this.presenceTimer = null;
      });
    }
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
      const port = new SerialPort({
        path,
        baudRate: opts.baudRate ?? 115200,
        dataBits: 8,
        parity: 'none',
        stopBits: 1,
        rtscts: false,
        xon: false,
        xoff: false,
        autoOpen: false,
        lock: opts.lock ?? true,
      });
      port.open((e) => (e ? reject(e) : resolve(new SerialPortTransport(port, path, opts.presencePollMs ?? DEFAULT_PRESENCE_POLL_MS))));
    });
  }

  private hangUp(e: Error): void {
    this.events.emitClose(e);
    if (this.port.isOpen) this.port.close(() => undefined);
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

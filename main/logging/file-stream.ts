/**
 * The log file as pino writes it: appended asynchronously, in order, and
 * **never blocking or crashing the process when the disk refuses**.
 *
 * Why not pino.destination (sonic-boom): on a full disk its exit-time
 * flushSync retries ENOSPC for ever (100 ms sleeps in a loop), so a CLI
 * refund that had already printed its outcome never exited and kept the
 * terminal's serial port (issue #12: "hung past 60 s holding the terminal
 * lock"); and an unhandled 'error' from it would kill the process between
 * Antom's answer and the journal write. Here a failed write drops the log
 * (the journal and the alarm are the record, not the log) and the exit flush
 * tries each pending line once.
 */
import fs from 'node:fs';

/** Lines kept in memory while a write is in flight; beyond that new lines are dropped (memory stays bounded). */
const MAX_PENDING_BYTES = 1024 * 1024;
/**
 * The log sits on the journal's disk: without a cap a noisy terminal could push
 * it under the free-space floor and stop refunds (attack report F6). The file
 * never passes this size; when the next chunk would, it is renamed to
 * `<file>.1` (replacing the older one) and a new file starts: at most 2 × cap.
 */
export const LOG_FILE_MAX_BYTES = 10 * 1024 * 1024;

/** One 'exit' listener for every open log stream (a process may open several loggers). */
const OPEN = new Set<FileLogStream>();
let exitHooked = false;
function hookExit(): void {
  if (exitHooked) return;
  exitHooked = true;
  process.once('exit', () => {
    for (const s of OPEN) s.flushOnce();
  });
}

export class FileLogStream {
  private fd: number | null;
  private pending: string[] = [];
  private pendingBytes = 0;
  private writing = false;
  /** Set after the first failed write: logging stops rather than retrying into a full disk. */
  private broken = false;

  /** Bytes in the current file (its size at open, plus what we wrote). */
  private size = 0;

  constructor(
    private readonly file: string,
    private readonly maxBytes = LOG_FILE_MAX_BYTES,
  ) {
    try {
      this.fd = fs.openSync(file, 'a', 0o600);
      this.size = fs.fstatSync(this.fd).size;
    } catch {
      this.fd = null;
      this.broken = true;
    }
    OPEN.add(this);
    hookExit();
  }

  /** pino calls this with one serialized line. */
  write(line: string): boolean {
    if (this.broken || this.fd === null) return true;
    if (this.pendingBytes + line.length > MAX_PENDING_BYTES) return true;
    this.pending.push(line);
    this.pendingBytes += line.length;
    this.pump();
    return true;
  }

  private pump(): void {
    if (this.writing || this.broken || this.fd === null || this.pending.length === 0) return;
    const chunk = this.takeFitting();
    if (chunk === null) return;
    this.writing = true;
    fs.write(this.fd, chunk, null, 'utf8', (err, written) => {
      this.writing = false;
      if (err) {
        this.broken = true;
        this.pending = [];
        this.pendingBytes = 0;
        return;
      }
      this.size += written;
      // A short write (rare): put the rest back in front.
      const bytes = Buffer.byteLength(chunk, 'utf8');
      if (written < bytes) {
        const rest = Buffer.from(chunk, 'utf8').subarray(written).toString('utf8');
        this.pending.unshift(rest);
        this.pendingBytes += rest.length;
      }
      this.pump();
    });
  }

  /**
   * The queued lines that fit in the current file, rotating first when the
   * next line would not; a single line larger than the whole cap is dropped.
   * Null when nothing is left to write.
   */
  private takeFitting(): string | null {
    const out: string[] = [];
    let bytes = 0;
    while (this.pending.length > 0) {
      const line = this.pending[0] as string;
      const n = Buffer.byteLength(line, 'utf8');
      if (n > this.maxBytes) {
        this.pending.shift();
        this.pendingBytes -= line.length;
        continue;
      }
      if (this.size + bytes + n > this.maxBytes) {
        if (out.length > 0) break; // write these first; the next pump rotates
        if (!this.rotate()) return null;
        continue;
      }
      out.push(line);
      bytes += n;
      this.pending.shift();
      this.pendingBytes -= line.length;
    }
    return out.length > 0 ? out.join('') : null;
  }

  /** `<file>` → `<file>.1` (replacing it), then a new empty `<file>`. False (and logging stops) if the disk refuses. */
  private rotate(): boolean {
    try {
      if (this.fd !== null) fs.closeSync(this.fd);
      this.fd = null;
      fs.renameSync(this.file, `${this.file}.1`);
      this.fd = fs.openSync(this.file, 'a', 0o600);
      this.size = 0;
      return true;
    } catch {
      this.broken = true;
      this.pending = [];
      this.pendingBytes = 0;
      return false;
    }
  }

  /** At exit: one synchronous attempt at what is still queued (within the cap), never a retry loop. */
  flushOnce(): void {
    if (this.broken || this.fd === null || this.pending.length === 0) return;
    try {
      for (let chunk = this.takeFitting(); chunk !== null && this.fd !== null; chunk = this.takeFitting()) {
        this.size += fs.writeSync(this.fd, chunk);
      }
    } catch {
      this.broken = true;
    }
    this.pending = [];
    this.pendingBytes = 0;
  }

  close(): void {
    this.flushOnce();
    OPEN.delete(this);
    if (this.fd !== null && !this.writing) {
      try {
        fs.closeSync(this.fd);
      } catch {
        // already closed
      }
      this.fd = null;
    }
  }
}

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

  constructor(file: string) {
    try {
      this.fd = fs.openSync(file, 'a', 0o600);
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
    const chunk = this.pending.join('');
    this.pending = [];
    this.pendingBytes = 0;
    this.writing = true;
    fs.write(this.fd, chunk, null, 'utf8', (err, written) => {
      this.writing = false;
      if (err) {
        this.broken = true;
        this.pending = [];
        this.pendingBytes = 0;
        return;
      }
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

  /** At exit: one synchronous attempt at what is still queued, never a retry loop. */
  flushOnce(): void {
    if (this.broken || this.fd === null || this.pending.length === 0) return;
    try {
      fs.writeSync(this.fd, this.pending.join(''));
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

/**
 * One owner of a data folder's demo environment. The virtual terminal's pty
 * links, its state file and the sandbox gateway of a data folder belong to
 * the process holding `<dataDir>/demo-environment.lock` (created with O_EXCL,
 * holding the owner's pid and process start time). Every other process on
 * that folder uses the journal without starting a second environment: a
 * second socat on the same link names would steal the names, and its exit
 * would delete the owner's links.
 *
 * A lock whose owner is gone (no such pid, a zombie, or a pid now used by a
 * process that started at another time) is stale and taken over.
 */
import { closeSync, existsSync, openSync, readFileSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { readSmallFileSync } from '../config/safe-file';
import { hostname } from 'node:os';
import path from 'node:path';
import { z } from 'zod';

export const DEMO_LOCK_FILE = 'demo-environment.lock';

const LockContent = z.object({
  pid: z.number().int().positive(),
  /** /proc/<pid>/stat starttime (clock ticks since boot), or null where /proc does not exist. */
  procStart: z.string().nullable(),
  host: z.string().max(256),
  createdAt: z.string().max(64),
  /** Set once the owner's sandbox listens, so other processes can ask it (inquiries, status --refresh). */
  sandboxUrl: z.string().url().max(256).optional(),
  /** The owner's socat (pty pair), so a taker-over can end an orphan that would otherwise delete the new links when it exits. */
  socatPid: z.number().int().positive().optional(),
});
export type DemoLockContent = z.infer<typeof LockContent>;

export type DemoLockResult =
  | { readonly kind: 'owner'; readonly lock: DemoLock; readonly tookOverFrom: DemoLockContent | null }
  | { readonly kind: 'held'; readonly owner: DemoLockContent };

export interface DemoLock {
  readonly path: string;
  /** Rewrites the lock with more facts about this owner (atomic rename; still ours). */
  update(extra: Partial<Pick<DemoLockContent, 'sandboxUrl' | 'socatPid'>>): void;
  /** Removes the lock if it is still ours. */
  release(): void;
}

/** starttime and state of a Linux process, or null when /proc has no such pid (or no /proc). */
function procStat(pid: number): { start: string; state: string } | null {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return null;
  }
  // "pid (comm) state ppid ... starttime(22nd) ..."; comm may contain spaces and ')'.
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  const state = fields[0];
  const start = fields[19];
  return state !== undefined && start !== undefined ? { state, start } : null;
}

const HAVE_PROC = existsSync('/proc/self/stat');

function ownStart(): string | null {
  return HAVE_PROC ? (procStat(process.pid)?.start ?? null) : null;
}

/** True while the process that wrote `c` still runs (same host, same pid AND same start time, not a zombie). */
export function demoLockOwnerAlive(c: DemoLockContent): boolean {
  // Another host sharing the folder (network drive): cannot check, so trust it.
  if (c.host !== hostname()) return true;
  if (c.pid === process.pid) return c.procStart === ownStart();
  if (HAVE_PROC) {
    const st = procStat(c.pid);
    if (st === null) return false;
    if (st.state === 'Z' || st.state === 'X') return false;
    return c.procStart === null || st.start === c.procStart;
  }
  try {
    process.kill(c.pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function readLock(file: string): DemoLockContent | 'unreadable' | null {
  let text: string;
  try {
    // Regular file only, capped (attack report F7): a FIFO or a symlink to /dev/zero here must not hang or eat memory.
    const read = readSmallFileSync(file, 64 * 1024);
    if (read === null) return null;
    text = read;
  } catch {
    return 'unreadable';
  }
  try {
    const parsed = LockContent.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : 'unreadable';
  } catch {
    return 'unreadable';
  }
}

/** The live process that owns this data folder's demo environment (the app or host running on it), or null. */
export function liveDemoLockOwner(dataDir: string): DemoLockContent | null {
  const c = readLock(path.join(dataDir, DEMO_LOCK_FILE));
  return c === null || c === 'unreadable' || !demoLockOwnerAlive(c) ? null : c;
}

function writeExclusive(file: string, c: DemoLockContent): boolean {
  let fd: number;
  try {
    fd = openSync(file, 'wx', 0o600);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw e;
  }
  try {
    writeSync(fd, JSON.stringify(c));
  } finally {
    closeSync(fd);
  }
  return true;
}

/** If the dead owner's socat still runs (it outlives a kill -9 of its parent), end it before it can delete the new links. */
function endOrphanSocat(stale: DemoLockContent): void {
  if (stale.socatPid === undefined || stale.host !== hostname() || !HAVE_PROC) return;
  try {
    const cmd = readFileSync(`/proc/${stale.socatPid}/cmdline`, 'utf8');
    if (!/(^|\/)socat\0/.test(cmd)) return;
    process.kill(stale.socatPid, 'SIGTERM');
  } catch {
    return; // gone already
  }
  // socat removes its link files as it exits: wait for that before the new
  // owner creates links under the same names, or they would go with it.
  const sleeper = new Int32Array(new SharedArrayBuffer(4));
  const running = (pid: number): boolean => {
    const st = procStat(pid);
    return st !== null && st.state !== 'Z' && st.state !== 'X';
  };
  for (let waited = 0; waited < 2_000 && running(stale.socatPid); waited += 20) Atomics.wait(sleeper, 0, 0, 20);
}

/**
 * Takes the demo lock of `dataDir`, or reports who holds it. A stale lock
 * (owner dead, unreadable content — a crash mid-write) is replaced; the
 * winner of two simultaneous take-overs is whoever's exclusive create lands.
 */
export function acquireDemoLock(dataDir: string): DemoLockResult {
  const file = path.join(dataDir, DEMO_LOCK_FILE);
  const mine: DemoLockContent = { pid: process.pid, procStart: ownStart(), host: hostname(), createdAt: new Date().toISOString() };
  let tookOverFrom: DemoLockContent | null = null;
  for (let attempt = 0; attempt < 5; attempt++) {
    if (writeExclusive(file, mine)) return { kind: 'owner', lock: handle(file, mine), tookOverFrom };
    const current = readLock(file);
    if (current === null) continue; // released meanwhile: try again
    if (current !== 'unreadable' && demoLockOwnerAlive(current)) return { kind: 'held', owner: current };
    // Stale. Move it aside under a name only we use, so a racer's fresh lock is never the one we delete.
    const aside = `${file}.stale-${process.pid}`;
    try {
      renameSync(file, aside);
    } catch {
      continue;
    }
    const moved = readLock(aside);
    if (moved !== null && moved !== 'unreadable' && demoLockOwnerAlive(moved)) {
      // A racer's live lock got moved: put it back (if the slot is still free) and yield to it.
      try {
        if (!existsSync(file)) renameSync(aside, file);
      } catch {
        // it re-appears on its owner's next update
      }
      return { kind: 'held', owner: moved };
    }
    try {
      unlinkSync(aside);
    } catch {
      // already gone
    }
    if (moved !== null && moved !== 'unreadable') {
      endOrphanSocat(moved);
      tookOverFrom = moved;
    }
  }
  const last = readLock(file);
  if (last !== null && last !== 'unreadable') return { kind: 'held', owner: last };
  throw new Error(`Could not take the demo lock ${file}.`);
}

function handle(file: string, initial: DemoLockContent): DemoLock {
  let content = initial;
  const stillOurs = (): boolean => {
    const c = readLock(file);
    return c !== null && c !== 'unreadable' && c.pid === content.pid && c.procStart === content.procStart && c.createdAt === content.createdAt;
  };
  return {
    path: file,
    update(extra) {
      if (!stillOurs()) return;
      content = { ...content, ...extra };
      const tmp = `${file}.tmp-${process.pid}`;
      const fd = openSync(tmp, 'w', 0o600);
      try {
        writeSync(fd, JSON.stringify(content));
      } finally {
        closeSync(fd);
      }
      renameSync(tmp, file);
    },
    release() {
      if (!stillOurs()) return;
      try {
        unlinkSync(file);
      } catch {
        // already gone
      }
    },
  };
}

/**
 * Identity of this engine for refund leases: `host:pid:start:nonce`, where
 * `start` says WHICH process had that pid (two engines in one process differ
 * by the nonce). A lease held by a process that is gone on this host is free at
 * once, so recovery after a crash never waits for expiry; owners on other hosts
 * are trusted until their lease expires.
 *
 * "Gone" is more than `kill(pid, 0)` failing (issue #12 item 2):
 *  - a zombie (killed but not yet reaped by its parent, e.g. an Electron main
 *    process whose launcher has not waited for it) still answers `kill(pid, 0)`;
 *  - a pid is reused by an unrelated process after the owner died (containers
 *    and kiosk boots hand out the same small pids again).
 * On Linux `start` is the process start time from /proc/PID/stat (field 22,
 * clock ticks since boot) plus the first 8 hex digits of the boot id, so a pid
 * whose start time (or boot) differs is a different process, and state Z/X is
 * dead. Elsewhere there is no cheap synchronous source for either (this runs
 * inside the journal's write lock), so `start` is `-` and liveness falls back
 * to `kill(pid, 0)`, with the lease's expiry (5 min) as the backstop.
 *
 * A journal shared by several PCs (store mode) cannot trust the hostname: cloned
 * kiosk images and containers sharing the UTS namespace have equal hostnames,
 * and their pids mean nothing in this process table. So the Linux token also
 * carries the pid namespace (`start.boot.pidns`), and `leaseOwnerJudgedHere`
 * says whether this machine may judge an owner at all: only an owner of this
 * boot and this pid namespace is; any other lease is freed by expiry alone (on
 * the database's clock). A file journal belongs to one PC, so there another boot
 * still means a process that is gone (the counter rebooted).
 */
import { randomUUID } from 'node:crypto';
import { readFileSync, readlinkSync } from 'node:fs';
import { hostname } from 'node:os';

export interface ProcessProbe {
  /** The process's identity token (see above), or null when it does not exist or cannot be read. */
  startToken(pid: number): string | null;
  /** True when the process exists but is a zombie or being torn down. */
  isZombie(pid: number): boolean;
  /** Whether this platform gives start tokens at all. */
  readonly hasStartTokens: boolean;
}

/** Fields of /proc/PID/stat after the `(comm)`, which may itself contain spaces or parentheses. */
function procStatFields(pid: number): string[] | null {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return null;
  }
  const close = text.lastIndexOf(')');
  if (close < 0) return null;
  // Index 0 is field 3 (state); field 22 (starttime) is index 19.
  return text
    .slice(close + 1)
    .trim()
    .split(/\s+/);
}

let bootIdCache: string | null | undefined;
function bootId(): string | null {
  if (bootIdCache !== undefined) return bootIdCache;
  try {
    bootIdCache = readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim().replace(/-/g, '').slice(0, 8).toLowerCase() || null;
  } catch {
    bootIdCache = null;
  }
  return bootIdCache;
}

let pidNsCache: string | null | undefined;
/** The inode of this process's pid namespace (`pid:[4026531836]`): pids are only comparable inside one. */
function pidNamespace(): string | null {
  if (pidNsCache !== undefined) return pidNsCache;
  try {
    pidNsCache = /^pid:\[(\d+)\]$/.exec(readlinkSync('/proc/self/ns/pid'))?.[1] ?? null;
  } catch {
    pidNsCache = null;
  }
  return pidNsCache;
}

export const linuxProbe: ProcessProbe = {
  hasStartTokens: true,
  startToken(pid) {
    const f = procStatFields(pid);
    const start = f?.[19];
    if (start === undefined || !/^\d+$/.test(start)) return null;
    const boot = bootId();
    if (boot === null) return start;
    const ns = pidNamespace();
    return ns === null ? `${start}.${boot}` : `${start}.${boot}.${ns}`;
  },
  isZombie(pid) {
    const state = procStatFields(pid)?.[0];
    return state === 'Z' || state === 'X' || state === 'x';
  },
};

const fallbackProbe: ProcessProbe = {
  hasStartTokens: false,
  startToken: () => null,
  isZombie: () => false,
};

function platformProbe(): ProcessProbe {
  if (process.platform !== 'linux') return fallbackProbe;
  return linuxProbe.startToken(process.pid) !== null ? linuxProbe : fallbackProbe;
}

const defaultProbe = platformProbe();
const TOKEN = '[0-9a-z.]+|-';
const NEW_FORMAT = new RegExp(`^(.*):(\\d+):(${TOKEN}):([0-9a-f]+)$`);
/** Written by versions before the start token; still honoured for leases in old journals. */
const OLD_FORMAT = /^(.*):(\d+):([0-9a-f]+)$/;

export function newLeaseOwner(probe: ProcessProbe = defaultProbe): string {
  const start = probe.startToken(process.pid) ?? '-';
  return `${hostname()}:${process.pid}:${start}:${randomUUID().slice(0, 8)}`;
}

interface ParsedOwner {
  host: string;
  pid: number;
  start: string | null;
}

function parseOwner(owner: string): ParsedOwner | null {
  const m = NEW_FORMAT.exec(owner);
  if (m !== null) return { host: m[1] ?? '', pid: Number(m[2]), start: m[3] === '-' ? null : (m[3] ?? null) };
  const o = OLD_FORMAT.exec(owner);
  return o === null ? null : { host: o[1] ?? '', pid: Number(o[2]), start: null };
}

/**
 * Whether this process may judge `owner`'s liveness by its own process table
 * when the journal is shared by several PCs: same hostname, same boot and, when
 * both tokens carry one, the same pid namespace. Without a boot id on both sides
 * (non-Linux, or a token without one) nothing proves the owner is on this
 * machine, so the answer is no and only the lease's expiry frees it.
 */
export function leaseOwnerJudgedHere(owner: string, probe: ProcessProbe = defaultProbe): boolean {
  const p = parseOwner(owner);
  if (p === null || p.host !== hostname() || !probe.hasStartTokens || p.start === null) return false;
  const mine = probe.startToken(process.pid);
  if (mine === null) return false;
  const [, theirBoot, theirNs] = p.start.split('.');
  const [, myBoot, myNs] = mine.split('.');
  if (theirBoot === undefined || theirBoot !== myBoot) return false;
  return theirNs === undefined || myNs === undefined || theirNs === myNs;
}

export function leaseOwnerAlive(owner: string, probe: ProcessProbe = defaultProbe): boolean {
  const p = parseOwner(owner);
  // Unknown shape: someone else's convention; trust it until the lease expires.
  if (p === null) return true;
  const { host, pid, start } = p;
  if (host !== hostname()) return true;
  if (!Number.isSafeInteger(pid) || pid <= 0) return false;
  if (probe.hasStartTokens) {
    const now = probe.startToken(pid);
    if (now === null) return pidExists(pid) && !probe.isZombie(pid);
    // Same pid, another process (the owner died and the pid was handed out again).
    if (start !== null && !sameProcessToken(now, start)) return false;
    if (pid === process.pid) return true;
    return !probe.isZombie(pid);
  }
  if (pid === process.pid) return true;
  return pidExists(pid);
}

/** Tokens from before the pid namespace part (`start.boot`) still match the same process's new one. */
function sameProcessToken(a: string, b: string): boolean {
  const x = a.split('.');
  const y = b.split('.');
  const n = Math.min(x.length, y.length, 3);
  if (Math.min(x.length, y.length) < 2 && x.length !== y.length) return a === b;
  return x.slice(0, n).join('.') === y.slice(0, n).join('.');
}

function pidExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    // EPERM: it exists but belongs to someone else.
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * The judge for a ledger several PCs share (store mode): an owner this machine
 * cannot judge (another PC, even under the same hostname: leaseOwnerJudgedHere)
 * is alive until its lease expires; one of this machine is judged as usual.
 * One counter (SQLite) keeps leaseOwnerAlive: another boot there means this PC
 * rebooted.
 */
export function sharedLeaseOwnerAlive(owner: string, probe: ProcessProbe = defaultProbe): boolean {
  return !leaseOwnerJudgedHere(owner, probe) || leaseOwnerAlive(owner, probe);
}

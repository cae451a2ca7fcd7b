/**
 * Identity of this engine for refund leases: host, pid and a nonce (two
 * engines in one process are different owners). A lease held by a pid that no
 * longer exists on this host is free at once, so recovery after a crash never
 * waits for expiry; owners on other hosts are trusted until their lease expires.
 */
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';

export function newLeaseOwner(): string {
  return `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
}

export function leaseOwnerAlive(owner: string): boolean {
  const m = /^(.*):(\d+):[0-9a-f]+$/.exec(owner);
  if (m === null) return true;
  const [, host, pidText] = m;
  if (host !== hostname()) return true;
  const pid = Number(pidText);
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    // EPERM: it exists but belongs to someone else.
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

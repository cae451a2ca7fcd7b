/**
 * Attack F8: a full disk before anything is journaled (opening the ledger,
 * migrations, the secret store, pairing and config files) surfaced as exit 1
 * ("bad input") with the raw errno text, or as a terminal "not ready". It is
 * the journal's disk that is the problem, so: exit 5 with the free-space sentence.
 */
import { measureJournalSpace, type JournalSpace } from '../ledger/disk-space';

/** SQLITE_FULL, ENOSPC or EDQUOT, wherever in the cause chain, or SQLite's own wording. */
export function isDiskFull(e: unknown, depth = 0): boolean {
  if (e === null || typeof e !== 'object' || depth > 5) return false;
  const code = (e as { code?: unknown }).code;
  if (code === 'SQLITE_FULL' || code === 'ENOSPC' || code === 'EDQUOT') return true;
  const message = (e as { message?: unknown }).message;
  if (typeof message === 'string' && /database or disk is full|ENOSPC|no space left on device/i.test(message)) return true;
  return isDiskFull((e as { cause?: unknown }).cause, depth + 1);
}

/** Below this the data folder cannot take the small writes that opening it needs (pairing, secrets, WAL). */
export const OPEN_MIN_FREE_BYTES = 1024 * 1024;

export function dataDiskSpace(dataDir: string): JournalSpace {
  return measureJournalSpace(dataDir, OPEN_MIN_FREE_BYTES);
}

export function diskFullMessage(dataDir: string): string {
  const s = dataDiskSpace(dataDir);
  const free = s.freeBytes === null ? 'unknown' : `${Math.floor(s.freeBytes / 1024)} KiB`;
  return (
    `Not started: the disk of the refund journal (${s.dir}) is full (${free} free), so nothing could be written. ` +
    'Nothing was journaled and nothing was sent. Free disk space on this PC (or ask your technician), then try again.'
  );
}

/**
 * Free space on the journal's filesystem, and the floor below which no new
 * refund is started. A refund that cannot journal its states must never be
 * sent: with the disk nearly full, SQLite can still write the intent and then
 * fail to record Antom's answer (issue #12: Antom refunded, the journal stayed
 * SUBMITTING, the re-run paid twice). So a new refund is refused up front,
 * while there is still room to finish the ones already under way.
 * See docs/ledger.md, "Low disk".
 */
import { statfsSync } from 'node:fs';

/** Default floor: 64 MiB. A refund writes well under 1 MiB (docs/ledger.md has the measurement); the rest is headroom for WAL checkpoints and the logs. */
export const DEFAULT_MIN_FREE_BYTES = 64 * 1024 * 1024;
export const MIN_FREE_ENV = 'REFUND_TERMINAL_JOURNAL_MIN_FREE_MB';

export type StatFs = (dir: string) => { bavail: number | bigint; bsize: number | bigint };

export interface JournalSpace {
  /** The folder measured (the journal's). */
  readonly dir: string;
  /** Bytes available to this user; null when the filesystem could not be asked. */
  readonly freeBytes: number | null;
  readonly floorBytes: number;
  /** True when freeBytes is known and below the floor. */
  readonly low: boolean;
}

export function measureJournalSpace(dir: string, floorBytes: number, statfs: StatFs = statfsSync): JournalSpace {
  let freeBytes: number | null;
  try {
    const s = statfs(dir);
    freeBytes = Number(s.bavail) * Number(s.bsize);
  } catch {
    // Unknown (an exotic filesystem): do not block refunds on a measurement we cannot make.
    freeBytes = null;
  }
  return { dir, freeBytes, floorBytes, low: freeBytes !== null && freeBytes < floorBytes };
}

/** The floor: REFUND_TERMINAL_JOURNAL_MIN_FREE_MB, else config.json `journal.minFreeMb`, else 64 MiB. */
export function resolveMinFreeBytes(env: NodeJS.ProcessEnv, configMb: number | undefined): number {
  const raw = env[MIN_FREE_ENV];
  if (raw !== undefined && raw.trim() !== '') {
    const mb = Number(raw);
    if (Number.isFinite(mb) && mb >= 0 && mb <= 1_048_576) return Math.round(mb * 1024 * 1024);
  }
  if (configMb !== undefined) return Math.round(configMb * 1024 * 1024);
  return DEFAULT_MIN_FREE_BYTES;
}

function mb(bytes: number): string {
  return `${(bytes / (1024 * 1024)).toFixed(bytes < 1024 * 1024 ? 2 : 0)} MB`;
}

export function lowDiskMessage(s: JournalSpace): string {
  return (
    `Not started: the disk of the refund journal (${s.dir}) has ${s.freeBytes === null ? 'unknown' : mb(s.freeBytes)} free, below the ${mb(s.floorBytes)} needed to record a refund safely. ` +
    'Nothing was sent. Free disk space on this PC (or ask your technician), then try again.'
  );
}

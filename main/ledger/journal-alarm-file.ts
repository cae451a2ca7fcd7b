/**
 * `<dataDir>/journal-alarm.json`: Antom answers a process could not journal,
 * so that `doctor`, the CLI and the app (other processes, later runs) see the
 * alarm too. The disk is full when this matters, so the file is allocated
 * once, at a fixed size, while there is room, and later rewritten in place
 * (never grown or truncated): overwriting blocks a file already owns needs no
 * free space on ordinary filesystems. Best effort by design: the journal's own
 * state (SUBMITTING / PENDING_*) is what recovery acts on; this file only makes
 * the alarm visible. Entries whose refund is final in the journal are stale and
 * ignored by readers.
 */
import { closeSync, fsyncSync, openSync, writeSync } from 'node:fs';
import { readSmallFileSync } from '../config/safe-file';
import os from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import type { JournalHealthView } from '../../preload/contract/views';
import type { HeldOutcome } from '../refunds/outcome-recorder';
import type { RefundJournal } from './journal-port';
import type { Ledger } from './ledger';
import type { RefundRow } from './rows';
import { isFinal } from './state-machine';

export const ALARM_FILE = 'journal-alarm.json';
/** Fixed size: room for ~60 entries; more than that and the oldest are left out (the journal still has them as not final). */
export const ALARM_FILE_BYTES = 16 * 1024;

const Entry = z.object({
  refundRequestId: z.string().min(1).max(64),
  answer: z.enum(['SUCCESS', 'FAILED', 'PENDING']),
  resultCode: z.string().max(64),
  since: z.string().max(40),
  lastError: z.string().max(200),
  owner: z.string().max(200),
});
export type AlarmEntry = z.infer<typeof Entry>;
const FileSchema = z.object({ entries: z.array(Entry).max(1000) });

const OWNER = `${os.hostname()}:${process.pid}`;

function file(dataDir: string): string {
  return path.join(dataDir, ALARM_FILE);
}

/** Allocates the file at its fixed size if it does not exist yet (at start-up, while there is room). */
export function prepareAlarmFile(dataDir: string): void {
  let fd: number;
  try {
    fd = openSync(file(dataDir), 'wx', 0o600);
  } catch {
    return; // exists already (or cannot be made: then alarms are in memory only)
  }
  try {
    writeSync(fd, padded({ entries: [] }), 0, ALARM_FILE_BYTES, 0);
    fsyncSync(fd);
  } catch {
    // no room even now: readers treat an unparsable file as "no entries"
  } finally {
    closeSync(fd);
  }
}

function padded(contents: z.infer<typeof FileSchema>): Buffer {
  const buf = Buffer.alloc(ALARM_FILE_BYTES, 0x20);
  let entries = contents.entries;
  for (;;) {
    const text = Buffer.from(JSON.stringify({ entries }), 'utf8');
    if (text.length <= ALARM_FILE_BYTES) {
      text.copy(buf, 0);
      return buf;
    }
    entries = entries.slice(1);
  }
}

// Regular file only, never past its pre-allocated size (attack report F7); anything else reads as no entries.
export function readAlarmEntries(dataDir: string): AlarmEntry[] {
  try {
    const parsed = FileSchema.safeParse(JSON.parse(readSmallFileSync(file(dataDir), ALARM_FILE_BYTES) ?? ''));
    return parsed.success ? parsed.data.entries : [];
  } catch {
    return [];
  }
}

function toEntry(h: HeldOutcome): AlarmEntry {
  return {
    refundRequestId: h.refundRequestId.slice(0, 64),
    answer: h.outcome.status,
    resultCode: h.outcome.resultCode.slice(0, 64),
    since: h.since,
    lastError: h.lastError.slice(0, 200),
    owner: OWNER,
  };
}

/**
 * Replaces this process's entries with `held`, keeping other processes' ones.
 * Written in place into the pre-allocated bytes; throws nothing.
 */
export function writeAlarmEntries(dataDir: string, held: readonly HeldOutcome[]): void {
  const mine = new Set(held.map((h) => h.refundRequestId));
  const others = readAlarmEntries(dataDir).filter((e) => e.owner !== OWNER && !mine.has(e.refundRequestId));
  let fd: number;
  try {
    fd = openSync(file(dataDir), 'r+');
  } catch {
    if (held.length === 0) return;
    prepareAlarmFile(dataDir);
    try {
      fd = openSync(file(dataDir), 'r+');
    } catch {
      return;
    }
  }
  try {
    writeSync(fd, padded({ entries: [...others, ...held.map(toEntry)] }), 0, ALARM_FILE_BYTES, 0);
    fsyncSync(fd);
  } catch {
    // the in-memory list (and the banner of this process) stays the truth
  } finally {
    closeSync(fd);
  }
}

/**
 * The alarms as a person should see them: this process's held answers, plus
 * other processes' entries whose refund is still not final in the journal.
 */
/** Local result codes of an Antom answer that was not believed (main/antom/classify.ts): never SUCCEEDED, never FAILED. */
export const UNTRUSTED_ANSWER_CODES: ReadonlySet<string> = new Set(['RESPONSE_MISMATCH', 'HTTP_4XX', 'RESPONSE_TOO_LARGE', 'BAD_SIGNATURE']);

export function journalHealth(dataDir: string, ledger: Pick<Ledger, 'space' | 'refunds'>, held: readonly HeldOutcome[]): JournalHealthView {
  const get = (id: string): RefundRow | null | undefined => {
    try {
      return ledger.refunds.get(id);
    } catch {
      return undefined; // cannot read the journal either: keep the alarm
    }
  };
  const others = otherAlarms(dataDir, held);
  return healthView(ledger.space(), held, others, new Map(others.map((e) => [e.refundRequestId, get(e.refundRequestId)])), ledger.refunds.nonFinal());
}

/**
 * The same, where the refunds are in the store ledger (store mode): an alarm
 * left by any process of this PC is judged by the store's row of that refund,
 * never by this folder's SQLite file (which does not hold it). An unreachable
 * store keeps every alarm.
 */
export async function storeJournalHealth(
  dataDir: string,
  space: ReturnType<Ledger['space']>,
  journal: Pick<RefundJournal, 'get' | 'nonFinal'>,
  held: readonly HeldOutcome[],
): Promise<JournalHealthView> {
  const others = otherAlarms(dataDir, held);
  const rows = new Map<string, RefundRow | null | undefined>();
  for (const e of others) rows.set(e.refundRequestId, await journal.get(e.refundRequestId).catch(() => undefined));
  return healthView(space, held, others, rows, await journal.nonFinal().catch(() => []));
}

/** Other processes' alarm entries (this process's own are in `held`). */
function otherAlarms(dataDir: string, held: readonly HeldOutcome[]): AlarmEntry[] {
  const mine = new Set(held.map((h) => h.refundRequestId));
  return readAlarmEntries(dataDir).filter((e) => e.owner !== OWNER && !mine.has(e.refundRequestId));
}

/** `rows`: each other alarm's refund as the journal has it (null: not there; undefined: the journal could not be read). */
function healthView(
  space: ReturnType<Ledger['space']>,
  held: readonly HeldOutcome[],
  others: readonly AlarmEntry[],
  rows: ReadonlyMap<string, RefundRow | null | undefined>,
  nonFinal: readonly RefundRow[],
): JournalHealthView {
  const unrecorded: JournalHealthView['unrecorded'][number][] = held.map((h) => ({
    refundRequestId: h.refundRequestId,
    answer: h.outcome.status,
    since: h.since,
    lastError: h.lastError,
  }));
  const seen = new Set(unrecorded.map((u) => u.refundRequestId));
  for (const e of others) {
    if (seen.has(e.refundRequestId)) continue;
    const row = rows.get(e.refundRequestId);
    if (row === null || (row !== undefined && isFinal(row.state))) continue;
    seen.add(e.refundRequestId);
    unrecorded.push({ refundRequestId: e.refundRequestId, answer: e.answer, since: e.since, lastError: e.lastError });
  }
  // Antom (or something in between) answered something other than what was asked,
  // or not with a 2xx: the refund stays pending, and every screen says so (issue #12 item 5).
  const untrusted = nonFinal
    .filter((r) => r.result_code !== null && UNTRUSTED_ANSWER_CODES.has(r.result_code))
    .map((r) => ({ refundRequestId: r.refund_request_id, resultCode: r.result_code ?? '' }));
  return {
    alarm: space.low || unrecorded.length > 0 || untrusted.length > 0,
    freeBytes: space.freeBytes,
    floorBytes: space.floorBytes,
    lowDisk: space.low,
    unrecorded,
    untrusted,
  };
}

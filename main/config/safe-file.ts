/**
 * One reader for the small files the app reads back from its data folder
 * (config.json, secrets.json, the demo lock, journal-alarm.json, pairing
 * files). A plain readFile followed whatever was there: a symlink to
 * /dev/zero ate 600 MB and crashed, a FIFO hung the CLI for ever, a 200 MB
 * file was read whole (attack report F7).
 *
 * Symlinks are refused rather than resolved: the app never creates one in its
 * own 0700 folder, so one there was put by someone else, and following it
 * would let them point the app at any file this OS user can read. Then the
 * file is opened with O_NOFOLLOW|O_NONBLOCK (a FIFO cannot block the open), and
 * the OPEN descriptor must be a regular file no larger than the cap (checked on
 * the fd, so a swap between the lstat and the open does not help), and at most
 * cap + 1 bytes are ever read.
 */
import fs from 'node:fs';

/** Every one of these files is a few KiB; 1 MiB is far past any legitimate one. */
export const SMALL_FILE_MAX_BYTES = 1024 * 1024;

export class UnsafeFileError extends Error {
  constructor(
    readonly file: string,
    readonly reason: 'symlink' | 'not-regular' | 'too-large' | 'unreadable',
    detail: string,
  ) {
    super(`${file} ${detail}`);
    this.name = 'UnsafeFileError';
  }
}

const OPEN_FLAGS = fs.constants.O_RDONLY | (fs.constants.O_NOFOLLOW ?? 0) | (fs.constants.O_NONBLOCK ?? 0);

/** The file's text, or null when it does not exist. Throws UnsafeFileError naming the file and what to do. */
export function readSmallFileSync(file: string, maxBytes = SMALL_FILE_MAX_BYTES): string | null {
  let st: fs.Stats;
  try {
    st = fs.lstatSync(file);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new UnsafeFileError(file, 'unreadable', `could not be read (${(e as NodeJS.ErrnoException).code ?? 'error'}). Check the data folder's permissions.`);
  }
  if (st.isSymbolicLink())
    throw new UnsafeFileError(
      file,
      'symlink',
      'is a symbolic link; the app reads only regular files in its data folder. Replace it with the real file (or remove it).',
    );
  let fd: number;
  try {
    fd = fs.openSync(file, OPEN_FLAGS);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return null;
    if (code === 'ELOOP')
      throw new UnsafeFileError(
        file,
        'symlink',
        'is a symbolic link; the app reads only regular files in its data folder. Replace it with the real file (or remove it).',
      );
    throw new UnsafeFileError(file, 'unreadable', `could not be opened (${code ?? 'error'}). Check the data folder's permissions.`);
  }
  try {
    const fst = fs.fstatSync(fd);
    if (!fst.isFile())
      throw new UnsafeFileError(file, 'not-regular', 'is not a regular file (a FIFO, device or folder?). Remove it; the app writes a regular file there.');
    if (fst.size > maxBytes)
      throw new UnsafeFileError(
        file,
        'too-large',
        `is ${fst.size} bytes, over the ${maxBytes}-byte limit for this file. It is not one the app wrote: restore it from a backup or remove it.`,
      );
    const buf = Buffer.alloc(Math.min(fst.size, maxBytes) + 1);
    let got = 0;
    while (got < buf.length) {
      const n = fs.readSync(fd, buf, got, buf.length - got, got);
      if (n === 0) break;
      got += n;
    }
    if (got > maxBytes)
      throw new UnsafeFileError(file, 'too-large', `grew past the ${maxBytes}-byte limit while being read. Restore it from a backup or remove it.`);
    return buf.subarray(0, got).toString('utf8');
  } finally {
    fs.closeSync(fd);
  }
}

/** Async wrapper (the files are tiny and the checks bounded, so the sync read does not stall anything that matters). */
export async function readSmallFile(file: string, maxBytes = SMALL_FILE_MAX_BYTES): Promise<string | null> {
  return readSmallFileSync(file, maxBytes);
}

/**
 * The full-disk scenario of issue #12 on a real, small filesystem: a tmpfs
 * mounted for the test (needs root and `mount`; skipped, saying so, otherwise).
 *  - below the floor a new refund is refused before anything is journaled;
 *  - Antom accepts, then the disk is full when its answer is journaled (real
 *    SQLITE_FULL): the refund is reported not-final, the answer is held and
 *    written once space is freed, Antom is asked once, and nothing hangs.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, rmSync, statfsSync, writeSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openJournal } from '../../../main/ledger/journal-file';
import type { Ledger } from '../../../main/ledger/ledger';
import { OutcomeRecorder } from '../../../main/refunds/outcome-recorder';
import { RefundEngine } from '../../../main/refunds/refund-engine';
import { FakeAntom, FakeTerminal, TestClock } from '../refunds/fakes';

function canMountTmpfs(): boolean {
  if (process.platform !== 'linux' || typeof process.getuid !== 'function' || process.getuid() !== 0) return false;
  const probe = mkdtempSync(path.join(os.tmpdir(), 'rt-tmpfs-probe-'));
  try {
    const r = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', probe], { stdio: 'ignore' });
    if (r.status !== 0) return false;
    spawnSync('umount', [probe], { stdio: 'ignore' });
    return true;
  } finally {
    rmSync(probe, { recursive: true, force: true });
  }
}

const mountable = canMountTmpfs();

/** Writes a filler file until the filesystem refuses (ENOSPC); returns its path. */
function fillDisk(dir: string): string {
  const file = path.join(dir, `filler-${Math.random().toString(36).slice(2)}`);
  const fd = openSync(file, 'w');
  const chunk = Buffer.alloc(4096, 1);
  try {
    for (;;) writeSync(fd, chunk);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOSPC') throw e;
  } finally {
    closeSync(fd);
  }
  return file;
}

describe.skipIf(!mountable)(`journal on a full tmpfs${mountable ? '' : ' (skipped: needs root and mount -t tmpfs)'}`, () => {
  let mnt: string;
  let dataDir: string;

  beforeAll(() => {
    mnt = mkdtempSync(path.join(os.tmpdir(), 'rt-tmpfs-'));
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=2m', 'tmpfs', mnt]);
    dataDir = path.join(mnt, 'data');
  });

  afterAll(() => {
    spawnSync('umount', ['-l', mnt], { stdio: 'ignore' });
    rmSync(mnt, { recursive: true, force: true });
  });

  function open(minFreeBytes: number): { ledger: Ledger; engine: RefundEngine; antom: FakeAntom; recorder: OutcomeRecorder } {
    const clock = new TestClock();
    const ledger = openJournal(dataDir, { clock: clock.now, minFreeBytes });
    const antom = new FakeAntom();
    antom.addPayment('PAY1', { amount: { value: 50_000, currency: 'SGD' } });
    const recorder = new OutcomeRecorder({ delaysMs: [20, 50] });
    const engine = new RefundEngine({ ledger, terminal: new FakeTerminal(), antom, clock: clock.now, outcomeRecorder: recorder, outcomeFlushMs: 300 });
    return { ledger, engine, antom, recorder };
  }

  it('refuses a new refund up front when free space is below the floor', async () => {
    const { ledger, engine, antom } = open(1024 * 1024);
    const pad = path.join(mnt, 'pad');
    try {
      // Leave about 256 KiB: room for SQLite, below the 1 MiB floor.
      const st = statfsSync(mnt);
      const pfd = openSync(pad, 'w');
      writeSync(pfd, Buffer.alloc(Math.max(0, Number(st.bavail) * Number(st.bsize) - 256 * 1024), 2));
      closeSync(pfd);
      const r = await engine.submit({ intentId: 'tmpfs-low-1', paymentId: 'PAY1', mode: 'PARTIAL', amount: { value: 100, currency: 'SGD' }, cashier: 'alice' });
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.error.code).toBe('JOURNAL_LOW_DISK');
      expect(ledger.refunds.getByIntent('tmpfs-low-1')).toBeNull();
      expect(antom.refundCalls).toHaveLength(0);
    } finally {
      rmSync(pad, { force: true });
      await engine.stop();
      ledger.close();
    }
  });

  it('Antom accepted, the disk filled before its answer was journaled: held, not failed, written after space is freed, sent once', async () => {
    const { ledger, engine, antom, recorder } = open(0);
    let filler: string | null = null;
    const refund = antom.refund.bind(antom);
    antom.refund = async (req) => {
      const o = await refund(req);
      filler = fillDisk(mnt); // the store's disk fills while the request is at Antom
      return o;
    };
    try {
      const started = Date.now();
      const r = await engine.submit({
        intentId: 'tmpfs-full-1',
        paymentId: 'PAY1',
        mode: 'PARTIAL',
        amount: { value: 1_000, currency: 'SGD' },
        cashier: 'alice',
      });
      expect(Date.now() - started).toBeLessThan(10_000);
      expect(r.ok).toBe(true);
      if (!r.ok) return;
      const id = r.value.refundRequestId;
      const held = recorder.get(id);
      expect(held?.lastError).toMatch(/SQLITE_FULL|disk is full/i);
      expect(r.value.status).not.toBe('FAILED');
      expect(r.value.status).not.toBe('SUCCESS');
      expect(ledger.refunds.get(id)?.state).toBe('SUBMITTING');
      // Space is freed; the held answer lands.
      if (filler) rmSync(filler);
      expect(await recorder.flush(3_000)).toBe(0);
      expect(ledger.refunds.get(id)?.state).toBe('SUCCEEDED');
      expect(antom.refundCalls).toHaveLength(1);
    } finally {
      if (filler) rmSync(filler, { force: true });
      await engine.stop();
      ledger.close();
    }
  });

  it('opening the journal on a full disk says the disk is full, not "restore a backup"', async () => {
    const filler = fillDisk(mnt);
    try {
      let message = '';
      try {
        openJournal(dataDir).close();
      } catch (e) {
        message = (e as Error).message;
      }
      // SQLite cannot create the -shm file it needs (the last close removed it).
      expect(message).toMatch(/its disk is full/);
      expect(message).not.toMatch(/restore/);
    } finally {
      rmSync(filler);
    }
  });
});

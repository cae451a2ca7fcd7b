/**
 * The journal alarm outlives the process that raised it (journal-alarm.json)
 * and is shown by `doctor` and by the app's getJournalHealth (the banner on
 * every screen), until the refund is final in the journal. Low disk too.
 */
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { doctorCommand } from '../../../main/cli/commands/doctor';
import type { CliContext } from '../../../main/cli/command';
import { ALARM_FILE, ALARM_FILE_BYTES, journalHealth, prepareAlarmFile, readAlarmEntries, writeAlarmEntries } from '../../../main/ledger/journal-alarm-file';
import { openJournal } from '../../../main/ledger/journal-file';
import type { HeldOutcome } from '../../../main/refunds/outcome-recorder';
import { outcome } from '../refunds/fakes';
import { newRefund, seedPayment, tempDir } from './helpers';

const cleanups: (() => void)[] = [];
// Later: the doctor's logger may still be opening its file.
afterAll(async () => {
  await new Promise((r) => setTimeout(r, 200));
  cleanups.splice(0).forEach((c) => c());
});

function dir(): string {
  const t = tempDir();
  cleanups.push(t.cleanup);
  return t.dir;
}

const held = (id: string): HeldOutcome => ({
  refundRequestId: id,
  state: 'SUBMITTING',
  outcome: outcome('SUCCESS'),
  since: '2026-11-25T12:00:00.000Z',
  attempts: 3,
  lastError: 'SqliteError: database or disk is full',
});

async function doctor(d: string, env: NodeJS.ProcessEnv = {}): Promise<{ code: number; checks: { id: string; ok: boolean; summary: string; fix?: string }[] }> {
  let out = '';
  const stdout = new PassThrough();
  stdout.on('data', (b: Buffer) => (out += b.toString()));
  const stdin = new PassThrough();
  stdin.end();
  const ctx: CliContext = { dataDir: d, env: { REFUND_TERMINAL_DEMO: '0', TERMINAL_PORT: '', ...env }, stdout, stderr: new PassThrough(), stdin };
  const code = await doctorCommand.run(['--json'], ctx);
  return { code, checks: (JSON.parse(out) as { checks: { id: string; ok: boolean; summary: string; fix?: string }[] }).checks };
}

describe('journal alarm file', () => {
  it('is allocated at a fixed size and rewritten in place, never grown', () => {
    const d = dir();
    prepareAlarmFile(d);
    expect(statSync(path.join(d, ALARM_FILE)).size).toBe(ALARM_FILE_BYTES);
    writeAlarmEntries(
      d,
      Array.from({ length: 200 }, (_, i) => held(`RR${i}`)),
    );
    expect(statSync(path.join(d, ALARM_FILE)).size).toBe(ALARM_FILE_BYTES);
    const entries = readAlarmEntries(d);
    // The newest entries are kept when they do not all fit.
    expect(entries.length).toBeGreaterThan(20);
    expect(entries.at(-1)?.refundRequestId).toBe('RR199');
    writeAlarmEntries(d, []);
    expect(readAlarmEntries(d)).toEqual([]);
  });

  it('another process’s alarm shows in journalHealth and doctor until the refund is final in the journal', async () => {
    const d = dir();
    const ledger = openJournal(d);
    seedPayment(ledger);
    const ins = ledger.refunds.insert(newRefund({ refundRequestId: 'RR-HELD-1' }), 'alice');
    expect(ins.ok).toBe(true);
    prepareAlarmFile(d);
    // Written as an earlier CLI run (another pid) would have left it.
    const text = JSON.stringify({
      entries: [
        {
          refundRequestId: 'RR-HELD-1',
          answer: 'SUCCESS',
          resultCode: 'SUCCESS',
          since: '2026-11-25T12:00:00.000Z',
          lastError: 'SqliteError: database or disk is full',
          owner: 'till-3:99999',
        },
      ],
    });
    const buf = Buffer.alloc(ALARM_FILE_BYTES, 0x20);
    buf.write(text);
    writeFileSync(path.join(d, ALARM_FILE), buf);

    const h = journalHealth(d, ledger, []);
    expect(h.alarm).toBe(true);
    expect(h.unrecorded.map((u) => u.refundRequestId)).toEqual(['RR-HELD-1']);

    const before = await doctor(d);
    expect(before.code).not.toBe(0);
    const alarm = before.checks.find((c) => c.id === 'journal-alarm');
    expect(alarm?.ok).toBe(false);
    expect(alarm?.summary).toContain('RR-HELD-1');
    expect(alarm?.fix).toMatch(/refund-terminal recover/);

    // Recovery resolves it: the alarm is stale and no longer shown.
    for (const to of ['REFERENCE_REQUESTED', 'REFERENCE_OBTAINED', 'SUBMITTING', 'SUCCEEDED'] as const) {
      const cur = ledger.refunds.get('RR-HELD-1');
      const t = ledger.refunds.transition('RR-HELD-1', cur?.state ?? 'APPROVED', to, {
        actor: 'system',
        ...(to === 'REFERENCE_OBTAINED' ? { patch: { originalMerchantRefundId: 'OMR-1' } } : {}),
      });
      expect(t.ok).toBe(true);
    }
    expect(journalHealth(d, ledger, []).alarm).toBe(false);
    expect((await doctor(d)).checks.find((c) => c.id === 'journal-alarm')?.ok).toBe(true);
    ledger.close();
    expect(readFileSync(path.join(d, ALARM_FILE), 'utf8')).toContain('RR-HELD-1'); // the file is only a hint; the journal decides
  });

  it('this process’s held answers are in journalHealth; doctor reports the disk below the floor', async () => {
    const d = dir();
    const ledger = openJournal(d, { minFreeBytes: Number.MAX_SAFE_INTEGER });
    const h = journalHealth(d, ledger, [held('RR-MINE')]);
    expect(h).toMatchObject({ alarm: true, lowDisk: true, unrecorded: [{ refundRequestId: 'RR-MINE', answer: 'SUCCESS' }] });
    ledger.close();
    const r = await doctor(d, { REFUND_TERMINAL_JOURNAL_MIN_FREE_MB: '1048576' });
    const disk = r.checks.find((c) => c.id === 'journal-disk');
    expect(disk?.ok).toBe(false);
    expect(disk?.summary).toMatch(/below the 1048576 MB floor: new refunds are refused/);
  });
});

describe('untrusted Antom answers raise the alarm (issue #12 item 5)', () => {
  it('an unfinished refund whose last answer did not match the question is listed on every screen and by doctor, until it is final', async () => {
    const d = dir();
    const ledger = openJournal(d);
    cleanups.push(() => ledger.close());
    seedPayment(ledger);
    const n = newRefund();
    expect(ledger.refunds.insert(n, 'alice').ok).toBe(true);
    expect(journalHealth(d, ledger, []).untrusted).toEqual([]);
    for (const [from, to] of [
      ['APPROVED', 'REFERENCE_REQUESTED'],
      ['REFERENCE_REQUESTED', 'REFERENCE_OBTAINED'],
      ['REFERENCE_OBTAINED', 'SUBMITTING'],
    ] as const) {
      expect(
        ledger.refunds.transition(n.refundRequestId, from, to, {
          actor: 'system',
          ...(to === 'REFERENCE_OBTAINED' ? { patch: { originalMerchantRefundId: 'REF-U1' } } : {}),
        }).ok,
      ).toBe(true);
    }
    expect(
      ledger.refunds.transition(n.refundRequestId, 'SUBMITTING', 'PENDING_UNKNOWN', { actor: 'system', patch: { resultCode: 'RESPONSE_MISMATCH' } }).ok,
    ).toBe(true);
    const h = journalHealth(d, ledger, []);
    expect(h.alarm).toBe(true);
    expect(h.untrusted).toEqual([{ refundRequestId: n.refundRequestId, resultCode: 'RESPONSE_MISMATCH' }]);
    const doc = await doctor(d);
    expect(doc.checks.find((c) => c.id === 'antom-answers')).toMatchObject({ ok: false });
    expect(
      ledger.refunds.transition(n.refundRequestId, 'PENDING_UNKNOWN', 'SUCCEEDED', { actor: 'system', patch: { resultCode: 'SUCCESS', refundId: 'R1' } }).ok,
    ).toBe(true);
    expect(journalHealth(d, ledger, []).untrusted).toEqual([]);
  });
});

/** The held-answer recorder on its own: capped backoff retries by timer, change notices, bounded flush. */
import { describe, expect, it } from 'vitest';
import { OutcomeRecorder, type HeldOutcome } from '../../../main/refunds/outcome-recorder';
import { outcome } from './fakes';

const H = { refundRequestId: 'RR1', state: 'SUBMITTING' as const, outcome: outcome('SUCCESS'), error: 'SqliteError: database or disk is full' };

describe('OutcomeRecorder', () => {
  it('retries on its own timers with the capped backoff until the write lands, then clears the alarm', async () => {
    const seen: (readonly HeldOutcome[])[] = [];
    const r = new OutcomeRecorder({ delaysMs: [10, 20], onChange: (h) => seen.push(h) });
    let calls = 0;
    r.hold(H, async () => {
      calls += 1;
      if (calls < 4) throw new Error('still full');
      return 'RECORDED';
    });
    expect(r.get('RR1')?.attempts).toBe(1);
    for (let i = 0; i < 200 && r.get('RR1') !== undefined; i++) await new Promise((res) => setTimeout(res, 10));
    expect(r.get('RR1')).toBeUndefined();
    expect(calls).toBe(4);
    expect(seen[0]?.map((h) => h.refundRequestId)).toEqual(['RR1']);
    expect(seen.at(-1)).toEqual([]);
  });

  it('a newer answer for the same refund replaces the older one and keeps its first time', () => {
    const r = new OutcomeRecorder({ delaysMs: [60_000] });
    const first = r.hold(H, async () => 'RECORDED');
    const second = r.hold({ ...H, outcome: outcome('PENDING') }, async () => 'RECORDED');
    expect(r.list()).toHaveLength(1);
    expect(second.since).toBe(first.since);
    expect(second.attempts).toBe(2);
    expect(r.get('RR1')?.outcome.status).toBe('PENDING');
    r.stop();
  });

  it('flush gives up within its budget while writes keep failing, and the answer stays listed', async () => {
    const r = new OutcomeRecorder({ delaysMs: [30] });
    r.hold(H, async () => {
      throw new Error('still full');
    });
    const started = Date.now();
    expect(await r.flush(150)).toBe(1);
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(r.get('RR1')?.lastError).toMatch(/still full/);
    r.stop();
  });

  it('a sink that throws (the alarm file on the same full disk) does not break holding', () => {
    const r = new OutcomeRecorder({
      delaysMs: [60_000],
      onChange: () => {
        throw new Error('ENOSPC');
      },
    });
    expect(() => r.hold(H, async () => 'RECORDED')).not.toThrow();
    expect(r.get('RR1')).toBeDefined();
    r.stop();
  });
});

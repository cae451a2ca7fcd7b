/**
 * `refund` in store mode when the store's database goes away (the session's
 * ports stubbed so the moment is exact): before this run asked the engine and
 * with a key of its own, nothing can be journaled (exit 5, "not started");
 * with a key given by --intent an earlier run may have journaled it, and once
 * the engine was asked the intent may be in the store: exit 4, never 1 or 2.
 */
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { err } from '../../../preload/contract/result';
import type { CliContext } from '../../../main/cli/command';
import { makeRefundCommand, type RefundSession } from '../../../main/cli/commands/refund';
import { EXIT } from '../../../main/cli/exit-codes';
import type { RefundEngine } from '../../../main/refunds/refund-engine';

const lost = (): Error => Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });

function session(opts: { intentReadable: boolean; submit: RefundEngine['submit'] }): RefundSession {
  const store = {
    engine: 'postgres' as const,
    journal: { getByIntent: async () => (opts.intentReadable ? null : Promise.reject(lost())) },
    people: {},
    audit: { append: async () => ({ seq: 1, hash: 'h' }) },
    settings: {},
  };
  const engine = { submit: opts.submit, outcomes: { get: () => undefined } };
  return {
    engine: engine as unknown as RefundEngine,
    store: store as unknown as RefundSession['store'],
    antomProblem: null,
    demoOwnerPid: null,
    terminalReady: async () => ({ ready: true }),
    close: async () => undefined,
  };
}

async function run(s: RefundSession, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const out = new PassThrough();
  out.on('data', (d: Buffer) => (stdout += d.toString()));
  const errs = new PassThrough();
  errs.on('data', (d: Buffer) => (stderr += d.toString()));
  const stdin = new PassThrough();
  stdin.end();
  const ctx: CliContext = { dataDir: '/nonexistent', env: {}, stdout: out, stderr: errs, stdin };
  const command = makeRefundCommand({ open: async () => ({ ok: true, session: s }) });
  return { code: await command.run(args, ctx), stdout, stderr };
}

describe('refund when the store ledger is lost', () => {
  it('cannot even read the intent, with a key of its own: exit 5, not started, nothing sent', async () => {
    let submitted = 0;
    const r = await run(
      session({
        intentReadable: false,
        submit: async () => {
          submitted += 1;
          return err('STORE_UNAVAILABLE', 'unreachable');
        },
      }),
      ['--payment', 'PAY1', '--json'],
    );
    expect(r.code).toBe(EXIT.JOURNAL_UNAVAILABLE);
    expect(r.stderr).toMatch(/Not started: .*Nothing was journaled and nothing was sent\. The store's refund ledger/);
    expect(JSON.parse(r.stdout)).toMatchObject({ status: 'REJECTED', code: 'JOURNAL_UNAVAILABLE' });
    expect(submitted).toBe(0);
  });

  it('cannot read the intent of a key given with --intent (an earlier run may have journaled it): exit 4', async () => {
    const r = await run(session({ intentReadable: false, submit: async () => err('STORE_UNAVAILABLE', 'unreachable') }), [
      '--payment',
      'PAY1',
      '--intent',
      'till-key-0001',
    ]);
    expect(r.code).toBe(EXIT.OUTCOME_UNKNOWN);
    expect(r.stderr).toMatch(/Outcome unknown: .*Do not refund another way/s);
  });

  it('lost after the engine journaled the intent: exit 4 with the refundRequestId, JSON PENDING, never failed', async () => {
    const r = await run(
      session({
        intentReadable: true,
        submit: async () => err('STORE_UNAVAILABLE', 'The store stopped answering while this refund was running.', { refundRequestId: 'RR-LOST' }),
      }),
      ['--payment', 'PAY1', '--json'],
    );
    expect(r.code).toBe(EXIT.OUTCOME_UNKNOWN);
    expect(JSON.parse(r.stdout)).toMatchObject({ status: 'PENDING', refundRequestId: 'RR-LOST', code: 'STORE_UNAVAILABLE' });
    expect(r.stderr).toContain('refund-terminal status RR-LOST --refresh');
  });

  it('refused before anything was journaled (STORE_UNAVAILABLE, no id): exit 5, REJECTED', async () => {
    const r = await run(session({ intentReadable: true, submit: async () => err('STORE_UNAVAILABLE', 'not started') }), ['--payment', 'PAY1', '--json']);
    expect(r.code).toBe(EXIT.JOURNAL_UNAVAILABLE);
    expect(JSON.parse(r.stdout)).toMatchObject({ status: 'REJECTED', code: 'STORE_UNAVAILABLE' });
  });
});

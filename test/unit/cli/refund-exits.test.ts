/**
 * `refund-terminal refund` exits honestly (issue #12 items 1 and 11): once the
 * intent is journaled it never exits 1 ("bad input"); an error after that exits
 * 4 with the refundRequestId; every run prints its intent key, and `--intent KEY`
 * makes a re-run the same refund (in a new process too), never a second one.
 */
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import type { CliContext } from '../../../main/cli/command';
import { makeRefundCommand, type RefundSession } from '../../../main/cli/commands/refund';
import { makeRecoverCommand } from '../../../main/cli/commands/recover';
import { EXIT } from '../../../main/cli/exit-codes';
import { openLedger, type Ledger } from '../../../main/ledger/ledger';
import { DEFAULT_POLICY } from '../../../main/ledger/policy';
import { sqliteStoreLedger } from '../../../main/ledger/sqlite-store';
import { OutcomeRecorder } from '../../../main/refunds/outcome-recorder';
import { RefundEngine } from '../../../main/refunds/refund-engine';
import { injectWriteFaults, type WriteFaults } from '../ledger/faulty-db';
import { tempDir } from '../ledger/helpers';
import { FakeAntom, FakeTerminal, TestClock } from '../refunds/fakes';

const cleanups: (() => void)[] = [];
afterEach(() => cleanups.splice(0).forEach((c) => c()));

/** One data folder shared by several "processes" (each run opens its own ledger and engine, like the CLI). */
function world() {
  const t = tempDir();
  cleanups.push(t.cleanup);
  const dbPath = path.join(t.dir, 'ledger.sqlite');
  const clock = new TestClock();
  const antom = new FakeAntom();
  antom.addPayment('PAY1', { amount: { value: 5_000, currency: 'SGD' } });
  const terminal = new FakeTerminal();
  const runs: { ledger: Ledger; faults: WriteFaults; engine: RefundEngine }[] = [];
  /** Arm the fault for the next run: the disk fills the moment Antom answers. */
  let diskFullAfterAntom = false;
  /** Arm the fault for the next run: every write after the intent is journaled fails with an I/O error. */
  let ioErrorAfterIntent = false;

  const command = makeRefundCommand({
    terminalWaitMs: 50,
    outcomeFlushMs: 200,
    async open(): Promise<{ ok: true; session: RefundSession }> {
      const ledger = openLedger(dbPath, { clock: clock.now });
      // --cashier must name an active cashier of this terminal (issue #14).
      if (ledger.users.get('alice') === null) await ledger.users.add({ name: 'alice', role: 'cashier', pin: '1470' }, 'test');
      const faults = injectWriteFaults(ledger.db);
      const gateway = {
        refund: async (req: Parameters<FakeAntom['refund']>[0]) => {
          const o = await antom.refund(req);
          if (diskFullAfterAntom) faults.failWrites();
          return o;
        },
        inquireRefund: (id: string) => antom.inquireRefund(id),
        inquirePayment: (id: string) => antom.inquirePayment(id),
      };
      const engine = new RefundEngine({
        ledger,
        terminal,
        antom: gateway,
        clock: clock.now,
        settleWaitMs: 1_000,
        afterJournal: (state) => {
          if (ioErrorAfterIntent && state === 'APPROVED') faults.failWrites({ code: 'SQLITE_IOERR' });
        },
        outcomeRecorder: new OutcomeRecorder({ delaysMs: [20] }),
        outcomeFlushMs: 200,
      });
      runs.push({ ledger, faults, engine });
      return {
        ok: true,
        session: {
          engine,
          store: sqliteStoreLedger(ledger, 'counter-1'),
          antomProblem: null,
          demoOwnerPid: null,
          terminalReady: async () => ({ ready: true }),
          close: async () => {
            await engine.stop();
            ledger.close();
          },
        },
      };
    },
  });

  async function run(
    args: string[],
    env: Record<string, string> = { REFUND_TERMINAL_CASHIER_PIN: '1470' },
  ): Promise<{ code: number; stdout: string; stderr: string }> {
    let stdout = '';
    let stderr = '';
    const out = new PassThrough();
    out.on('data', (b: Buffer) => (stdout += b.toString()));
    const errs = new PassThrough();
    errs.on('data', (b: Buffer) => (stderr += b.toString()));
    const stdin = new PassThrough();
    stdin.end();
    const ctx: CliContext = { dataDir: t.dir, env, stdout: out, stderr: errs, stdin };
    const code = await command.run(args, ctx);
    return { code, stdout, stderr };
  }

  return {
    run,
    antom,
    clock,
    dbPath,
    runs,
    set diskFullAfterAntom(v: boolean) {
      diskFullAfterAntom = v;
    },
    set ioErrorAfterIntent(v: boolean) {
      ioErrorAfterIntent = v;
    },
  };
}

const PARTIAL = ['--payment', 'PAY1', '--amount', '10.00', '--currency', 'SGD', '--cashier', 'alice'];

describe('refund: honest exits and intent keys', () => {
  it('prints the intent key of every run (generated when not given) and in the JSON', async () => {
    const w = world();
    const r = await w.run([...PARTIAL, '--json']);
    expect(r.code).toBe(EXIT.SUCCESS);
    const key = /^Intent (cli-[0-9a-f-]{36}):/.exec(r.stderr)?.[1];
    expect(key).toBeDefined();
    expect(JSON.parse(r.stdout)).toMatchObject({ status: 'SUCCESS', intentId: key });
  });

  it('a re-run with the printed --intent is the same refund, from a new process, not a second one', async () => {
    const w = world();
    const first = await w.run([...PARTIAL, '--json', '--intent', 'till3-2026-11-25-0001']);
    expect(first.code).toBe(EXIT.SUCCESS);
    const again = await w.run([...PARTIAL, '--json', '--intent', 'till3-2026-11-25-0001']);
    expect(again.code).toBe(EXIT.SUCCESS);
    expect(JSON.parse(again.stdout).refundRequestId).toBe(JSON.parse(first.stdout).refundRequestId);
    expect(w.antom.refundCalls).toHaveLength(1);
    // Without the key it is a new refund (the balance allows it), which is exactly why the key is printed.
    const fresh = await w.run([...PARTIAL, '--json']);
    expect(fresh.code).toBe(EXIT.SUCCESS);
    expect(w.antom.refundCalls).toHaveLength(2);
  });

  it('validates the key, and refuses a key that belongs to another payment or amount (nothing sent)', async () => {
    const w = world();
    expect((await w.run([...PARTIAL, '--intent', 'short'])).code).toBe(EXIT.BAD_INPUT);
    expect((await w.run([...PARTIAL, '--intent', 'has space in it'])).code).toBe(EXIT.BAD_INPUT);
    expect((await w.run([...PARTIAL, '--intent', 'k'.repeat(65)])).code).toBe(EXIT.BAD_INPUT);
    expect((await w.run([...PARTIAL, '--intent', 'key-for-ten-dollars'])).code).toBe(EXIT.SUCCESS);
    const other = await w.run(['--payment', 'PAY1', '--amount', '20.00', '--currency', 'SGD', '--intent', 'key-for-ten-dollars']);
    expect(other.code).toBe(EXIT.BAD_INPUT);
    expect(other.stderr).toMatch(/another amount/);
    expect(w.antom.refundCalls).toHaveLength(1);
  });

  it('disk full after Antom accepted: exit 4 with the refundRequestId, never 1 or 2; the re-run resolves it without paying twice', async () => {
    const w = world();
    w.diskFullAfterAntom = true;
    const started = Date.now();
    const first = await w.run([...PARTIAL, '--json', '--intent', 'till3-disk-full-0001']);
    expect(Date.now() - started).toBeLessThan(10_000); // bounded, not hung
    expect(first.code).toBe(EXIT.OUTCOME_UNKNOWN);
    const out = JSON.parse(first.stdout) as Record<string, unknown>;
    expect(out).toMatchObject({ status: 'UNKNOWN', antomAnswer: 'SUCCESS', state: 'SUBMITTING' });
    expect(first.stderr).toContain(`status ${out.refundRequestId as string} --refresh`);
    expect(first.stderr).toMatch(/Do not refund again/);
    expect(first.stderr).not.toMatch(/failed/i);

    // Disk freed; the operator runs the same command again (a new process; the old lease has expired).
    w.diskFullAfterAntom = false;
    w.clock.advance(6 * 60_000);
    const again = await w.run([...PARTIAL, '--json', '--intent', 'till3-disk-full-0001']);
    expect(again.code).toBe(EXIT.SUCCESS);
    expect(JSON.parse(again.stdout)).toMatchObject({ refundRequestId: out.refundRequestId, status: 'SUCCESS' });
    expect(w.antom.refundCalls).toHaveLength(1);
    expect(w.antom.inquiries).toContain(out.refundRequestId);
  });

  it('a gateway that throws after the request left is PENDING (exit 3), never bad input', async () => {
    const w = world();
    const orig = w.antom.refund.bind(w.antom);
    w.antom.refund = async (req) => {
      await orig(req);
      throw new Error('socket hang up');
    };
    const r = await w.run([...PARTIAL, '--json', '--intent', 'till3-gateway-0001']);
    expect(r.code).toBe(EXIT.PENDING);
    expect(JSON.parse(r.stdout)).toMatchObject({ status: 'PENDING', intentId: 'till3-gateway-0001' });
  });

  it('an exception thrown by the engine after journaling exits 4, not 1, and names the refund', async () => {
    const w = world();
    // Every write after the intent (journaled with REFERENCE_REQUESTED) fails with an I/O error: the reference's write throws out of submit.
    w.ioErrorAfterIntent = true;
    const runP = w.run([...PARTIAL, '--intent', 'till3-ioerr-0001']);
    const r = await runP;
    expect(r.code).toBe(EXIT.OUTCOME_UNKNOWN);
    expect(r.stderr).toMatch(/Outcome unknown: disk I\/O error/);
    expect(r.stderr).toMatch(/The refund RR\S+ is in the journal \(REFERENCE_REQUESTED\)/);
    expect(w.antom.refundCalls).toHaveLength(0);
  });

  it('recover exits 4 (not 3 "waiting for the terminal") when Antom answers but the journal still cannot record it', async () => {
    const w = world();
    w.diskFullAfterAntom = true;
    expect((await w.run([...PARTIAL, '--intent', 'till3-recover-0001'])).code).toBe(EXIT.OUTCOME_UNKNOWN);
    w.clock.advance(6 * 60_000);
    let stillFull = true;
    const recover = makeRecoverCommand({
      async openEngine() {
        const ledger = openLedger(w.dbPath, { clock: w.clock.now });
        const faults = injectWriteFaults(ledger.db);
        const gateway = {
          refund: (req: Parameters<FakeAntom['refund']>[0]) => w.antom.refund(req),
          inquireRefund: async (id: string) => {
            const o = await w.antom.inquireRefund(id);
            if (stillFull) faults.failWrites();
            return o;
          },
          inquirePayment: (id: string) => w.antom.inquirePayment(id),
        };
        const engine = new RefundEngine({
          ledger,
          terminal: new FakeTerminal(),
          antom: gateway,
          clock: w.clock.now,
          outcomeRecorder: new OutcomeRecorder({ delaysMs: [20] }),
          outcomeFlushMs: 100,
        });
        return { engine, close: () => ledger.close() };
      },
    });
    const io = () => {
      let err = '';
      const stderr = new PassThrough();
      stderr.on('data', (b: Buffer) => (err += b.toString()));
      const stdin = new PassThrough();
      stdin.end();
      return { ctx: { dataDir: path.dirname(w.dbPath), env: {}, stdout: new PassThrough(), stderr, stdin } as CliContext, err: () => err };
    };
    const a = io();
    expect(await recover.run([], a.ctx)).toBe(EXIT.OUTCOME_UNKNOWN);
    expect(a.err()).toMatch(/Outcome unknown: Antom answered SUCCESS/);
    stillFull = false;
    w.clock.advance(6 * 60_000);
    expect(await recover.run([], io().ctx)).toBe(EXIT.SUCCESS);
    expect(w.antom.refundCalls).toHaveLength(1);
  });

  describe('who asked and who approves (attack F5)', () => {
    /** A manager and a policy that makes every 10.00 SGD refund need approval. */
    async function withManager(w: ReturnType<typeof world>): Promise<void> {
      const l = openLedger(w.dbPath, { clock: w.clock.now });
      if (l.users.get('alice') === null) await l.users.add({ name: 'alice', role: 'cashier', pin: '1470' }, 'test');
      await l.users.add({ name: 'maria', role: 'manager', pin: '246813' }, 'test');
      expect(l.setPolicy({ ...DEFAULT_POLICY, amountThresholds: { SGD: 500 } }, 'test').ok).toBe(true);
      l.close();
    }

    it("--cashier without that cashier's PIN, or with a wrong one, is refused and nothing is journaled or sent", async () => {
      const w = world();
      const noPin = await w.run(PARTIAL, {});
      expect(noPin.code).toBe(EXIT.BAD_INPUT);
      expect(noPin.stderr).toMatch(/needs alice's PIN in REFUND_TERMINAL_CASHIER_PIN/);
      const wrong = await w.run(PARTIAL, { REFUND_TERMINAL_CASHIER_PIN: '9999' });
      expect(wrong.code).toBe(EXIT.BAD_INPUT);
      expect(w.antom.refundCalls).toHaveLength(0);
      const l = openLedger(w.dbPath, { clock: w.clock.now });
      expect(l.listRefunds()).toEqual([]);
      l.close();
    });

    it('a manager cannot book an over-limit refund to a cashier and approve it herself with only her own PIN', async () => {
      const w = world();
      await withManager(w);
      const r = await w.run([...PARTIAL, '--approver', 'maria', '--json'], { REFUND_TERMINAL_PIN: '246813' });
      expect(r.code).toBe(EXIT.BAD_INPUT);
      expect(w.antom.refundCalls).toHaveLength(0);
    });

    it('without --cashier, the approver in the same command is approving her own refund: it waits for another manager', async () => {
      const w = world();
      await withManager(w);
      const args = ['--payment', 'PAY1', '--amount', '10.00', '--currency', 'SGD', '--approver', 'maria', '--json', '--intent', 'till3-self-approval-01'];
      await w.run(args, { REFUND_TERMINAL_PIN: '246813' });
      expect(w.antom.refundCalls).toHaveLength(0);
      // Asked again with the same intent: still the same person at the keyboard.
      const again = await w.run(args, { REFUND_TERMINAL_PIN: '246813' });
      expect(again.stderr).toMatch(/would approve their own refund/);
      expect(w.antom.refundCalls).toHaveLength(0);
      const l = openLedger(w.dbPath, { clock: w.clock.now });
      expect(l.listRefunds().map((x) => x.state)).toEqual(['AWAITING_APPROVAL']);
      l.close();
    });

    it('a cashier who gives her PIN and a different manager who approves: the refund goes through', async () => {
      const w = world();
      await withManager(w);
      const r = await w.run([...PARTIAL, '--approver', 'maria', '--json'], { REFUND_TERMINAL_CASHIER_PIN: '1470', REFUND_TERMINAL_PIN: '246813' });
      expect(r.code).toBe(EXIT.SUCCESS);
      expect(w.antom.refundCalls).toHaveLength(1);
    });
  });
});

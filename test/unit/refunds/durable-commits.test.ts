/**
 * Two durable commits per refund on the happy path (the refund before the first
 * byte goes to the terminal, and the outcome), and a power cut before any
 * commit of that path, losing every relaxed commit since the last durable one,
 * never duplicates a refund at Antom nor turns one that went through into FAILED.
 *
 * The counting is done from outside the journal: the SQLite connection is
 * wrapped, every commit (a transaction's end, or an autocommit write) is seen
 * with the synchronous level it ran under, and after every durable commit the
 * database image is taken (serialize), which is what survives a power cut.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Database } from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { openLedger, type Ledger } from '../../../main/ledger/ledger';
import { RefundEngine } from '../../../main/refunds/refund-engine';
import type { AntomOutcome, AntomRefundRequest, RefundReferenceRequest } from '../../../main/refunds/ports';
import { tempDir } from '../ledger/helpers';
import { FakeAntom, FakeTerminal, outcome, TestClock } from './fakes';

class PowerCut extends Error {}

interface CommitWatch {
  durable: number;
  relaxed: number;
  /** The database as the last durable commit left it. */
  lastDurable: Buffer;
  /** Throw (and from then on, on every write) when commit number `cutBefore` (1-based) is about to start. */
  cutBefore: number | null;
  dead: boolean;
}

function watchCommits(db: Database): CommitWatch {
  const w: CommitWatch = { durable: 0, relaxed: 0, lastDurable: db.serialize(), cutBefore: null, dead: false };
  let level = String(db.pragma('synchronous', { simple: true }));
  // A commit that changed no row writes nothing to the WAL (no frame, no fsync): not counted.
  const changesStmt = db.prepare('SELECT total_changes() AS n');
  const changes = (): number => (changesStmt.get() as { n: number }).n;
  let changesBefore = 0;
  const before = (): void => {
    changesBefore = changes();
    if (w.dead) throw new PowerCut('power is off');
    if (w.cutBefore !== null && w.durable + w.relaxed + 1 === w.cutBefore) {
      w.dead = true;
      throw new PowerCut('power cut');
    }
  };
  const after = (): void => {
    if (changes() === changesBefore) return;
    // synchronous=2 (FULL) or 3 (EXTRA): fsync at commit; 1 (NORMAL) under WAL: none.
    if (level === '2' || level === '3') {
      w.durable += 1;
      w.lastDurable = db.serialize();
    } else w.relaxed += 1;
  };
  const pragma = db.pragma.bind(db);
  db.pragma = ((source: string, options?: { simple?: boolean }) => {
    const out = pragma(source, options);
    const m = /^\s*synchronous\s*=\s*(\w+)/i.exec(source);
    if (m) level = String(pragma('synchronous', { simple: true }));
    return out;
  }) as Database['pragma'];
  const transaction = db.transaction.bind(db);
  db.transaction = ((fn: (...a: unknown[]) => unknown) => {
    const t = transaction(fn);
    const wrap =
      (run: (...a: unknown[]) => unknown) =>
      (...a: unknown[]): unknown => {
        if (db.inTransaction) return run(...a);
        before();
        const out = run(...a);
        after();
        return out;
      };
    const d = wrap(t) as typeof t;
    Object.assign(d, { default: wrap(t.default), immediate: wrap(t.immediate), deferred: wrap(t.deferred), exclusive: wrap(t.exclusive) });
    return d;
  }) as Database['transaction'];
  const prepare = db.prepare.bind(db);
  // The ledger hands out one compiled statement per SQL text (db.ts): each is wrapped once.
  const wrapped = new WeakSet<object>();
  db.prepare = ((source: string) => {
    const stmt = prepare(source);
    if (stmt.reader || wrapped.has(stmt)) return stmt;
    wrapped.add(stmt);
    const run = stmt.run.bind(stmt);
    stmt.run = ((...a: unknown[]) => {
      if (db.inTransaction) return run(...a);
      before();
      const out = run(...a);
      after();
      return out;
    }) as typeof stmt.run;
    return stmt;
  }) as Database['prepare'];
  return w;
}

/** Antom as the API reference describes a repeat: same refundRequestId and fields = the same refund; any field different = REPEAT_REQ_INCONSISTENT (F). */
class StrictAntom extends FakeAntom {
  readonly bodies = new Map<string, string>();
  inconsistent = 0;
  override async refund(req: AntomRefundRequest): Promise<AntomOutcome> {
    const body = JSON.stringify(req);
    const first = this.bodies.get(req.refundRequestId);
    if (first !== undefined && first !== body) {
      this.inconsistent += 1;
      this.refundCalls.push(req);
      return outcome('FAILED', { resultCode: 'DPOS_PAYMENT_REPEAT_REQ_INCONSISTENT', nextAction: 'CALL_SUPPORT' });
    }
    this.bodies.set(req.refundRequestId, body);
    const known = this.accepted.get(req.refundRequestId);
    if (known !== undefined) {
      this.refundCalls.push(req);
      return known;
    }
    return super.refund(req);
  }
}

/** A terminal that answers the same refundRequestId with the same reference (protocol §4), or, once `reset`, a new one. */
class ResettableTerminal extends FakeTerminal {
  generation = 1;
  override async requestRefundReference(req: RefundReferenceRequest) {
    const r = await super.requestRefundReference(req);
    return r.ok && this.generation > 1 ? { ...r, value: { originalMerchantRefundId: `G${this.generation}-${r.value.originalMerchantRefundId}` } } : r;
  }
}

interface World {
  dir: string;
  clock: TestClock;
  antom: StrictAntom;
  terminal: ResettableTerminal;
  cleanup: () => void;
}

const worlds: World[] = [];
const ledgers: Ledger[] = [];
afterEach(() => {
  ledgers.splice(0).forEach((l) => {
    try {
      l.close();
    } catch {
      // already closed
    }
  });
  worlds.splice(0).forEach((w) => w.cleanup());
});

function world(): World {
  const t = tempDir();
  const antom = new StrictAntom();
  antom.addPayment('PAY1', { amount: { value: 5_000, currency: 'SGD' } });
  const w = { dir: t.dir, clock: new TestClock(), antom, terminal: new ResettableTerminal(), cleanup: t.cleanup };
  worlds.push(w);
  return w;
}

function engineOn(w: World, ledger: Ledger, ids: () => string): RefundEngine {
  return new RefundEngine({ ledger, terminal: w.terminal, antom: w.antom, clock: w.clock.now, newRefundRequestId: ids, settleWaitMs: 200 });
}

const full = (intentId: string) => ({ intentId, paymentId: 'PAY1', mode: 'FULL' as const, cashier: 'alice' });

async function oneRefund(cutBefore: number | null): Promise<{ w: World; watch: CommitWatch; ledger: Ledger }> {
  const w = world();
  const ledger = openLedger(path.join(w.dir, 'ledger.sqlite'), { clock: w.clock.now });
  ledgers.push(ledger);
  const engine = engineOn(w, ledger, () => 'RR1');
  // The payment lookup belongs to the screen before the refund; count from the submit on.
  const looked = await engine.lookupPayment('PAY1');
  expect(looked.ok).toBe(true);
  const watch = watchCommits(ledger.db);
  watch.cutBefore = cutBefore;
  // After a power cut the outside world sees nothing more from this machine.
  const ask = w.terminal.requestRefundReference.bind(w.terminal);
  w.terminal.requestRefundReference = async (req) => (watch.dead ? Promise.reject(new PowerCut('off')) : ask(req));
  const send = w.antom.refund.bind(w.antom);
  w.antom.refund = async (req) => (watch.dead ? Promise.reject(new PowerCut('off')) : send(req));
  const inquire = w.antom.inquireRefund.bind(w.antom);
  w.antom.inquireRefund = async (id: string) => (watch.dead ? Promise.reject(new PowerCut('off')) : inquire(id));
  try {
    await engine.submit(full('intent-1'));
  } catch {
    // the cut
  }
  await engine.stop().catch(() => undefined);
  w.terminal.requestRefundReference = ask;
  w.antom.refund = send;
  w.antom.inquireRefund = inquire;
  return { w, watch, ledger };
}

describe('durable commits per refund', () => {
  it('the happy path makes 2 durable commits: the refund before the terminal is asked, and the outcome', async () => {
    const { w, watch, ledger } = await oneRefund(null);
    expect(ledger.refunds.get('RR1')?.state).toBe('SUCCEEDED');
    expect(w.antom.refundCalls).toHaveLength(1);
    expect(watch.durable).toBe(2);
    // The relaxed ones: the reference with SUBMITTING (one commit), the slip, the lease release.
    expect(watch.relaxed).toBe(3);
    expect(ledger.refunds.transitions('RR1').map((t) => t.to_state)).toEqual([
      'APPROVED',
      'REFERENCE_REQUESTED',
      'REFERENCE_OBTAINED',
      'SUBMITTING',
      'SUCCEEDED',
    ]);
  });

  it('the refund is durable before the terminal hears of it', async () => {
    const w = world();
    const ledger = openLedger(path.join(w.dir, 'ledger.sqlite'), { clock: w.clock.now });
    ledgers.push(ledger);
    const engine = engineOn(w, ledger, () => 'RR1');
    await engine.lookupPayment('PAY1');
    const watch = watchCommits(ledger.db);
    let durableAtAsk = -1;
    let imageAtAsk: Buffer | null = null;
    const ask = w.terminal.requestRefundReference.bind(w.terminal);
    w.terminal.requestRefundReference = async (req) => {
      durableAtAsk = watch.durable;
      imageAtAsk = watch.lastDurable;
      return ask(req);
    };
    await engine.submit(full('intent-1'));
    await engine.stop();
    expect(durableAtAsk).toBe(1);
    const file = path.join(w.dir, 'at-ask.sqlite');
    writeFileSync(file, imageAtAsk ?? Buffer.alloc(0));
    const survived = openLedger(file, { clock: w.clock.now });
    ledgers.push(survived);
    // Journaled with its first step in the same durable commit: the terminal may have been asked, and recovery knows it.
    expect(survived.refunds.get('RR1')?.state).toBe('REFERENCE_REQUESTED');
  });

  // A power cut before each commit of the path (between every pair of steps: each
  // outside call sits between two commits), for a terminal that keeps its answer
  // (the protocol) and for one reset meanwhile (a new reference for the same refund).
  for (const reset of [false, true]) {
    it(`a power cut before any commit, then recovery${reset ? ' with a reset terminal' : ''}: one refund at Antom, same body, SUCCEEDED`, async () => {
      const total = await oneRefund(null).then((r) => r.watch.durable + r.watch.relaxed);
      expect(total).toBe(5);
      for (let k = 1; k <= total; k++) {
        const { w, watch } = await oneRefund(k);
        expect(watch.dead).toBe(true);
        if (reset) w.terminal.generation = 2;
        const file = path.join(w.dir, `after-cut-${k}.sqlite`);
        writeFileSync(file, watch.lastDurable);
        const survived = openLedger(file, { clock: w.clock.now });
        ledgers.push(survived);
        // Both engines of this test live in one process, so the dead one's lease (journaled with the refund)
        // looks alive; after a real power cut the boot differs and it is free at once (lease-owner.ts).
        // Recovery comes after the lease's expiry here instead.
        w.clock.advance(5 * 60_000 + 1);
        const engine = engineOn(w, survived, () => 'RR-NEW');
        await engine.recover();
        await engine.stop();
        const row = survived.refunds.get('RR1');
        const label = `cut before commit ${k} of ${total}`;
        if (row === null) {
          // Cut before the refund was journaled: nothing may have left the machine.
          expect(w.terminal.references, label).toEqual([]);
          expect(w.antom.refundCalls, label).toEqual([]);
          continue;
        }
        expect(row.state, label).toBe('SUCCEEDED');
        expect(w.antom.inconsistent, label).toBe(0);
        expect(new Set(w.antom.refundCalls.map((c) => JSON.stringify(c))).size, label).toBe(1);
        expect(w.antom.accepted.size, label).toBe(1);
      }
    }, 60_000);
  }
});

/**
 * Journal diagnostics: the journal writes of one submit through the ledger
 * API alone, as the engine makes them and grouped into the two transactions
 * durability needs, with and without fsync.
 */
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { openLedger, type Ledger } from '../main/ledger';

const now = (): number => performance.now();

export type JournalVariant = 'per-step' | 'grouped';

export interface JournalSequence {
  readonly variant: JournalVariant;
  readonly synchronous: 'FULL' | 'OFF';
  readonly commitsPerRefund: number;
  readonly ms: number[];
}

/** The drive-lease API of RefundStore (schema v3), used only when present. */
interface LeaseApi {
  claimLease(refundRequestId: string, owner: string, ttlMs: number, ownerAlive: (owner: string) => boolean): boolean;
  renewLease(refundRequestId: string, owner: string, ttlMs: number): void;
  releaseLease(refundRequestId: string, owner: string): void;
}

function leaseApi(ledger: Ledger): LeaseApi | null {
  const r = ledger.refunds as unknown as Partial<LeaseApi>;
  return typeof r.claimLease === 'function' && typeof r.renewLease === 'function' && typeof r.releaseLease === 'function' ? (r as LeaseApi) : null;
}

/**
 * The journal writes of one submit up to the hand-off to Antom, back to back
 * through the ledger API, no terminal or HTTP in between.
 *  - per-step: the first round's engine, one commit each (payment upsert,
 *    intent insert, lease claim, a lease renewal per step, three transitions);
 *  - grouped: the same rows and audit entries in two transactions (intent +
 *    lease + REFERENCE_REQUESTED before the terminal is asked; REFERENCE_OBTAINED +
 *    SUBMITTING before Antom is called) - the two points durability needs, and
 *    what the engine does since #16 (there the second is a relaxed commit).
 * With synchronous=FULL (as shipped) and OFF (no fsync): the difference is
 * what durability costs, the rest is CPU.
 */
export function measureJournalSequence(dir: string, count: number, synchronous: 'FULL' | 'OFF', variant: JournalVariant): JournalSequence {
  const ledger = openLedger(path.join(dir, `journal-seq-${variant}-${synchronous}.sqlite`));
  ledger.db.pragma(`synchronous = ${synchronous}`);
  const lease = leaseApi(ledger);
  const owner = `bench-${process.pid}`;
  const ttl = 300_000;
  const paidAt = new Date(Date.now() - 3_600_000).toISOString();
  const ms: number[] = [];
  let commits = 0;
  for (let i = 0; i < count + 10; i++) {
    const paymentId = `SEQ-SGD-${String(i).padStart(6, '0')}`;
    const id = `RR20260101${randomUUID().replace(/-/g, '')}`;
    let c = 0;
    const commit = <T>(fn: () => T): T => {
      c++;
      return fn();
    };
    const upsert = (): void =>
      void ledger.payments.upsert({
        paymentId,
        amount: { value: 5_000, currency: 'SGD' },
        paymentMethod: 'ALIPAY_CN',
        paidAt,
        status: 'SUCCESS',
        supportsPartialRefund: null,
      });
    const insert = (): void => {
      const ins = ledger.refunds.insert(
        {
          refundRequestId: id,
          intentId: `seq-${i}`,
          paymentId,
          mode: 'FULL',
          amount: { value: 5_000, currency: 'SGD' },
          memo: null,
          state: 'APPROVED',
          cashier: 'alice',
          message: 'Approved.',
          nextAction: 'WAIT',
          approvalReasons: [],
        },
        'alice',
      );
      if (!ins.ok) throw new Error(ins.error.message);
    };
    const claim = (): void => void lease?.claimLease(id, owner, ttl, () => true);
    const renew = (): void => lease?.renewLease(id, owner, ttl);
    const toReq = (): void =>
      void ledger.refunds.transition(id, 'APPROVED', 'REFERENCE_REQUESTED', { actor: 'system', patch: { nextAction: 'WAIT', nextCheckAt: null } });
    const toObt = (): void =>
      void ledger.refunds.transition(id, 'REFERENCE_REQUESTED', 'REFERENCE_OBTAINED', {
        actor: 'system',
        patch: { originalMerchantRefundId: `AT-PX-BENCH1-X-${i}`, nextAction: 'WAIT', nextCheckAt: null },
      });
    const toSub = (): void => void ledger.refunds.transition(id, 'REFERENCE_OBTAINED', 'SUBMITTING', { actor: 'system', patch: { nextAction: 'WAIT' } });
    const t = now();
    if (variant === 'per-step') {
      commit(upsert);
      commit(insert);
      if (lease) commit(claim);
      for (const step of [toReq, toObt, toSub]) {
        if (lease) commit(renew);
        commit(step);
      }
      if (lease) commit(renew);
    } else {
      commit(() =>
        ledger.transaction(() => {
          upsert();
          insert();
          claim();
          toReq();
        }),
      );
      commit(() =>
        ledger.transaction(() => {
          renew();
          toObt();
          toSub();
        }),
      );
    }
    if (i >= 10) ms.push(now() - t);
    commits = c;
  }
  ledger.close();
  return { variant, synchronous, commitsPerRefund: commits, ms };
}

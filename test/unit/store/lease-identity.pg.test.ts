/**
 * Store-mode leases across PCs (attack3 #8): a counter on another PC with the
 * same hostname (cloned kiosk image, containers sharing the UTS namespace)
 * writes `<hostname>:<pid>:<start.boot>:<nonce>`. Its pid means nothing in this
 * process table, so its live lease is freed by expiry on the database clock
 * only; a dead process of this very machine still frees its lease at once.
 */
import { hostname } from 'node:os';
import { describe, expect, it } from 'vitest';
import { PgJournal } from '../../../main/ledger/pg/pg-journal';
import { leaseOwnerAlive, linuxProbe, sharedLeaseOwnerAlive } from '../../../main/refunds/lease-owner';
import { pgAvailable, pgQuery, pgSuite } from '../../helpers/pg-suite';

const linux = process.platform === 'linux';

describe.skipIf(!pgAvailable || !linux)('store mode: a lease of another PC with the same hostname', () => {
  const suite = pgSuite('leaseid');

  async function journaled(): Promise<{ url: string; b: PgJournal; a: PgJournal; id: string }> {
    const url = suite.freshUrl();
    const a = await PgJournal.open({ url, register: 'counter-1' });
    const b = await PgJournal.open({ url, register: 'counter-2' });
    await a.upsertPayment({
      paymentId: 'PAY1',
      amount: { value: 5_000, currency: 'SGD' },
      paymentMethod: 'ALIPAY_CN',
      paidAt: new Date().toISOString(),
      status: 'SUCCESS',
      supportsPartialRefund: true,
    });
    const r = await a.insert(
      {
        refundRequestId: 'RR-1',
        intentId: 'INT-1',
        paymentId: 'PAY1',
        mode: 'PARTIAL',
        amount: { value: 1_000, currency: 'SGD' },
        memo: null,
        state: 'APPROVED',
        cashier: 'ann',
        message: 'Approved.',
        nextAction: 'WAIT',
        approvalReasons: [],
      },
      'ann',
    );
    if (!r.ok) throw new Error(r.error.message);
    return { url, a, b, id: r.value.refund_request_id };
  }

  async function holdLease(url: string, id: string, owner: string, until: string): Promise<void> {
    await pgQuery(url, `UPDATE refunds SET lease_owner = $2, lease_until = now() + interval '${until}' WHERE refund_request_id = $1`, [id, owner]);
  }

  it('is honoured until it expires, however dead its pid looks here', async () => {
    const { url, a, b, id } = await journaled();
    try {
      // A pid that exists nowhere here, a boot id that is not this machine's.
      const foreign = `${hostname()}:4194000:123456.deadbeef:abcd1234`;
      expect(leaseOwnerAlive(foreign)).toBe(false); // what the process table alone would say
      await holdLease(url, id, foreign, '5 minutes');
      expect(await b.claimLease(id, 'me', 60_000, sharedLeaseOwnerAlive)).toBe(false);
      expect((await b.claimLeases([id], 'me', 60_000, sharedLeaseOwnerAlive)).size).toBe(0);
      await holdLease(url, id, foreign, '-1 second');
      expect(await b.claimLease(id, 'me', 60_000, sharedLeaseOwnerAlive)).toBe(true);
    } finally {
      await a.close();
      await b.close();
    }
  });

  it('a dead process of this machine (this boot, this pid namespace) frees its lease at once', async () => {
    const { url, a, b, id } = await journaled();
    try {
      const mine = linuxProbe.startToken(process.pid) ?? '';
      const [, boot, ns] = mine.split('.');
      const dead = `${hostname()}:4194000:123456.${boot}${ns === undefined ? '' : `.${ns}`}:abcd1234`;
      await holdLease(url, id, dead, '5 minutes');
      expect(await b.claimLease(id, 'me', 60_000, sharedLeaseOwnerAlive)).toBe(true);
    } finally {
      await a.close();
      await b.close();
    }
  });
});

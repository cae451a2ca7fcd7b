/**
 * notifyRefund in store mode (a real throwaway PostgreSQL): a push applied
 * while a counter drives the same refund moves it exactly once; replays
 * change nothing; the store audit chain stays intact.
 */
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import type { RefundNotifyBody } from '../../../main/antom/wire';
import { RefundNotifyBody as Schema } from '../../../main/antom/wire';
import { PgJournal } from '../../../main/ledger/pg/pg-journal';
import { applyRefundNotification } from '../../../main/store/notify-apply';
import { startNotifyServer } from '../../../main/store/notify-server';
import { pgAvailable, pgSuite } from '../../helpers/pg-suite';
import { antomKeys, CLIENT_ID, journalRefund, notifyBody, postSigned } from './notify-helpers';

const SILENT = { info: () => undefined, warn: () => undefined, error: () => undefined };
const suite = pgSuite('notify');

describe.skipIf(!pgAvailable)('notifyRefund on the store ledger (PostgreSQL)', () => {
  it('a push racing a counter that drives the same refund: exactly one final transition, whoever wins, 40 times over', async () => {
    const url = suite.freshUrl();
    const counter = await PgJournal.open({ url, register: 'counter-1' });
    const store = await PgJournal.open({ url, register: 'notify' });
    for (let i = 0; i < 40; i += 1) {
      const id = `RR-RACE-${i}`;
      await journalRefund(counter, id, `PAY-RACE-${i}`, 'PENDING_IN_PROCESS');
      // Half the time Antom's push and the counter's inquiry disagree: still exactly one final state.
      const pushed: RefundNotifyBody = Schema.parse(
        notifyBody(id, `PAY-RACE-${i}`, i % 2 === 0 ? {} : { refundStatus: 'FAIL', result: { resultStatus: 'F', resultCode: 'REFUND_FAILED' } }),
      );
      const [push, drive] = await Promise.all([
        applyRefundNotification(store, pushed),
        counter.transition(id, 'PENDING_IN_PROCESS', 'SUCCEEDED', { actor: 'system', patch: { resultCode: 'SUCCESS' } }),
      ]);
      const finals = (await counter.transitions(id)).filter((t) => t.to_state === 'SUCCEEDED' || t.to_state === 'FAILED');
      expect(finals).toHaveLength(1);
      const state = (await counter.get(id))?.state;
      if (drive.ok) {
        expect(state).toBe('SUCCEEDED');
        expect(push.kind).toBe(i % 2 === 0 ? 'ALREADY_FINAL' : 'CONFLICT');
      } else {
        expect(push.kind).toBe('APPLIED');
        expect(state).toBe(i % 2 === 0 ? 'SUCCEEDED' : 'FAILED');
      }
    }
    expect((await store.verifyAudit()).intact).toBe(true);
    await counter.close();
    await store.close();
  }, 120_000);

  it('store serve on PostgreSQL: applies once, replays ack and change nothing, audit chain verifies', async () => {
    const url = suite.freshUrl();
    const journal = await PgJournal.open({ url, register: 'notify' });
    await journalRefund(journal, 'RR-PG-1', 'PAY-PG-1', 'PENDING_UNKNOWN');
    const server = await startNotifyServer({ journal, clientId: CLIENT_ID, antomPublicKeys: antomKeys(), port: 0, log: SILENT });
    const first = await postSigned(`${server.url}/`, notifyBody('RR-PG-1', 'PAY-PG-1'));
    expect(first.status).toBe(200);
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    const count = async () => Number((await client.query<{ c: string }>('SELECT count(*) AS c FROM refund_transitions')).rows[0]?.c);
    const before = await count();
    await postSigned(`${server.url}/`, notifyBody('RR-PG-1', 'PAY-PG-1'));
    expect(await count()).toBe(before);
    expect((await journal.get('RR-PG-1'))?.state).toBe('SUCCEEDED');
    const kinds = await client.query<{ kind: string; actor: string }>("SELECT kind, actor FROM audit WHERE actor = 'antom:notify'");
    expect(kinds.rows).toEqual([{ kind: 'refund.transition', actor: 'antom:notify' }]);
    expect((await journal.verifyAudit()).intact).toBe(true);
    await client.end();
    await server.close();
    await journal.close();
  }, 60_000);
});

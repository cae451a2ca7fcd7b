/**
 * The store-wide audit chain's own ceiling: N connections appending at once,
 * each append the way PgJournal makes it at a refund step (one transaction:
 * a transition-sized row, the change notice, then the chain append under the
 * store-wide advisory lock held to a durable COMMIT — pg-audit.ts). Appends/s
 * here divided by the audited transactions of one refund is how many refunds/s
 * one chain can carry whatever the counters' CPU: the limit a per-register
 * chain would lift.
 */
import pg from 'pg';
import { appendPgAudit } from '../main/ledger/pg/pg-audit';
import { storePoolConfig } from '../main/ledger/pg/pg-connection';
import { openStoreLedger } from '../main/ledger/pg/pg-store';
import { PUBLIC_TEST_KEYS } from '../main/secrets/ledger-keys';
import { round } from './stats';

/**
 * Audited transactions of one refund in store mode since the commits were folded (docs/ledger.md,
 * "Commits per refund"): intent + REFERENCE_REQUESTED, reference + SUBMITTING, outcome, slip. Was 6.
 * The first two append two entries each under one lock hold (the second without a head read).
 */
export const AUDITED_TX_PER_REFUND = 4;

export async function measureAuditChain(url: string, connections: number, seconds: number): Promise<Record<string, unknown>> {
  // Migrated and keyed as a counter would find it.
  await (await openStoreLedger(url, { register: 'audit-bench', keys: PUBLIC_TEST_KEYS })).close();
  const pool = new pg.Pool(storePoolConfig(url, { max: connections }));
  pool.on('error', () => undefined);
  try {
    const detail = { refundRequestId: 'RR-BENCH', from: 'SUBMITTING', to: 'SUCCEEDED', row: { amount: 1500, currency: 'SGD', state: 'SUCCEEDED' } };
    const until = Date.now() + seconds * 1_000;
    const counts: number[] = [];
    const worker = async (k: number): Promise<void> => {
      const c = await pool.connect();
      let n = 0;
      try {
        while (Date.now() < until) {
          await c.query('BEGIN');
          await c.query('SELECT pg_notify($1, $2)', ['bench_audit', `w${k}`]);
          await appendPgAudit(c, PUBLIC_TEST_KEYS.auditKey, `worker-${k}`, 'bench.append', detail);
          await c.query('COMMIT');
          n += 1;
        }
      } finally {
        c.release();
      }
      counts.push(n);
    };
    const t0 = performance.now();
    await Promise.all(Array.from({ length: connections }, (_, k) => worker(k)));
    const s = (performance.now() - t0) / 1_000;
    const appends = counts.reduce((a, b) => a + b, 0);
    const perS = appends / s;
    return {
      connections,
      seconds: round(s, 2),
      appends,
      appendsPerS: round(perS, 1),
      refundsPerSCeiling: round(perS / AUDITED_TX_PER_REFUND, 1),
      definition: `one transaction per append (notice + chain append under the store-wide lock + durable COMMIT); ceiling = appends/s / ${AUDITED_TX_PER_REFUND} audited transactions per refund`,
    };
  } finally {
    await pool.end();
  }
}

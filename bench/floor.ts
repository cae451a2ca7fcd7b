/**
 * The floor the refund path is compared with, measured in the same run: what
 * the hardware and the crypto cost at the least (a raw pty echo, one durable
 * SQLite commit, one RSA signature), summed pairwise with each refund's own
 * time on the serial line.
 */
import { createSign, randomUUID, type KeyObject } from 'node:crypto';
import path from 'node:path';
import Database from 'better-sqlite3';
import { SerialPortTransport } from '../native-bridge';
import { createPtyPair } from '../native-bridge/testing';
import { buildContentToSign } from '../main/antom/signing';
import type { RefundSample } from './refund-path';
import { BAUD, pairedSum } from './stats';

const now = (): number => performance.now();

export interface FloorParts {
  readonly ptyEchoMs: number[];
  readonly commitMs: number[];
  readonly signMs: number[];
}

/** Raw 1-byte echo round trips through a fresh socat pty pair (both ends at 115200). */
export async function measurePtyEcho(count: number): Promise<number[]> {
  const pty = await createPtyPair();
  const host = await SerialPortTransport.open(pty.hostPath, { baudRate: BAUD });
  const far = await SerialPortTransport.open(pty.terminalPath, { baudRate: BAUD });
  far.onData((d) => far.write(d));
  const out: number[] = [];
  try {
    for (let i = 0; i < count + 10; i++) {
      const t = await new Promise<number>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('pty echo timed out')), 2_000);
        const off = host.onData(() => {
          off();
          clearTimeout(timer);
          resolve(now() - started);
        });
        const started = now();
        host.write(Buffer.from([0x55]));
      });
      if (i >= 10) out.push(t);
    }
  } finally {
    await host.close();
    await far.close();
    await pty.close();
  }
  return out;
}

/** One durable commit each: an autocommit INSERT into a WAL database with synchronous=FULL, in the journal's folder. */
export function measureCommits(dir: string, count: number): number[] {
  const db = new Database(path.join(dir, 'floor-commit.sqlite'));
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.exec('CREATE TABLE IF NOT EXISTS t (id INTEGER PRIMARY KEY, body TEXT NOT NULL)');
  const insert = db.prepare('INSERT INTO t (body) VALUES (?)');
  const body = 'x'.repeat(300);
  const out: number[] = [];
  for (let i = 0; i < count + 10; i++) {
    const t = now();
    insert.run(body);
    if (i >= 10) out.push(now() - t);
  }
  db.close();
  return out;
}

/** One RSA-2048 PKCS#1 v1.5 SHA-256 signature each, with the merchant key, over a refund-sized message. */
export function measureSignatures(key: KeyObject, clientId: string, count: number): number[] {
  const body = JSON.stringify({
    refundRequestId: `RR20260101${randomUUID().replace(/-/g, '')}`,
    paymentId: 'BENCH-SGD-000001',
    originalMerchantRefundId: 'AT-PX-BENCH1-MABCDEF-1',
  });
  const content = buildContentToSign('POST', '/ams/api/v2/payments/refund', clientId, String(Date.now()), body);
  const out: number[] = [];
  for (let i = 0; i < count + 10; i++) {
    const t = now();
    const s = createSign('RSA-SHA256');
    s.update(content, 'utf8');
    s.sign(key, 'base64');
    if (i >= 10) out.push(now() - t);
  }
  return out;
}

export function floorSamples(refunds: readonly RefundSample[], parts: FloorParts): number[] {
  return pairedSum([refunds.map((r) => r.exchangeLineMs), parts.ptyEchoMs, parts.commitMs, parts.signMs]);
}

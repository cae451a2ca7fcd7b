/**
 * notifyRefund pushes that change nothing, replayed (attack3 #7), and the
 * signed path behind a path-rewriting TLS proxy (attack3 #10).
 *  - A captured signed push for an unknown refund (or a mismatching or
 *    contradicting one) replayed within its 48 h window is audited once, not
 *    once per request: every audit append takes the store chain's lock that
 *    every counter's refund commit takes. New verdicts beyond a budget per
 *    window are counted into one summary. Each is still acknowledged with the
 *    integration guide's body.
 *  - Antom signs the path of the URL it called; with `publicUrl` the server
 *    checks the signature against that path, not the one the proxy forwarded to.
 */
import { createPrivateKey } from 'node:crypto';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { NOTIFY_ACK_BODY } from '../../../main/antom/wire';
import { openLedger, type Ledger } from '../../../main/ledger';
import type { RefundJournal } from '../../../main/ledger/journal-port';
import { sqliteJournal } from '../../../main/ledger/sqlite-journal';
import { startNotifyServer, VERDICT_AUDITS_PER_WINDOW, type NotifyServer } from '../../../main/store/notify-server';
import { signatureHeaderFor } from '../../../main/antom/signing';
import { testKeys } from '../antom/helpers';
import { tempDir } from '../ledger/helpers';
import { antomKeys, CLIENT_ID, journalRefund, notifyBody, postSigned } from './notify-helpers';

const SILENT = { info: () => undefined, warn: () => undefined, error: () => undefined };

let dir: { dir: string; cleanup: () => void };
let ledger: Ledger;
let journal: RefundJournal;
let server: NotifyServer;

async function start(extra: { publicUrl?: URL; refusalWindowMs?: number } = {}): Promise<void> {
  server = await startNotifyServer({ journal, clientId: CLIENT_ID, antomPublicKeys: antomKeys(), port: 0, log: SILENT, ...extra });
}

function audits(kind: string): Record<string, unknown>[] {
  return ledger.audit
    .list({ limit: 1_000 })
    .filter((e) => e.kind === kind)
    .map((e) => ({ ...e.detail }));
}

beforeEach(() => {
  dir = tempDir();
  ledger = openLedger(path.join(dir.dir, 'ledger.sqlite'));
  journal = sqliteJournal(ledger);
});

afterEach(async () => {
  await server.close();
  ledger.close();
  dir.cleanup();
});

describe('notifyRefund replays', () => {
  it('one signed push for an unknown refund replayed 100 times: 100 acknowledgements, one audit entry', async () => {
    await start();
    const before = ledger.audit.head().seq;
    const body = JSON.stringify(notifyBody('RR-ELSEWHERE', 'PAY-X'));
    for (let i = 0; i < 100; i += 1) {
      const r = await postSigned(`${server.url}/`, body);
      expect([r.status, r.text]).toEqual([200, NOTIFY_ACK_BODY]);
    }
    expect(audits('notify.unknown_refund')).toEqual([expect.objectContaining({ refundRequestId: 'RR-ELSEWHERE' })]);
    expect(ledger.audit.head().seq - before).toBe(1);
    await server.close();
    // Nothing was held back for a summary either: the replays are the same verdict.
    expect(audits('notify.refused.summary')).toEqual([]);
    await start();
  });

  it('replayed mismatching and contradicting pushes are audited once each; a different body is a new verdict', async () => {
    await start();
    await journalRefund(journal, 'RR-M', 'PAY-M', 'PENDING_IN_PROCESS');
    await journalRefund(journal, 'RR-C', 'PAY-C', 'SUCCEEDED');
    const mismatch = notifyBody('RR-M', 'PAY-M', { refundAmount: { currency: 'SGD', value: '999' } });
    const conflict = notifyBody('RR-C', 'PAY-C', { refundStatus: 'FAIL', result: { resultCode: 'REFUND_FAILED', resultStatus: 'F', resultMessage: 'f' } });
    for (let i = 0; i < 40; i += 1) {
      for (const b of [mismatch, conflict]) expect((await postSigned(`${server.url}/`, b)).text).toBe(NOTIFY_ACK_BODY);
    }
    expect(audits('notify.mismatch')).toHaveLength(1);
    expect(audits('notify.conflict')).toHaveLength(1);
    await postSigned(`${server.url}/`, notifyBody('RR-M', 'PAY-M', { refundAmount: { currency: 'SGD', value: '998' } }));
    expect(audits('notify.mismatch')).toHaveLength(2);
    expect((await journal.get('RR-M'))?.state).toBe('PENDING_IN_PROCESS');
    expect((await journal.get('RR-C'))?.state).toBe('SUCCEEDED');
  });

  it('distinct unknown refunds beyond the budget of a window are counted into one summary, not audited one by one', async () => {
    await start({ refusalWindowMs: 60_000 });
    const n = VERDICT_AUDITS_PER_WINDOW + 15;
    for (let i = 0; i < n; i += 1) expect((await postSigned(`${server.url}/`, notifyBody(`RR-U${i}`, 'PAY-X'))).text).toBe(NOTIFY_ACK_BODY);
    expect(audits('notify.unknown_refund')).toHaveLength(VERDICT_AUDITS_PER_WINDOW);
    await server.close(); // writes what was held
    expect(audits('notify.refused.summary')).toEqual([expect.objectContaining({ total: 15, counts: { 'notify.unknown_refund': 15 } })]);
    await start();
  });
});

describe('notifyRefund behind a path-rewriting TLS proxy', () => {
  const PUBLIC = 'https://shop.example/antom/notify';

  /** What the proxy does: Antom signs /antom/notify, the request arrives here as POST /. */
  async function viaProxy(body: Record<string, unknown>): Promise<{ status: number; text: string }> {
    const text = JSON.stringify(body);
    const time = String(Date.now());
    const key = createPrivateKey(testKeys().gateway.privateKeyPem);
    const signature = signatureHeaderFor({ method: 'POST', uriPath: new URL(PUBLIC).pathname, clientId: CLIENT_ID, time, body: text, keyVersion: 1 }, key);
    const res = await fetch(`${server.url}/`, { method: 'POST', headers: { 'client-id': CLIENT_ID, 'request-time': time, signature }, body: text });
    return { status: res.status, text: await res.text() };
  }

  it('with publicUrl a genuine push signed for the public path is applied; one signed for the local path is not', async () => {
    await start({ publicUrl: new URL(PUBLIC) });
    expect(server.verifiedPath).toBe('/antom/notify');
    await journalRefund(journal, 'RR-P1', 'PAY-P1', 'PENDING_IN_PROCESS');
    await journalRefund(journal, 'RR-P2', 'PAY-P2', 'PENDING_IN_PROCESS');
    expect(await viaProxy(notifyBody('RR-P1', 'PAY-P1'))).toEqual({ status: 200, text: NOTIFY_ACK_BODY });
    expect((await journal.get('RR-P1'))?.state).toBe('SUCCEEDED');
    expect((await postSigned(`${server.url}/`, notifyBody('RR-P2', 'PAY-P2'))).status).toBe(401);
    expect((await journal.get('RR-P2'))?.state).toBe('PENDING_IN_PROCESS');
  });

  it('without it the push signed for the public path is refused (the path received is checked)', async () => {
    await start();
    expect(server.verifiedPath).toBe('(the path received)');
    await journalRefund(journal, 'RR-P3', 'PAY-P3', 'PENDING_IN_PROCESS');
    expect((await viaProxy(notifyBody('RR-P3', 'PAY-P3'))).status).toBe(401);
  });
});

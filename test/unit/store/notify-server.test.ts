/**
 * `store serve`'s notifyRefund endpoint on the embedded SQLite journal: what
 * is applied, what is refused, what Antom is answered, what is audited.
 */
import { createPrivateKey } from 'node:crypto';
import net from 'node:net';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { NOTIFY_ACK_BODY } from '../../../main/antom/wire';
import { openLedger, type Ledger } from '../../../main/ledger';
import type { RefundJournal } from '../../../main/ledger/journal-port';
import { sqliteJournal } from '../../../main/ledger/sqlite-journal';
import { signatureHeaderFor } from '../../../main/antom/signing';
import { generateDemoKeyPair } from '../../../main/sandbox/keys';
import { MAX_NOTIFY_BODY_BYTES, startNotifyServer, type NotifyOutcome, type NotifyServer } from '../../../main/store/notify-server';
import { testKeys } from '../antom/helpers';
import { tempDir } from '../ledger/helpers';
import { antomKeys, CLIENT_ID, journalRefund, notifyBody, postSigned } from './notify-helpers';

const SILENT = { info: () => undefined, warn: () => undefined, error: () => undefined };

let dir: { dir: string; cleanup: () => void };
let ledger: Ledger;
let journal: RefundJournal;
let server: NotifyServer;
let seen: NotifyOutcome[];

async function start(j: RefundJournal = journal): Promise<void> {
  server = await startNotifyServer({ journal: j, clientId: CLIENT_ID, antomPublicKeys: antomKeys(), port: 0, log: SILENT, onVerdict: (o) => seen.push(o) });
}

function audits(kind: string): Record<string, unknown>[] {
  return ledger.audit
    .list({ limit: 500 })
    .filter((e) => e.kind === kind)
    .map((e) => ({ ...e.detail, actor: e.actor }));
}

beforeEach(async () => {
  dir = tempDir();
  ledger = openLedger(path.join(dir.dir, 'ledger.sqlite'));
  journal = sqliteJournal(ledger);
  seen = [];
  await start();
});

afterEach(async () => {
  await server.close();
  ledger.close();
  dir.cleanup();
});

describe('notifyRefund endpoint', () => {
  it('applies a signed SUCCESS to a pending refund and answers the exact acknowledgement of the integration guide', async () => {
    await journalRefund(journal, 'RR-1', 'PAY-1', 'PENDING_IN_PROCESS');
    const res = await postSigned(`${server.url}/notify/refund`, notifyBody('RR-1', 'PAY-1'));
    expect(res.status).toBe(200);
    expect(res.text).toBe(NOTIFY_ACK_BODY);
    expect(JSON.parse(res.text)).toEqual({ result: { resultCode: 'SUCCESS', resultStatus: 'S', resultMessage: 'success' } });
    const row = await journal.get('RR-1');
    expect(row?.state).toBe('SUCCEEDED');
    expect(row?.refund_id).toBe('ANTOM-RR-1');
    expect(row?.next_check_at).toBeNull();
    const last = (await journal.transitions('RR-1')).at(-1);
    expect(last).toMatchObject({ actor: 'antom:notify', from_state: 'PENDING_IN_PROCESS', to_state: 'SUCCEEDED' });
    expect((await journal.verifyAudit()).intact).toBe(true);
  });

  it('applies a signed FAIL as FAILED, also straight from SUBMITTING (Antom answered before the counter journaled its answer)', async () => {
    await journalRefund(journal, 'RR-2', 'PAY-2', 'SUBMITTING');
    const res = await postSigned(
      `${server.url}/`,
      notifyBody('RR-2', 'PAY-2', { refundStatus: 'FAIL', result: { resultCode: 'REFUND_FAILED', resultStatus: 'F', resultMessage: 'failed' } }),
    );
    expect(res.text).toBe(NOTIFY_ACK_BODY);
    expect((await journal.get('RR-2'))?.state).toBe('FAILED');
  });

  it('never applies a notification with a bad signature, a tampered body or another client id; answers 401 FAIL so a genuine one is re-sent; audits it', async () => {
    await journalRefund(journal, 'RR-3', 'PAY-3', 'PENDING_IN_PROCESS');
    const other = generateDemoKeyPair().privateKeyPem;
    const forged = await postSigned(`${server.url}/`, notifyBody('RR-3', 'PAY-3'), { signWith: other });
    const tampered = await postSigned(`${server.url}/`, notifyBody('RR-3', 'PAY-3'), { tamper: true });
    const stranger = await postSigned(`${server.url}/`, notifyBody('RR-3', 'PAY-3'), { clientId: 'SOMEONE_ELSE' });
    const unsigned = await fetch(`${server.url}/`, { method: 'POST', body: JSON.stringify(notifyBody('RR-3', 'PAY-3')) });
    for (const r of [forged, tampered, stranger]) {
      expect(r.status).toBe(401);
      expect(JSON.parse(r.text).result).toMatchObject({ resultStatus: 'F', resultCode: 'FAIL' });
    }
    expect(unsigned.status).toBe(401);
    expect((await journal.get('RR-3'))?.state).toBe('PENDING_IN_PROCESS');
    // One entry per minute: the first at once, the other three as one summary (written on close at the latest).
    expect(audits('notify.refused').map((a) => a['reason'])).toEqual(['BAD_SIGNATURE']);
    await server.close();
    expect(audits('notify.refused.summary')).toEqual([expect.objectContaining({ counts: { BAD_SIGNATURE: 3 }, total: 3 })]);
  });

  it('a keyless flood writes one refusal entry and one summary, never the path or body; log lines are rate-limited too', async () => {
    await server.close();
    const warns: unknown[] = [];
    server = await startNotifyServer({
      journal,
      clientId: CLIENT_ID,
      antomPublicKeys: antomKeys(),
      port: 0,
      log: { ...SILENT, warn: (o) => warns.push(o) },
      refusalWindowMs: 300,
    });
    const before = ledger.audit.head().seq;
    const marker = `/flood-${'p'.repeat(2_000)}?q=${'x'.repeat(2_000)}`;
    for (let i = 0; i < 40; i += 1) {
      const r = await fetch(`${server.url}${marker}`, { method: 'POST', body: `BODY-MARKER-${'b'.repeat(4_000)}` });
      expect(r.status).toBe(401);
    }
    expect(ledger.audit.head().seq - before).toBe(1);
    // The window ends: the held count is written without waiting for close.
    await new Promise((r) => setTimeout(r, 500));
    expect(ledger.audit.head().seq - before).toBe(2);
    expect(audits('notify.refused.summary')).toEqual([expect.objectContaining({ total: 39 })]);
    const written = JSON.stringify(ledger.audit.list({ limit: 10 }));
    expect(written).not.toContain('flood-');
    expect(written).not.toContain('BODY-MARKER');
    expect(warns.length).toBe(2);
    expect(JSON.stringify(warns)).not.toContain('flood-');
  });

  it('refuses a signed notification whose request-time is far from now (a replayed capture); accepts one within the window', async () => {
    await journalRefund(journal, 'RR-T', 'PAY-T', 'PENDING_IN_PROCESS');
    const old = await postSigned(`${server.url}/`, notifyBody('RR-T', 'PAY-T'), { time: '2001-01-01T00:00:00+00:00' });
    const ahead = await postSigned(`${server.url}/`, notifyBody('RR-T', 'PAY-T'), { time: String(Date.now() + 61 * 60_000) });
    const junk = await postSigned(`${server.url}/`, notifyBody('RR-T', 'PAY-T'), { time: 'yesterday' });
    for (const r of [old, ahead, junk]) expect(r.status).toBe(401);
    expect((await journal.get('RR-T'))?.state).toBe('PENDING_IN_PROCESS');
    expect(seen.map((o) => o.kind === 'REFUSED' && o.reason)).toEqual(['STALE', 'STALE', 'STALE']);
    // A re-send late in Antom's schedule (signed 20 h ago, ISO form) still lands.
    const late = new Date(Date.now() - 20 * 3_600_000).toISOString().replace('Z', '+00:00');
    expect((await postSigned(`${server.url}/`, notifyBody('RR-T', 'PAY-T'), { time: late })).status).toBe(200);
    expect((await journal.get('RR-T'))?.state).toBe('SUCCEEDED');
  });

  it("verifies over the path without its query (the guide's getRequestURI), and over path with query; not over another path", async () => {
    await journalRefund(journal, 'RR-Q1', 'PAY-Q1', 'PENDING_IN_PROCESS');
    await journalRefund(journal, 'RR-Q2', 'PAY-Q2', 'PENDING_IN_PROCESS');
    await journalRefund(journal, 'RR-Q3', 'PAY-Q3', 'PENDING_IN_PROCESS');
    const bare = await postSigned(`${server.url}/notify/refund?store=7`, notifyBody('RR-Q1', 'PAY-Q1'));
    const withQuery = await postSigned(`${server.url}/notify/refund?store=7`, notifyBody('RR-Q2', 'PAY-Q2'), { signQuery: true });
    expect([bare.status, withQuery.status]).toEqual([200, 200]);
    expect((await journal.get('RR-Q1'))?.state).toBe('SUCCEEDED');
    expect((await journal.get('RR-Q2'))?.state).toBe('SUCCEEDED');
    // Signed for /notify/refund, sent to /other: refused.
    const text = JSON.stringify(notifyBody('RR-Q3', 'PAY-Q3'));
    const time = String(Date.now());
    const key = createPrivateKey(testKeys().gateway.privateKeyPem);
    const signature = signatureHeaderFor({ method: 'POST', uriPath: '/notify/refund', clientId: CLIENT_ID, time, body: text, keyVersion: 1 }, key);
    const moved = await fetch(`${server.url}/other?x=1`, { method: 'POST', headers: { 'client-id': CLIENT_ID, 'request-time': time, signature }, body: text });
    expect(moved.status).toBe(401);
    expect((await journal.get('RR-Q3'))?.state).toBe('PENDING_IN_PROCESS');
  });

  it('closes a client that sends its headers too slowly, and caps open connections; a real push still lands', async () => {
    await server.close();
    server = await startNotifyServer({
      journal,
      clientId: CLIENT_ID,
      antomPublicKeys: antomKeys(),
      port: 0,
      log: SILENT,
      headersTimeoutMs: 400,
      maxConnections: 4,
    });
    const open = (): Promise<{ sock: net.Socket; closed: Promise<number> }> =>
      new Promise((resolve) => {
        const t0 = Date.now();
        const sock = net.connect(server.port, '127.0.0.1', () => {
          sock.write('POST / HTTP/1.1\r\nHost: x\r\n');
          resolve({ sock, closed: new Promise((r) => sock.on('close', () => r(Date.now() - t0))) });
        });
        sock.on('error', () => undefined);
        // A byte now and then: never idle, never finishing its headers (slowloris).
        const drip = setInterval(() => sock.writable && sock.write('X-a: b\r\n'), 100);
        sock.on('close', () => clearInterval(drip));
      });
    const slow = await Promise.all([open(), open(), open(), open()]);
    const extra = await open();
    // The fifth is over the cap: dropped at once.
    expect(await extra.closed).toBeLessThan(300);
    const lifetimes = await Promise.all(slow.map((s) => s.closed));
    // Closed near the 400 ms headers timeout (the sweep runs every 400 ms here), long before Node's 30 s default sweep.
    for (const ms of lifetimes) expect(ms).toBeLessThan(2_000);
    await journalRefund(journal, 'RR-S', 'PAY-S', 'PENDING_IN_PROCESS');
    expect((await postSigned(`${server.url}/`, notifyBody('RR-S', 'PAY-S'))).status).toBe(200);
  });

  it('a replayed notification acknowledges again and changes nothing', async () => {
    await journalRefund(journal, 'RR-4', 'PAY-4', 'PENDING_IN_PROCESS');
    const body = notifyBody('RR-4', 'PAY-4');
    await postSigned(`${server.url}/`, body);
    const after = await journal.get('RR-4');
    const transitions = (await journal.transitions('RR-4')).length;
    const head = await journal.auditHead();
    for (let i = 0; i < 3; i += 1) {
      const again = await postSigned(`${server.url}/`, body);
      expect(again.status).toBe(200);
      expect(again.text).toBe(NOTIFY_ACK_BODY);
    }
    expect(await journal.get('RR-4')).toEqual(after);
    expect((await journal.transitions('RR-4')).length).toBe(transitions);
    expect(await journal.auditHead()).toEqual(head);
    expect(seen.filter((s) => s.kind === 'VERDICT' && s.verdict.kind === 'ALREADY_FINAL')).toHaveLength(3);
  });

  it('never applies a notification whose paymentId, amount or currency differs from the journal; acknowledges (a re-send is the same), audits it', async () => {
    await journalRefund(journal, 'RR-5', 'PAY-5', 'PENDING_IN_PROCESS');
    const cases = [
      notifyBody('RR-5', 'PAY-5', { paymentId: 'PAY-OTHER' }),
      notifyBody('RR-5', 'PAY-5', { refundAmount: { currency: 'SGD', value: '999' } }),
      notifyBody('RR-5', 'PAY-5', { refundAmount: { currency: 'USD', value: '1000' } }),
    ];
    for (const c of cases) {
      const r = await postSigned(`${server.url}/`, c);
      expect(r.status).toBe(200);
      expect(r.text).toBe(NOTIFY_ACK_BODY);
    }
    expect((await journal.get('RR-5'))?.state).toBe('PENDING_IN_PROCESS');
    expect(audits('notify.mismatch')).toHaveLength(3);
  });

  it("a FULL refund (no amount asked): Antom's figure is recorded, but another currency is never applied", async () => {
    await journalRefund(journal, 'RR-F1', 'PAY-F1', 'PENDING_IN_PROCESS', 'FULL');
    await postSigned(`${server.url}/`, notifyBody('RR-F1', 'PAY-F1', { refundAmount: { currency: 'USD', value: '10000' } }));
    expect((await journal.get('RR-F1'))?.state).toBe('PENDING_IN_PROCESS');
    expect(audits('notify.mismatch')).toHaveLength(1);
    await postSigned(`${server.url}/`, notifyBody('RR-F1', 'PAY-F1', { refundAmount: { currency: 'SGD', value: '10000' } }));
    expect((await journal.get('RR-F1'))?.state).toBe('SUCCEEDED');
    expect((await journal.transitions('RR-F1')).at(-1)?.detail).toContain('antomRefundAmount');
  });

  it('an unknown refund is acknowledged, audited and changes no refund', async () => {
    const r = await postSigned(`${server.url}/`, notifyBody('RR-NOBODY', 'PAY-X'));
    expect(r.text).toBe(NOTIFY_ACK_BODY);
    expect(audits('notify.unknown_refund')).toEqual([expect.objectContaining({ refundRequestId: 'RR-NOBODY', actor: 'antom:notify' })]);
    expect(await journal.get('RR-NOBODY')).toBeNull();
  });

  it('never turns a success into a failure, and never finishes a refund that was never sent', async () => {
    await journalRefund(journal, 'RR-6', 'PAY-6', 'SUCCEEDED');
    await journalRefund(journal, 'RR-7', 'PAY-7', 'REFERENCE_OBTAINED');
    await postSigned(
      `${server.url}/`,
      notifyBody('RR-6', 'PAY-6', { refundStatus: 'FAIL', result: { resultCode: 'REFUND_FAILED', resultStatus: 'F', resultMessage: 'f' } }),
    );
    await postSigned(`${server.url}/`, notifyBody('RR-7', 'PAY-7'));
    expect((await journal.get('RR-6'))?.state).toBe('SUCCEEDED');
    expect((await journal.get('RR-7'))?.state).toBe('REFERENCE_OBTAINED');
    expect(audits('notify.conflict')).toHaveLength(1);
    expect(audits('notify.mismatch')).toHaveLength(1);
  });

  it('a SUCCESS for a refund journaled FAILED: money moved, so it becomes SUCCEEDED, flagged for support, counted, not retryable', async () => {
    await journalRefund(journal, 'RR-6F', 'PAY-6F', 'FAILED');
    await journal.update('RR-6F', 'FAILED', { nextAction: 'NEW_REQUEST_ID' });
    expect((await journal.refundableBalance('PAY-6F'))?.value).toBe(10_000);
    const res = await postSigned(`${server.url}/`, notifyBody('RR-6F', 'PAY-6F'));
    expect(res.status).toBe(200);
    const row = await journal.get('RR-6F');
    expect(row).toMatchObject({ state: 'SUCCEEDED', result_code: 'LATE_SUCCESS_AFTER_FAILED', next_action: 'CALL_SUPPORT', refund_id: 'ANTOM-RR-6F' });
    expect((await journal.refundableBalance('PAY-6F'))?.value).toBe(9_000);
    expect(audits('notify.conflict')).toEqual([expect.objectContaining({ resolved: 'FAILED -> SUCCEEDED' })]);
    expect(seen.at(-1)).toMatchObject({ kind: 'VERDICT', verdict: { kind: 'LATE_SUCCESS' } });
    expect(ledger.verifyAudit().ok).toBe(true);
    // A replay changes nothing more.
    await postSigned(`${server.url}/`, notifyBody('RR-6F', 'PAY-6F'));
    expect(await journal.transitions('RR-6F')).toHaveLength(6);
  });

  it('a PROCESSING notification changes nothing; a refundStatus contradicting result is not believed', async () => {
    await journalRefund(journal, 'RR-8', 'PAY-8', 'PENDING_IN_PROCESS');
    await postSigned(`${server.url}/`, notifyBody('RR-8', 'PAY-8', { refundStatus: 'PROCESSING', result: { resultStatus: 'U', resultCode: 'PROCESSING' } }));
    await postSigned(`${server.url}/`, notifyBody('RR-8', 'PAY-8', { refundStatus: 'SUCCESS', result: { resultStatus: 'F', resultCode: 'FAIL' } }));
    expect((await journal.get('RR-8'))?.state).toBe('PENDING_IN_PROCESS');
  });

  it('refuses an oversized body with 413 without reading it, and a malformed one with 400; nothing applied', async () => {
    await journalRefund(journal, 'RR-9', 'PAY-9', 'PENDING_IN_PROCESS');
    const huge = JSON.stringify({ ...notifyBody('RR-9', 'PAY-9'), pad: 'x'.repeat(MAX_NOTIFY_BODY_BYTES) });
    const big = await postSigned(`${server.url}/`, huge).catch(() => ({ status: 413, text: '' }));
    expect(big.status).toBe(413);
    const malformed = await postSigned(`${server.url}/`, { notifyType: 'REFUND_RESULT', refundRequestId: 'RR-9' });
    expect(malformed.status).toBe(400);
    expect((await journal.get('RR-9'))?.state).toBe('PENDING_IN_PROCESS');
    expect(audits('notify.refused').map((a) => a['reason'])).toEqual(['TOO_LARGE']);
    await server.close();
    expect(audits('notify.refused.summary')).toEqual([expect.objectContaining({ counts: { MALFORMED: 1 } })]);
  });

  it('answers 503 SYSTEM_ERROR (so Antom re-sends) when the journal cannot record it, never the acknowledgement', async () => {
    await journalRefund(journal, 'RR-10', 'PAY-10', 'PENDING_IN_PROCESS');
    const broken: RefundJournal = {
      ...journal,
      transition: async () => {
        throw new Error('database is locked');
      },
    };
    await server.close();
    await start(broken);
    const r = await postSigned(`${server.url}/`, notifyBody('RR-10', 'PAY-10'));
    expect(r.status).toBe(503);
    expect(r.text).not.toBe(NOTIFY_ACK_BODY);
    expect((await journal.get('RR-10'))?.state).toBe('PENDING_IN_PROCESS');
  });
});

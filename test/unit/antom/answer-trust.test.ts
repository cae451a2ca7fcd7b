/**
 * Issue 12 items 5 and 6: an answer is believed only when it is about the
 * question (same refundRequestId, paymentId, amount) on a 2xx, and no answer
 * is read past a size cap. Spoken to through a fake Antom endpoint that signs
 * whatever the test tells it to answer with the gateway key, so every answer
 * here passes the signature check and only the new rules can refuse it.
 */
import http from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { AntomClientConfig } from '../../../main/antom/config';
import { createAntomGateway, type AntomGateway } from '../../../main/antom/gateway';
import { importPrivateKey, signatureHeaderFor } from '../../../main/antom/signing';
import { MAX_ANSWER_BYTES } from '../../../main/antom/transport';
import { MAX_BODY_BYTES } from '../../../main/sandbox/server';
import type { AntomRefundRequest } from '../../../main/refunds/ports';
import { CLIENT_ID, startTestSandbox, testKeys } from './helpers';

type Answer =
  | { kind: 'json'; status?: number; body: Record<string, unknown> }
  /** Streams `totalBytes` of a JSON-looking body, signed over nothing useful; counts what was written. */
  | { kind: 'huge'; totalBytes: number; declareLength: boolean };

interface FakeAntom {
  baseUrl: string;
  /** Per API path ('refund' | 'inquiryRefund'), the answers to give in order (the last one repeats). */
  answers: Map<string, Answer[]>;
  requests: { api: string; body: Record<string, unknown> }[];
  bytesServed: number;
  stop(): Promise<void>;
}

async function startFakeAntom(): Promise<FakeAntom> {
  const key = importPrivateKey(testKeys().gateway.privateKeyPem, 'gateway');
  if (!key.ok) throw new Error(key.error.message);
  const fake: FakeAntom = { baseUrl: '', answers: new Map(), requests: [], bytesServed: 0, stop: async () => undefined };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const uriPath = new URL(req.url ?? '/', 'http://x').pathname;
      const api = uriPath.split('/').pop() ?? '';
      fake.requests.push({ api, body: JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown> });
      const list = fake.answers.get(api) ?? [];
      const answer = list.length > 1 ? list.shift() : list[0];
      if (!answer) {
        res.writeHead(500);
        res.end();
        return;
      }
      const time = String(Date.now());
      if (answer.kind === 'json') {
        const text = JSON.stringify(answer.body);
        res.writeHead(answer.status ?? 200, {
          'content-type': 'application/json; charset=UTF-8',
          'response-time': time,
          signature: signatureHeaderFor({ method: 'POST', uriPath, clientId: CLIENT_ID, time, body: text, keyVersion: 1 }, key.value),
        });
        res.end(text);
        return;
      }
      res.writeHead(200, {
        'content-type': 'application/json; charset=UTF-8',
        'response-time': time,
        signature: 'algorithm=RSA256, keyVersion=1, signature=x',
        ...(answer.declareLength ? { 'content-length': String(answer.totalBytes) } : {}),
      });
      const chunk = Buffer.alloc(64 * 1024, 0x20);
      let left = answer.totalBytes;
      const pump = (): void => {
        while (left > 0 && !res.destroyed) {
          const n = Math.min(left, chunk.length);
          left -= n;
          fake.bytesServed += n;
          if (!res.write(n === chunk.length ? chunk : chunk.subarray(0, n))) {
            res.once('drain', pump);
            return;
          }
        }
        if (left <= 0) res.end();
      };
      res.on('close', () => {
        left = 0;
      });
      pump();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  fake.baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/ams/api`;
  fake.stop = async () => {
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
  };
  return fake;
}

let fake: FakeAntom;
let gateway: AntomGateway;

beforeAll(async () => {
  fake = await startFakeAntom();
  const keys = testKeys();
  gateway = createAntomGateway(
    AntomClientConfig.parse({
      baseUrl: fake.baseUrl,
      clientId: CLIENT_ID,
      merchantPrivateKeyPem: keys.merchant.privateKeyPem,
      antomPublicKeyPem: keys.gateway.publicKeyPem,
      requestTimeoutMs: 20_000,
      inquiryTimeoutMs: 20_000,
    }),
    // One attempt and no automatic inquiry: each test sees the classification of exactly the answer it set up.
    { sleep: async () => undefined, retry: { maxAttempts: 1, baseDelayMs: 0 }, inquiry: { resolveUnknownAfterRetries: false } },
  );
});
afterAll(async () => fake.stop());
beforeEach(() => {
  fake.answers.clear();
  fake.requests.length = 0;
  fake.bytesServed = 0;
});

const SUCCESS = { resultStatus: 'S', resultCode: 'SUCCESS', resultMessage: 'Success.' };
const PARTIAL: AntomRefundRequest = {
  refundRequestId: 'RR-MATCH-1',
  paymentId: 'PAY-1',
  originalMerchantRefundId: 'T-REF-1',
  refundAmount: { value: 1050, currency: 'SGD' },
};
const FULL: AntomRefundRequest = { refundRequestId: 'RR-MATCH-FULL', paymentId: 'PAY-2', originalMerchantRefundId: 'T-REF-2' };

function answer(api: 'refund' | 'inquiryRefund', body: Record<string, unknown>, status = 200): void {
  fake.answers.set(api, [{ kind: 'json', status, body }]);
}

describe('refund answers must match the question', () => {
  const good = {
    refundRequestId: PARTIAL.refundRequestId,
    refundId: 'RF-1',
    paymentId: PARTIAL.paymentId,
    refundAmount: { value: 1050, currency: 'SGD' },
    result: SUCCESS,
  };

  it('the matching answer is SUCCESS (the fake endpoint itself is trusted)', async () => {
    answer('refund', good);
    expect(await gateway.refund(PARTIAL)).toMatchObject({ status: 'SUCCESS', refundId: 'RF-1' });
  });

  const wrong: [string, Record<string, unknown>][] = [
    ['no refundRequestId', { ...good, refundRequestId: undefined }],
    ['another refundRequestId', { ...good, refundRequestId: 'RR-SOMEONE-ELSE' }],
    ['another paymentId', { ...good, paymentId: 'PAY-OTHER' }],
    ['another refundAmount value', { ...good, refundAmount: { value: 10500, currency: 'SGD' } }],
    ['another refundAmount currency', { ...good, refundAmount: { value: 1050, currency: 'USD' } }],
  ];
  for (const [name, body] of wrong) {
    it(`S with ${name}: PENDING RESPONSE_MISMATCH, never SUCCESS`, async () => {
      answer('refund', body);
      const out = await gateway.refund(PARTIAL);
      expect(out).toMatchObject({ status: 'PENDING', pendingKind: 'UNKNOWN', resultCode: 'RESPONSE_MISMATCH', retrySameRequestId: true });
      expect(out.refundId).toBeUndefined();
    });
  }

  it('F for another refundRequestId (or none) is PENDING, never FAILED', async () => {
    answer('refund', { refundRequestId: 'RR-SOMEONE-ELSE', result: { resultStatus: 'F', resultCode: 'DPOS_PAYMENT_ORDER_IS_CLOSED' } });
    expect(await gateway.refund(PARTIAL)).toMatchObject({ status: 'PENDING', resultCode: 'RESPONSE_MISMATCH' });
    answer('refund', { result: { resultStatus: 'F', resultCode: 'DPOS_PAYMENT_ORDER_IS_CLOSED' } });
    expect(await gateway.refund(PARTIAL)).toMatchObject({ status: 'PENDING', resultCode: 'RESPONSE_MISMATCH' });
  });

  it("a FULL refund asked for no amount: Antom's refundAmount is taken as the amount refunded", async () => {
    answer('refund', {
      refundRequestId: FULL.refundRequestId,
      refundId: 'RF-2',
      paymentId: FULL.paymentId,
      refundAmount: { value: '4800', currency: 'JPY' },
      result: SUCCESS,
    });
    expect(await gateway.refund(FULL)).toMatchObject({ status: 'SUCCESS', refundId: 'RF-2', refundAmount: { value: 4800, currency: 'JPY' } });
  });

  for (const status of [400, 401, 404, 409, 302]) {
    it(`a correctly signed S on HTTP ${status} is PENDING HTTP_4XX, and a signed F on it is not FAILED`, async () => {
      answer('refund', good, status);
      expect(await gateway.refund(PARTIAL)).toMatchObject({ status: 'PENDING', resultCode: 'HTTP_4XX' });
      answer('refund', { refundRequestId: PARTIAL.refundRequestId, result: { resultStatus: 'F', resultCode: 'DPOS_REFUND_KEY_NOT_FOUND' } }, status);
      const out = await gateway.refund(PARTIAL);
      expect(out).toMatchObject({ status: 'PENDING', resultCode: 'HTTP_4XX' });
      expect(out.resultMessage).toContain(`HTTP ${status}`);
    });
  }
});

describe('inquiry answers must match the question', () => {
  const asked = { paymentId: PARTIAL.paymentId, refundAmount: { value: 1050, currency: 'SGD' } };
  const good = {
    result: SUCCESS,
    refundRequestId: PARTIAL.refundRequestId,
    refundId: 'RF-1',
    paymentId: PARTIAL.paymentId,
    refundStatus: 'SUCCESS',
    refundAmount: { value: 1050, currency: 'SGD' },
  };

  it('the matching inquiry is SUCCESS; naming only the known refundId also identifies it', async () => {
    answer('inquiryRefund', good);
    expect(await gateway.inquireRefund(PARTIAL.refundRequestId, asked)).toMatchObject({ status: 'SUCCESS', refundId: 'RF-1' });
    answer('inquiryRefund', { ...good, refundRequestId: undefined });
    expect(await gateway.inquireRefund(PARTIAL.refundRequestId, { ...asked, refundId: 'RF-1' })).toMatchObject({ status: 'SUCCESS' });
  });

  const wrong: [string, Record<string, unknown>][] = [
    ['no ids at all', { result: SUCCESS, refundStatus: 'SUCCESS' }],
    ['another refundRequestId', { ...good, refundRequestId: 'RR-OTHER' }],
    ['only a refundId we never heard of', { ...good, refundRequestId: undefined, refundId: 'RF-UNKNOWN' }],
    ['another paymentId', { ...good, paymentId: 'PAY-OTHER' }],
    ['another refundAmount', { ...good, refundAmount: { value: 1, currency: 'SGD' } }],
  ];
  for (const [name, body] of wrong) {
    it(`inquiry SUCCESS with ${name}: PENDING RESPONSE_MISMATCH`, async () => {
      answer('inquiryRefund', body);
      expect(await gateway.inquireRefund(PARTIAL.refundRequestId, asked)).toMatchObject({ status: 'PENDING', resultCode: 'RESPONSE_MISMATCH' });
    });
  }

  it('an inquiry FAILED with no ids is not a failed refund', async () => {
    answer('inquiryRefund', { result: SUCCESS, refundStatus: 'FAILED' });
    expect(await gateway.inquireRefund(PARTIAL.refundRequestId, asked)).toMatchObject({ status: 'PENDING', resultCode: 'RESPONSE_MISMATCH' });
  });

  it('what refund() asked is remembered: a later inquiry without hints is still checked against it', async () => {
    answer('refund', { refundRequestId: 'RR-MEM-1', result: { resultStatus: 'U', resultCode: 'DPOS_REFUND_UNKNOWN_EXCEPTION' } });
    await gateway.refund({ ...PARTIAL, refundRequestId: 'RR-MEM-1' });
    answer('inquiryRefund', { ...good, refundRequestId: 'RR-MEM-1', refundAmount: { value: 99, currency: 'SGD' } });
    expect(await gateway.inquireRefund('RR-MEM-1')).toMatchObject({ status: 'PENDING', resultCode: 'RESPONSE_MISMATCH' });
  });

  it('a signed inquiry SUCCESS on HTTP 400 is PENDING HTTP_4XX', async () => {
    answer('inquiryRefund', good, 400);
    expect(await gateway.inquireRefund(PARTIAL.refundRequestId, asked)).toMatchObject({ status: 'PENDING', resultCode: 'HTTP_4XX' });
  });
});

describe('answers are read up to a cap', () => {
  it(`a 400 MB streamed answer is cut off near the ${MAX_ANSWER_BYTES}-byte cap: RESPONSE_TOO_LARGE, PENDING`, async () => {
    fake.answers.set('refund', [{ kind: 'huge', totalBytes: 400 * 1024 * 1024, declareLength: false }]);
    const heapBefore = process.memoryUsage().heapUsed;
    const out = await gateway.refund(PARTIAL);
    expect(out).toMatchObject({ status: 'PENDING', resultCode: 'RESPONSE_TOO_LARGE' });
    // Let the server notice the hang-up, then look at how much it managed to hand to the socket.
    await new Promise((r) => setTimeout(r, 200));
    // Bytes handed to the server socket include what sits in the kernel's
    // loopback buffers, so the bound is loose; reading the whole body would be 400 MB.
    console.log(
      `[answer cap] 400 MB answer: ${fake.bytesServed} bytes handed to the socket before the client hung up; heap +${process.memoryUsage().heapUsed - heapBefore} bytes`,
    );
    expect(fake.bytesServed).toBeLessThan(16 * 1024 * 1024);
    expect(process.memoryUsage().heapUsed - heapBefore).toBeLessThan(32 * 1024 * 1024);
  });

  it('a declared Content-Length over the cap is refused before reading', async () => {
    fake.answers.set('refund', [{ kind: 'huge', totalBytes: 64 * 1024 * 1024, declareLength: true }]);
    const out = await gateway.refund(PARTIAL);
    expect(out).toMatchObject({ status: 'PENDING', resultCode: 'RESPONSE_TOO_LARGE' });
    expect(out.resultMessage).toMatch(/declared length/);
  });

  it('an answer just under the cap is still read (the cap is not a guess at normal sizes)', async () => {
    const padding = 'x'.repeat(MAX_ANSWER_BYTES - 1024);
    answer('refund', { refundRequestId: PARTIAL.refundRequestId, refundId: 'RF-PAD', paymentId: PARTIAL.paymentId, result: { ...SUCCESS }, pad: padding });
    expect(await gateway.refund(PARTIAL)).toMatchObject({ status: 'SUCCESS', refundId: 'RF-PAD' });
  });
});

describe('the sandbox reads request bodies up to a cap', () => {
  it(`a 400 MB upload gets 413 after at most a few MB are taken in (cap ${MAX_BODY_BYTES} bytes), and the connection is closed`, async () => {
    const sandbox = await startTestSandbox();
    try {
      const url = new URL(sandbox.baseUrl);
      const result = await new Promise<{ status: string; written: number }>((resolve) => {
        const sock = net.connect(Number(url.port), url.hostname);
        let written = 0;
        let response = '';
        let done = false;
        const finish = (): void => {
          if (done) return;
          done = true;
          sock.destroy();
          resolve({ status: response.split('\r\n')[0] ?? '', written });
        };
        sock.on('data', (d) => {
          response += d.toString('latin1');
        });
        sock.on('close', finish);
        sock.on('error', finish);
        sock.on('connect', () => {
          sock.write(`POST ${url.pathname}/v2/payments/refund HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\n\r\n`);
          const chunk = Buffer.alloc(64 * 1024, 0x20);
          const frame = Buffer.concat([Buffer.from(`${chunk.length.toString(16)}\r\n`), chunk, Buffer.from('\r\n')]);
          const pump = (): void => {
            while (!done && written < 400 * 1024 * 1024) {
              written += chunk.length;
              if (!sock.write(frame)) {
                sock.once('drain', pump);
                return;
              }
            }
          };
          pump();
        });
      });
      console.log(`[sandbox body cap] 400 MB upload: ${result.written} bytes written before 413 + close`);
      expect(result.status).toMatch(/ 413 /);
      expect(result.written).toBeLessThan(16 * 1024 * 1024);
    } finally {
      await sandbox.stop();
    }
  });
});

/**
 * A tiny HTTP stand-in for Antom that counts refund requests per
 * refundRequestId and behaves idempotently like the real thing: the same id
 * with the same body answers the same; a different body for a known id is
 * recorded as an inconsistency. It can randomly answer "pending" to exercise
 * PENDING_UNKNOWN, both after accepting (response lost) and without accepting
 * (request lost).
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface CounterServerOptions {
  /** Probability that an accepted refund is answered PENDING/UNKNOWN (the answer got lost). */
  readonly pAcceptedButUnknown?: number;
  /** Probability that a refund is NOT accepted and answered PENDING/UNKNOWN (the request got lost). */
  readonly pLost?: number;
  /** Max random latency per request, ms. */
  readonly maxLatencyMs?: number;
  /** Payment amount every paymentId has. */
  readonly paymentAmount?: { value: number; currency: string };
  readonly random?: () => number;
}

export interface CreatedRefund {
  readonly refundRequestId: string;
  readonly paymentId: string;
  readonly body: string;
  readonly amount: number;
}

export interface CounterStats {
  /** Refund HTTP requests received per refundRequestId (retries with the same id count here). */
  readonly requestsPerId: Record<string, number>;
  /** Refunds Antom actually created (at most one per id). */
  readonly created: readonly CreatedRefund[];
  /** Same id, different body: must stay 0. */
  readonly inconsistentBodies: number;
  readonly inquiries: number;
}

export interface CounterServer {
  readonly url: string;
  /** Change the failure injection (e.g. calm it down for the final recovery pass). */
  setChaos(c: { pLost: number; pAcceptedButUnknown: number }): void;
  stats(): CounterStats;
  reset(): void;
  close(): Promise<void>;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let s = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => (s += c));
    req.on('end', () => resolve(s));
    req.on('error', reject);
  });
}

export async function startCounterServer(opts: CounterServerOptions = {}): Promise<CounterServer> {
  const rnd = opts.random ?? Math.random;
  let chaos = { pLost: opts.pLost ?? 0, pAcceptedButUnknown: opts.pAcceptedButUnknown ?? 0 };
  const payment = opts.paymentAmount ?? { value: 10_000, currency: 'SGD' };
  let requestsPerId: Record<string, number> = {};
  let created = new Map<string, CreatedRefund>();
  let inconsistent = 0;
  let inquiries = 0;

  const send = (res: ServerResponse, body: unknown): void => {
    const text = JSON.stringify(body);
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
    res.end(text);
  };

  const server = createServer((req, res) => {
    void (async () => {
      const text = await readBody(req);
      const latency = Math.floor(rnd() * (opts.maxLatencyMs ?? 0));
      if (latency > 0) await new Promise((r) => setTimeout(r, latency));
      const body = JSON.parse(text || '{}') as Record<string, unknown>;
      const id = String(body['refundRequestId'] ?? '');
      switch (req.url) {
        case '/refund': {
          requestsPerId[id] = (requestsPerId[id] ?? 0) + 1;
          const prior = created.get(id);
          if (prior !== undefined) {
            if (prior.body !== text) {
              inconsistent += 1;
              return send(res, { status: 'FAILED', resultCode: 'REPEAT_REQ_INCONSISTENT' });
            }
            return send(res, { status: 'SUCCESS', resultCode: 'SUCCESS', refundId: `AR-${id}` });
          }
          if (rnd() < chaos.pLost) return send(res, { status: 'PENDING', pendingKind: 'UNKNOWN', resultCode: 'TIMEOUT' });
          const amount =
            typeof body['refundAmount'] === 'object' && body['refundAmount'] !== null
              ? Number((body['refundAmount'] as { value: unknown }).value)
              : payment.value;
          created.set(id, { refundRequestId: id, paymentId: String(body['paymentId']), body: text, amount });
          if (rnd() < chaos.pAcceptedButUnknown) return send(res, { status: 'PENDING', pendingKind: 'UNKNOWN', resultCode: 'TIMEOUT' });
          return send(res, { status: 'SUCCESS', resultCode: 'SUCCESS', refundId: `AR-${id}` });
        }
        case '/inquire': {
          inquiries += 1;
          if (created.has(id)) return send(res, { status: 'SUCCESS', resultCode: 'SUCCESS', refundId: `AR-${id}` });
          return send(res, { status: 'FAILED', resultCode: 'REFUND_NOT_EXIST' });
        }
        case '/payment':
          return send(res, { ok: true, paymentId: body['paymentId'], amount: payment });
        default:
          res.writeHead(404).end();
      }
    })().catch(() => {
      if (!res.headersSent) res.writeHead(500).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    setChaos: (c) => {
      chaos = { ...c };
    },
    stats: () => ({ requestsPerId: { ...requestsPerId }, created: [...created.values()], inconsistentBodies: inconsistent, inquiries }),
    reset: () => {
      requestsPerId = {};
      created = new Map();
      inconsistent = 0;
      inquiries = 0;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

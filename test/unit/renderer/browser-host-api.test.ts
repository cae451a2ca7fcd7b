import { describe, expect, it } from 'vitest';
import { operations, EVENT_CHANNELS } from '../../../preload/contract/api';
import {
  createBrowserHostApi,
  type EventSourceLike,
  type FetchLike,
  type MessageEventLike,
  type ResponseLike,
} from '../../../renderer/src/api/browser-host-api';

interface Call {
  url: string;
  init: Parameters<FetchLike>[1];
}

function fakeFetch(respond: (call: Call) => ResponseLike | Promise<ResponseLike>): { fetch: FetchLike; calls: Call[] } {
  const calls: Call[] = [];
  return {
    calls,
    fetch: async (url, init) => {
      const call = { url, init };
      calls.push(call);
      return respond(call);
    },
  };
}
const json = (body: unknown, status = 200): ResponseLike => ({ ok: status < 400, status, json: async () => body });
const notJson = (status: number): ResponseLike => ({
  ok: status < 400,
  status,
  json: async () => {
    throw new SyntaxError('Unexpected token');
  },
});

class FakeEventSource implements EventSourceLike {
  static instances: FakeEventSource[] = [];
  readonly listeners = new Map<string, Set<(e: MessageEventLike) => void>>();
  closed = false;
  constructor(readonly url: string) {
    FakeEventSource.instances.push(this);
  }
  addEventListener(type: string, l: (e: MessageEventLike) => void): void {
    if (!this.listeners.has(type)) this.listeners.set(type, new Set());
    this.listeners.get(type)?.add(l);
  }
  removeEventListener(type: string, l: (e: MessageEventLike) => void): void {
    this.listeners.get(type)?.delete(l);
  }
  close(): void {
    this.closed = true;
  }
  emit(type: string, data: unknown): void {
    for (const l of this.listeners.get(type) ?? []) l({ data });
  }
}

describe('browser-host API adapter', () => {
  it('exposes one method per operation plus on()', () => {
    const api = createBrowserHostApi({ fetch: fakeFetch(() => json({ ok: true, value: null })).fetch, createEventSource: (u) => new FakeEventSource(u) });
    for (const name of Object.keys(operations)) expect(typeof (api as unknown as Record<string, unknown>)[name]).toBe('function');
    expect(typeof api.on).toBe('function');
  });

  it('POSTs JSON to /api/<channel> with the CSRF header and same-origin credentials, and returns the Result', async () => {
    const payment = { paymentId: 'p1' };
    const f = fakeFetch(() => json({ ok: true, value: payment }));
    const api = createBrowserHostApi({ fetch: f.fetch });
    const r = await api.lookupPayment({ paymentId: 'p1' });
    expect(r).toEqual({ ok: true, value: payment });
    expect(f.calls).toHaveLength(1);
    const call = f.calls[0];
    expect(call?.url).toBe('/api/' + operations.lookupPayment.channel);
    expect(call?.init.method).toBe('POST');
    expect(call?.init.credentials).toBe('same-origin');
    expect(call?.init.headers).toEqual({ 'Content-Type': 'application/json', 'X-Refund-Terminal': '1' });
    expect(JSON.parse(call?.init.body ?? '')).toEqual({ paymentId: 'p1' });
  });

  it('uses each operation’s own channel', async () => {
    const f = fakeFetch(() => json({ ok: true, value: null }));
    const api = createBrowserHostApi({ fetch: f.fetch });
    await api.getAppInfo({});
    await api.submitRefund({ intentId: 'abcdef12-3456', paymentId: 'p', mode: 'FULL' });
    expect(f.calls.map((c) => c.url)).toEqual(['/api/' + operations.getAppInfo.channel, '/api/' + operations.submitRefund.channel]);
  });

  it('passes API errors through unchanged', async () => {
    const error = { code: 'REFUND_IN_FLIGHT', message: 'A refund is already running.' };
    const api = createBrowserHostApi({ fetch: fakeFetch(() => json({ ok: false, error })).fetch });
    expect(await api.submitRefund({ intentId: 'abcdef12-3456', paymentId: 'p', mode: 'FULL' })).toEqual({ ok: false, error });
  });

  it('turns a network failure into UNAVAILABLE', async () => {
    const api = createBrowserHostApi({
      fetch: async () => {
        throw new TypeError('Failed to fetch');
      },
    });
    const r = await api.getSession({});
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.error.code).toBe('UNAVAILABLE');
      expect(r.error.message).toContain('Failed to fetch');
    }
  });

  it('turns non-JSON or malformed answers into UNAVAILABLE, never throws', async () => {
    for (const response of [notJson(401), notJson(500), json({ hello: 'world' }), json(null), json({ ok: false, error: 'x' })]) {
      const api = createBrowserHostApi({ fetch: fakeFetch(() => response).fetch });
      const r = await api.getAppInfo({});
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.error.code).toBe('UNAVAILABLE');
    }
  });

  it('subscribes to SSE events by name, parses JSON, unsubscribes and closes when nobody listens', () => {
    FakeEventSource.instances = [];
    const api = createBrowserHostApi({ fetch: fakeFetch(() => json({ ok: true, value: null })).fetch, createEventSource: (u) => new FakeEventSource(u) });
    const statuses: unknown[] = [];
    const scans: unknown[] = [];
    const off1 = api.on('terminalStatus', (s) => statuses.push(s));
    const off2 = api.on('terminalScan', (s) => scans.push(s));
    expect(FakeEventSource.instances).toHaveLength(1);
    const es = FakeEventSource.instances[0];
    expect(es?.url).toBe('/api/events');
    es?.emit('terminalStatus', JSON.stringify({ state: 'authenticated', virtual: true }));
    es?.emit('terminalScan', JSON.stringify({ raw: 'antom:payment:p1', paymentId: 'p1' }));
    es?.emit('terminalScan', '{not json');
    expect(statuses).toEqual([{ state: 'authenticated', virtual: true }]);
    expect(scans).toEqual([{ raw: 'antom:payment:p1', paymentId: 'p1' }]);
    off1();
    off1();
    es?.emit('terminalStatus', JSON.stringify({ state: 'down', virtual: false }));
    expect(statuses).toHaveLength(1);
    expect(es?.closed).toBe(false);
    off2();
    expect(es?.closed).toBe(true);
  });

  it('uses the ApiEvents keys as SSE event names', () => {
    expect(Object.keys(EVENT_CHANNELS).sort()).toEqual(['approvalsChanged', 'refundUpdated', 'terminalScan', 'terminalStatus']);
  });
});

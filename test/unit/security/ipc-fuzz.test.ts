/**
 * IPC fuzzing: every contract operation, fed schema-invalid and hostile
 * payloads through dispatch() (the one entry of Electron IPC and the browser
 * host) with the REAL handlers of the real services in demo mode, signed in as
 * a manager so authorisation is not what rejects. Each must come back as a
 * typed INVALID_REQUEST, reveal no internals, and change no state: SQLite
 * (every table, every row), the audit head, secrets.json, config.json, the
 * session and the built-in prototypes are compared before and after.
 * The browser-host twin gets a sample of the same over real HTTP.
 */
import http from 'node:http';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { operations, type OperationName, type RequestOf } from '../../../preload/contract/api';
import { startBrowserHost, type BrowserHost } from '../../../main/host/browser-host';
import { prototypeFingerprint, signInAs, snapshot, startHarness, waitForTerminal, type Harness, type StateSnapshot } from './helpers';

const MB = 'x'.repeat(1024 * 1024);
const OP_NAMES = Object.keys(operations) as OperationName[];

/** One schema-valid request per operation (never dispatched: only mutated). The type makes it exhaustive. */
const VALID: { readonly [N in OperationName]: RequestOf<N> } = {
  getAppInfo: {},
  getJournalHealth: {},
  getSession: {},
  signIn: { userName: 'maria', pin: '246813' },
  signOut: {},
  setMyLanguage: { language: 'zh' },
  lookupPayment: { paymentId: 'DEMO-SGD-ALIPAY-0001' },
  listRecentPayments: {},
  searchPayments: {
    amount: { value: 100, currency: 'SGD' },
    from: '2026-01-01T00:00:00Z',
    to: '2026-01-02T00:00:00+08:00',
    method: 'ALIPAY_CN',
    idSuffix: '0001',
    limit: 20,
  },
  submitRefund: {
    intentId: 'fuzz-intent-0001',
    paymentId: 'DEMO-SGD-ALIPAY-0001',
    mode: 'PARTIAL',
    amount: { value: 100, currency: 'SGD' },
    memo: 'fuzz',
    reasonCode: 'RETURNED_GOODS',
  },
  evaluateRefund: { paymentId: 'DEMO-SGD-ALIPAY-0001', mode: 'PARTIAL', amount: { value: 100, currency: 'SGD' } },
  getRefund: { refundRequestId: 'RR-FUZZ-1' },
  listRefunds: { date: '2026-01-01', states: ['SUCCEEDED'] },
  approveRefund: { refundRequestId: 'RR-FUZZ-1', manager: 'maria', pin: '246813', reason: 'fuzz' },
  declineRefund: { refundRequestId: 'RR-FUZZ-1', manager: 'maria', pin: '246813', reason: 'fuzz' },
  retryRefundAsNew: { refundRequestId: 'RR-FUZZ-1' },
  getReceipt: { refundRequestId: 'RR-FUZZ-1' },
  recordOtherRefund: { entryId: 'fuzz-entry-0001', paymentId: 'DEMO-SGD-ALIPAY-0001', method: 'CASH', amount: { value: 100, currency: 'SGD' }, note: 'fuzz' },
  listOtherRefunds: { date: '2026-01-01', paymentId: 'DEMO-SGD-ALIPAY-0001' },
  getTerminalStatus: {},
  listTerminalDevices: {},
  beginPairing: { port: '/dev/ttyUSB0' },
  confirmPairing: { code: '123456' },
  unpairTerminal: {},
  pingTerminal: { count: 1 },
  getDailyReport: { date: '2026-01-01' },
  exportDailyReportCsv: { date: '2026-01-01' },
  listPendingApprovals: {},
  listAudit: { limit: 10, beforeSeq: 100, kinds: ['refund.intent'], actor: 'maria', date: '2026-01-01' },
  verifyAudit: {},
  getTimeZoneSetting: {},
  setTimeZone: { timeZone: 'Asia/Singapore' },
  getPolicy: {},
  setPolicy: { amountThresholds: { SGD: 10_000 }, approveAnyPartial: false, paymentOlderThanDays: 30, cashierDailyTotals: { SGD: 50_000 } },
  getStoreSettings: {},
  setStoreSettings: { storeName: 'Fuzz store', register: 'Counter 1' },
  listRefundReasons: {},
  setRefundReasons: {
    reasons: [
      { code: 'RETURNED_GOODS', label: null, active: true },
      { code: 'FUZZ', label: 'Fuzz reason', active: false },
    ],
  },
  listUsers: {},
  addUser: { name: 'zed', role: 'cashier', pin: '9999' },
  disableUser: { name: 'alice' },
  enableUser: { name: 'alice' },
  unlockUser: { name: 'alice' },
  resetUserPin: { name: 'alice' },
  setUserRole: { name: 'alice', role: 'manager' },
  getAntomConfig: {},
  setAntomConfig: { baseUrl: 'https://open-sea-global.alipay.com', clientId: 'FUZZ_CLIENT', keyVersion: 1 },
  addAntomPublicKey: { keyVersion: 2, pem: '-----BEGIN PUBLIC KEY-----' },
  removeAntomPublicKey: { fingerprint: '0123456789abcdef0123456789abcdef' },
  testAntomConnection: {},
  getDiagnosticsBundle: {},
};

/** Values no field of any operation accepts (all numbers are bounded integers, all strings bounded, no field is a bare number-or-string). */
const ALWAYS_INVALID_VALUES: readonly [string, unknown][] = [
  ['1 MB string', MB],
  ['negative', -1],
  ['non-integer', 1.5],
  ['NaN', Number.NaN],
  ['Infinity', Number.POSITIVE_INFINITY],
  ['-Infinity', Number.NEGATIVE_INFINITY],
  ['2^31', 2 ** 31],
  ['> MAX_SAFE_INTEGER', Number.MAX_SAFE_INTEGER + 2],
  ['1e308', 1e308],
  ['-0.0001', -0.0001],
  ['constructor.prototype object', JSON.parse('{"constructor":{"prototype":{"polluted":"yes"}}}') as unknown],
  ['function-like string', 'function(){}'.repeat(2000)],
];

/** Type confusion: invalid for most fields but valid for a few (e.g. [] for `states`, null for `paymentOlderThanDays`). */
const TYPE_CONFUSION_VALUES: readonly [string, unknown][] = [
  ['null', null],
  ['true', true],
  ['false', false],
  ['empty array', []],
  ['array of base', [1, 2, 3]],
  ['empty object', {}],
  ['number', 42],
  ['numeric string', '100'],
  ['empty string', ''],
  ['prototype key object', JSON.parse('{"prototype":{"polluted":"yes"}}') as unknown],
  // zod records drop an own `__proto__` key (see the record test below), so for a record field this is `{}`.
  ['__proto__ object', JSON.parse('{"__proto__":{"polluted":"yes"}}') as unknown],
];

interface Case {
  readonly label: string;
  readonly payload: unknown;
  /** true: the schema must refuse it (asserted); false: only checked when the schema does refuse it. */
  readonly mustReject: boolean;
}

/** JSON text with extra own keys first, so `__proto__` becomes an own property (as JSON.parse of a hostile body would make it). */
function withOwnKeys(base: object, extraJson: string): unknown {
  const rest = JSON.stringify(base).slice(1, -1);
  return JSON.parse(`{${extraJson}${rest ? `,${rest}` : ''}}`) as unknown;
}

function casesFor(name: OperationName): Case[] {
  const base = VALID[name] as Record<string, unknown>;
  const schema = operations[name].request;
  const acceptsEmpty = schema.safeParse({}).success;
  const cases: Case[] = [
    { label: 'number root', payload: 42, mustReject: true },
    { label: 'string root', payload: 'hello', mustReject: true },
    { label: 'boolean root', payload: true, mustReject: true },
    { label: 'array root', payload: [], mustReject: true },
    { label: 'array of valid root', payload: [base], mustReject: true },
    { label: '1 MB string root', payload: MB, mustReject: true },
    { label: 'unknown extra field', payload: { ...base, extra: 1 }, mustReject: true },
    { label: 'own __proto__ key', payload: withOwnKeys(base, '"__proto__":{"polluted":"yes","isAdmin":true}'), mustReject: true },
    { label: 'own constructor key', payload: withOwnKeys(base, '"constructor":{"prototype":{"polluted":"yes"}}'), mustReject: true },
    { label: 'own prototype key', payload: withOwnKeys(base, '"prototype":{"polluted":"yes"}'), mustReject: true },
    { label: 'role smuggling', payload: { ...base, role: 'manager', user: { name: 'maria', role: 'manager' } }, mustReject: true },
  ];
  // dispatch() reads a missing payload as {}: null/undefined are refused exactly when {} is.
  cases.push({ label: 'null root', payload: null, mustReject: !acceptsEmpty }, { label: 'undefined root', payload: undefined, mustReject: !acceptsEmpty });
  for (const field of Object.keys(base)) {
    for (const [label, value] of ALWAYS_INVALID_VALUES) cases.push({ label: `${field} = ${label}`, payload: { ...base, [field]: value }, mustReject: true });
    for (const [label, value] of TYPE_CONFUSION_VALUES) cases.push({ label: `${field} = ${label}`, payload: { ...base, [field]: value }, mustReject: false });
  }
  if (name === 'submitRefund') {
    const amounts: [string, unknown][] = [
      ['value -1', { value: -1, currency: 'SGD' }],
      ['value -0.5', { value: -0.5, currency: 'SGD' }],
      ['value 1.5', { value: 1.5, currency: 'SGD' }],
      ['value NaN', { value: Number.NaN, currency: 'SGD' }],
      ['value Infinity', { value: Number.POSITIVE_INFINITY, currency: 'SGD' }],
      ['value 2^31', { value: 2 ** 31, currency: 'SGD' }],
      ['value 2^53', { value: 2 ** 53, currency: 'SGD' }],
      ['value "100"', { value: '100', currency: 'SGD' }],
      ['value 1e21', { value: 1e21, currency: 'SGD' }],
      ['currency lower case', { value: 100, currency: 'sgd' }],
      ['currency unknown', { value: 100, currency: 'XXX' }],
      ['currency __proto__', { value: 100, currency: '__proto__' }],
      ['currency toString', { value: 100, currency: 'toString' }],
      ['currency 1 MB', { value: 100, currency: MB }],
      ['no currency', { value: 100 }],
      ['amount array', [100, 'SGD']],
    ];
    for (const [label, amount] of amounts) cases.push({ label: `amount ${label}`, payload: { ...base, amount }, mustReject: true });
    cases.push(
      { label: 'FULL with an amount', payload: { ...base, mode: 'FULL' }, mustReject: true },
      { label: 'PARTIAL without amount', payload: { intentId: 'fuzz-intent-0002', paymentId: 'DEMO-SGD-ALIPAY-0001', mode: 'PARTIAL' }, mustReject: true },
      { label: 'mode lower case', payload: { ...base, mode: 'partial' }, mustReject: true },
      { label: 'paymentId SQL', payload: { ...base, paymentId: "x' OR 1=1 --" }, mustReject: true },
      { label: 'paymentId path', payload: { ...base, paymentId: '../../etc/passwd' }, mustReject: true },
      { label: 'memo 257 chars', payload: { ...base, memo: 'm'.repeat(257) }, mustReject: true },
      { label: 'intentId too short', payload: { ...base, intentId: 'abc' }, mustReject: true },
    );
  }
  if (name === 'setPolicy') {
    for (const field of ['amountThresholds', 'cashierDailyTotals'] as const) {
      const records: [string, string][] = [
        ['constructor key', '{"constructor":1}'],
        ['lower-case currency', '{"sgd":1}'],
        ['negative', '{"SGD":-1}'],
        ['non-integer', '{"SGD":1.5}'],
        ['2^31', '{"SGD":2147483648}'],
        ['string value', '{"SGD":"1"}'],
      ];
      for (const [label, json] of records)
        cases.push({ label: `${field} ${label}`, payload: { ...base, [field]: JSON.parse(json) as unknown }, mustReject: true });
    }
  }
  if (name === 'listRefunds') {
    cases.push(
      { label: '17 states', payload: { states: Array.from({ length: 17 }, () => 'X') }, mustReject: true },
      { label: '1 MB state', payload: { states: [MB] }, mustReject: true },
      { label: 'date with SQL', payload: { date: "2026-01-01' OR '1'='1" }, mustReject: true },
    );
  }
  if (name === 'signIn' || name === 'approveRefund' || name === 'declineRefund' || name === 'addUser') {
    const userField = name === 'signIn' ? 'userName' : name === 'addUser' ? 'name' : 'manager';
    cases.push(
      { label: 'pin 3 digits', payload: { ...base, pin: '123' }, mustReject: true },
      { label: 'pin letters', payload: { ...base, pin: 'abcd' }, mustReject: true },
      { label: 'pin number', payload: { ...base, pin: 246813 }, mustReject: true },
      { label: 'user name SQL', payload: { ...base, [userField]: "maria' --" }, mustReject: true },
      { label: 'user name 41 chars', payload: { ...base, [userField]: 'm'.repeat(41) }, mustReject: true },
      { label: 'user name control chars', payload: { ...base, [userField]: 'maria\u0000' }, mustReject: true },
    );
  }
  if (name === 'setAntomConfig') {
    cases.push(
      { label: 'baseUrl not a URL', payload: { ...base, baseUrl: 'not a url' }, mustReject: true },
      { label: 'PEM over 16 KiB', payload: { ...base, merchantPrivateKeyPem: 'A'.repeat(16_385) }, mustReject: true },
      { label: 'keyVersion 0', payload: { ...base, keyVersion: 0 }, mustReject: true },
    );
  }
  if (name === 'pingTerminal')
    cases.push({ label: 'count 21', payload: { count: 21 }, mustReject: true }, { label: 'count 0', payload: { count: 0 }, mustReject: true });
  if (name === 'listAudit') cases.push({ label: 'limit 1001', payload: { limit: 1001 }, mustReject: true });
  if (name === 'confirmPairing') cases.push({ label: 'code 7 digits', payload: { code: '1234567' }, mustReject: true });
  return cases;
}

function expectTypedRejection(label: string, r: { ok: boolean; error?: { code: string; message: string } }): void {
  expect(r.ok, label).toBe(false);
  expect(r.error?.code, label).toBe('INVALID_REQUEST');
  const message = r.error?.message ?? '';
  expect(typeof message, label).toBe('string');
  // Bounded, and nothing of the implementation: no stack frames, no file paths.
  expect(message.length, `${label}: message length`).toBeLessThan(4096);
  expect(message, label).not.toMatch(/\n\s+at\s|\.ts:\d+|\/work\/|node_modules/);
}

function expectNoPollution(label: string): void {
  const probe: Record<string, unknown> = {};
  expect(probe.polluted, label).toBeUndefined();
  expect(probe.isAdmin, label).toBeUndefined();
  expect(Object.prototype.hasOwnProperty.call(Object.prototype, 'polluted'), label).toBe(false);
}

describe('IPC fuzzing through dispatch() with the real handlers', () => {
  let h: Harness;
  let before: StateSnapshot;
  const sessionOf = async () => {
    const s = await h.call('getSession', {});
    return s.ok ? (s.value?.userName ?? null) : null;
  };

  beforeAll(async () => {
    h = await startHarness('rt-fuzz-');
    await waitForTerminal(h);
    await signInAs(h, 'maria', '246813');
    before = snapshot(h.dataDir);
  });
  afterAll(async () => h?.close());

  it('has a valid base request for every operation (so mutations are meaningful)', () => {
    expect(Object.keys(VALID).sort()).toEqual([...OP_NAMES].sort());
    for (const name of OP_NAMES) expect(operations[name].request.safeParse(VALID[name]).success, name).toBe(true);
  });

  it.each(OP_NAMES)('%s: refuses every hostile payload with a typed error and changes nothing', async (name) => {
    let rejected = 0;
    for (const c of casesFor(name)) {
      const label = `${name}: ${c.label}`;
      // Mirrors dispatch(): a missing (null/undefined) payload is read as {}.
      const schemaRefuses = !operations[name].request.safeParse(c.payload ?? {}).success;
      if (c.mustReject) expect(schemaRefuses, `${label} must be refused by the schema`).toBe(true);
      if (!schemaRefuses) continue;
      const r = await h.call(name, c.payload);
      expectTypedRejection(label, r);
      expectNoPollution(label);
      rejected++;
    }
    expect(rejected).toBeGreaterThan(10);
    expect(await sessionOf()).toBe('maria');
    expect(snapshot(h.dataDir)).toEqual(before);
  });

  it('refuses generated payloads (fast-check) for every operation without side effects', async () => {
    const hostileKey = fc.constantFrom('__proto__', 'constructor', 'prototype', 'toString', 'valueOf', 'role', 'amount', 'pin', 'userName', 'extra');
    const leaf = fc.oneof(
      fc.integer(),
      fc.double(),
      fc.constantFrom(Number.NaN, Number.POSITIVE_INFINITY, -1, 2 ** 31, 2 ** 53, 1.5),
      fc.string({ maxLength: 64 }),
      fc.boolean(),
      fc.constant(null),
    );
    const hostile = fc.letrec((tie) => ({
      value: fc.oneof({ depthSize: 'small' }, leaf, tie('object'), fc.array(tie('value'), { maxLength: 4 })),
      object: fc.dictionary(fc.oneof(hostileKey, fc.string({ maxLength: 12 })), tie('value'), { maxKeys: 5 }),
    }));
    for (const name of OP_NAMES) {
      const base = VALID[name] as Record<string, unknown>;
      const payload = fc.oneof(
        hostile.value,
        // the valid request with one field replaced, or an extra (possibly prototype) key added as an own property
        fc.tuple(fc.constantFrom(...(Object.keys(base).length ? Object.keys(base) : ['extra'])), hostile.value).map(([k, v]) => ({ ...base, [k]: v })),
        fc.tuple(hostileKey, hostile.value).map(([k, v]) => withOwnKeys(base, `${JSON.stringify(k)}:${JSON.stringify(v ?? null) ?? 'null'}`)),
      );
      await fc.assert(
        fc.asyncProperty(payload, async (p) => {
          // dispatch() reads null/undefined as {}; a valid request would legitimately act: not fuzzed here.
          if (operations[name].request.safeParse(p ?? {}).success) return;
          const r = await h.call(name, p);
          expectTypedRejection(`${name} (generated)`, r);
          expectNoPollution(`${name} (generated)`);
        }),
        { numRuns: 40, seed: 20261125 },
      );
    }
    expect(await sessionOf()).toBe('maria');
    expect(snapshot(h.dataDir)).toEqual(before);
  });

  it('strips (never forwards) unknown keys inside the nested Money object', () => {
    // MoneySchema is not .strict(): extra keys are dropped, so they never reach a handler.
    const parsed = operations.submitRefund.request.safeParse(withOwnKeys(VALID.submitRefund, '"x":1') as object);
    expect(parsed.success).toBe(false);
    const nested = operations.submitRefund.request.safeParse({
      ...VALID.submitRefund,
      amount: JSON.parse('{"__proto__":{"polluted":1},"value":100,"currency":"SGD","extra":1}') as unknown,
    });
    if (nested.success) {
      expect(Object.keys(nested.data.amount ?? {}).sort()).toEqual(['currency', 'value']);
      expect(Object.prototype.hasOwnProperty.call(nested.data.amount, '__proto__')).toBe(false);
    }
    expectNoPollution('nested money');
  });

  it('drops an own __proto__ key inside a record (setPolicy thresholds) without touching any prototype', () => {
    for (const field of ['amountThresholds', 'cashierDailyTotals'] as const) {
      const hostile = JSON.parse('{"__proto__":{"SGD":0,"polluted":"yes"},"SGD":500}') as unknown;
      const parsed = operations.setPolicy.request.safeParse({ ...VALID.setPolicy, [field]: hostile });
      // Either refused, or accepted with the key gone: never an inherited threshold.
      if (parsed.success) {
        const record = parsed.data[field];
        expect(Object.keys(record)).toEqual(['SGD']);
        expect(Object.getPrototypeOf(record)).toBe(Object.prototype);
        expect((record as Record<string, unknown>).polluted).toBeUndefined();
      }
    }
    expectNoPollution('record __proto__');
  });

  it('refuses a 1 MB unknown key, with no side effect', async () => {
    for (const name of OP_NAMES) {
      const r = await h.call(name, { ...(VALID[name] as object), [MB]: 1 });
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.error.code).toBe('INVALID_REQUEST');
    }
    expect(snapshot(h.dataDir)).toEqual(before);
  });

  // zod's "Unrecognized key" issue quotes the key; dispatch() clips what it copies into the reply and the log.
  it('bounds the error message when an unknown key is huge', async () => {
    const r = await h.call('getAppInfo', { [MB]: 1 });
    expectTypedRejection('1 MB key', r);
  });

  it('leaves the built-in prototypes exactly as they were', () => {
    expect(prototypeFingerprint()).toEqual(before.prototypeKeys);
  });
});

describe('browser-host twin over HTTP (sample)', () => {
  let h: Harness;
  let host: BrowserHost;
  let cookie = '';
  let before: StateSnapshot;

  function post(channel: string, body: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string }> {
    const url = new URL(host.origin);
    return new Promise((resolve, reject) => {
      const req = http.request(
        {
          host: url.hostname,
          port: url.port,
          method: 'POST',
          path: `/api/${channel}`,
          agent: false,
          headers: { Host: url.host, Cookie: cookie, 'X-Refund-Terminal': '1', 'Content-Type': 'application/json', ...headers },
        },
        (res) => {
          let data = '';
          res.on('data', (d: Buffer) => (data += d.toString()));
          res.on('end', () => {
            // Sign-in and sign-out rotate the session cookie: keep the new one.
            const rotated = res.headers['set-cookie']?.[0]?.split(';')[0];
            if (rotated !== undefined) cookie = rotated;
            resolve({ status: res.statusCode ?? 0, body: data });
          });
        },
      );
      req.on('error', (e: NodeJS.ErrnoException) => (e.code === 'ECONNRESET' || e.code === 'EPIPE' ? resolve({ status: 413, body: '' }) : reject(e)));
      req.end(body);
    });
  }

  beforeAll(async () => {
    h = await startHarness('rt-fuzz-http-');
    await waitForTerminal(h);
    host = await startBrowserHost({
      port: 0,
      rendererDir: h.dataDir,
      handlers: h.services.handlers,
      authorize: h.services.authorize,
      events: h.services.events,
      log: h.services.log,
    });
    const url = new URL(host.url);
    const swap = await new Promise<http.IncomingMessage>((resolve, reject) => {
      http
        .get({ host: url.hostname, port: url.port, path: `${url.pathname}${url.search}`, headers: { Host: url.host }, agent: false }, resolve)
        .on('error', reject);
    });
    cookie = (swap.headers['set-cookie']?.[0] ?? '').split(';')[0] ?? '';
    expect(cookie).toMatch(/^rt_session=/);
    const signIn = await post(operations.signIn.channel, JSON.stringify({ userName: 'maria', pin: '246813' }));
    expect(JSON.parse(signIn.body)).toMatchObject({ ok: true });
    before = snapshot(h.dataDir);
  });
  afterAll(async () => {
    await host?.close();
    await h?.close();
  });

  const SAMPLE: readonly OperationName[] = [
    'signIn',
    'submitRefund',
    'approveRefund',
    'setPolicy',
    'addUser',
    'setAntomConfig',
    'unpairTerminal',
    'signOut',
    'listAudit',
  ];

  it.each(SAMPLE)('%s: hostile JSON bodies are refused as INVALID_REQUEST with no side effect', async (name) => {
    const base = JSON.stringify(VALID[name]).slice(1, -1);
    const join = (extra: string) => `{${extra}${base ? `,${base}` : ''}}`;
    const bodies = [
      join('"__proto__":{"polluted":"yes","role":"manager"}'),
      join('"constructor":{"prototype":{"polluted":"yes"}}'),
      join('"prototype":{"polluted":"yes"}'),
      join('"extra":true'),
      '[]',
      '"string"',
      '42',
      'true',
    ];
    for (const body of bodies) {
      const r = await post(operations[name].channel, body);
      expect(r.status, body).toBe(200);
      expectTypedRejection(`${name} ${body}`, JSON.parse(r.body) as { ok: boolean; error?: { code: string; message: string } });
      expectNoPollution(`${name} http`);
    }
    expect(snapshot(h.dataDir)).toEqual(before);
  });

  it('refuses non-JSON, oversize and amount-hostile bodies', async () => {
    const bad = await post(operations.submitRefund.channel, '{"intentId":');
    expect(bad.status).toBe(400);
    expect(JSON.parse(bad.body)).toMatchObject({ ok: false, error: { code: 'INVALID_REQUEST' } });
    const huge = await post(operations.submitRefund.channel, JSON.stringify({ ...VALID.submitRefund, memo: MB }));
    expect(huge.status).toBe(413);
    for (const value of ['-1', '1.5', '2147483648', '1e400', '"100"', 'null', '9007199254740993']) {
      const body = JSON.stringify(VALID.submitRefund).replace('"value":100', `"value":${value}`);
      const r = await post(operations.submitRefund.channel, body);
      expectTypedRejection(`amount ${value}`, JSON.parse(r.body) as { ok: boolean; error?: { code: string; message: string } });
    }
    expect(snapshot(h.dataDir)).toEqual(before);
    expectNoPollution('http oversize');
  });
});

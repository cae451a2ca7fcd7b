/**
 * The screens' operations in store mode, end to end below the transport: two
 * counters of one store (two StoreLedger connections to one PostgreSQL, each
 * its own register), each with the feature modules app-services gives it.
 * People and lockouts, the approvals push, the register-filtered report and
 * CSV and the audit chain are store-wide: what counter 1 does, counter 2's
 * manager screen sees (the approvals without polling: counter 2's event bus
 * emits approvalsChanged from PostgreSQL's NOTIFY).
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { OperationName, ResponseOf } from '../../../preload/contract/api';
import { registerPeople } from '../../../main/features/people';
import { registerReports } from '../../../main/features/reports';
import { registerStore } from '../../../main/features/store';
import type { FeatureHandler, HandlerRegistry } from '../../../main/features/registry';
import { openStoreLedger } from '../../../main/ledger/pg/pg-store';
import type { StoreLedger } from '../../../main/ledger/store-port';
import type { JournalRefund } from '../../../main/ledger/journal-port';
import { PUBLIC_TEST_KEYS } from '../../../main/secrets/ledger-keys';
import { forwardApprovalChanges } from '../../../main/services/approval-feed';
import { ApiEventBus } from '../../../main/services/event-bus';
import { CounterSession } from '../../../main/services/session';
import { AppConfigSchema } from '../../../main/config/app-config';
import { pgAvailable, pgSuite } from '../../helpers/pg-suite';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

type Handlers = Partial<Record<OperationName, FeatureHandler<OperationName>>>;
type PgLedger = StoreLedger & { approvalsReady(): Promise<void> };

interface Counter {
  readonly ledger: PgLedger;
  readonly session: CounterSession;
  readonly events: ApiEventBus;
  readonly heard: string[];
  call<N extends OperationName>(name: N, req: unknown): Promise<ResponseOf<N>>;
  close(): Promise<void>;
}

const suite = pgSuite('storefeat');
const open: Counter[] = [];

async function counter(url: string, register: string): Promise<Counter> {
  const ledger = (await openStoreLedger(url, { register, keys: PUBLIC_TEST_KEYS })) as PgLedger;
  const session = new CounterSession(300);
  const events = new ApiEventBus();
  const handlers: Handlers = {};
  const registry: HandlerRegistry = {
    handle: (name, h) => void (handlers[name] = h as unknown as FeatureHandler<OperationName>),
  };
  const timeZone = async () => (await ledger.settings.timeZone()) ?? 'UTC';
  registerPeople(registry, { session, people: ledger.people, audit: ledger.audit });
  registerReports(registry, { reports: ledger.reports, audit: ledger.audit, approvals: ledger.approvals, timeZone });
  registerStore(registry, {
    settings: ledger.settings,
    localTimeZone: () => 'UTC',
    dataDir: mkdtempSync(path.join(os.tmpdir(), 'rt-storefeat-')),
    startConfig: AppConfigSchema.parse({}),
  });
  const heard: string[] = [];
  events.on('approvalsChanged', (e) => heard.push(e.refundRequestId));
  const stop = forwardApprovalChanges(ledger.approvals, events);
  await ledger.approvalsReady();
  const c: Counter = {
    ledger,
    session,
    events,
    heard,
    // The registry's gate is tested elsewhere; here the caller is whoever is signed in at this counter.
    call: async (name, req) => {
      const h = handlers[name];
      if (h === undefined) throw new Error(`no handler for ${name}`);
      const who = session.current();
      return (await h(req as never, who as never)) as ResponseOf<typeof name>;
    },
    close: async () => {
      stop();
      await ledger.close();
    },
  };
  open.push(c);
  return c;
}

async function store(): Promise<[Counter, Counter]> {
  const url = suite.freshUrl();
  const a = await counter(url, 'counter-1');
  const b = await counter(url, 'counter-2');
  // The store's first manager, made the CLI way; both counters sign her in with the same PIN.
  const made = await a.ledger.people.add({ name: 'maria', role: 'manager', pin: '246813' }, 'setup');
  expect(made.ok).toBe(true);
  return [a, b];
}

async function waitFor(cond: () => boolean, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not met within the generous timeout');
    await new Promise((r) => setTimeout(r, 10));
  }
}

let n = 0;
function refund(paymentId: string, value: number, over: Partial<JournalRefund> = {}): JournalRefund {
  n += 1;
  return {
    refundRequestId: `RR-F-${n}-${Math.random().toString(36).slice(2, 8)}`,
    intentId: `intent-f-${n}-${Math.random().toString(36).slice(2, 8)}`,
    paymentId,
    mode: 'PARTIAL',
    amount: { value, currency: 'SGD' },
    memo: null,
    state: 'APPROVED',
    cashier: 'alice',
    message: 'approved',
    nextAction: 'WAIT',
    approvalReasons: [],
    ...over,
  };
}

async function pay(l: StoreLedger, paymentId: string): Promise<void> {
  await l.payments.upsert({
    paymentId,
    amount: { value: 10_000, currency: 'SGD' },
    paymentMethod: 'ALIPAY_CN',
    paidAt: '2026-12-01T08:00:00Z',
    status: 'SUCCESS',
    supportsPartialRefund: true,
  });
}

async function signIn(c: Counter, userName: string, pin: string) {
  return c.call('signIn', { userName, pin });
}

describe.skipIf(!pgAvailable)('store mode: the screens of two counters on one store', () => {
  afterEach(async () => {
    for (const c of open.splice(0)) await c.close();
  });

  it('a refund waiting at counter 1 is pushed to counter 2, listed with its register, and its decision there is pushed back', async () => {
    const [a, b] = await store();
    expect((await signIn(b, 'maria', '246813')).ok).toBe(true);
    await pay(a.ledger, 'PF1');
    const r = refund('PF1', 700, { state: 'AWAITING_APPROVAL' });
    expect((await a.ledger.journal.insert(r, 'alice')).ok).toBe(true);
    // No poll anywhere: counter 2's bus hears it because PostgreSQL notified its LISTEN connection.
    await waitFor(() => b.heard.includes(r.refundRequestId));
    const pending = await b.call('listPendingApprovals', {});
    expect(pending).toEqual({ ok: true, value: [expect.objectContaining({ refundRequestId: r.refundRequestId, register: 'counter-1', cashier: 'alice' })] });
    const day = (await a.ledger.journal.get(r.refundRequestId))?.created_at.slice(0, 10);
    const report = await b.call('getDailyReport', { date: day });
    expect(report.ok && report.value.pendingRegisters).toEqual({ [r.refundRequestId]: 'counter-1' });

    // Decided on counter 2 (the journal's compare-and-set + the decision): counter 1 hears it at once.
    const heardBefore = a.heard.filter((x) => x === r.refundRequestId).length;
    expect((await b.ledger.journal.transition(r.refundRequestId, 'AWAITING_APPROVAL', 'APPROVED', { actor: 'maria' })).ok).toBe(true);
    await b.ledger.approvals.record({ refundRequestId: r.refundRequestId, manager: 'maria', decision: 'APPROVED', reason: 'ok' });
    await waitFor(() => a.heard.filter((x) => x === r.refundRequestId).length > heardBefore);
    expect(await a.call('listPendingApprovals', {})).toEqual({ ok: true, value: [] });
  });

  it('people are store-wide: a user added at counter 2 signs in at counter 1, and a lockout earned at counter 1 holds at counter 2', async () => {
    const [a, b] = await store();
    expect((await signIn(b, 'maria', '246813')).ok).toBe(true);
    expect((await b.call('addUser', { name: 'alice', role: 'cashier', pin: '1470' })).ok).toBe(true);
    const listed = await a.ledger.people.list();
    expect(listed.map((u) => u.name).sort()).toEqual(['alice', 'maria']);
    const atA = await signIn(a, 'alice', '1470');
    expect(atA).toMatchObject({ ok: true, value: { userName: 'alice', role: 'cashier' } });
    for (let i = 0; i < 5; i += 1) expect((await signIn(a, 'alice', '0000')).ok).toBe(false);
    // The right PIN, at the other counter, is refused while the store-wide lockout lasts.
    expect(await signIn(b, 'alice', '1470')).toMatchObject({ ok: false, error: { code: 'USER_LOCKED' } });
    expect((await b.call('unlockUser', { name: 'alice' })).ok).toBe(true);
    expect((await signIn(a, 'alice', '1470')).ok).toBe(true);
    // One's own language follows them to the other counter.
    expect((await a.call('setMyLanguage', { language: 'zh' })).ok).toBe(true);
    expect(await signIn(b, 'alice', '1470')).toMatchObject({ ok: true, value: { language: 'zh' } });
  });

  it('the daily report and CSV are store-wide with a register column and filter; audit lists and verifies the one chain from either counter', async () => {
    const [a, b] = await store();
    expect((await signIn(b, 'maria', '246813')).ok).toBe(true);
    await pay(a.ledger, 'PF2');
    await pay(a.ledger, 'PF3');
    const ra = refund('PF2', 1_000);
    const rb = refund('PF3', 2_000, { cashier: 'bob' });
    expect((await a.ledger.journal.insert(ra, 'alice')).ok).toBe(true);
    expect((await b.ledger.journal.insert(rb, 'bob')).ok).toBe(true);
    const date = (await a.ledger.journal.get(ra.refundRequestId))?.created_at.slice(0, 10) ?? '';
    const whole = await b.call('getDailyReport', { date });
    expect(whole.ok && whole.value.registers).toEqual(['counter-1', 'counter-2']);
    expect(whole.ok && whole.value.pending.map((p) => p.refundRequestId).sort()).toEqual([ra.refundRequestId, rb.refundRequestId].sort());
    const one = await b.call('getDailyReport', { date, register: 'counter-1' });
    expect(one.ok && one.value.pending.map((p) => p.refundRequestId)).toEqual([ra.refundRequestId]);
    expect(one.ok && one.value.register).toBe('counter-1');
    expect(one.ok && one.value.pendingRegisters).toEqual({ [ra.refundRequestId]: 'counter-1' });
    const csv = await b.call('exportDailyReportCsv', { date, register: 'counter-2' });
    if (!csv.ok) throw new Error(csv.error.message);
    expect(csv.value.fileName).toBe(`refunds-${date}-counter-2.csv`);
    const lines = csv.value.csv.trim().split(/\r?\n/);
    expect(lines[0]?.split(',').at(-1)).toBe('register');
    const body = lines.filter((l) => l.includes('RR-F-'));
    expect(body).toHaveLength(1);
    expect(body[0]).toContain(rb.refundRequestId);
    expect(body[0]?.split(',').at(-1)).toBe('counter-2');

    const audit = await a.call('listAudit', { limit: 100 });
    expect(audit.ok && audit.value.some((e) => e.kind === 'auth.sign_in' && e.actor === 'maria')).toBe(true);
    expect(await a.call('verifyAudit', {})).toMatchObject({ ok: true, value: { ok: true } });
  });

  it('store settings set at one counter apply at the other', async () => {
    const [a, b] = await store();
    expect((await signIn(b, 'maria', '246813')).ok).toBe(true);
    expect((await signIn(a, 'maria', '246813')).ok).toBe(true);
    const reasons = [{ code: 'SHOP_DAMAGED', label: 'Damaged goods', active: true }];
    expect((await b.call('setRefundReasons', { reasons })).ok).toBe(true);
    expect(await a.call('listRefundReasons', {})).toMatchObject({ ok: true, value: [expect.objectContaining({ code: 'SHOP_DAMAGED' })] });
    expect((await b.call('setTimeZone', { timeZone: 'Asia/Singapore' })).ok).toBe(true);
    expect(await a.call('getTimeZoneSetting', {})).toMatchObject({ ok: true, value: { timeZone: 'Asia/Singapore' } });
  });
});

/**
 * The store ports' contract (main/ledger/store-port.ts): the same tests run
 * against the embedded SQLite ledger and the PostgreSQL store ledger.
 * `open(n)` gives n ledgers on the same data: connections to one file
 * (SQLite) or counters of one store (PostgreSQL, each with its own pool).
 * `raw` runs SQL on a connection of its own, as someone with database access
 * would; `unguardAudit` drops the append-only guard the way such a person can.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { entryHash, entryMac } from '../../../main/ledger/audit';
import { canonicalJson } from '../../../main/ledger/canonical-json';
import type { JournalRefund } from '../../../main/ledger/journal-port';
import { localDate } from '../../../main/ledger/local-date';
import { pinHashStats } from '../../../main/ledger/pin-hasher';
import { storeReceipt } from '../../../main/ledger/receipt';
import type { StoreLedger } from '../../../main/ledger/store-port';
import { MAX_FAILED_PINS } from '../../../main/ledger/users';

export interface StoreHarness {
  readonly ledgers: readonly StoreLedger[];
  raw(sql: string): Promise<void>;
  unguardAudit(): Promise<void>;
  close(): Promise<void>;
}

export interface StoreContractOptions {
  /** Another connection hears of a change (PostgreSQL: LISTEN/NOTIFY); SQLite tells its own connection only. */
  readonly crossConnectionNotices: boolean;
  /** Each ledger is a counter of its own (store mode); SQLite connections are one counter. */
  readonly distinctRegisters: boolean;
  /** Settings such as the time zone are shared by every connection (SQLite keeps the zone per process, from config.json). */
  readonly sharedTimeZone: boolean;
  /** Waits until a ledger's approvals subscription is in place (PostgreSQL LISTEN). */
  readonly approvalsReady?: (l: StoreLedger) => Promise<void>;
}

let n = 0;
function refund(paymentId: string, value: number, over: Partial<JournalRefund> = {}): JournalRefund {
  n += 1;
  const tag = `${n}-${Math.random().toString(36).slice(2, 8)}`;
  return {
    refundRequestId: `RR-S-${tag}`,
    intentId: `intent-s-${tag}`,
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

async function pay(l: StoreLedger, paymentId: string, value = 10_000, antomRefunds?: { value: number; refundRequestId: string | null }[]) {
  return l.payments.upsert({
    paymentId,
    amount: { value, currency: 'SGD' },
    paymentMethod: 'ALIPAY_CN',
    paidAt: '2026-12-01T08:00:00Z',
    status: 'SUCCESS',
    supportsPartialRefund: true,
    ...(antomRefunds === undefined
      ? {}
      : {
          antomRefunds: antomRefunds.map((a) => ({ refundRequestId: a.refundRequestId, refundId: null, value: a.value, status: 'SUCCESS' as const, at: null })),
        }),
  });
}

async function waitFor(cond: () => boolean, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not met within the generous timeout');
    await new Promise((r) => setTimeout(r, 10));
  }
}

export function storeContract(engine: string, open: (count: number) => Promise<StoreHarness>, opts: StoreContractOptions): void {
  describe(`store ports contract: ${engine}`, () => {
    let h: StoreHarness | null = null;
    const openN = async (count = 2): Promise<StoreHarness> => (h = await open(count));
    afterEach(async () => {
      await h?.close();
      h = null;
    });
    const two = async (): Promise<[StoreLedger, StoreLedger, StoreHarness]> => {
      const x = await openN(2);
      return [x.ledgers[0] as StoreLedger, x.ledgers[1] as StoreLedger, x];
    };

    describe('people', () => {
      it('a person added at one counter signs in at the other, with their language', async () => {
        const [a, b] = await two();
        const added = await a.people.add({ name: 'mei', role: 'cashier', pin: '4821', language: 'zh' }, 'boss');
        expect(added).toMatchObject({ ok: true, value: { name: 'mei', role: 'cashier', language: 'zh', disabled: false } });
        expect(await b.people.get('mei')).toMatchObject({ name: 'mei', language: 'zh' });
        expect((await b.people.verifyPin('mei', '4821')).ok).toBe(true);
        expect(await b.people.add({ name: 'mei', role: 'manager', pin: '482193' }, 'boss')).toMatchObject({ ok: false, error: { code: 'USER_EXISTS' } });
        expect(await b.people.setLanguage('mei', 'en', 'mei')).toMatchObject({ ok: true, value: { language: 'en' } });
        expect((await a.people.get('mei'))?.language).toBe('en');
        expect(await a.people.setLanguage('mei', null, 'mei')).toMatchObject({ ok: true, value: { language: null } });
        expect(await a.people.setLanguage('nobody', 'en', 'x')).toMatchObject({ ok: false, error: { code: 'USER_NOT_FOUND' } });
        expect((await a.people.list()).map((u) => u.name)).toEqual(['mei']);
      });

      it('a disabled person is refused at every counter with the same words as a wrong PIN', async () => {
        const [a, b] = await two();
        await a.people.add({ name: 'bob', role: 'cashier', pin: '7302' }, 'boss');
        await a.people.disable('bob', 'boss');
        const r = await b.people.verifyPin('bob', '7302');
        expect(r).toMatchObject({ ok: false, error: { code: 'USER_DISABLED' } });
        const unknown = await b.people.verifyPin('nobody', '7302');
        expect(unknown).toMatchObject({ ok: false, error: { code: 'USER_NOT_FOUND' } });
        if (!r.ok && !unknown.ok) expect(r.error.message).toBe(unknown.error.message);
        await b.people.enable('bob', 'boss');
        expect((await a.people.verifyPin('bob', '7302')).ok).toBe(true);
      });

      it('wrong PINs at two counters add up to one lockout; the right PIN is refused while locked; another counter unlocks', async () => {
        const [a, b] = await two();
        await a.people.add({ name: 'carl', role: 'cashier', pin: '5917' }, 'boss');
        for (let i = 0; i < MAX_FAILED_PINS; i += 1) {
          const r = await (i % 2 === 0 ? a : b).people.verifyPin('carl', '0000');
          expect(r).toMatchObject({ ok: false, error: { code: 'PIN_INVALID' } });
        }
        expect(await a.people.verifyPin('carl', '5917')).toMatchObject({ ok: false, error: { code: 'USER_LOCKED' } });
        expect((await b.people.get('carl'))?.lockedUntil).not.toBeNull();
        await b.people.unlock('carl', 'boss');
        expect((await a.people.verifyPin('carl', '5917')).ok).toBe(true);
      });

      it('parallel wrong PINs from 4 connections lock exactly at the limit: never more hashes checked than allowed', async () => {
        const x = await openN(4);
        const first = x.ledgers[0] as StoreLedger;
        await first.people.add({ name: 'dana', role: 'cashier', pin: '6284' }, 'boss');
        const before = pinHashStats.verifications;
        const guesses = Array.from({ length: 24 }, (_, i) => (x.ledgers[i % 4] as StoreLedger).people.verifyPin('dana', String(1000 + i)));
        const results = await Promise.all(guesses);
        const codes = results.map((r) => (r.ok ? 'OK' : r.error.code));
        expect(codes.filter((c) => c === 'PIN_INVALID')).toHaveLength(MAX_FAILED_PINS);
        expect(codes.filter((c) => c === 'USER_LOCKED')).toHaveLength(24 - MAX_FAILED_PINS);
        expect(pinHashStats.verifications - before).toBe(MAX_FAILED_PINS);
        // Locked for everyone, even with the right PIN.
        for (const l of x.ledgers) expect(await l.people.verifyPin('dana', '6284')).toMatchObject({ ok: false, error: { code: 'USER_LOCKED' } });
        const audit = await first.audit.list({ kinds: ['auth.pin_failed', 'auth.locked'], limit: 100 });
        expect(audit.filter((e) => e.kind === 'auth.locked')).toHaveLength(1);
        expect(audit.filter((e) => e.kind === 'auth.pin_failed')).toHaveLength(MAX_FAILED_PINS - 1);
      }, 60_000);

      it('roles: nobody changes their own, and counters demoting every manager at once leave exactly one', async () => {
        const [a, b] = await two();
        const names = Array.from({ length: 8 }, (_, i) => `m${i}`);
        for (const m of names) await a.people.add({ name: m, role: 'manager', pin: '482193' }, 'setup');
        expect(await b.people.setRole('m1', 'cashier', 'm1')).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
        const results = await Promise.all(names.map((m, i) => (i % 2 ? a : b).people.setRole(m, 'cashier', names[(i + 1) % names.length] as string)));
        expect(results.filter((r) => r.ok)).toHaveLength(names.length - 1);
        expect((await a.people.list()).filter((u) => u.role === 'manager')).toHaveLength(1);
        expect(await a.people.setRole('nobody', 'cashier', 'm2')).toMatchObject({ ok: false, error: { code: 'USER_NOT_FOUND' } });
      });

      it('a PIN reset at one counter is a one-time PIN: the next sign-in, at another counter, must choose a new one', async () => {
        const [a, b] = await two();
        await a.people.add({ name: 'eve', role: 'cashier', pin: '3817' }, 'boss');
        const reset = await a.people.resetPin('eve', 'boss');
        if (!reset.ok) throw new Error(reset.error.message);
        const oneTime = reset.value.oneTimePin;
        expect(await b.people.verifyPin('eve', '3817')).toMatchObject({ ok: false, error: { code: 'PIN_INVALID' } });
        expect(await b.people.verifyPin('eve', oneTime)).toMatchObject({ ok: false, error: { code: 'PIN_CHANGE_REQUIRED' } });
        expect(await b.people.verifyPin('eve', oneTime, { newPin: oneTime })).toMatchObject({ ok: false, error: { code: 'INVALID_INPUT' } });
        expect((await b.people.verifyPin('eve', oneTime, { newPin: '9264' })).ok).toBe(true);
        expect((await a.people.verifyPin('eve', '9264')).ok).toBe(true);
        const kinds = (await a.audit.list({ limit: 50 })).map((e) => e.kind);
        expect(kinds).toEqual(expect.arrayContaining(['user.pin_reset', 'user.pin_changed']));
      });
    });

    describe('audit', () => {
      it('one chain: entries from both counters interleave, verify from either, same head', async () => {
        const [a, b] = await two();
        await Promise.all(Array.from({ length: 10 }, (_, i) => (i % 2 ? a : b).audit.append(`p${i}`, 'test.entry', { i })));
        const va = await a.audit.verify();
        const vb = await b.audit.verify();
        expect(va).toMatchObject({ ok: true, count: 10 });
        expect(vb.head).toEqual(va.head);
        expect(await a.audit.head()).toEqual(await b.audit.head());
        const listed = await b.audit.list({ limit: 3 });
        expect(listed.map((e) => e.seq)).toEqual([10, 9, 8]);
        expect((await b.audit.verify({ expectedHead: `${va.head.seq}:${va.head.hash}` })).ok).toBe(true);
      });

      it('lists one local day of the store, newest first, across pages', async () => {
        const [a, b] = await two();
        for (let i = 0; i < 5; i += 1) await a.audit.append('p', 'test.day', { i });
        const today = localDate(new Date(), 'Asia/Singapore');
        const day = await b.audit.list({ date: today, timeZone: 'Asia/Singapore', kinds: ['test.day'], limit: 3 });
        expect(day.map((e) => e.detail['i'])).toEqual([4, 3, 2]);
        expect(await b.audit.list({ date: '2001-01-01', kinds: ['test.day'] })).toEqual([]);
      });

      const seeded = async (): Promise<[StoreLedger, StoreLedger, StoreHarness]> => {
        const t = await two();
        for (let i = 1; i <= 4; i += 1) await (i % 2 ? t[0] : t[1]).audit.append('seed', 'test.entry', { i });
        expect((await t[1].audit.verify()).ok).toBe(true);
        await t[2].unguardAudit();
        return t;
      };

      it('detects an edited entry from the other connection', async () => {
        const [, b, x] = await seeded();
        await x.raw(`UPDATE audit SET detail = '{"i":99}' WHERE seq = 2`);
        expect(await b.audit.verify()).toMatchObject({ ok: false, firstBrokenSeq: 2 });
      });

      it('detects an entry edited with its hash recomputed (no audit key)', async () => {
        const [a, b, x] = await seeded();
        const [e2] = await a.audit.list({ beforeSeq: 3, limit: 1 });
        if (e2 === undefined) throw new Error('no entry 2');
        const all = await a.audit.list({ limit: 10 });
        const e1 = all.find((e) => e.seq === 1);
        if (e1 === undefined) throw new Error('no entry 1');
        const prev = entryHash('0'.repeat(64), { seq: 1, at: e1.at, actor: e1.actor, kind: e1.kind, detail: canonicalJson(e1.detail) });
        const detail = canonicalJson({ i: 99 });
        const hash = entryHash(prev, { seq: 2, at: e2.at, actor: e2.actor, kind: e2.kind, detail });
        await x.raw(`UPDATE audit SET detail = '${detail}', hash = '${hash}' WHERE seq = 2`);
        const v = await b.audit.verify();
        expect(v.ok).toBe(false);
        if (!v.ok) expect(v.firstBrokenSeq).toBeLessThanOrEqual(3);
      });

      it('detects a deleted entry', async () => {
        const [, b, x] = await seeded();
        await x.raw('DELETE FROM audit WHERE seq = 3');
        expect(await b.audit.verify()).toMatchObject({ ok: false, firstBrokenSeq: 3 });
      });

      it('detects an inserted entry whose chain hash is right but which was not signed with the audit key', async () => {
        const [a, b, x] = await seeded();
        const head = await a.audit.head();
        const at = new Date().toISOString();
        const detail = canonicalJson({ forged: true });
        const hash = entryHash(head.hash, { seq: head.seq + 1, at, actor: 'mallory', kind: 'test.entry', detail });
        const mac = entryMac(Buffer.alloc(32, 0x99), hash);
        await x.raw(
          `INSERT INTO audit (seq, at, actor, kind, detail, prev_hash, hash, mac) VALUES (${head.seq + 1}, '${at}', 'mallory', 'test.entry', '${detail}', '${head.hash}', '${hash}', '${mac}')`,
        );
        expect(await b.audit.verify()).toMatchObject({ ok: false, firstBrokenSeq: head.seq + 1 });
      });

      it('the application cannot rewrite the chain (append-only guard)', async () => {
        const [a, , x] = await two();
        await a.audit.append('seed', 'test.entry', { i: 1 });
        await expect(x.raw(`UPDATE audit SET detail = '{}' WHERE seq = 1`)).rejects.toThrow(/append-only/);
        await expect(x.raw('DELETE FROM audit WHERE seq = 1')).rejects.toThrow(/append-only/);
      });
    });

    describe('settings', () => {
      it('policy, receipt header and reasons set at one counter are what the other reads, each audited', async () => {
        const [a, b] = await two();
        const policy = await b.settings.getPolicy();
        const changed = { ...policy, allowSelfApproval: !policy.allowSelfApproval };
        expect((await a.settings.setPolicy(changed, 'boss')).ok).toBe(true);
        expect(await b.settings.getPolicy()).toEqual(changed);
        expect(await a.settings.setPolicy({ nonsense: true }, 'boss')).toMatchObject({ ok: false, error: { code: 'INVALID_INPUT' } });
        await a.settings.setStore({ storeName: 'Orchard Rd', register: null }, 'boss');
        expect((await b.settings.store()).storeName).toBe('Orchard Rd');
        const reasons = await b.settings.reasons();
        const first = reasons[0];
        if (first === undefined) throw new Error('no default reasons');
        await a.settings.setReasons(
          reasons.map((r) => (r.code === first.code ? { ...r, active: false } : r)),
          'boss',
        );
        expect(await b.settings.activeReason(first.code)).toBeNull();
        const kinds = (await b.audit.list({ limit: 20 })).map((e) => e.kind);
        expect(kinds).toEqual(expect.arrayContaining(['config.policy', 'config.store', 'config.reasons']));
      });

      it('the store time zone is validated and audited', async () => {
        const [a, b] = await two();
        expect(await a.settings.setTimeZone('Mars/Olympus', 'boss')).toMatchObject({ ok: false, error: { code: 'INVALID_INPUT' } });
        expect(await a.settings.setTimeZone('Asia/Singapore', 'boss')).toMatchObject({ ok: true, value: 'Asia/Singapore' });
        expect(await (opts.sharedTimeZone ? b : a).settings.timeZone()).toBe('Asia/Singapore');
        expect((await b.audit.list({ kinds: ['config.time_zone'] })).length).toBe(1);
      });
    });

    describe('payments and balance', () => {
      it("the balance is one computation: this ledger's refunds, Antom's report and other refunds, on every counter", async () => {
        const [a, b] = await two();
        await pay(a, 'PB1', 10_000, [{ value: 3_000, refundRequestId: null }]);
        expect((await b.payments.balance('PB1'))?.refundable).toEqual({ value: 7_000, currency: 'SGD' });
        // A lookup that says nothing about refunds keeps what Antom said before.
        await pay(b, 'PB1', 10_000);
        expect((await a.payments.row('PB1'))?.antom_refunded).toBe(3_000);
        const over = await a.journal.insert(refund('PB1', 7_001), 'alice');
        expect(over).toMatchObject({ ok: false, error: { code: 'AMOUNT_EXCEEDS_REFUNDABLE' } });
        expect((await b.journal.insert(refund('PB1', 2_000), 'alice')).ok).toBe(true);
        expect((await a.payments.refundableBalance('PB1'))?.value).toBe(5_000);
        await b.payments.markRefusedAt('PB1', 4_000);
        expect((await a.payments.balance('PB1'))?.refundable.value).toBe(3_999);
        await a.payments.markClosed('PB1', 'DPOS_REFUND_REFUND_WINDOW_EXCEED');
        expect((await b.payments.get('PB1'))?.refundClosedCode).toBe('DPOS_REFUND_REFUND_WINDOW_EXCEED');
      });

      it('recent, search and facets see the payments looked up at every counter; a refused bound moves down with a success', async () => {
        const [a, b] = await two();
        const at = (id: string, paidAt: string, value: number, method: string) =>
          a.payments.upsert({
            paymentId: id,
            amount: { value, currency: 'SGD' },
            paymentMethod: method,
            paidAt,
            status: 'SUCCESS',
            supportsPartialRefund: true,
          });
        await at('PS_A1', '2026-12-01T08:00:00Z', 1_000, 'ALIPAY_CN');
        await at('PS_B2', '2026-12-01T10:00:00+02:00', 2_000, 'GCASH');
        await b.payments.upsert({
          paymentId: 'PS_C3',
          amount: { value: 1_000, currency: 'SGD' },
          paymentMethod: 'GCASH',
          paidAt: '2026-12-02T08:00:00Z',
          status: 'SUCCESS',
          supportsPartialRefund: null,
        });
        // Most recently looked up first (the three may share a millisecond: the set, and the cap).
        expect((await a.payments.recent(3)).map((p) => p.paymentId).sort()).toEqual(['PS_A1', 'PS_B2', 'PS_C3']);
        expect(await a.payments.recent(2)).toHaveLength(2);
        // Newest payment first; times are instants (10:00+02:00 is 08:00Z).
        expect((await b.payments.search({ amount: { value: 1_000, currency: 'SGD' } })).map((p) => p.paymentId)).toEqual(['PS_C3', 'PS_A1']);
        expect((await b.payments.search({ from: '2026-12-01T07:30:00Z', to: '2026-12-01T08:30:00Z' })).map((p) => p.paymentId).sort()).toEqual([
          'PS_A1',
          'PS_B2',
        ]);
        expect((await a.payments.search({ method: 'GCASH', idSuffix: 'c3' })).map((p) => p.paymentId)).toEqual(['PS_C3']);
        // '_' is a plain character in a suffix, not a wildcard.
        expect((await a.payments.search({ idSuffix: '_B2' })).map((p) => p.paymentId)).toEqual(['PS_B2']);
        expect(await a.payments.search({ idSuffix: 'XB2' })).toEqual([]);
        const f = await b.payments.facets();
        expect(f.methods).toEqual(expect.arrayContaining(['ALIPAY_CN', 'GCASH']));
        expect(f.currencies).toEqual(['SGD']);
        expect(f.seen).toBeGreaterThanOrEqual(3);
        await a.payments.markRefusedAt('PS_A1', 800);
        await b.payments.lowerRefusedBound('PS_A1', 300);
        expect((await a.payments.get('PS_A1'))?.refundableBelow).toBe(500);
        await b.payments.lowerRefusedBound('PS_A1', 900);
        expect((await a.payments.get('PS_A1'))?.refundableBelow).toBe(0);
        await b.payments.lowerRefusedBound('PS_B2', 100);
        expect((await a.payments.get('PS_B2'))?.refundableBelow).toBeNull();
      });

      it('method capabilities learnt at one counter are known at the other', async () => {
        const [a, b] = await two();
        const before = await b.payments.capability('ALIPAY_CN');
        await a.payments.learnPartialRefused('alipay_cn', 'PARTIAL_REFUND_NOT_SUPPORTED');
        expect(await b.payments.capability('ALIPAY_CN')).toMatchObject({
          partialSupported: false,
          source: 'ANTOM',
          learnedFrom: 'PARTIAL_REFUND_NOT_SUPPORTED',
        });
        await a.payments.learnWindowExceeded('ALIPAY_CN', 12.5, 'DPOS_REFUND_REFUND_WINDOW_EXCEED');
        expect((await b.payments.capability('ALIPAY_CN')).windowDays).toBe(before.windowDays !== null && before.windowDays <= 12 ? before.windowDays : 12);
      });
    });

    describe('other refunds', () => {
      it('cash recorded at one counter counts in the balance everywhere; over-balance, open refunds and changed repeats are refused', async () => {
        const [a, b] = await two();
        await pay(a, 'PO1', 5_000);
        const cash = { id: 'other-1', paymentId: 'PO1', method: 'CASH' as const, amount: { value: 1_500, currency: 'SGD' }, note: 'terminal down' };
        const r = await a.otherRefunds.record(cash, 'boss');
        expect(r).toMatchObject({ ok: true, value: { id: 'other-1', amount_value: 1_500, recorded_by: 'boss' } });
        expect(await b.otherRefunds.record(cash, 'boss')).toMatchObject({ ok: true, value: { id: 'other-1' } });
        expect(await b.otherRefunds.record({ ...cash, amount: { value: 1_400, currency: 'SGD' } }, 'boss')).toMatchObject({
          ok: false,
          error: { code: 'INVALID_INPUT' },
        });
        expect((await b.payments.balance('PO1'))?.refundable.value).toBe(3_500);
        expect(await b.otherRefunds.record({ ...cash, id: 'other-2', amount: { value: 3_501, currency: 'SGD' } }, 'boss')).toMatchObject({
          ok: false,
          error: { code: 'AMOUNT_EXCEEDS_REFUNDABLE' },
        });
        expect(await b.journal.insert(refund('PO1', 3_501), 'alice')).toMatchObject({ ok: false, error: { code: 'AMOUNT_EXCEEDS_REFUNDABLE' } });
        expect((await b.journal.insert(refund('PO1', 100), 'alice')).ok).toBe(true);
        expect(await a.otherRefunds.record({ ...cash, id: 'other-3', amount: { value: 10, currency: 'SGD' } }, 'boss')).toMatchObject({
          ok: false,
          error: { code: 'REFUND_IN_FLIGHT' },
        });
        expect((await b.otherRefunds.list({ paymentId: 'PO1' })).map((o) => o.id)).toEqual(['other-1']);
      });

      it('counters recording cash on one payment at once cannot spend more than the balance', async () => {
        const [a, b] = await two();
        await pay(a, 'PO2', 1_000);
        const mk = (id: string) => ({ id, paymentId: 'PO2', method: 'CASH' as const, amount: { value: 300, currency: 'SGD' }, note: 'x' });
        const results = await Promise.all(Array.from({ length: 8 }, (_, i) => (i % 2 ? a : b).otherRefunds.record(mk(`o-${i}`), 'boss')));
        expect(results.filter((r) => r.ok)).toHaveLength(3);
        expect((await a.payments.balance('PO2'))?.refundable.value).toBe(100);
      });
    });

    describe('approvals', () => {
      it('an approval asked at one counter is pending at the other, with its register; decisions are read back', async () => {
        const [a, b] = await two();
        await pay(a, 'PA1');
        const r = refund('PA1', 9_000, { state: 'AWAITING_APPROVAL', approvalReasons: [{ code: 'AMOUNT_AT_OR_OVER_THRESHOLD', text: 'big' }] });
        expect((await a.journal.insert(r, 'alice')).ok).toBe(true);
        const pending = await b.approvals.pending();
        expect(pending).toEqual([
          expect.objectContaining({ refundRequestId: r.refundRequestId, register: a.register, cashier: 'alice', amount: { value: 9_000, currency: 'SGD' } }),
        ]);
        expect((await b.journal.transition(r.refundRequestId, 'AWAITING_APPROVAL', 'APPROVED', { actor: 'boss' })).ok).toBe(true);
        // Decided once: the second manager's compare-and-set loses.
        expect(await a.journal.transition(r.refundRequestId, 'AWAITING_APPROVAL', 'DECLINED', { actor: 'other' })).toMatchObject({
          ok: false,
          error: { code: 'STALE_STATE' },
        });
        await b.approvals.record({ refundRequestId: r.refundRequestId, manager: 'boss', decision: 'APPROVED', reason: 'known customer' });
        expect((await a.approvals.decisions(r.refundRequestId)).map((d) => [d.manager, d.decision])).toEqual([['boss', 'APPROVED']]);
        expect(await a.approvals.pending()).toEqual([]);
        expect((await a.reports.view(r.refundRequestId))?.approvals?.[0]).toMatchObject({ manager: 'boss' });
      });

      it(`pushes approval changes ${opts.crossConnectionNotices ? 'to another counter' : 'to its own connection'}`, async () => {
        const [a, b] = await two();
        const listener = opts.crossConnectionNotices ? b : a;
        const heard: string[] = [];
        const off = listener.approvals.onApprovalChange((id) => heard.push(id));
        await opts.approvalsReady?.(listener);
        await pay(a, 'PA2');
        const r = refund('PA2', 500, { state: 'AWAITING_APPROVAL' });
        await a.journal.insert(r, 'alice');
        await waitFor(() => heard.includes(r.refundRequestId));
        const plain = refund('PA3', 100);
        await pay(a, 'PA3');
        await a.journal.insert(plain, 'alice');
        await a.journal.transition(r.refundRequestId, 'AWAITING_APPROVAL', 'DECLINED', { actor: 'boss' });
        await waitFor(() => heard.filter((x) => x === r.refundRequestId).length === 2);
        // A refund that never waited for a manager is not an approval change.
        expect(heard).not.toContain(plain.refundRequestId);
        off();
      });
    });

    describe('reports', () => {
      it('a refund stopped on a replayed terminal reference is listed, and its receipt printed, at the other counter', async () => {
        const [a, b] = await two();
        await pay(a, 'PX1');
        const r = refund('PX1', 700);
        expect((await a.journal.insert(r, 'alice')).ok).toBe(true);
        expect(await storeReceipt(b, r.refundRequestId, 'UTC')).toMatchObject({ ok: false, error: { code: 'NOT_FINAL' } });
        expect((await a.journal.transition(r.refundRequestId, 'APPROVED', 'REFERENCE_REQUESTED', { actor: 'system' })).ok).toBe(true);
        const patch = { resultCode: 'TERMINAL_REFERENCE_REUSED', message: 'replayed' };
        expect((await a.journal.transition(r.refundRequestId, 'REFERENCE_REQUESTED', 'FAILED', { actor: 'system', patch })).ok).toBe(true);
        expect((await b.reports.referenceReplays()).map((x) => [x.refund_request_id, x.payment_id, x.message])).toEqual([
          [r.refundRequestId, 'PX1', 'replayed'],
        ]);
        const receipt = await storeReceipt(b, r.refundRequestId, 'UTC');
        expect(receipt).toMatchObject({ ok: true, value: { refund: { refundRequestId: r.refundRequestId, state: 'FAILED' }, timeZone: 'UTC' } });
        // Store mode: the register that journaled it (the receipt header is store-wide).
        if (receipt.ok && opts.distinctRegisters) expect(receipt.value.register).toBe(a.register);
        expect(await storeReceipt(b, 'RR-NONE', 'UTC')).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
      });

      it('the daily report and CSV cover every counter, with a register column and filter', async () => {
        const [a, b] = await two();
        await pay(a, 'PR1');
        await pay(a, 'PR2');
        const ra = refund('PR1', 1_000, { cashier: 'alice' });
        const rb = refund('PR2', 2_000, { cashier: 'bob' });
        expect((await a.journal.insert(ra, 'alice')).ok).toBe(true);
        expect((await b.journal.insert(rb, 'bob')).ok).toBe(true);
        await pay(a, 'PR3');
        const credit = await b.otherRefunds.record(
          { id: 'or-r', paymentId: 'PR3', method: 'STORE_CREDIT', amount: { value: 50, currency: 'SGD' }, note: 'n' },
          'boss',
        );
        expect(credit.ok).toBe(true);
        const today = localDate(new Date(), 'UTC');
        const all = await a.reports.dailyReport(today, { tz: 'UTC' });
        expect(all.pending.map((p) => p.refundRequestId).sort()).toEqual([ra.refundRequestId, rb.refundRequestId].sort());
        expect([...all.registers]).toEqual([...new Set([a.register, b.register])].sort());
        const onlyA = await b.reports.dailyReport(today, { tz: 'UTC', register: a.register });
        const expectA = opts.distinctRegisters ? [ra.refundRequestId] : [ra.refundRequestId, rb.refundRequestId].sort();
        expect(onlyA.pending.map((p) => p.refundRequestId).sort()).toEqual(expectA);
        expect((await b.reports.dailyReport(today, { tz: 'UTC', register: 'no-such-register' })).pending).toEqual([]);
        const csv = await b.reports.dailyReportCsv(today, { tz: 'UTC' });
        const lines = csv.trim().split('\r\n');
        const header = (lines[0] ?? '').split(',');
        expect(header.at(-1)).toBe('register');
        const rowOf = (id: string) => lines.find((l) => l.includes(id))?.split(',') ?? [];
        expect(rowOf(ra.refundRequestId).at(-1)).toBe(a.register);
        expect(rowOf(rb.refundRequestId).at(-1)).toBe(b.register);
        expect(rowOf('or-r').at(-1)).toBe(b.register);
        const csvA = await b.reports.dailyReportCsv(today, { tz: 'UTC', register: a.register });
        expect(csvA.includes(rb.refundRequestId)).toBe(!opts.distinctRegisters);
        expect(csvA).toMatch(/audit_head,\d+:[0-9a-f]{64}/);
      });
    });
  });
}

/** End-of-day report: totals per currency and state, per cashier, and what is still pending. */
import { localDate } from './local-date';
import { toMajorString } from '../../preload/contract/money';
import type { RefundView } from '../../preload/contract/refunds';
import type { DailyReportView } from '../../preload/contract/views';
import { toOtherRefundView } from './other-refunds';
import type { OtherRefundRow, RefundRow } from './rows';
import { isFinal } from './state-machine';

export function buildDailyReport(
  date: string,
  rows: readonly RefundRow[],
  view: (r: RefundRow) => RefundView,
  others: readonly OtherRefundRow[] = [],
): DailyReportView {
  const totals = new Map<string, { currency: string; status: string; count: number; value: number }>();
  const byCashier = new Map<string, { cashier: string; currency: string; count: number; value: number }>();
  for (const r of rows) {
    const tk = `${r.currency}|${r.state}`;
    const t = totals.get(tk) ?? { currency: r.currency, status: r.state, count: 0, value: 0 };
    t.count += 1;
    t.value += r.amount_value;
    totals.set(tk, t);
    // Per cashier: what actually went back to customers (SUCCEEDED).
    if (r.state === 'SUCCEEDED') {
      const ck = `${r.cashier}|${r.currency}`;
      const c = byCashier.get(ck) ?? { cashier: r.cashier, currency: r.currency, count: 0, value: 0 };
      c.count += 1;
      c.value += r.amount_value;
      byCashier.set(ck, c);
    }
  }
  const byKey = <T extends object>(a: T, b: T, keys: (keyof T)[]): number => {
    for (const k of keys) {
      const x = String(a[k]);
      const y = String(b[k]);
      if (x !== y) return x < y ? -1 : 1;
    }
    return 0;
  };
  return {
    date,
    totals: [...totals.values()]
      .sort((a, b) => byKey(a, b, ['currency', 'status']))
      .map((t) => ({ currency: t.currency, status: t.status, count: t.count, amount: { value: t.value, currency: t.currency } })),
    byCashier: [...byCashier.values()]
      .sort((a, b) => byKey(a, b, ['cashier', 'currency']))
      .map((c) => ({ cashier: c.cashier, currency: c.currency, count: c.count, amount: { value: c.value, currency: c.currency } })),
    pending: rows.filter((r) => !isFinal(r.state)).map(view),
    // Its own category: cash and store credit never mix with what went back through Antom.
    otherTotals: otherTotals(others),
    otherRefunds: others.map(toOtherRefundView),
  };
}

function otherTotals(others: readonly OtherRefundRow[]): DailyReportView['otherTotals'] {
  const m = new Map<string, { currency: string; method: OtherRefundRow['method']; count: number; value: number }>();
  for (const o of others) {
    const k = `${o.currency}|${o.method}`;
    const t = m.get(k) ?? { currency: o.currency, method: o.method, count: 0, value: 0 };
    t.count += 1;
    t.value += o.amount_value;
    m.set(k, t);
  }
  return [...m.values()]
    .sort((a, b) => (a.currency + a.method < b.currency + b.method ? -1 : 1))
    .map((t) => ({ currency: t.currency, method: t.method, count: t.count, amount: { value: t.value, currency: t.currency } }));
}

// New columns go at the end so existing spreadsheets keep their column letters.
const CSV_HEADER = [
  'created_at',
  'local_date',
  'local_time',
  'time_zone',
  'refund_request_id',
  'payment_id',
  'cashier',
  'mode',
  'state',
  'amount',
  'currency',
  'result_code',
  'refund_id',
  'memo',
  'reason_code',
  'reason',
  'approved_by',
  'approval_reason',
  'payment_method',
  'category',
];

/** The CSV's `category`: an Antom refund, or one the store made another way (no money through Antom). */
const CATEGORY = { ANTOM: 'ANTOM_REFUND', CASH: 'CASH_OUTSIDE_ANTOM', STORE_CREDIT: 'STORE_CREDIT_OUTSIDE_ANTOM' } as const;

/** What a CSV row needs beyond the refund row itself. */
export interface CsvLookups {
  approvals(refundRequestId: string): readonly { manager: string; decision: 'APPROVED' | 'DECLINED'; reason: string }[];
  paymentMethod(paymentId: string): string | null;
  /** Store mode: the register of a refund or other refund (by its id); given, the CSV gets a last `register` column. */
  registerOf?(id: string): string;
}

function csvCell(v: string): string {
  // Quote everything that could break a row; prefix formula-looking text so spreadsheets do not execute it.
  const safe = /^[=+\-@\t\r]/.test(v) ? `'${v}` : v;
  return /[",\r\n]/.test(safe) || safe !== v ? `"${safe.replace(/"/g, '""')}"` : safe;
}

/** Wall-clock date and time of an instant in the shop's zone, for people reading the CSV. */
function localParts(iso: string, tz: string): { date: string; time: string } {
  const d = new Date(iso);
  const time = new Intl.DateTimeFormat('en-GB', { timeZone: tz, hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23' }).format(d);
  return { date: localDate(d, tz), time };
}

/**
 * `auditHead`: the audit chain's head when the report was made, as a last
 * `audit_head,SEQ:HASH` line: a printed or mailed CSV is then a written-down
 * head that `audit verify --head` can later check the ledger against.
 */
export function buildDailyCsv(
  rows: readonly RefundRow[],
  lookups: CsvLookups,
  others: readonly OtherRefundRow[] = [],
  timeZone = 'UTC',
  auditHead?: { seq: number; hash: string },
): string {
  const reg = lookups.registerOf;
  const lines = [(reg === undefined ? CSV_HEADER : [...CSV_HEADER, 'register']).join(',')];
  // rows arrive newest first; reverse before the stable sort so equal times keep journal order.
  for (const r of [...rows].reverse().sort((a, b) => (a.created_at < b.created_at ? -1 : a.created_at > b.created_at ? 1 : 0))) {
    // The manager whose decision let the refund run (or stopped it), with their words.
    const decision = lookups.approvals(r.refund_request_id).at(-1);
    lines.push(
      [
        r.created_at,
        localParts(r.created_at, timeZone).date,
        localParts(r.created_at, timeZone).time,
        timeZone,
        r.refund_request_id,
        r.payment_id,
        r.cashier,
        r.mode,
        r.state,
        toMajorString({ value: r.amount_value, currency: r.currency }),
        r.currency,
        r.result_code ?? '',
        r.refund_id ?? '',
        r.memo ?? '',
        r.reason_code ?? '',
        r.reason_text ?? '',
        decision?.manager ?? '',
        decision?.reason ?? '',
        lookups.paymentMethod(r.payment_id) ?? '',
        CATEGORY.ANTOM,
        ...(reg === undefined ? [] : [reg(r.refund_request_id)]),
      ]
        .map(csvCell)
        .join(','),
    );
  }
  // After the Antom refunds, oldest first: what the store gave in cash or credit.
  for (const o of [...others].reverse()) {
    lines.push(
      [
        o.created_at,
        localParts(o.created_at, timeZone).date,
        localParts(o.created_at, timeZone).time,
        timeZone,
        o.id,
        o.payment_id,
        o.recorded_by,
        o.method,
        'RECORDED',
        toMajorString({ value: o.amount_value, currency: o.currency }),
        o.currency,
        '',
        '',
        o.note,
        '',
        '',
        '',
        '',
        lookups.paymentMethod(o.payment_id) ?? '',
        CATEGORY[o.method],
        ...(reg === undefined ? [] : [reg(o.id)]),
      ]
        .map(csvCell)
        .join(','),
    );
  }
  if (auditHead !== undefined) lines.push(`audit_head,${auditHead.seq}:${auditHead.hash}`);
  return `${lines.join('\r\n')}\r\n`;
}

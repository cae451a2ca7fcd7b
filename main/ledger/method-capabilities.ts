/**
 * What each payment method allows for refunds: the refund window (days from
 * the successful payment), whether partial refunds work, and whether Antom
 * answers synchronously. Seeded from Antom's refund integration guide
 * (../shared/antom/refund-integration-guide.txt, Table 1 and Table 2) and
 * corrected, per method, by what Antom actually answers
 * (DPOS_REFUND_PARTIAL_REFUND_NOT_SUPPORTED, DPOS_REFUND_REFUND_WINDOW_EXCEED).
 *
 * Table 1 of the guide has its two column headings swapped ("Refund time limit"
 * holds the sync/async sentence, "Refund processing period" the days); the days
 * are the refund window, as the guide's refund rules describe ("refunds are not
 * supported after a certain time, starting from the time of successful payment").
 * The guide does not say which methods refuse partial refunds, so the seed says
 * "unknown" (null): partial is offered until Antom refuses it.
 */
import type { Database } from 'better-sqlite3';
import { z } from 'zod';
import { parseRows } from './rows';

export interface MethodCapability {
  readonly paymentMethod: string;
  /** Days after the successful payment during which a refund is accepted; null = unknown. */
  readonly windowDays: number | null;
  /** null = unknown (offered; Antom has the last word). */
  readonly partialSupported: boolean | null;
  /** Synchronous: the refund answer is final. Asynchronous: expect IN_PROCESS and a later result. */
  readonly sync: boolean | null;
  /** Where the row comes from: the integration guide, or an Antom answer (result code). */
  readonly source: 'GUIDE' | 'ANTOM' | 'UNKNOWN';
  readonly learnedFrom: string | null;
}

/** Antom's paymentMethodType values -> the guide's table rows. */
export const GUIDE_CAPABILITIES: Readonly<Record<string, Omit<MethodCapability, 'paymentMethod' | 'source' | 'learnedFrom'>>> = Object.freeze({
  ALIPAY_CN: { windowDays: 365, partialSupported: null, sync: true },
  ALIPAY_HK: { windowDays: 365, partialSupported: null, sync: true },
  GCASH: { windowDays: 365, partialSupported: null, sync: true },
  DANA: { windowDays: 365, partialSupported: null, sync: true },
  TNG: { windowDays: 365, partialSupported: null, sync: true },
  EXPRESS_BANKTRANSFER: { windowDays: 180, partialSupported: null, sync: false },
});

const LearnedRow = z.object({
  payment_method: z.string(),
  partial_supported: z.number().int().nullable(),
  window_days: z.number().int().nullable(),
  learned_from: z.string(),
  updated_at: z.string(),
});

/** The guide's seed for a method corrected by what Antom's answers taught (either engine stores the lesson). */
export function mergeCapability(
  paymentMethod: string,
  learned: { partialSupported: boolean | null; windowDays: number | null; learnedFrom: string } | undefined,
): MethodCapability {
  const key = paymentMethod.toUpperCase();
  const seed = GUIDE_CAPABILITIES[key];
  const base: MethodCapability = seed
    ? { paymentMethod: key, ...seed, source: 'GUIDE', learnedFrom: null }
    : { paymentMethod: key, windowDays: null, partialSupported: null, sync: null, source: 'UNKNOWN', learnedFrom: null };
  if (learned === undefined) return base;
  return {
    ...base,
    partialSupported: learned.partialSupported ?? base.partialSupported,
    windowDays: learned.windowDays ?? base.windowDays,
    source: 'ANTOM',
    learnedFrom: learned.learnedFrom,
  };
}

export class MethodCapabilities {
  constructor(
    private readonly db: Database,
    private readonly clock: () => Date,
  ) {}

  get(paymentMethod: string): MethodCapability {
    const key = paymentMethod.toUpperCase();
    const learned = parseRows(LearnedRow, this.db.prepare('SELECT * FROM method_capabilities WHERE payment_method = ?').all(key), 'capability')[0];
    return mergeCapability(
      key,
      learned && {
        partialSupported: learned.partial_supported === null ? null : learned.partial_supported !== 0,
        windowDays: learned.window_days,
        learnedFrom: learned.learned_from,
      },
    );
  }

  list(): MethodCapability[] {
    const learned = parseRows(LearnedRow, this.db.prepare('SELECT * FROM method_capabilities').all(), 'capability').map((r) => r.payment_method);
    return [...new Set([...Object.keys(GUIDE_CAPABILITIES), ...learned])].sort().map((m) => this.get(m));
  }

  /** Antom refused a partial refund for this method: stop offering it. */
  learnPartialRefused(paymentMethod: string, resultCode: string): void {
    this.db
      .prepare(
        `INSERT INTO method_capabilities (payment_method, partial_supported, window_days, learned_from, updated_at) VALUES (?, 0, NULL, ?, ?)
         ON CONFLICT(payment_method) DO UPDATE SET partial_supported = 0, learned_from = excluded.learned_from, updated_at = excluded.updated_at`,
      )
      .run(paymentMethod.toUpperCase(), resultCode, this.clock().toISOString());
  }

  /**
   * Antom refused a refund as too late, `ageDays` after the payment: the window
   * is shorter than that (contracts may shorten the guide's figure).
   */
  learnWindowExceeded(paymentMethod: string, ageDays: number, resultCode: string): void {
    const current = this.get(paymentMethod).windowDays;
    const days = Math.max(0, Math.floor(ageDays));
    if (current !== null && current <= days) return; // consistent with what we knew
    this.db
      .prepare(
        `INSERT INTO method_capabilities (payment_method, partial_supported, window_days, learned_from, updated_at) VALUES (?, NULL, ?, ?, ?)
         ON CONFLICT(payment_method) DO UPDATE SET window_days = excluded.window_days, learned_from = excluded.learned_from, updated_at = excluded.updated_at`,
      )
      .run(paymentMethod.toUpperCase(), days, resultCode, this.clock().toISOString());
  }
}

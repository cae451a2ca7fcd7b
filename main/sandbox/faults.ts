/**
 * Scriptable fault injection for the sandbox. A fault applies to the next
 * matching request(s): once, N times or always, optionally only for one API
 * and/or one paymentId. The server asks `take()` once per request.
 */
import { z } from 'zod';

export const FaultKind = z.enum([
  'latency', // answer normally, but only after latencyMs
  'drop-after-processing', // process the request, then destroy the socket without answering
  'http-5xx', // answer with an unsigned 5xx (processFirst: whether the request was processed)
  'force-result', // answer this result instead of processing
  'bad-signature', // process, answer with a signature that does not verify
  'missing-signature', // process, answer without a signature header
  'malformed-json', // process, answer with a signed body that is not JSON
]);
export type FaultKind = z.infer<typeof FaultKind>;

export const FaultSpec = z
  .object({
    kind: FaultKind,
    /** Number of matching requests to affect, or 'always'. Default 1. */
    times: z.union([z.number().int().min(1), z.literal('always')]).default(1),
    api: z.enum(['refund', 'inquiryRefund', 'inquiryPayment']).optional(),
    paymentId: z.string().min(1).max(64).optional(),
    latencyMs: z.number().int().min(0).max(120_000).default(0),
    httpStatus: z.number().int().min(500).max(599).default(503),
    /** For http-5xx: process the request before failing (a proxy error after the work was done). */
    processFirst: z.boolean().default(false),
    result: z
      .object({
        resultStatus: z.enum(['S', 'F', 'U']),
        resultCode: z.string().min(1).max(64),
        resultMessage: z.string().max(256).optional(),
      })
      .optional(),
  })
  .refine((f) => f.kind !== 'force-result' || f.result !== undefined, 'force-result needs a result');
export type FaultSpec = z.output<typeof FaultSpec>;
export type FaultSpecInput = z.input<typeof FaultSpec>;

export interface ActiveFault {
  readonly id: number;
  readonly spec: FaultSpec;
  readonly remaining: number | 'always';
}

export class FaultController {
  private faults: { id: number; spec: FaultSpec; remaining: number | 'always' }[] = [];
  private nextId = 1;

  /** Adds a fault; returns its id. Throws on an invalid spec. */
  add(spec: FaultSpecInput): number {
    const parsed = FaultSpec.parse(spec);
    const id = this.nextId++;
    this.faults.push({ id, spec: parsed, remaining: parsed.times });
    return id;
  }

  /** Shorthands for tests and scripts. */
  once(spec: Omit<FaultSpecInput, 'times'>): number {
    return this.add({ ...spec, times: 1 });
  }
  always(spec: Omit<FaultSpecInput, 'times'>): number {
    return this.add({ ...spec, times: 'always' });
  }

  remove(id: number): void {
    this.faults = this.faults.filter((f) => f.id !== id);
  }

  clear(): void {
    this.faults = [];
  }

  list(): ActiveFault[] {
    return this.faults.map((f) => ({ ...f }));
  }

  /** First fault matching this request, consuming one use of it. */
  take(api: 'refund' | 'inquiryRefund' | 'inquiryPayment', paymentId: string | undefined): FaultSpec | null {
    const hit = this.faults.find((f) => (f.spec.api === undefined || f.spec.api === api) && (f.spec.paymentId === undefined || f.spec.paymentId === paymentId));
    if (!hit) return null;
    if (hit.remaining !== 'always') {
      hit.remaining -= 1;
      if (hit.remaining <= 0) this.remove(hit.id);
    }
    return hit.spec;
  }
}

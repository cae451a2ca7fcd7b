/** Runtime fault switches of the virtual terminal, for demos and robustness tests. */
import { z } from 'zod';

export const FaultSwitchesSchema = z.object({
  /** Share (0..1) of good frames whose ACK is not sent. */
  dropAckShare: z.number().min(0).max(1).default(0),
  /** Delay before each ACK, ms. */
  delayAckMs: z.number().int().min(0).max(60_000).default(0),
  /** Share (0..1) of outgoing bytes that are corrupted. */
  corruptShare: z.number().min(0).max(1).default(0),
  /** Share (0..1) of good frames answered NAK instead of ACK. */
  nakShare: z.number().min(0).max(1).default(0),
  /** Answer BUSY to refund.* and info. */
  busy: z.boolean().default(false),
  /**
   * Vanish when the next request (of type `vanishOn`, or any non-hello request) arrives:
   * 'silent' stops answering anything (no ACKs, no replies), 'close' closes the port.
   */
  vanish: z.enum(['none', 'silent', 'close']).default('none'),
  vanishOn: z.string().optional(),
  /**
   * Answer a new refund.reference with the reference issued last, for another
   * refund (a faulty or cloned terminal); the host must refuse it.
   */
  replayReference: z.boolean().default(false),
});
export type FaultSwitches = z.infer<typeof FaultSwitchesSchema>;
export type FaultSwitchesInput = z.input<typeof FaultSwitchesSchema>;

export const NO_FAULTS: FaultSwitches = FaultSwitchesSchema.parse({});

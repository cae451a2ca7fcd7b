/** Persistent state of the virtual terminal (pairing + issued references), validated on load. */
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { z } from 'zod';
import { MoneySchema } from '../messages/schemas';

export const TerminalStateSchema = z.object({
  version: z.literal(1),
  pairing: z.object({ hostId: z.string(), hostName: z.string(), pairingKey: z.string().regex(/^[A-Za-z0-9_-]{43}$/), pairedAt: z.string() }).nullable(),
  counter: z.number().int().min(0),
  refunds: z.record(
    z.string(),
    z.object({ paymentId: z.string(), refundAmount: MoneySchema.nullable(), originalMerchantRefundId: z.string(), result: z.string().optional() }),
  ),
});
export type TerminalState = z.infer<typeof TerminalStateSchema>;

export function emptyTerminalState(): TerminalState {
  return { version: 1, pairing: null, counter: 0, refunds: {} };
}

/** Loads the state file; a missing or unreadable file starts fresh (the caller logs why). */
export function loadTerminalState(file: string): { state: TerminalState; problem?: string } {
  if (!existsSync(file)) return { state: emptyTerminalState() };
  try {
    const parsed = TerminalStateSchema.safeParse(JSON.parse(readFileSync(file, 'utf8')));
    if (parsed.success) return { state: parsed.data };
    return { state: emptyTerminalState(), problem: `state file ${file} is invalid; starting unpaired` };
  } catch (e) {
    return { state: emptyTerminalState(), problem: `state file ${file} unreadable (${e instanceof Error ? e.message : String(e)}); starting unpaired` };
  }
}

/** Write-then-rename so a crash never leaves half a file. */
export function saveTerminalState(file: string, state: TerminalState): void {
  const tmp = `${file}.tmp`;
  writeFileSync(tmp, JSON.stringify(state, null, 2), { mode: 0o600 });
  renameSync(tmp, file);
}

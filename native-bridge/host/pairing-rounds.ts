/**
 * The whole pairing in one go: pair.begin, the code (from `readCode`: a
 * technician typing it, or the demo reading the virtual screen), pair.confirm.
 * pair.confirm is never asked again (spec section 3); when its reply was lost
 * on the line (LINK_DOWN / TIMEOUT / LINE_NOISE) pairing starts over with a
 * new pair.begin and a new code, up to `rounds` times. Any other refusal
 * (wrong code, locked, swapped) is returned as it is.
 */
import { err, ok, type Result } from '../../preload/contract/result';
import { TERMINAL_ERROR_MESSAGES } from '../messages/errors';
import type { Logger } from './link-session';
import type { TerminalErrorCode } from './terminal-port';

export interface PairingSteps {
  pairBegin(): Promise<Result<void, TerminalErrorCode>>;
  pairConfirm(code: string): Promise<Result<{ serial: string; model: string }, TerminalErrorCode>>;
}

export async function pairInRounds(
  steps: PairingSteps,
  readCode: (round: number) => Promise<string | null>,
  rounds: number,
  log: Logger,
): Promise<Result<{ serial: string; model: string; rounds: number }, TerminalErrorCode>> {
  let last: Result<never, TerminalErrorCode> = err('NOT_CONNECTED', TERMINAL_ERROR_MESSAGES.NOT_CONNECTED);
  for (let round = 1; round <= Math.max(1, rounds); round++) {
    const begun = await steps.pairBegin();
    if (!begun.ok) return begun;
    const code = await readCode(round);
    if (code === null) return err('BAD_REQUEST', 'No pairing code entered.');
    const confirmed = await steps.pairConfirm(code);
    if (confirmed.ok) return ok({ ...confirmed.value, rounds: round });
    if (confirmed.error.code !== 'LINK_DOWN' && confirmed.error.code !== 'TIMEOUT' && confirmed.error.code !== 'LINE_NOISE') return confirmed;
    log('warn', 'line noise: the pair.confirm reply was lost; pairing starts over with a new code', { round });
    last = confirmed;
  }
  return last;
}

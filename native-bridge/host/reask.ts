/**
 * Asking the terminal once more when line noise cost the reply (spec section
 * 3, as clarified): a re-askable request goes out again as a new frame (new
 * id, next SEQ) until it is answered or its time budget is spent. A loss on a
 * clean line is "terminal not answering" and is returned at once: waiting
 * longer would only hide an unplugged or dead terminal.
 */
import type { z } from 'zod';
import { err, type Result } from '../../preload/contract/result';
import type { LinkStats } from '../link/stats';
import { noiseMark, type Logger, type Session } from './link-session';
import type { TerminalErrorCode } from './terminal-port';

/**
 * Requests asked again when line noise cost the reply (spec section 3 lists
 * hello, auth, ping, info and refund.reference as safe). pair.begin is added
 * (docs/terminal-link.md): it only puts a code on the terminal's screen,
 * replacing any earlier one, and is asked before the technician has read
 * anything. pair.confirm, refund.result and unpair are never asked again.
 */
export const REASKABLE: ReadonlySet<string> = new Set(['hello', 'auth', 'ping', 'info', 'refund.reference', 'pair.begin']);

/** Below this much budget left a re-ask could not get an answer in time anyway. */
const MIN_ATTEMPT_MS = 50;

export interface AskContext {
  /** Per-attempt reply timeout. */
  readonly timeoutMs: number;
  /** Total time a re-askable request may take over all its attempts. */
  readonly budgetMs: number;
  readonly counters: LinkStats;
  readonly log: Logger;
  /** False once another session replaced `s`: its losses are an outage, not noise. */
  isCurrent(s: Session): boolean;
}

/** One request on session `s`, asked again after noise when `t` is re-askable. */
export async function askOnSession<S extends z.ZodType>(
  ctx: AskContext,
  s: Session,
  t: string,
  fields: Record<string, unknown>,
  schema: S,
): Promise<Result<z.infer<S>, TerminalErrorCode>> {
  const reaskable = REASKABLE.has(t);
  const deadline = Date.now() + ctx.budgetMs;
  for (let attempt = 1; ; attempt++) {
    const mark = noiseMark(ctx.counters);
    const left = deadline - Date.now();
    const r = await s.endpoint.request(t, fields, schema, reaskable ? Math.max(MIN_ATTEMPT_MS, Math.min(ctx.timeoutMs, left)) : undefined);
    if (r.ok) {
      if (attempt > 1) ctx.counters.reaskedOk++;
      return r;
    }
    const code = r.error.code;
    if (!reaskable || (code !== 'LINK_DOWN' && code !== 'TIMEOUT')) return r;
    // The port closed or the session was torn down: an outage, not noise.
    if (s.isEnded() || !s.transport.isOpen || !ctx.isCurrent(s)) return r;
    if (noiseMark(ctx.counters) === mark) {
      ctx.counters.notAnswering++;
      ctx.log('warn', `terminal not answering: ${t} got no reply on a clean line`, { t, code, attempt });
      return r;
    }
    if (deadline - Date.now() < MIN_ATTEMPT_MS) {
      ctx.log('warn', `line noise: ${t} lost its reply ${attempt} times within ${ctx.budgetMs} ms; giving up`, { t, code, attempt });
      return err(
        'LINE_NOISE',
        `Line noise: ${t} was asked ${attempt} times and every reply was damaged on the cable. Nothing was assumed; check the cable. (${r.error.message})`,
      );
    }
    ctx.counters.reasked++;
    ctx.log('info', `line noise, retrying ${t} as a new frame`, { t, code, attempt });
  }
}

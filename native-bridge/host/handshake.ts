/**
 * The start of every session: hello, both identity proofs against the stored
 * pairing, auth. Decides what the link shows (unpaired, authenticated, or down
 * with why: another terminal, a failed proof, a refused auth) and, when the
 * terminal is not the paired one, refuses every request of the session.
 */
import type { z } from 'zod';
import type { Result } from '../../preload/contract/result';
import { EmptyOk, HelloOk } from '../messages/schemas';
import type { Pairing } from '../session/pairing-store';
import { hostProof, newNonce, proofsEqual, terminalProof } from '../session/proofs';
import type { Session } from './link-session';
import type { LinkStatus } from './status';
import type { TerminalErrorCode } from './terminal-port';

export interface HandshakeContext {
  readonly host: { readonly app: string; readonly version: string };
  ask<S extends z.ZodType>(s: Session, t: string, fields: Record<string, unknown>, schema: S): Promise<Result<z.infer<S>, TerminalErrorCode>>;
  /** The stored pairing, or null (none, or unreadable: logged by the caller). */
  loadPairing(): Promise<Pairing | null>;
  setStatus(status: LinkStatus): void;
}

/** Returns true when the session reached a usable state (authenticated, or unpaired and ready to pair). */
export async function handshake(ctx: HandshakeContext, s: Session): Promise<boolean> {
  s.handshaking = true;
  try {
    return await handshakeSteps(ctx, s);
  } finally {
    s.handshaking = false;
  }
}

async function handshakeSteps(ctx: HandshakeContext, s: Session): Promise<boolean> {
  s.refusal = null;
  const hostNonce = newNonce();
  const hello = await ctx.ask(s, 'hello', { proto: 1, host: { app: ctx.host.app, version: ctx.host.version }, hostNonce }, HelloOk);
  if (s.isEnded()) return false;
  if (!hello.ok) {
    s.end(`hello failed: ${hello.error.message}`);
    return false;
  }
  const h = hello.value;
  s.hello = h;
  const port = s.transport.description;
  if (h.proto !== 1) {
    s.refusal = { code: 'PROTOCOL_ERROR', message: `terminal speaks TLP/${h.proto}, this host speaks TLP/1` };
    ctx.setStatus({ state: 'down', reason: `PROTOCOL_ERROR: ${s.refusal.message}`, port, terminal: h.terminal });
    return false;
  }
  const pairing = await ctx.loadPairing();
  if (!pairing) {
    ctx.setStatus({ state: 'unpaired', reason: 'no terminal paired with this register', port, terminal: h.terminal });
    return true;
  }
  const refuse = (message: string): false => {
    s.refusal = { code: 'TERMINAL_SWAPPED', message };
    ctx.setStatus({ state: 'down', reason: `TERMINAL_SWAPPED: ${message}`, port, terminal: h.terminal });
    return false;
  };
  if (h.terminal.serial !== pairing.serial) {
    return refuse(
      `connected terminal ${h.terminal.serial} is not the paired terminal ${pairing.serial}. Reconnect the paired terminal, or pair this one if it replaced it.`,
    );
  }
  if (!h.paired || !h.proof) return refuse(`terminal ${h.terminal.serial} says it is not paired (reset or swapped?). Pair it again.`);
  if (!proofsEqual(terminalProof(pairing.pairingKey, h.terminal.serial, hostNonce, h.terminalNonce), h.proof)) {
    return refuse(`terminal ${h.terminal.serial} failed its identity proof (wrong pairing key: swapped, reset or re-paired elsewhere).`);
  }
  const auth = await ctx.ask(s, 'auth', { proof: hostProof(pairing.pairingKey, h.terminal.serial, h.terminalNonce, hostNonce) }, EmptyOk);
  if (s.isEnded()) return false;
  if (!auth.ok) {
    if (auth.error.code === 'AUTH_FAILED' || auth.error.code === 'NOT_PAIRED') {
      s.refusal = { code: 'AUTH_FAILED', message: auth.error.message };
      ctx.setStatus({ state: 'down', reason: `AUTH_FAILED: ${auth.error.message}`, port, terminal: h.terminal });
      return false;
    }
    s.end(`auth failed: ${auth.error.message}`);
    return false;
  }
  ctx.setStatus({ state: 'authenticated', port, terminal: h.terminal });
  return true;
}

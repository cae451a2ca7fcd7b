/**
 * Message layer: JSON payloads over a LinkLayer. Matches replies to requests by
 * `id` with per-request timeouts, turns `error` replies into typed errors,
 * routes `evt.*` to subscribers and incoming requests to a handler. Every
 * payload from the wire is validated; nothing here throws at its callers.
 */
import type { z } from 'zod';
import { err, ok, Result } from '../../preload/contract/result';
import { DEFAULT_REQUEST_TIMEOUT_MS } from '../protocol/constants';
import { FrameTooLargeError } from '../protocol/frame';
import { LinkDownError, LinkLayer, LinkLogger } from '../link/link';
import { recordRtt } from '../link/stats';
import { isProtocolErrorCode, TerminalErrorCode, TERMINAL_ERROR_MESSAGES } from './errors';
import { Envelope, ErrorMessage, MessageId, ProtocolErrorCode } from './schemas';

export interface IncomingMessage {
  readonly t: string;
  readonly id: string;
  /** The whole decoded JSON object (validate per type before use). */
  readonly body: Record<string, unknown>;
}

interface Pending {
  readonly t: string;
  readonly schema: z.ZodType;
  readonly sentAt: number;
  readonly timer: NodeJS.Timeout;
  readonly resolve: (r: Result<unknown, TerminalErrorCode>) => void;
}

export interface EndpointOptions {
  /** Prefix for ids this side generates (ids must be unique per sender per session). */
  readonly idPrefix?: string;
  readonly defaultTimeoutMs?: number;
  readonly log?: LinkLogger;
}

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });

/** `t` and `id` first (as in the spec's examples); fields can never override them. */
export function envelope(t: string, id: string, fields: Record<string, unknown>): { t: string; id: string } & Record<string, unknown> {
  const out: { t: string; id: string } & Record<string, unknown> = { t, id };
  for (const [k, v] of Object.entries(fields)) if (k !== 't' && k !== 'id' && v !== undefined) out[k] = v;
  return out;
}

export function isResponseType(t: string): boolean {
  return t === 'error' || t.endsWith('.ok');
}

/** Decodes a frame payload into an object with string `t` / `id`, or explains why not. */
export function decodePayload(payload: Uint8Array): { ok: true; msg: IncomingMessage } | { ok: false; reason: string; id?: string; t?: string } {
  let text: string;
  try {
    text = utf8.decode(payload);
  } catch {
    return { ok: false, reason: 'payload is not valid UTF-8' };
  }
  if (text.charCodeAt(0) === 0xfeff) return { ok: false, reason: 'payload starts with a BOM' };
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { ok: false, reason: 'payload is not JSON' };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return { ok: false, reason: 'payload is not a JSON object' };
  const body = value as Record<string, unknown>;
  const env = Envelope.safeParse(body);
  if (!env.success) {
    const id = MessageId.safeParse(body['id']);
    const t = typeof body['t'] === 'string' ? body['t'] : undefined;
    return { ok: false, reason: 'missing or invalid t/id', ...(id.success ? { id: id.data } : {}), ...(t !== undefined ? { t } : {}) };
  }
  return { ok: true, msg: { t: env.data.t, id: env.data.id, body } };
}

export class MessageEndpoint {
  private readonly pending = new Map<string, Pending>();
  private readonly requestListeners = new Set<(m: IncomingMessage) => void>();
  private readonly eventListeners = new Set<(m: IncomingMessage) => void>();
  private counter = 0;
  private disposed = false;
  private readonly unsub: () => void;
  private readonly timeoutMs: number;

  constructor(
    readonly link: LinkLayer,
    private readonly opts: EndpointOptions = {},
  ) {
    this.timeoutMs = opts.defaultTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
    this.unsub = link.onFrame((p) => this.onPayload(p));
  }

  nextId(): string {
    this.counter++;
    return `${this.opts.idPrefix ?? 'h'}${this.counter.toString(36)}`;
  }

  onRequest(l: (m: IncomingMessage) => void): () => void {
    this.requestListeners.add(l);
    return () => this.requestListeners.delete(l);
  }

  onEvent(l: (m: IncomingMessage) => void): () => void {
    this.eventListeners.add(l);
    return () => this.eventListeners.delete(l);
  }

  /** Sends request `t` and waits for `t.ok` (validated by `okSchema`) or `error`. */
  request<S extends z.ZodType>(t: string, fields: Record<string, unknown>, okSchema: S, timeoutMs?: number): Promise<Result<z.infer<S>, TerminalErrorCode>> {
    if (this.disposed) return Promise.resolve(err('NOT_CONNECTED', TERMINAL_ERROR_MESSAGES.NOT_CONNECTED));
    const id = this.nextId();
    const limit = timeoutMs ?? this.timeoutMs;
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        if (!this.pending.delete(id)) return;
        this.link.stats.requestTimeouts++;
        resolve(err('TIMEOUT', `No answer to ${t} within ${limit} ms. ${TERMINAL_ERROR_MESSAGES.TIMEOUT}`));
      }, limit);
      this.pending.set(id, { t, schema: okSchema, sentAt: Date.now(), timer, resolve: resolve as (r: Result<unknown, TerminalErrorCode>) => void });
      this.link.send(Buffer.from(JSON.stringify(envelope(t, id, fields)), 'utf8')).catch((e: unknown) => {
        const p = this.pending.get(id);
        if (!p) return;
        this.pending.delete(id);
        clearTimeout(p.timer);
        if (e instanceof FrameTooLargeError) resolve(err('BAD_REQUEST', e.message));
        else resolve(err('LINK_DOWN', `${e instanceof LinkDownError ? e.message : String(e)}. ${TERMINAL_ERROR_MESSAGES.LINK_DOWN}`));
      });
    });
  }

  /** Sends a reply or event; resolves false if the link could not deliver it. */
  async send(message: { t: string; id: string } & Record<string, unknown>): Promise<boolean> {
    if (this.disposed) return false;
    try {
      await this.link.send(Buffer.from(JSON.stringify(envelope(message.t, message.id, message)), 'utf8'));
      return true;
    } catch (e) {
      this.opts.log?.('debug', 'send failed', { t: message.t, error: e instanceof Error ? e.message : String(e) });
      return false;
    }
  }

  reply(req: { t: string; id: string }, fields: Record<string, unknown> = {}): Promise<boolean> {
    return this.send(envelope(`${req.t}.ok`, req.id, fields));
  }

  replyError(id: string, code: ProtocolErrorCode, message: string): Promise<boolean> {
    return this.send({ t: 'error', id, code, message });
  }

  /** Fails every outstanding request (e.g. the port closed) with `code`. */
  failPending(code: TerminalErrorCode, message: string): void {
    for (const [id, p] of this.pending) {
      clearTimeout(p.timer);
      this.pending.delete(id);
      p.resolve(err(code, message));
    }
  }

  get pendingCount(): number {
    return this.pending.size;
  }

  dispose(code: TerminalErrorCode = 'LINK_DOWN', message = TERMINAL_ERROR_MESSAGES.LINK_DOWN): void {
    if (this.disposed) return;
    this.failPending(code, message);
    this.disposed = true;
    this.unsub();
    this.requestListeners.clear();
    this.eventListeners.clear();
  }

  private onPayload(payload: Buffer): void {
    const d = decodePayload(payload);
    if (!d.ok) {
      this.opts.log?.('warn', 'bad payload', { reason: d.reason });
      // Tell a requester what was wrong when we can address the answer; never answer a reply.
      if (this.requestListeners.size > 0 && !(d.t !== undefined && (isResponseType(d.t) || d.t.startsWith('evt.')))) {
        void this.replyError(d.id ?? '0', 'BAD_REQUEST', d.reason);
      }
      return;
    }
    const m = d.msg;
    if (isResponseType(m.t)) this.onResponse(m);
    else if (m.t.startsWith('evt.')) for (const l of [...this.eventListeners]) l(m);
    else if (this.requestListeners.size > 0) for (const l of [...this.requestListeners]) l(m);
    else void this.replyError(m.id, 'UNSUPPORTED', `${m.t} is not handled by this side`);
  }

  private onResponse(m: IncomingMessage): void {
    const p = this.pending.get(m.id);
    if (!p) {
      this.opts.log?.('debug', 'reply for unknown id', { t: m.t, id: m.id });
      return;
    }
    this.pending.delete(m.id);
    clearTimeout(p.timer);
    if (m.t === 'error') {
      const e = ErrorMessage.safeParse(m.body);
      if (!e.success) {
        p.resolve(err('PROTOCOL_ERROR', `Malformed error reply to ${p.t}`));
        return;
      }
      const code = e.data.code;
      if (isProtocolErrorCode(code)) p.resolve(err(code, e.data.message ?? TERMINAL_ERROR_MESSAGES[code], { terminalMessage: e.data.message ?? null }));
      else p.resolve(err('PROTOCOL_ERROR', `Terminal answered ${p.t} with unknown error code ${code}`, { code }));
      return;
    }
    if (m.t !== `${p.t}.ok`) {
      p.resolve(err('PROTOCOL_ERROR', `Expected ${p.t}.ok, got ${m.t}`));
      return;
    }
    const parsed = p.schema.safeParse(m.body);
    if (!parsed.success) {
      p.resolve(err('PROTOCOL_ERROR', `Malformed ${m.t}: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`));
      return;
    }
    recordRtt(this.link.stats, Date.now() - p.sentAt);
    p.resolve(ok(parsed.data));
  }
}

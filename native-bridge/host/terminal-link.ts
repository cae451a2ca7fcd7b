/**
 * TerminalLink: the host side of TLP/1 for one configured port. Owns the
 * connect -> hello -> proofs -> auth cycle, reconnects by itself with backoff,
 * keeps the link alive with `ping` when idle, and exposes the refund engine's
 * TerminalPort. Failures come back as Result values, never as throws.
 */
import { EventEmitter } from 'node:events';
import type { RefundReferenceRequest, RefundResultNotice, TerminalErrorCode, TerminalPort } from './terminal-port';
import { err, ok, Result } from '../../preload/contract/result';
import type { z } from 'zod';
import type { LinkOptions } from '../link/link';
import { createLinkStats, LinkStats } from '../link/stats';
import { TERMINAL_ERROR_MESSAGES } from '../messages/errors';
import type { IncomingMessage } from '../messages/endpoint';
import { EmptyOk, InfoOk, PairConfirmOk, PingOk, RefundReferenceOk, RefundResultOk } from '../messages/schemas';
import type { Pairing, PairingStore } from '../session/pairing-store';
import type { Transport } from '../transport/transport';
import { handshake, type HandshakeContext } from './handshake';
import { noiseMark, openSession, type Logger, type Session } from './link-session';
import { pairInRounds } from './pairing-rounds';
import { askOnSession, type AskContext } from './reask';
import { describePortError } from '../discovery/port-errors';
import { decodeTerminalEvent, LinkStatus, ScanEvent, TerminalEvent } from './status';
import { watchTerminalHotplug, HotplugWatcher } from '../discovery/hotplug';
import type { UsbIdEntry } from '../discovery/ids';
import type { UsbBackend } from '../discovery/usb-backend';
import { limitLog, type LimitedLogger } from './log-limiter';

export type { Logger, LogLevel } from './link-session';

export interface TerminalLinkOptions {
  readonly openTransport: () => Promise<Transport>;
  readonly pairingStore: PairingStore;
  readonly host: { readonly app: string; readonly version: string; readonly hostId: string; readonly hostName: string };
  /** Per-request reply timeout; default 5000 ms (spec section 4). */
  readonly requestTimeoutMs?: number;
  /**
   * Total time a re-askable request (hello, auth, ping, info, refund.reference,
   * pair.begin) may take when line noise costs its reply and it is asked
   * again; each attempt still waits at most requestTimeoutMs. Default 3 × requestTimeoutMs.
   */
  readonly requestBudgetMs?: number;
  /** Idle time before a heartbeat ping; default 3000 ms; 0 disables. */
  readonly heartbeatMs?: number;
  /** First reconnect delay; doubles per failed attempt up to maxReconnectDelayMs. Default 500 ms. */
  readonly reconnectDelayMs?: number;
  readonly maxReconnectDelayMs?: number;
  readonly log?: Logger;
  /**
   * USB hotplug: a detach of the connected terminal (same USB serial number, or
   * any table device when the serial is unknown) ends the session at once; an
   * attach of a table device skips the reconnect backoff.
   */
  readonly hotplug?: { readonly usb: UsbBackend; readonly ids?: readonly UsbIdEntry[] };
  /** Link-layer tuning (tests only; defaults are the spec's). */
  readonly link?: Pick<LinkOptions, 'ackTimeoutMs' | 'maxRetransmissions' | 'interByteTimeoutMs'>;
}

export interface TerminalLinkStats extends LinkStats {
  readonly state: LinkStatus['state'];
}

/** Probes (pings) tried on the still-open port after a link down before reopening it. */
const LINK_DOWN_PROBES = 2;

type Events = {
  status: [LinkStatus];
  scan: [ScanEvent];
  terminalEvent: [TerminalEvent];
};

export class TerminalLink implements TerminalPort {
  private readonly emitter = new EventEmitter();
  private current: LinkStatus = { state: 'disconnected' };
  private session: Session | null = null;
  private running = false;
  private loop: Promise<void> | null = null;
  private wakeUp: (() => void) | null = null;
  private heartbeatTimer: NodeJS.Timeout | null = null;
  private hotplugWatcher: HotplugWatcher | null = null;
  private readonly counters: LinkStats = createLinkStats();
  private readonly log: LimitedLogger;
  private readonly timeoutMs: number;
  private readonly budgetMs: number;
  private readonly heartbeatMs: number;
  private readonly baseDelay: number;
  private readonly maxDelay: number;
  private readonly askContext: AskContext;
  private readonly handshakeContext: HandshakeContext;

  constructor(private readonly opts: TerminalLinkOptions) {
    // Bounded: a noisy or hostile terminal must not fill the journal's disk with warnings (attack report F6).
    this.log = limitLog(opts.log ?? (() => undefined));
    this.timeoutMs = opts.requestTimeoutMs ?? 5000;
    this.budgetMs = Math.max(this.timeoutMs, opts.requestBudgetMs ?? 3 * this.timeoutMs);
    this.heartbeatMs = opts.heartbeatMs ?? 3000;
    this.baseDelay = opts.reconnectDelayMs ?? 500;
    this.maxDelay = opts.maxReconnectDelayMs ?? 10_000;
    this.emitter.on('error', () => undefined);
    this.askContext = { timeoutMs: this.timeoutMs, budgetMs: this.budgetMs, counters: this.counters, log: this.log, isCurrent: (s) => this.session === s };
    this.handshakeContext = {
      host: opts.host,
      ask: (s, t, fields, schema) => this.ask(s, t, fields, schema),
      loadPairing: () => this.loadPairing(),
      setStatus: (status) => this.setStatus(status),
    };
  }

  // ------------------------------------------------------------ events

  on<K extends keyof Events>(event: K, listener: (...args: Events[K]) => void): this {
    this.emitter.on(event, listener as (...a: unknown[]) => void);
    return this;
  }

  off<K extends keyof Events>(event: K, listener: (...args: Events[K]) => void): this {
    this.emitter.off(event, listener as (...a: unknown[]) => void);
    return this;
  }

  private emit<K extends keyof Events>(event: K, ...args: Events[K]): void {
    for (const l of this.emitter.listeners(event)) {
      try {
        (l as (...a: Events[K]) => void)(...args);
      } catch (e) {
        this.log('error', `listener for ${event} threw`, { error: e instanceof Error ? e.message : String(e) });
      }
    }
  }

  // ------------------------------------------------------------ lifecycle

  status(): LinkStatus {
    return { ...this.current };
  }

  stats(): TerminalLinkStats {
    return { ...this.counters, lastRttsMs: [...this.counters.lastRttsMs], state: this.current.state };
  }

  /** Connects and keeps the link up until stop(). Returns immediately. */
  start(): void {
    if (this.running) return;
    this.running = true;
    if (this.opts.hotplug) {
      this.hotplugWatcher = watchTerminalHotplug({
        usb: this.opts.hotplug.usb,
        ...(this.opts.hotplug.ids ? { ids: this.opts.hotplug.ids } : {}),
        onAttach: (d) => {
          this.log('info', 'terminal USB attach', { serial: d.serialNumber });
          this.reconnectNow();
        },
        onDetach: (d) => {
          const s = this.session;
          const serial = s?.hello?.terminal.serial;
          if (s && !s.isEnded() && (d.serialNumber === undefined || serial === undefined || d.serialNumber === serial)) {
            s.end(`terminal unplugged (USB detach${d.serialNumber ? ` of ${d.serialNumber}` : ''})`);
          }
        },
      });
    }
    this.loop = this.runLoop();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.log.flush();
    this.hotplugWatcher?.stop();
    this.hotplugWatcher = null;
    this.wakeUp?.();
    this.session?.end('stopped');
    await this.loop;
    this.loop = null;
    this.setStatus({ state: 'disconnected', reason: 'stopped' });
  }

  /** Skips the current backoff wait (e.g. a USB attach event for our terminal). */
  reconnectNow(): void {
    this.wakeUp?.();
  }

  private setStatus(s: LinkStatus): void {
    const same = JSON.stringify(s) === JSON.stringify(this.current);
    this.current = s;
    if (!same) {
      this.log('info', `terminal link ${s.state}`, { reason: s.reason, port: s.port, serial: s.terminal?.serial });
      this.emit('status', { ...s });
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(done, ms);
      function done(): void {
        clearTimeout(t);
        resolve();
      }
      this.wakeUp = () => {
        this.wakeUp = null;
        done();
      };
    });
  }

  private async runLoop(): Promise<void> {
    let delay = this.baseDelay;
    let first = true;
    while (this.running) {
      if (!first) this.counters.reconnects++;
      first = false;
      this.setStatus({ state: 'connecting', ...(this.current.port ? { port: this.current.port } : {}) });
      let transport: Transport;
      try {
        transport = await this.opts.openTransport();
      } catch (e) {
        const path = this.current.port ?? 'terminal port';
        const p = describePortError(e, path);
        this.setStatus({ state: 'disconnected', reason: `${p.message} ${p.fix}`, ...(this.current.port ? { port: this.current.port } : {}) });
        await this.sleep(delay);
        delay = Math.min(delay * 2, this.maxDelay);
        continue;
      }
      if (!this.running) {
        await transport.close().catch(() => undefined);
        break;
      }
      const session = this.openSession(transport);
      this.session = session;
      const good = await this.handshake(session);
      if (good) delay = this.baseDelay;
      const wasAuthenticated = this.current.state === 'authenticated';
      this.armHeartbeat();
      const reason = await session.ended;
      this.disarmHeartbeat();
      this.session = null;
      session.endpoint.dispose('LINK_DOWN', `${reason}. ${TERMINAL_ERROR_MESSAGES.LINK_DOWN}`);
      session.link.dispose();
      await transport.close().catch(() => undefined);
      if (!this.running) break;
      this.setStatus({ state: 'down', reason, port: transport.description, ...(session.hello ? { terminal: session.hello.terminal } : {}) });
      // A working session that just dropped is retried at once; repeated failures back off.
      if (!wasAuthenticated) {
        await this.sleep(delay);
        delay = Math.min(delay * 2, this.maxDelay);
      }
    }
  }

  private openSession(transport: Transport): Session {
    const s = openSession(transport, {
      stats: this.counters,
      ...(this.opts.link ? { link: this.opts.link } : {}),
      timeoutMs: this.timeoutMs,
      log: this.log,
      onEnd: (ended, reason) => {
        if (this.session === ended && this.running) {
          this.setStatus({ state: 'down', reason, port: transport.description, ...(ended.hello ? { terminal: ended.hello.terminal } : {}) });
        }
      },
      onLinkDown: (down, message) => void this.recoverLinkDown(down, message),
      onEvent: (m) => this.onEvent(m),
    });
    this.setStatus({ state: 'connecting', port: transport.description });
    return s;
  }

  /**
   * Link declared down (3 retransmissions unanswered) while the port stayed open.
   * The failed frame's request has already failed with LINK_DOWN. The device
   * cannot have been swapped without the port closing (unplug removes the node),
   * so we first probe the same session with `ping`; if it answers, the link is
   * back with its authenticated session intact (the terminal says
   * NOT_AUTHENTICATED if it lost it, and we then start over). If probes fail the
   * port is closed and reopened, and a new hello/auth session starts.
   */
  private async recoverLinkDown(s: Session, reason: string): Promise<void> {
    if (s.isEnded()) return;
    if (s.recovering) return; // a probe is already running; its outcome decides
    const back = this.current.state === 'down' ? null : { ...this.current };
    if (!back) {
      s.end(reason);
      return;
    }
    s.recovering = back;
    if (this.noiseMark() > s.noiseAtLastFrame) {
      // Damaged bytes since the last good frame: line noise, not an outage.
      // The session stays as it is (requests in flight are asked again by
      // call()); only if the probes fail too is the terminal reported down.
      this.counters.noisyLinkDowns++;
      this.log('info', 'line noise, retrying: link down on an open port with damaged frames; probing the same session', { reason });
    } else {
      this.counters.reconnects++;
      this.setStatus({ state: 'down', reason, port: s.transport.description, ...(s.hello ? { terminal: s.hello.terminal } : {}) });
    }
    for (let i = 0; i < LINK_DOWN_PROBES && !s.isEnded(); i++) {
      const r = await s.endpoint.request('ping', {}, PingOk);
      if (s.isEnded()) return;
      if (r.ok) {
        s.recovering = null;
        this.setStatus(back);
        return;
      }
    }
    s.recovering = null;
    this.log('warn', 'terminal not answering: link-down probes failed on the open port; reopening it', { reason });
    s.end(`${reason}; the terminal did not answer on the open port`);
  }

  /** hello, both proofs, auth (handshake.ts). Returns true when the session reached a usable state. */
  private handshake(s: Session): Promise<boolean> {
    return handshake(this.handshakeContext, s);
  }

  private async loadPairing(): Promise<Pairing | null> {
    try {
      return await this.opts.pairingStore.load();
    } catch (e) {
      this.log('error', 'could not load the terminal pairing', { error: e instanceof Error ? e.message : String(e) });
      return null;
    }
  }

  private armHeartbeat(): void {
    this.disarmHeartbeat();
    if (this.heartbeatMs <= 0) return;
    this.heartbeatTimer = setInterval(() => void this.heartbeat(), Math.max(50, Math.floor(this.heartbeatMs / 2)));
  }

  private disarmHeartbeat(): void {
    if (this.heartbeatTimer) clearInterval(this.heartbeatTimer);
    this.heartbeatTimer = null;
  }

  private heartbeatBusy = false;
  private async heartbeat(): Promise<void> {
    const s = this.session;
    if (!s || s.isEnded() || !s.hello || this.heartbeatBusy) return;
    if (Date.now() - s.lastActivity < this.heartbeatMs || s.endpoint.pendingCount > 0) return;
    this.heartbeatBusy = true;
    try {
      const r = await this.ping();
      if (!r.ok && r.error.code === 'TIMEOUT') s.end('terminal stopped answering (heartbeat timeout)');
    } finally {
      this.heartbeatBusy = false;
    }
  }

  private onEvent(m: IncomingMessage): void {
    // Only the authenticated, paired terminal may drive the app: a swapped or
    // unknown device's scans are not passed on.
    if (this.current.state !== 'authenticated') {
      this.log('warn', `${m.t} from a terminal that is not authenticated ignored`, { state: this.current.state });
      return;
    }
    const e = decodeTerminalEvent(m.t, m.body);
    if (e.kind === 'scan') this.emit('scan', e.scan);
    else if (e.kind === 'status') this.emit('terminalEvent', e.event);
    else if (e.kind === 'malformed') this.log('warn', `malformed ${m.t} ignored`);
    else this.log('debug', `unknown event ${m.t} ignored`);
  }

  // ------------------------------------------------------------ requests

  /** The session if it may carry `kind` requests, else the error to return. */
  private usable(kind: 'any' | 'authenticated'): { ok: true; s: Session } | { ok: false; e: { code: TerminalErrorCode; message: string } } {
    const s = this.session;
    if (!s || s.isEnded() || !s.hello) return { ok: false, e: { code: 'NOT_CONNECTED', message: TERMINAL_ERROR_MESSAGES.NOT_CONNECTED } };
    if (kind === 'any') return { ok: true, s };
    if (s.refusal) return { ok: false, e: s.refusal };
    if (this.current.state !== 'authenticated') {
      return this.current.state === 'unpaired'
        ? { ok: false, e: { code: 'NOT_PAIRED', message: TERMINAL_ERROR_MESSAGES.NOT_PAIRED } }
        : { ok: false, e: { code: 'NOT_CONNECTED', message: TERMINAL_ERROR_MESSAGES.NOT_CONNECTED } };
    }
    return { ok: true, s };
  }

  private async call<T>(
    kind: 'any' | 'authenticated',
    t: string,
    fields: Record<string, unknown>,
    schema: z.ZodType<T>,
  ): Promise<Result<T, TerminalErrorCode>> {
    const u = this.usable(kind);
    if (!u.ok) return err(u.e.code, u.e.message);
    u.s.lastActivity = Date.now();
    const r = await this.ask(u.s, t, fields, schema);
    if (!r.ok && r.error.code === 'NOT_AUTHENTICATED' && this.session === u.s && !u.s.isEnded()) {
      // The terminal lost our session (it restarted or saw another hello): start over.
      u.s.end('terminal no longer recognises the session');
    }
    return r as Result<T, TerminalErrorCode>;
  }

  private noiseMark(): number {
    return noiseMark(this.counters);
  }

  /** One request on session `s`, asked again after line noise when it is safe to (reask.ts). */
  private ask<S extends z.ZodType>(s: Session, t: string, fields: Record<string, unknown>, schema: S): Promise<Result<z.infer<S>, TerminalErrorCode>> {
    return askOnSession(this.askContext, s, t, fields, schema);
  }

  requestRefundReference(req: RefundReferenceRequest): Promise<Result<{ originalMerchantRefundId: string }, TerminalErrorCode>> {
    return this.call(
      'authenticated',
      'refund.reference',
      {
        paymentId: req.paymentId,
        refundRequestId: req.refundRequestId,
        ...(req.refundAmount ? { refundAmount: { value: req.refundAmount.value, currency: req.refundAmount.currency } } : {}),
      },
      RefundReferenceOk,
    );
  }

  sendRefundResult(notice: RefundResultNotice): Promise<Result<{ printed: boolean }, TerminalErrorCode>> {
    return this.call(
      'authenticated',
      'refund.result',
      {
        refundRequestId: notice.refundRequestId,
        ...(notice.refundId !== undefined ? { refundId: notice.refundId } : {}),
        status: notice.status,
        resultCode: notice.resultCode,
        ...(notice.refundAmount ? { refundAmount: { value: notice.refundAmount.value, currency: notice.refundAmount.currency } } : {}),
      },
      RefundResultOk,
    );
  }

  async ping(): Promise<Result<{ rttMs: number; uptimeMs: number }, TerminalErrorCode>> {
    const started = process.hrtime.bigint();
    const r = await this.call('any', 'ping', {}, PingOk);
    if (!r.ok) return r;
    return ok({ rttMs: Number(process.hrtime.bigint() - started) / 1e6, uptimeMs: r.value.uptimeMs });
  }

  info(): Promise<Result<{ serial: string; model: string; firmware: string; battery: number | null; paper: 'ok' | 'low' | 'out' | null }, TerminalErrorCode>> {
    return this.call('any', 'info', {}, InfoOk);
  }

  /** Asks the connected terminal to show a pairing code. Works whether or not a pairing exists (re-pairing a replaced terminal). */
  async pairBegin(): Promise<Result<void, TerminalErrorCode>> {
    const r = await this.call('any', 'pair.begin', { hostId: this.opts.host.hostId, hostName: this.opts.host.hostName }, EmptyOk);
    return r.ok ? ok(undefined) : r;
  }

  /** Sends the code the technician typed; on success stores the pairing and authenticates. */
  async pairConfirm(code: string): Promise<Result<{ serial: string; model: string }, TerminalErrorCode>> {
    const trimmed = code.trim();
    if (!/^\d{6}$/.test(trimmed)) return err('BAD_REQUEST', 'The pairing code is the 6 digits shown on the terminal screen.');
    const u = this.usable('any');
    if (!u.ok) return err(u.e.code, u.e.message);
    const s = u.s;
    const hello = s.hello;
    if (!hello) return err('NOT_CONNECTED', TERMINAL_ERROR_MESSAGES.NOT_CONNECTED);
    const r = await this.call('any', 'pair.confirm', { code: trimmed }, PairConfirmOk);
    if (!r.ok) return r;
    const pairing: Pairing = { serial: hello.terminal.serial, model: hello.terminal.model, pairingKey: r.value.pairingKey, pairedAt: new Date().toISOString() };
    try {
      await this.opts.pairingStore.save(pairing);
    } catch (e) {
      return err('INTERNAL', `Paired, but the pairing could not be stored: ${e instanceof Error ? e.message : String(e)}`);
    }
    if (!s.isEnded()) await this.handshake(s);
    return ok({ serial: pairing.serial, model: pairing.model });
  }

  /** The whole pairing in one go, started over with a new code when a reply is lost (pairing-rounds.ts). */
  pairWithCode(
    readCode: (round: number) => Promise<string | null>,
    rounds = 3,
  ): Promise<Result<{ serial: string; model: string; rounds: number }, TerminalErrorCode>> {
    return pairInRounds(this, readCode, rounds, this.log);
  }

  /** Unpairs on the terminal when the session is authenticated, and always forgets the pairing locally. */
  async unpair(): Promise<Result<{ terminalCleared: boolean }, TerminalErrorCode>> {
    let terminalCleared = false;
    const s = this.session;
    if (s && !s.isEnded() && this.current.state === 'authenticated') {
      const r = await this.call('authenticated', 'unpair', {}, EmptyOk);
      terminalCleared = r.ok;
    }
    try {
      await this.opts.pairingStore.clear();
    } catch (e) {
      return err('INTERNAL', `Could not forget the pairing: ${e instanceof Error ? e.message : String(e)}`);
    }
    if (s && !s.isEnded()) await this.handshake(s);
    return ok({ terminalCleared });
  }
}

/**
 * The virtual Antom payment terminal: the complete terminal side of TLP/1,
 * attachable to any Transport (memory pair, pty, real serial device). Used by
 * the demo, the `sim terminal` CLI and the tests.
 */
import { randomInt } from 'node:crypto';
import { err, ok, type Result } from '../../preload/contract/result';
import { AckDecision, LinkLayer, LinkLogger } from '../link/link';
import { createLinkStats, LinkStats } from '../link/stats';
import { IncomingMessage, MessageEndpoint } from '../messages/endpoint';
import {
  AuthReq,
  type EvtStatus,
  HelloReq,
  PairBeginReq,
  PairConfirmReq,
  ProtocolErrorCode,
  REQUEST_TYPES,
  RefundReferenceReq,
  RefundResultReq,
} from '../messages/schemas';
import { hostProof, newNonce, newPairingKey, proofsEqual, terminalProof } from '../session/proofs';
import { withByteCorruption } from '../transport/faulty';
import type { Transport } from '../transport/transport';
import { FaultSwitches, FaultSwitchesInput, FaultSwitchesSchema, NO_FAULTS } from './faults';
import { emptyTerminalState, loadTerminalState, saveTerminalState, TerminalState } from './state';

export const PAIR_LOCK_MS = 60_000;
export const PAIR_MAX_WRONG = 3;
export const PAIR_CODE_TTL_MS = 5 * 60_000;

export interface VirtualTerminalOptions {
  readonly serial?: string;
  readonly model?: string;
  readonly firmware?: string;
  /** Called with the 6-digit code the terminal "shows on its screen". */
  readonly onPairingCode?: (code: string) => void;
  readonly faults?: FaultSwitchesInput;
  /** JSON file keeping pairing and issued references across restarts. */
  readonly stateFile?: string;
  readonly battery?: number | null;
  readonly paper?: 'ok' | 'low' | 'out' | null;
  readonly random?: () => number;
  readonly log?: LinkLogger;
  readonly now?: () => number;
}

interface Attachment {
  readonly transport: Transport;
  readonly link: LinkLayer;
  readonly endpoint: MessageEndpoint;
  hostNonce: string | null;
  terminalNonce: string | null;
  authenticated: boolean;
  silent: boolean;
  readonly unsubs: Array<() => void>;
}

export class VirtualTerminal {
  readonly serial: string;
  readonly model: string;
  readonly firmware: string;
  readonly stats: LinkStats = createLinkStats();
  private faultState: FaultSwitches;
  private state: TerminalState;
  private att: Attachment | null = null;
  private pairingCode: { code: string; expiresAt: number; hostId: string; hostName: string } | null = null;
  private wrongCodes = 0;
  private lockedUntil = 0;
  private readonly startedAt: number;
  private eventCounter = 0;
  private readonly random: () => number;
  private readonly now: () => number;

  constructor(private readonly opts: VirtualTerminalOptions = {}) {
    this.serial = opts.serial ?? 'AT-PX-DEMO1';
    this.model = opts.model ?? 'Antom PX1 (virtual)';
    this.firmware = opts.firmware ?? 'sim-1.0.0';
    const f = FaultSwitchesSchema.safeParse(opts.faults ?? {});
    if (!f.success) opts.log?.('warn', 'invalid fault switches ignored');
    this.faultState = f.success ? f.data : NO_FAULTS;
    this.random = opts.random ?? Math.random;
    this.now = opts.now ?? Date.now;
    this.startedAt = this.now();
    if (opts.stateFile) {
      const loaded = loadTerminalState(opts.stateFile);
      if (loaded.problem) opts.log?.('warn', loaded.problem);
      this.state = loaded.state;
    } else this.state = emptyTerminalState();
  }

  // ------------------------------------------------------------ public API

  get faults(): FaultSwitches {
    return { ...this.faultState };
  }

  /** Changes fault switches at runtime (partial update). Invalid values are refused, never thrown. */
  setFaults(patch: FaultSwitchesInput): Result<FaultSwitches, 'BAD_REQUEST'> {
    const parsed = FaultSwitchesSchema.safeParse({ ...this.faultState, ...patch });
    if (!parsed.success) return err('BAD_REQUEST', parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '));
    this.faultState = parsed.data;
    return ok({ ...parsed.data });
  }

  get isPaired(): boolean {
    return this.state.pairing !== null;
  }

  get isAuthenticated(): boolean {
    return this.att?.authenticated ?? false;
  }

  get isAttached(): boolean {
    return this.att !== null;
  }

  /** The code currently "on screen", or null (the in-process demo auto-pairs with it). */
  currentPairingCode(): string | null {
    if (!this.pairingCode || this.pairingCode.expiresAt < this.now()) return null;
    return this.pairingCode.code;
  }

  /** Starts speaking TLP/1 on `transport`. One transport at a time; a new one replaces the old. */
  attach(transport: Transport): void {
    this.detachSync();
    const wire = withByteCorruption(transport, () => this.faultState.corruptShare, this.random);
    const link = new LinkLayer(wire, {
      stats: this.stats,
      ackPolicy: (seq) => this.ackDecision(seq),
      failQueuedOnDown: false,
      ...(this.opts.log ? { log: this.opts.log } : {}),
    });
    const endpoint = new MessageEndpoint(link, { idPrefix: 'e', ...(this.opts.log ? { log: this.opts.log } : {}) });
    const att: Attachment = { transport, link, endpoint, hostNonce: null, terminalNonce: null, authenticated: false, silent: false, unsubs: [] };
    att.unsubs.push(endpoint.onRequest((m) => void this.handle(att, m)));
    att.unsubs.push(
      transport.onClose(() => {
        if (this.att === att) this.detachSync();
      }),
    );
    this.att = att;
  }

  /** Stops speaking on the current transport (does not close it). */
  async detach(): Promise<void> {
    this.detachSync();
  }

  /** Detaches and closes the transport. */
  async stop(): Promise<void> {
    const t = this.att?.transport;
    this.detachSync();
    await t?.close();
  }

  /** The scanner read `data`; sent as evt.scan to an authenticated host. Resolves false if not delivered. */
  emitScan(data: string): Promise<boolean> {
    return this.emitEvent({ t: 'evt.scan', data });
  }

  emitStatus(state: EvtStatus['state'], detail?: string): Promise<boolean> {
    return this.emitEvent({ t: 'evt.status', state, ...(detail !== undefined ? { detail } : {}) });
  }

  // ------------------------------------------------------------ internals

  private detachSync(): void {
    const att = this.att;
    if (!att) return;
    this.att = null;
    for (const u of att.unsubs) u();
    att.endpoint.dispose();
    att.link.dispose();
  }

  private emitEvent(fields: { t: string } & Record<string, unknown>): Promise<boolean> {
    const att = this.att;
    // Events carry customer data (payment ids): only an authenticated host gets them.
    if (!att || !att.authenticated || att.silent) return Promise.resolve(false);
    this.eventCounter++;
    return att.endpoint.send({ ...fields, id: `e${this.eventCounter.toString(36)}` });
  }

  private ackDecision(_seq: number): AckDecision {
    const f = this.faultState;
    if (this.att?.silent) return { action: 'drop' };
    if (f.nakShare > 0 && this.random() < f.nakShare) return { action: 'nak' };
    if (f.dropAckShare > 0 && this.random() < f.dropAckShare) return { action: 'drop' };
    return { action: 'ack', delayMs: f.delayAckMs };
  }

  private persist(): void {
    if (this.opts.stateFile) {
      try {
        saveTerminalState(this.opts.stateFile, this.state);
      } catch (e) {
        this.opts.log?.('error', 'could not save terminal state', { error: e instanceof Error ? e.message : String(e) });
      }
    }
  }

  private async handle(att: Attachment, m: IncomingMessage): Promise<void> {
    if (att.silent) return;
    const f = this.faultState;
    if (f.vanish !== 'none' && m.t !== 'hello' && (f.vanishOn === undefined || f.vanishOn === m.t)) {
      this.opts.log?.('info', `fault: vanishing (${f.vanish}) on ${m.t}`);
      this.faultState = { ...f, vanish: 'none' };
      if (f.vanish === 'silent') att.silent = true;
      else {
        this.detachSync();
        await att.transport.close();
      }
      return;
    }
    const fail = (code: ProtocolErrorCode, message: string): Promise<boolean> => att.endpoint.replyError(m.id, code, message);
    try {
      await this.dispatch(att, m, fail);
    } catch (e) {
      await fail('INTERNAL', e instanceof Error ? e.message : String(e));
    }
  }

  private async dispatch(att: Attachment, m: IncomingMessage, fail: (code: ProtocolErrorCode, message: string) => Promise<boolean>): Promise<void> {
    const ep = att.endpoint;
    const bad = (issues: { path: PropertyKey[]; message: string }[]): Promise<boolean> =>
      fail('BAD_REQUEST', `invalid ${m.t}: ${issues.map((i) => `${i.path.map(String).join('.') || '(root)'} ${i.message}`).join('; ')}`);
    switch (m.t as (typeof REQUEST_TYPES)[number]) {
      case 'hello': {
        if (typeof m.body['proto'] === 'number' && m.body['proto'] !== 1) {
          await fail('UNSUPPORTED', `protocol version ${m.body['proto']} not supported; this terminal speaks 1`);
          return;
        }
        const p = HelloReq.safeParse(m.body);
        if (!p.success) return void (await bad(p.error.issues));
        // A hello starts a new session: any earlier authentication is gone.
        att.authenticated = false;
        att.hostNonce = p.data.hostNonce;
        att.terminalNonce = newNonce();
        const pairing = this.state.pairing;
        await ep.reply(m, {
          proto: 1,
          terminal: { serial: this.serial, model: this.model, firmware: this.firmware },
          paired: pairing !== null,
          terminalNonce: att.terminalNonce,
          ...(pairing ? { proof: terminalProof(pairing.pairingKey, this.serial, att.hostNonce, att.terminalNonce) } : {}),
        });
        return;
      }
      case 'auth': {
        const p = AuthReq.safeParse(m.body);
        if (!p.success) return void (await bad(p.error.issues));
        const pairing = this.state.pairing;
        if (!pairing) return void (await fail('NOT_PAIRED', 'this terminal is not paired'));
        if (!att.hostNonce || !att.terminalNonce) return void (await fail('BAD_REQUEST', 'send hello before auth'));
        const expected = hostProof(pairing.pairingKey, this.serial, att.terminalNonce, att.hostNonce);
        if (!proofsEqual(expected, p.data.proof)) {
          att.authenticated = false;
          return void (await fail('AUTH_FAILED', 'host proof does not match the pairing'));
        }
        att.authenticated = true;
        await ep.reply(m);
        return;
      }
      case 'pair.begin': {
        if (this.lockedUntil > this.now())
          return void (await fail('PAIR_LOCKED', `pairing locked for ${Math.ceil((this.lockedUntil - this.now()) / 1000)} s after 3 wrong codes`));
        const p = PairBeginReq.safeParse(m.body);
        if (!p.success) return void (await bad(p.error.issues));
        const code = String(randomInt(0, 1_000_000)).padStart(6, '0');
        this.pairingCode = { code, expiresAt: this.now() + PAIR_CODE_TTL_MS, hostId: p.data.hostId, hostName: p.data.hostName };
        this.opts.onPairingCode?.(code);
        await ep.reply(m);
        return;
      }
      case 'pair.confirm': {
        if (this.lockedUntil > this.now())
          return void (await fail('PAIR_LOCKED', `pairing locked for ${Math.ceil((this.lockedUntil - this.now()) / 1000)} s after 3 wrong codes`));
        const p = PairConfirmReq.safeParse(m.body);
        if (!p.success) return void (await bad(p.error.issues));
        if (!/^\d{6}$/.test(p.data.code)) return void (await fail('BAD_REQUEST', 'code must be 6 digits'));
        const pending = this.pairingCode;
        if (!pending || pending.expiresAt < this.now()) return void (await fail('BAD_REQUEST', 'no pairing in progress: send pair.begin first'));
        if (!proofsEqual(pending.code, p.data.code)) {
          this.wrongCodes++;
          if (this.wrongCodes >= PAIR_MAX_WRONG) {
            this.wrongCodes = 0;
            this.lockedUntil = this.now() + PAIR_LOCK_MS;
            this.pairingCode = null;
            return void (await fail('PAIR_CODE_MISMATCH', 'wrong code; pairing is now locked for 60 s'));
          }
          return void (await fail('PAIR_CODE_MISMATCH', `wrong code (${PAIR_MAX_WRONG - this.wrongCodes} attempts left)`));
        }
        this.wrongCodes = 0;
        this.pairingCode = null;
        const pairingKey = newPairingKey();
        this.state = {
          ...this.state,
          pairing: { hostId: pending.hostId, hostName: pending.hostName, pairingKey, pairedAt: new Date(this.now()).toISOString() },
        };
        att.authenticated = false;
        this.persist();
        await ep.reply(m, { pairingKey });
        return;
      }
      case 'unpair': {
        if (!this.state.pairing) return void (await fail('NOT_PAIRED', 'this terminal is not paired'));
        if (!att.authenticated) return void (await fail('NOT_AUTHENTICATED', 'authenticate before unpairing'));
        this.state = { ...this.state, pairing: null };
        att.authenticated = false;
        this.persist();
        await ep.reply(m);
        return;
      }
      case 'ping':
        await ep.reply(m, { uptimeMs: Math.max(0, Math.floor(this.now() - this.startedAt)) });
        return;
      case 'info':
        if (this.faultState.busy) return void (await fail('BUSY', 'terminal busy'));
        await ep.reply(m, {
          serial: this.serial,
          model: this.model,
          firmware: this.firmware,
          battery: this.opts.battery === undefined ? 87 : this.opts.battery,
          paper: this.opts.paper === undefined ? 'ok' : this.opts.paper,
        });
        return;
      case 'refund.reference':
      case 'refund.result': {
        if (!this.state.pairing) return void (await fail('NOT_PAIRED', 'this terminal is not paired'));
        if (!att.authenticated) return void (await fail('NOT_AUTHENTICATED', 'session not authenticated'));
        if (m.t === 'refund.reference') {
          const p = RefundReferenceReq.safeParse(m.body);
          if (!p.success) return void (await bad(p.error.issues));
          if (this.faultState.busy) return void (await fail('BUSY', 'terminal busy'));
          const { paymentId, refundRequestId } = p.data;
          const amount = p.data.refundAmount ?? null;
          const prior = this.state.refunds[refundRequestId];
          if (prior) {
            const same =
              prior.paymentId === paymentId &&
              JSON.stringify(prior.refundAmount) === JSON.stringify(amount && { value: amount.value, currency: amount.currency });
            if (!same)
              return void (await fail('BAD_REQUEST', `refundRequestId ${refundRequestId} was already used with a different paymentId or refundAmount`));
            await ep.reply(m, { originalMerchantRefundId: prior.originalMerchantRefundId });
            return;
          }
          const counter = this.state.counter + 1;
          const last = this.faultState.replayReference ? Object.values(this.state.refunds).at(-1)?.originalMerchantRefundId : undefined;
          const originalMerchantRefundId = last ?? `${this.serial}-${this.now().toString(36).toUpperCase()}-${counter}`.slice(0, 64);
          this.state = {
            ...this.state,
            counter,
            refunds: {
              ...this.state.refunds,
              [refundRequestId]: { paymentId, refundAmount: amount && { value: amount.value, currency: amount.currency }, originalMerchantRefundId },
            },
          };
          this.persist();
          await ep.reply(m, { originalMerchantRefundId });
          return;
        }
        const p = RefundResultReq.safeParse(m.body);
        if (!p.success) return void (await bad(p.error.issues));
        if (this.faultState.busy) return void (await fail('BUSY', 'terminal busy'));
        const prior = this.state.refunds[p.data.refundRequestId];
        if (prior) {
          this.state = { ...this.state, refunds: { ...this.state.refunds, [p.data.refundRequestId]: { ...prior, result: p.data.status } } };
          this.persist();
        }
        await ep.reply(m, { printed: this.opts.paper !== 'out' });
        return;
      }
      default:
        await fail('UNSUPPORTED', `unknown request type ${m.t}`);
    }
  }
}

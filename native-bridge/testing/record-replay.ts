/**
 * Message-level record and replay, the way Ledger Live's RecordStore turns a
 * session with a real device into a test fixture.
 *
 * - `recordMessages(transport)` wraps any Transport (a real serial port
 *   included) and writes down every TLP/1 message both ways, decoded from the
 *   frames (ACK/NAK and retransmissions are the link's business, not the
 *   conversation's, so they are not recorded).
 * - `ReplayTerminal` plays the terminal's side of such a capture back to a
 *   host over any Transport: each host request must match the next recorded
 *   one (its type and fields, ids aside); the recorded answer goes back with
 *   the live id. A host that asks something else fails the replay with both
 *   messages side by side, so a behaviour change shows up as a test failure.
 *
 * Keep-alive `ping`s depend on timing, not on what the host is doing, so they
 * are left out of a capture and answered live on replay.
 *
 * Session proofs are the one thing a recording cannot hold still: the host's
 * nonce is fresh on every run. A capture therefore keeps the pairing key
 * (captures come from a development terminal, never a store's), and replay
 * answers `hello` with a proof computed for the live host nonce and checks
 * the host's `auth` proof the same way a terminal does.
 */
import { z } from 'zod';
import { LinkLayer } from '../link/link';
import { decodePayload, envelope, isResponseType, MessageEndpoint, type IncomingMessage } from '../messages/endpoint';
import { FrameDecoder } from '../protocol/decoder';
import { hostProof, proofsEqual, terminalProof } from '../session/proofs';
import type { Transport } from '../transport/transport';

/** Who sent a recorded message. */
export type Direction = 'host' | 'terminal';

const RecordedMessageSchema = z.object({
  from: z.enum(['host', 'terminal']),
  msg: z.record(z.string(), z.unknown()).refine((m) => typeof m['t'] === 'string' && typeof m['id'] === 'string', 'a message needs t and id'),
});
export type RecordedMessage = z.infer<typeof RecordedMessageSchema>;

/** Size cap of a capture file: a fixture is a conversation, not a log. */
export const MAX_CAPTURE_MESSAGES = 10_000;

export const CaptureSchema = z.object({
  format: z.literal('tlp1-capture/1'),
  /** The development terminal's pairing key, so replay can answer `hello`/`auth` for a fresh host nonce. */
  pairingKey: z.string().min(1).max(128).optional(),
  messages: z.array(RecordedMessageSchema).max(MAX_CAPTURE_MESSAGES),
});
export type Capture = z.infer<typeof CaptureSchema>;

export interface MessageRecorder {
  /** The transport to hand to the host (bytes pass through unchanged). */
  readonly transport: Transport;
  /** What was said so far, in order. */
  readonly messages: readonly RecordedMessage[];
  capture(pairingKey?: string): Capture;
}

/**
 * Records the conversation on `inner`. Frames are decoded on both directions
 * independently of the link layer, so a damaged frame and its retransmission
 * are recorded once (a repeated SEQ with the same payload is the same frame,
 * spec section 3).
 */
export function recordMessages(inner: Transport): MessageRecorder {
  const messages: RecordedMessage[] = [];
  const pingIds = new Set<string>();
  const tap = (from: Direction) => {
    const decoder = new FrameDecoder();
    let last: { seq: number; crc: number } | null = null;
    return (bytes: Uint8Array) => {
      for (const ev of decoder.push(bytes)) {
        if (ev.kind !== 'frame') continue;
        if (last !== null && last.seq === ev.seq && last.crc === ev.crc) continue;
        last = { seq: ev.seq, crc: ev.crc };
        const d = decodePayload(ev.payload);
        if (!d.ok || messages.length >= MAX_CAPTURE_MESSAGES) continue;
        if (d.msg.t === 'ping') pingIds.add(d.msg.id);
        else if (pingIds.delete(d.msg.id))
          continue; // the answer to a keep-alive
        else messages.push({ from, msg: d.msg.body });
      }
    };
  };
  const fromHost = tap('host');
  const fromTerminal = tap('terminal');
  inner.onData((d) => fromTerminal(d));
  const transport: Transport = {
    get description() {
      return `${inner.description} (recording)`;
    },
    get isOpen() {
      return inner.isOpen;
    },
    write(data: Uint8Array): void {
      fromHost(data);
      inner.write(data);
    },
    onData: (l) => inner.onData(l),
    onClose: (l) => inner.onClose(l),
    close: () => inner.close(),
  };
  return {
    transport,
    messages,
    capture: (pairingKey) => ({ format: 'tlp1-capture/1', ...(pairingKey !== undefined ? { pairingKey } : {}), messages: [...messages] }),
  };
}

/** Fields that differ on every run by design and are not compared. */
const VOLATILE_FIELDS = new Set(['id', 'hostNonce', 'proof']);

function comparable(msg: Record<string, unknown>): string {
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(msg).sort()) if (!VOLATILE_FIELDS.has(k)) out[k] = msg[k];
  return JSON.stringify(out);
}

export class ReplayMismatchError extends Error {
  constructor(
    readonly expected: RecordedMessage | undefined,
    readonly actual: Record<string, unknown>,
  ) {
    super(`replay mismatch: host sent ${JSON.stringify(actual)}, the capture expected ${expected ? JSON.stringify(expected.msg) : 'nothing more'}`);
    this.name = 'ReplayMismatchError';
  }
}

/**
 * The terminal side of a capture. `attach` it to the far end of a transport
 * pair; `done` tells whether every recorded message was played; `errors` holds
 * the mismatches (a test asserts it is empty).
 */
export class ReplayTerminal {
  readonly errors: ReplayMismatchError[] = [];
  private readonly script: RecordedMessage[];
  private cursor = 0;
  private endpoint: MessageEndpoint | null = null;
  private hostNonce: string | null = null;
  private terminalNonce: string | null = null;
  private serial = '';

  constructor(private readonly capture: Capture) {
    this.script = CaptureSchema.parse(capture).messages;
  }

  /** Parses a capture file's text (validated, size-capped by the schema). */
  static fromJson(text: string): ReplayTerminal {
    return new ReplayTerminal(CaptureSchema.parse(JSON.parse(text)));
  }

  get done(): boolean {
    return this.cursor >= this.script.length;
  }

  attach(transport: Transport): void {
    const link = new LinkLayer(transport, { failQueuedOnDown: false });
    const endpoint = new MessageEndpoint(link, { idPrefix: 'r' });
    endpoint.onRequest((m) => void this.onRequest(m));
    this.endpoint = endpoint;
    void this.playTerminalTurn();
  }

  dispose(): void {
    this.endpoint?.dispose();
    this.endpoint = null;
  }

  private async onRequest(m: IncomingMessage): Promise<void> {
    if (m.t === 'ping') {
      await this.endpoint?.reply(m, { uptimeMs: Math.floor(process.uptime() * 1000) });
      return;
    }
    const expected = this.script[this.cursor];
    if (expected === undefined || expected.from !== 'host' || comparable(expected.msg) !== comparable(m.body)) {
      this.errors.push(new ReplayMismatchError(expected, m.body));
      await this.endpoint?.replyError(m.id, 'BAD_REQUEST', 'not in the capture');
      return;
    }
    this.cursor += 1;
    if (m.t === 'hello') this.hostNonce = typeof m.body['hostNonce'] === 'string' ? m.body['hostNonce'] : null;
    if (m.t === 'auth' && !this.authProofHolds(m.body['proof'])) {
      this.errors.push(new ReplayMismatchError(expected, m.body));
      await this.endpoint?.replyError(m.id, 'AUTH_FAILED', 'host proof does not verify');
      return;
    }
    await this.playTerminalTurn(m.id);
  }

  /** Sends every recorded terminal message up to the next host turn; the first reply carries `replyTo`'s id. */
  private async playTerminalTurn(replyTo?: string): Promise<void> {
    let pendingId = replyTo;
    for (let next = this.script[this.cursor]; next !== undefined && next.from === 'terminal'; next = this.script[this.cursor]) {
      this.cursor += 1;
      const t = String(next.msg['t']);
      let body = next.msg;
      if (isResponseType(t) && pendingId !== undefined) {
        body = { ...body, id: pendingId };
        pendingId = undefined;
      }
      if (t === 'hello.ok') body = this.liveHello(body);
      await this.endpoint?.send(envelope(t, String(body['id']), body));
    }
  }

  /** `hello.ok` with its proof made for this run's host nonce. */
  private liveHello(body: Record<string, unknown>): Record<string, unknown> {
    const terminal = body['terminal'];
    this.serial =
      typeof terminal === 'object' && terminal !== null && typeof (terminal as Record<string, unknown>)['serial'] === 'string'
        ? String((terminal as Record<string, unknown>)['serial'])
        : '';
    this.terminalNonce = typeof body['terminalNonce'] === 'string' ? body['terminalNonce'] : null;
    const key = this.capture.pairingKey;
    if (body['proof'] === undefined || key === undefined || this.hostNonce === null || this.terminalNonce === null) return body;
    return { ...body, proof: terminalProof(key, this.serial, this.hostNonce, this.terminalNonce) };
  }

  private authProofHolds(proof: unknown): boolean {
    const key = this.capture.pairingKey;
    if (typeof proof !== 'string' || key === undefined || this.hostNonce === null || this.terminalNonce === null) return false;
    return proofsEqual(hostProof(key, this.serial, this.terminalNonce, this.hostNonce), proof);
  }
}

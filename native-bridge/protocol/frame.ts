/** Pure encoders for TLP/1 frames and link-control replies (spec section 2). */
import { ACK, ETX, FRAME_OVERHEAD, MAX_PAYLOAD, NAK, PROTOCOL_VERSION, STX } from './constants';
import { crc16 } from './crc16';

export class FrameTooLargeError extends Error {
  constructor(readonly length: number) {
    super(`TLP payload of ${length} bytes exceeds ${MAX_PAYLOAD}`);
    this.name = 'FrameTooLargeError';
  }
}

/** Encodes one frame. `payload` is the exact UTF-8 JSON bytes (or a string, encoded as UTF-8). */
export function encodeFrame(seq: number, payload: Uint8Array | string, version = PROTOCOL_VERSION): Buffer {
  const body = typeof payload === 'string' ? Buffer.from(payload, 'utf8') : Buffer.from(payload);
  if (body.length > MAX_PAYLOAD) throw new FrameTooLargeError(body.length);
  const out = Buffer.alloc(body.length + FRAME_OVERHEAD);
  out[0] = STX;
  out[1] = version & 0xff;
  out[2] = seq & 0xff;
  out.writeUInt16BE(body.length, 3);
  body.copy(out, 5);
  out[5 + body.length] = ETX;
  // CRC covers VER through ETX inclusive.
  out.writeUInt16BE(crc16(out.subarray(1, 6 + body.length)), 6 + body.length);
  return out;
}

/** Serialises a JSON object the way the wire expects (UTF-8, no BOM). */
export function encodeJsonFrame(seq: number, message: object): Buffer {
  return encodeFrame(seq, Buffer.from(JSON.stringify(message), 'utf8'));
}

export function encodeAck(seq: number): Buffer {
  return Buffer.from([ACK, seq & 0xff]);
}

export function encodeNak(seq: number): Buffer {
  return Buffer.from([NAK, seq & 0xff]);
}

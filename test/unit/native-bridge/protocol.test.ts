import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { crc16 } from '../../../native-bridge/protocol/crc16';
import { encodeAck, encodeFrame, encodeNak } from '../../../native-bridge/protocol/frame';
import { DecoderEvent, FrameDecoder } from '../../../native-bridge/protocol/decoder';
import { hostProof, terminalProof } from '../../../native-bridge/session/proofs';

const VECTORS = [
  { seq: 0, payload: '{"t":"ping","id":"p1"}', hex: '02010000167b2274223a2270696e67222c226964223a227031227d0354dd' },
  {
    seq: 2,
    payload: '{"t":"evt.scan","id":"e1","data":"antom:payment:2026022593030000001"}',
    hex: '02010200457b2274223a226576742e7363616e222c226964223a226531222c2264617461223a22616e746f6d3a7061796d656e743a32303236303232353933303330303030303031227d0333ea',
  },
  {
    seq: 255,
    payload: '{"t":"refund.reference","id":"r7","paymentId":"2026022593030000001","refundRequestId":"RR-0001","refundAmount":{"value":1050,"currency":"SGD"}}',
    hex: '0201ff008f7b2274223a22726566756e642e7265666572656e6365222c226964223a227237222c227061796d656e744964223a2232303236303232353933303330303030303031222c22726566756e64526571756573744964223a2252522d30303031222c22726566756e64416d6f756e74223a7b2276616c7565223a313035302c2263757272656e6379223a22534744227d7d039459',
  },
];

function frames(evs: DecoderEvent[]): Array<{ seq: number; payload: string }> {
  return evs.flatMap((e) => (e.kind === 'frame' ? [{ seq: e.seq, payload: e.payload.toString('utf8') }] : []));
}

describe('crc16 / CCITT-FALSE', () => {
  it('has check value 0x29B1', () => {
    expect(crc16(Buffer.from('123456789', 'ascii'))).toBe(0x29b1);
  });
});

describe('spec section 6 frame vectors', () => {
  for (const v of VECTORS) {
    it(`encodes SEQ ${v.seq} to the exact hex`, () => {
      expect(encodeFrame(v.seq, v.payload).toString('hex')).toBe(v.hex);
    });
    it(`decodes SEQ ${v.seq} hex to the payload`, () => {
      const d = new FrameDecoder();
      expect(frames(d.push(Buffer.from(v.hex, 'hex'), 0))).toEqual([{ seq: v.seq, payload: v.payload }]);
    });
  }
  it('ACK/NAK are two bytes', () => {
    expect(encodeAck(7).toString('hex')).toBe('0607');
    expect(encodeNak(255).toString('hex')).toBe('15ff');
  });
});

describe('session proof vectors', () => {
  const key = 'AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8';
  const hostNonce = 'AAECAwQFBgcICQoLDA0ODw';
  const terminalNonce = '8PHy8_T19vf4-fr7_P3-_w';
  it('terminal proof', () => {
    expect(terminalProof(key, 'AT-PX-00042', hostNonce, terminalNonce)).toBe('ulEP5PiUvULdbPWij8kegsTuxsayMVyfmASWMVBHe-A');
  });
  it('host proof', () => {
    expect(hostProof(key, 'AT-PX-00042', terminalNonce, hostNonce)).toBe('ekO4N39y7Q7NB4ZCu0jR3lc4rHeCL4qYlBna3Vh8I28');
  });
});

describe('FrameDecoder', () => {
  const all = Buffer.concat(VECTORS.map((v) => Buffer.from(v.hex, 'hex')));
  const expected = VECTORS.map((v) => ({ seq: v.seq, payload: v.payload }));

  it('handles byte-at-a-time reads', () => {
    const d = new FrameDecoder();
    const evs: DecoderEvent[] = [];
    for (const b of all) evs.push(...d.push(Buffer.from([b]), 0));
    expect(frames(evs)).toEqual(expected);
  });

  it('handles merged frames and ACK/NAK between them', () => {
    const d = new FrameDecoder();
    const evs = d.push(Buffer.concat([encodeAck(3), Buffer.from(VECTORS[0]!.hex, 'hex'), encodeNak(4), Buffer.from(VECTORS[1]!.hex, 'hex')]), 0);
    expect(evs.map((e) => e.kind)).toEqual(['ack', 'frame', 'nak', 'frame']);
    expect(evs[0]).toMatchObject({ seq: 3 });
    expect(evs[2]).toMatchObject({ seq: 4 });
  });

  it('skips garbage between frames', () => {
    const d = new FrameDecoder();
    const garbage = Buffer.from('hello garbage \x00\xff\x7f', 'latin1');
    const evs = d.push(Buffer.concat([garbage, Buffer.from(VECTORS[0]!.hex, 'hex'), garbage, Buffer.from(VECTORS[2]!.hex, 'hex')]), 0);
    expect(frames(evs)).toEqual([expected[0], expected[2]]);
    expect(evs.some((e) => e.kind === 'discarded')).toBe(true);
  });

  it('reports a wrong CRC as bad-frame (NAK) with the SEQ as read', () => {
    const bad = Buffer.from(VECTORS[0]!.hex, 'hex');
    bad[bad.length - 1] = (bad[bad.length - 1] ?? 0) ^ 0x01;
    const d = new FrameDecoder();
    const evs = d.push(Buffer.concat([bad, Buffer.from(VECTORS[1]!.hex, 'hex')]), 0);
    expect(evs[0]).toEqual({ kind: 'bad-frame', seq: 0, reason: 'crc' });
    expect(frames(evs)).toEqual([expected[1]]);
  });

  it('reports a wrong ETX as bad-frame', () => {
    const bad = Buffer.from(VECTORS[1]!.hex, 'hex');
    bad[bad.length - 3] = 0x04;
    const evs = new FrameDecoder().push(bad, 0);
    expect(evs[0]).toEqual({ kind: 'bad-frame', seq: 2, reason: 'etx' });
    expect(frames(evs)).toEqual([]);
  });

  it('NAKs and reports a wrong VER, then resyncs', () => {
    const v2 = Buffer.from(VECTORS[0]!.hex, 'hex');
    v2[1] = 0x02;
    const d = new FrameDecoder();
    const evs = d.push(Buffer.concat([v2, Buffer.from(VECTORS[2]!.hex, 'hex')]), 0);
    expect(evs[0]).toEqual({ kind: 'version-mismatch', seq: 0, version: 2 });
    expect(frames(evs)).toEqual([expected[2]]);
  });

  it('treats LEN > 4096 as a framing error and recovers', () => {
    const big = Buffer.from([0x02, 0x01, 0x05, 0x10, 0x01]);
    const d = new FrameDecoder();
    const evs = d.push(Buffer.concat([big, Buffer.from(VECTORS[0]!.hex, 'hex')]), 0);
    expect(evs[0]).toEqual({ kind: 'framing-error', reason: 'len-too-large' });
    expect(frames(evs)).toEqual([expected[0]]);
  });

  it('accepts LEN = 4096 exactly', () => {
    const payload = JSON.stringify({ t: 'x', id: 'a', pad: 'p'.repeat(4096 - 27) });
    expect(Buffer.byteLength(payload)).toBe(4096);
    expect(frames(new FrameDecoder().push(encodeFrame(9, payload), 0))).toEqual([{ seq: 9, payload }]);
  });

  it('discards a partial frame after the 200 ms inter-byte timeout (injected clock)', () => {
    const f = Buffer.from(VECTORS[0]!.hex, 'hex');
    const d = new FrameDecoder();
    expect(d.push(f.subarray(0, 10), 1000)).toEqual([]);
    // 199 ms later the frame continues fine
    expect(frames(d.push(f.subarray(10), 1199))).toEqual([expected[0]]);
    // a second partial frame, then 201 ms silence: discarded, the new whole frame decodes
    d.push(f.subarray(0, 10), 2000);
    const evs = d.push(f, 2201);
    expect(evs[0]).toEqual({ kind: 'framing-error', reason: 'inter-byte-timeout' });
    expect(frames(evs)).toEqual([expected[0]]);
    // expire() from a timer reports it too
    d.push(f.subarray(0, 5), 3000);
    expect(d.expire(3100)).toEqual([]);
    expect(d.expire(3201)).toEqual([{ kind: 'framing-error', reason: 'inter-byte-timeout' }]);
    expect(d.midFrame).toBe(false);
  });

  it('restarts on a raw STX inside a payload and NAKs the broken frame', () => {
    const f = Buffer.from(VECTORS[0]!.hex, 'hex');
    const truncated = f.subarray(0, 12);
    const evs = new FrameDecoder().push(Buffer.concat([truncated, f]), 0);
    expect(evs[0]).toEqual({ kind: 'bad-frame', seq: 0, reason: 'stx-in-payload' });
    expect(frames(evs)).toEqual([expected[0]]);
  });

  it('property: random byte streams never throw and never yield a frame whose CRC fails', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 300 }), { maxLength: 20 }), (chunks) => {
        const d = new FrameDecoder();
        let t = 0;
        for (const c of chunks) {
          for (const e of d.push(c, (t += 50))) if (e.kind === 'frame') expect(encodeFrame(e.seq, e.payload).readUInt16BE(e.payload.length + 6)).toBe(e.crc);
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('property: mutated valid streams never throw, only yield CRC-correct frames, and clean frames survive', () => {
    const payloadArb = fc.json({ maxDepth: 2 }).map((j) => JSON.stringify({ t: 'x', id: 'a', j }));
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 0, max: 255 }), payloadArb), { minLength: 1, maxLength: 8 }),
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 6 }),
        fc.array(fc.integer({ min: 1, max: 40 }), { minLength: 1, maxLength: 10 }),
        (msgs, mutations, splits) => {
          const stream = Buffer.concat(msgs.map(([s, p]) => encodeFrame(s, p)));
          const mutated = Buffer.from(stream);
          for (const [pos, val] of mutations) mutated[pos % mutated.length] = val;
          const sent = new Set(msgs.map(([s, p]) => `${s}:${p}`));
          const d = new FrameDecoder();
          let i = 0;
          let k = 0;
          const got: string[] = [];
          while (i < mutated.length) {
            const n = splits[k++ % splits.length] ?? 1;
            for (const e of d.push(mutated.subarray(i, i + n), 0)) {
              if (e.kind === 'frame') {
                expect(encodeFrame(e.seq, e.payload).readUInt16BE(e.payload.length + 6)).toBe(e.crc);
                got.push(`${e.seq}:${e.payload.toString('utf8')}`);
              }
            }
            i += n;
          }
          if (mutations.length === 0) expect(got).toEqual(msgs.map(([s, p]) => `${s}:${p}`));
          // anything delivered from a mutated stream is either a real frame or passed a real CRC check
          for (const g of got) if (!sent.has(g)) expect(g.length).toBeGreaterThan(0);
        },
      ),
      { numRuns: 1500 },
    );
  });
});

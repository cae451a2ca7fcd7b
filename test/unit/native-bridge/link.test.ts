import { describe, expect, it } from 'vitest';
import { LinkDownError, LinkLayer } from '../../../native-bridge/link/link';
import { FrameDecoder, DecoderEvent } from '../../../native-bridge/protocol/decoder';
import { encodeAck, encodeFrame, encodeNak } from '../../../native-bridge/protocol/frame';
import { createMemoryTransportPair } from '../../../native-bridge/transport/memory';

/** The far end as a raw byte peer: records what it decodes, answers by script. */
function rawPeer() {
  const [a, b] = createMemoryTransportPair();
  const dec = new FrameDecoder();
  const seen: DecoderEvent[] = [];
  let onFrame: (seq: number) => void = (seq) => b.write(encodeAck(seq));
  b.onData((d) => {
    for (const e of dec.push(d)) {
      seen.push(e);
      if (e.kind === 'frame') onFrame(e.seq);
    }
  });
  return {
    a,
    b,
    seen,
    frames: () => seen.filter((e) => e.kind === 'frame') as Array<Extract<DecoderEvent, { kind: 'frame' }>>,
    setOnFrame: (f: (seq: number) => void) => (onFrame = f),
  };
}

const p = (s: string) => Buffer.from(s, 'utf8');

describe('LinkLayer (in-memory pair)', () => {
  it('sends, gets ACKed, and resolves', async () => {
    const peer = rawPeer();
    const link = new LinkLayer(peer.a);
    await link.send(p('{"t":"ping","id":"a"}'));
    expect(peer.frames()).toHaveLength(1);
    expect(link.stats.retransmissions).toBe(0);
    link.dispose();
  });

  it('retransmits the same frame (same SEQ) on NAK', async () => {
    const peer = rawPeer();
    let n = 0;
    peer.setOnFrame((seq) => peer.b.write(n++ === 0 ? encodeNak(seq) : encodeAck(seq)));
    const link = new LinkLayer(peer.a);
    await link.send(p('{"t":"ping","id":"a"}'));
    const fr = peer.frames();
    expect(fr).toHaveLength(2);
    expect(fr[0]!.seq).toBe(fr[1]!.seq);
    expect(fr[0]!.payload.equals(fr[1]!.payload)).toBe(true);
    expect(link.stats.retransmissions).toBe(1);
    expect(link.stats.naksReceived).toBe(1);
    link.dispose();
  });

  it('retransmits after 300 ms without ACK', async () => {
    const peer = rawPeer();
    let n = 0;
    peer.setOnFrame((seq) => {
      if (n++ > 0) peer.b.write(encodeAck(seq));
    });
    const link = new LinkLayer(peer.a);
    const t0 = Date.now();
    await link.send(p('{"t":"ping","id":"a"}'));
    const dt = Date.now() - t0;
    expect(dt).toBeGreaterThanOrEqual(290);
    expect(dt).toBeLessThan(600);
    expect(link.stats.ackTimeouts).toBe(1);
    expect(peer.frames()).toHaveLength(2);
    link.dispose();
  });

  it('declares the link down after 3 retransmissions without ACK, failing queued frames too', async () => {
    const peer = rawPeer();
    peer.setOnFrame(() => undefined);
    const link = new LinkLayer(peer.a);
    const downs: LinkDownError[] = [];
    link.onDown((e) => downs.push(e));
    const t0 = Date.now();
    const first = link.send(p('{"t":"ping","id":"a"}')).then(
      () => 'acked',
      (e: unknown) => e,
    );
    const second = link.send(p('{"t":"ping","id":"b"}')).then(
      () => 'acked',
      (e: unknown) => e,
    );
    const r = await first;
    expect(r).toBeInstanceOf(LinkDownError);
    expect(await second).toBeInstanceOf(LinkDownError);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(1190);
    expect(peer.frames()).toHaveLength(4); // original + 3 retransmissions, all SEQ 0
    expect(new Set(peer.frames().map((f) => f.seq))).toEqual(new Set([0]));
    expect(downs).toHaveLength(1);
    expect(link.stats.linkDowns).toBe(1);
    // the link is usable again afterwards (new frames, new SEQ)
    peer.setOnFrame((seq) => peer.b.write(encodeAck(seq)));
    await link.send(p('{"t":"ping","id":"c"}'));
    link.dispose();
  });

  it('NAK on a damaged incoming frame; ACKs a duplicate SEQ again but delivers it once', async () => {
    const [a, b] = createMemoryTransportPair();
    const link = new LinkLayer(a);
    const delivered: string[] = [];
    link.onFrame((x) => delivered.push(x.toString('utf8')));
    const replies: DecoderEvent[] = [];
    const dec = new FrameDecoder();
    b.onData((d) => replies.push(...dec.push(d)));
    const f = encodeFrame(5, '{"t":"evt.scan","id":"e1","data":"x"}');
    const bad = Buffer.from(f);
    bad[10] = (bad[10] ?? 0) ^ 0x01;
    b.write(bad);
    b.write(f);
    b.write(f); // retransmission after a lost ACK
    b.write(encodeFrame(6, '{"t":"evt.scan","id":"e2","data":"y"}'));
    await new Promise((r) => setTimeout(r, 30));
    expect(delivered).toEqual(['{"t":"evt.scan","id":"e1","data":"x"}', '{"t":"evt.scan","id":"e2","data":"y"}']);
    expect(replies).toEqual([
      { kind: 'nak', seq: 5 },
      { kind: 'ack', seq: 5 },
      { kind: 'ack', seq: 5 },
      { kind: 'ack', seq: 6 },
    ]);
    expect(link.stats.duplicatesSuppressed).toBe(1);
    expect(link.stats.crcErrors).toBe(1);
    link.dispose();
  });

  it('wraps SEQ 255 -> 0 when sending and accepts 255 then 0 when receiving', async () => {
    const peer = rawPeer();
    const link = new LinkLayer(peer.a, { initialSeq: 254 });
    for (const id of ['a', 'b', 'c']) await link.send(p(`{"t":"ping","id":"${id}"}`));
    expect(peer.frames().map((f) => f.seq)).toEqual([254, 255, 0]);
    const delivered: string[] = [];
    link.onFrame((x) => delivered.push(x.toString('utf8')));
    peer.b.write(encodeFrame(255, '{"t":"evt.x","id":"1"}'));
    peer.b.write(encodeFrame(0, '{"t":"evt.x","id":"2"}'));
    await new Promise((r) => setTimeout(r, 20));
    expect(delivered).toHaveLength(2);
    link.dispose();
  });

  it('fails pending frames with a closed LinkDownError when the port closes', async () => {
    const peer = rawPeer();
    peer.setOnFrame(() => undefined);
    const link = new LinkLayer(peer.a);
    const r = link.send(p('{"t":"ping","id":"a"}')).catch((e: unknown) => e);
    setTimeout(() => peer.b.sever(new Error('unplugged')), 20);
    const e = await r;
    expect(e).toBeInstanceOf(LinkDownError);
    expect((e as LinkDownError).kind).toBe('closed');
  });

  it('NAKs a wrong-version frame and reports the mismatch', async () => {
    const [a, b] = createMemoryTransportPair();
    const link = new LinkLayer(a);
    const versions: number[] = [];
    link.onVersionMismatch((v) => versions.push(v));
    const got: DecoderEvent[] = [];
    const dec = new FrameDecoder();
    b.onData((d) => got.push(...dec.push(d)));
    b.write(encodeFrame(9, '{"t":"ping","id":"a"}', 2));
    await new Promise((r) => setTimeout(r, 20));
    expect(versions).toEqual([2]);
    expect(got).toEqual([{ kind: 'nak', seq: 9 }]);
    link.dispose();
  });
});

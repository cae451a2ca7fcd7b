/**
 * Issue 12 item 7: a noisy cable is not an outage. Re-askable requests
 * (hello, auth, ping, info, refund.reference, pair.begin) whose reply was lost
 * to line noise are asked again as NEW frames (new id, next SEQ) within their
 * budget; the connect handshake is retried on the same port; a clean-line
 * silence is still reported at once as "not answering". Also the receiver
 * rule of the clarified section 3 (same SEQ + new payload = new frame) and the
 * 4096-byte message cap.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { TerminalLink } from '../../../native-bridge/host/terminal-link';
import { LinkLayer } from '../../../native-bridge/link/link';
import { MAX_PAYLOAD } from '../../../native-bridge/protocol/constants';
import { crc16 } from '../../../native-bridge/protocol/crc16';
import { FrameDecoder } from '../../../native-bridge/protocol/decoder';
import { encodeFrame } from '../../../native-bridge/protocol/frame';
import { createMemoryPairingStore } from '../../../native-bridge/session/pairing-store';
import { VirtualTerminal } from '../../../native-bridge/sim/virtual-terminal';
import { withByteCorruption } from '../../../native-bridge/transport/faulty';
import { createMemoryTransportPair } from '../../../native-bridge/transport/memory';
import type { Transport } from '../../../native-bridge/transport/transport';
import { mulberry32 } from '../../helpers/prng';
import { HOST, waitFor } from './helpers';

/** Wraps a transport so the next `times` writes containing `marker` arrive damaged (one payload byte flipped). */
function damageWrites(inner: Transport, marker: string, times: number, armed: () => boolean = () => true): Transport & { damaged: number } {
  const needle = Buffer.from(marker);
  const w = {
    damaged: 0,
    get description() {
      return inner.description;
    },
    get isOpen() {
      return inner.isOpen;
    },
    write(data: Uint8Array): void {
      const buf = Buffer.from(data);
      if (armed() && w.damaged < times && buf.includes(needle)) {
        w.damaged++;
        buf[8] = (buf[8] ?? 0) ^ 0x01; // inside the JSON payload: CRC fails, receiver NAKs
      }
      inner.write(buf);
    },
    onData: (l: (d: Buffer) => void) => inner.onData(l),
    onClose: (l: (e?: Error) => void) => inner.onClose(l),
    close: () => inner.close(),
  };
  return w;
}

/** Records every frame the host writes (SEQ + decoded JSON). */
function recordFrames(inner: Transport): Transport & { frames: { seq: number; msg: { t: string; id: string } }[] } {
  const decoder = new FrameDecoder();
  const w = {
    frames: [] as { seq: number; msg: { t: string; id: string } }[],
    get description() {
      return inner.description;
    },
    get isOpen() {
      return inner.isOpen;
    },
    write(data: Uint8Array): void {
      for (const ev of decoder.push(data)) {
        if (ev.kind === 'frame') w.frames.push({ seq: ev.seq, msg: JSON.parse(ev.payload.toString('utf8')) as { t: string; id: string } });
      }
      inner.write(data);
    },
    onData: (l: (d: Buffer) => void) => inner.onData(l),
    onClose: (l: (e?: Error) => void) => inner.onClose(l),
    close: () => inner.close(),
  };
  return w;
}

interface Rig {
  link: TerminalLink;
  vt: VirtualTerminal;
  hostWire: () => ReturnType<typeof recordFrames> | null;
}

const links: TerminalLink[] = [];
afterEach(async () => {
  for (const l of links.splice(0)) await l.stop();
});

/**
 * Host and virtual terminal over in-memory pairs. `share` of the bytes is
 * corrupted in each direction (seeded); `terminalWire` may wrap the terminal's end.
 */
function rig(o: {
  seed: number;
  share?: number;
  terminalWire?: (t: Transport) => Transport;
  requestTimeoutMs?: number;
  vt?: VirtualTerminal;
  store?: ReturnType<typeof createMemoryPairingStore>;
}): Rig {
  const vt = o.vt ?? new VirtualTerminal({ serial: 'AT-PX-NOISE', random: mulberry32(o.seed) });
  if (o.share) vt.setFaults({ corruptShare: o.share });
  const hostRandom = mulberry32(o.seed + 1000);
  let wire: ReturnType<typeof recordFrames> | null = null;
  const link = new TerminalLink({
    openTransport: async () => {
      const [h, t] = createMemoryTransportPair();
      vt.attach(o.terminalWire ? o.terminalWire(t) : t);
      const noisy = o.share ? withByteCorruption(h, () => o.share ?? 0, hostRandom) : h;
      wire = recordFrames(noisy);
      return wire;
    },
    pairingStore: o.store ?? createMemoryPairingStore(),
    host: HOST,
    heartbeatMs: 0,
    reconnectDelayMs: 20,
    requestTimeoutMs: o.requestTimeoutMs ?? 2_000,
  });
  links.push(link);
  return { link, vt, hostWire: () => wire };
}

describe('a lost reply is asked again as a new frame', () => {
  it('refund.reference whose reply is damaged 4 times (terminal gives it up) is re-asked with a new id and SEQ and answered', async () => {
    let arm = false;
    let damager: ReturnType<typeof damageWrites> | null = null;
    const r = rig({
      seed: 1,
      terminalWire: (t) => {
        damager = damageWrites(t, '"refund.reference.ok"', 4, () => arm);
        return damager;
      },
    });
    r.link.start();
    await waitFor(r.link, (s) => s.state === 'unpaired');
    const paired = await r.link.pairWithCode(async () => r.vt.currentPairingCode());
    expect(paired.ok).toBe(true);
    await waitFor(r.link, (s) => s.state === 'authenticated');
    arm = true;
    const res = await r.link.requestRefundReference({ paymentId: 'P-1', refundRequestId: 'RR-LOST-1', refundAmount: { value: 100, currency: 'SGD' } });
    expect(res.ok).toBe(true);
    expect((damager as ReturnType<typeof damageWrites> | null)?.damaged).toBe(4);
    const asks = (r.hostWire()?.frames ?? []).filter((f) => f.msg.t === 'refund.reference');
    // The original frame (with its link-level retransmissions, same SEQ and id) and one re-ask: a new id and the next SEQ.
    const distinct = [...new Map(asks.map((a) => [`${a.seq}/${a.msg.id}`, a])).values()];
    expect(distinct).toHaveLength(2);
    expect(distinct[1]?.msg.id).not.toBe(distinct[0]?.msg.id);
    expect(distinct[1]?.seq).not.toBe(distinct[0]?.seq);
    expect(r.link.stats()).toMatchObject({ reasked: 1, reaskedOk: 1 });
    expect(r.link.status().state).toBe('authenticated');
    // Idempotent at the terminal: asking again gives the same reference.
    const again = await r.link.requestRefundReference({ paymentId: 'P-1', refundRequestId: 'RR-LOST-1', refundAmount: { value: 100, currency: 'SGD' } });
    expect(again.ok && res.ok && again.value.originalMerchantRefundId).toBe(res.ok ? res.value.originalMerchantRefundId : 'x');
  });

  it('a lost hello.ok is asked again on the same port: the connect handshake completes without a reconnect', async () => {
    const r = rig({ seed: 2, terminalWire: (t) => damageWrites(t, '"hello.ok"', 4) });
    r.link.start();
    await waitFor(r.link, (s) => s.state === 'unpaired');
    const hellos = new Set((r.hostWire()?.frames ?? []).filter((f) => f.msg.t === 'hello').map((f) => f.msg.id));
    expect(hellos.size).toBe(2);
    expect(r.link.stats().reconnects).toBe(0);
  });

  it('a lost auth.ok is asked again too', async () => {
    const store = createMemoryPairingStore();
    const vt = new VirtualTerminal({ serial: 'AT-PX-NOISE', random: mulberry32(3) });
    const first = rig({ seed: 3, vt, store });
    first.link.start();
    await waitFor(first.link, (s) => s.state === 'unpaired');
    expect((await first.link.pairWithCode(async () => vt.currentPairingCode())).ok).toBe(true);
    await first.link.stop();
    const second = rig({ seed: 3, vt, store, terminalWire: (t) => damageWrites(t, '"auth.ok"', 4) });
    second.link.start();
    await waitFor(second.link, (s) => s.state === 'authenticated');
    expect(second.link.stats()).toMatchObject({ reconnects: 0, reaskedOk: 1 });
  });

  it('when every reply keeps arriving damaged, the request gives up at its budget with LINE_NOISE (not "not answering")', async () => {
    let arm = false;
    const r = rig({ seed: 5, requestTimeoutMs: 1_000, terminalWire: (t) => damageWrites(t, '"refund.reference.ok"', 10_000, () => arm) });
    r.link.start();
    await waitFor(r.link, (s) => s.state === 'unpaired');
    expect((await r.link.pairWithCode(async () => r.vt.currentPairingCode())).ok).toBe(true);
    await waitFor(r.link, (s) => s.state === 'authenticated');
    arm = true;
    const t0 = Date.now();
    const res = await r.link.requestRefundReference({ paymentId: 'P', refundRequestId: 'RR-NOISY-FOREVER' });
    expect(res.ok ? 'ok' : res.error.code).toBe('LINE_NOISE');
    // Default budget: 3 x the request timeout.
    expect(Date.now() - t0).toBeLessThan(3 * 1_000 + 1_500);
    expect(r.link.stats().reasked).toBeGreaterThan(0);
    expect(r.link.stats().notAnswering).toBe(0);
    const { terminalErrorMessage } = await import('../../../main/refunds/messages');
    expect(terminalErrorMessage('LINE_NOISE').message).toMatch(/noisy/);
  });

  it('a silent terminal on a clean line is "not answering" at once: not re-asked, counted apart from noise', async () => {
    const r = rig({ seed: 4, requestTimeoutMs: 400 });
    r.link.start();
    await waitFor(r.link, (s) => s.state === 'unpaired');
    await r.link.pairWithCode(async () => r.vt.currentPairingCode());
    await waitFor(r.link, (s) => s.state === 'authenticated');
    r.vt.setFaults({ vanish: 'silent', vanishOn: 'refund.reference' });
    const t0 = Date.now();
    const res = await r.link.requestRefundReference({ paymentId: 'P', refundRequestId: 'RR-SILENT' });
    expect(res.ok ? 'ok' : res.error.code).toMatch(/^(TIMEOUT|LINK_DOWN)$/);
    expect(Date.now() - t0).toBeLessThan(3 * 400);
    expect(r.link.stats()).toMatchObject({ reasked: 0, notAnswering: 1 });
  });
});

describe('0.5% byte corruption both ways (seeded)', () => {
  it('12 pairings, each one pairWithCode call, all succeed; then refunds references and pings need no caller retry', async () => {
    const downs: string[] = [];
    const totals = { reasked: 0, reaskedOk: 0, pairRounds: 0, noisyLinkDowns: 0, retransmissions: 0, crcErrors: 0, reconnects: 0 };
    for (let i = 0; i < 12; i++) {
      const r = rig({ seed: 100 + i, share: 0.005 });
      // Noise must not surface as an outage: the status never goes 'down' on the way.
      r.link.on('status', (st) => {
        if (st.state === 'down') downs.push(`${i}: ${st.reason ?? ''}`);
      });
      r.link.start();
      await waitFor(r.link, (s) => s.state === 'unpaired', 20_000);
      const paired = await r.link.pairWithCode(async () => r.vt.currentPairingCode());
      expect(paired.ok ? 'ok' : `${paired.error.code}: ${paired.error.message}`).toBe('ok');
      if (paired.ok) totals.pairRounds += paired.value.rounds;
      await waitFor(r.link, (s) => s.state === 'authenticated', 20_000);
      const st = r.link.stats();
      totals.reasked += st.reasked;
      totals.reaskedOk += st.reaskedOk;
      totals.noisyLinkDowns += st.noisyLinkDowns;
      totals.retransmissions += st.retransmissions;
      totals.crcErrors += st.crcErrors;
      totals.reconnects += st.reconnects;
      await r.link.stop();
    }
    console.log(`[0.5% noise] 12 pairings: ${JSON.stringify(totals)}`);
    expect(downs).toEqual([]);
  }, 120_000);

  it('150 refund.reference requests (50 ids, each asked 3 times) and 150 pings: every one answered, same reference per id', async () => {
    const r = rig({ seed: 7, share: 0.005 });
    r.link.start();
    await waitFor(r.link, (s) => s.state === 'unpaired', 20_000);
    expect((await r.link.pairWithCode(async () => r.vt.currentPairingCode())).ok).toBe(true);
    await waitFor(r.link, (s) => s.state === 'authenticated', 20_000);
    const issued = new Map<string, string>();
    let failures = 0;
    let pingLoss = 0;
    for (let i = 0; i < 150; i++) {
      const k = i % 50;
      const res = await r.link.requestRefundReference({ paymentId: `P-${k}`, refundRequestId: `RR-N-${k}`, refundAmount: { value: 100 + k, currency: 'SGD' } });
      if (!res.ok) {
        failures++;
        continue;
      }
      const prev = issued.get(`RR-N-${k}`);
      if (prev) expect(res.value.originalMerchantRefundId).toBe(prev);
      else issued.set(`RR-N-${k}`, res.value.originalMerchantRefundId);
      const p = await r.link.ping();
      if (!p.ok) pingLoss++;
    }
    const st = r.link.stats();
    console.log(
      `[0.5% noise] 150 refund.reference + 150 ping: failures=${failures} pingLoss=${pingLoss} reasked=${st.reasked} reaskedOk=${st.reaskedOk} noisyLinkDowns=${st.noisyLinkDowns} notAnswering=${st.notAnswering} retransmissions=${st.retransmissions} crcErrors=${st.crcErrors} linkDowns=${st.linkDowns} reconnects=${st.reconnects}`,
    );
    expect(failures).toBe(0);
    expect(pingLoss).toBe(0);
    expect(issued.size).toBe(50);
    expect(new Set(issued.values()).size).toBe(50);
  }, 180_000);
});

describe('receiver: same SEQ, new payload is a new frame', () => {
  it('delivers a second frame with the same SEQ, length and CRC but other bytes (a restarted sender)', async () => {
    // Find two payloads of equal length whose CRC-16 collides: the old CRC-based dedupe would drop the second.
    const header = (len: number): Buffer => Buffer.from([0x01, 9, (len >> 8) & 0xff, len & 0xff]);
    const mk = (n: number): Buffer => Buffer.from(JSON.stringify({ t: 'evt.status', id: `e${n.toString(36).padStart(4, '0')}`, state: 'idle' }));
    const crcOf = (p: Buffer): number => crc16(Buffer.from([0x03]), crc16(p, crc16(header(p.length))));
    const a = mk(0);
    let b: Buffer | null = null;
    for (let n = 1; n < 1_500_000 && b === null; n++) {
      const c = mk(n);
      if (c.length === a.length && crcOf(c) === crcOf(a)) b = c;
    }
    expect(b).not.toBeNull();
    if (b === null) return;
    expect(encodeFrame(9, a).subarray(-2).equals(encodeFrame(9, b).subarray(-2))).toBe(true);
    const [x, y] = createMemoryTransportPair();
    const rx = new LinkLayer(y);
    const got: string[] = [];
    rx.onFrame((p) => got.push(p.toString('utf8')));
    x.write(encodeFrame(9, a));
    x.write(encodeFrame(9, a)); // a retransmission: ACKed, not delivered again
    x.write(encodeFrame(9, b));
    await new Promise((res) => setTimeout(res, 20));
    expect(got).toEqual([a.toString('utf8'), b.toString('utf8')]);
    expect(rx.stats.duplicatesSuppressed).toBe(1);
    rx.dispose();
  });
});

describe('every terminal message has a size cap', () => {
  it(`oversized frames (LEN > ${MAX_PAYLOAD}) and 4 MB of junk are never delivered and never buffered; the link still works after`, async () => {
    const [x, y] = createMemoryTransportPair();
    const rx = new LinkLayer(y);
    const got: Buffer[] = [];
    rx.onFrame((p) => got.push(p));
    const heap0 = process.memoryUsage().heapUsed;
    const junk = Buffer.alloc(64 * 1024, 0x41);
    for (let i = 0; i < 64; i++) {
      x.write(Buffer.from([0x02, 0x01, i & 0xff, 0xff, 0xff])); // announces 65,535 bytes
      x.write(junk);
    }
    await new Promise((res) => setTimeout(res, 50));
    expect(got).toHaveLength(0);
    expect(rx.stats.framingErrors).toBeGreaterThanOrEqual(64);
    expect(process.memoryUsage().heapUsed - heap0).toBeLessThan(32 * 1024 * 1024);
    x.write(encodeFrame(200, Buffer.from('{"t":"ping","id":"p1"}')));
    await new Promise((res) => setTimeout(res, 20));
    expect(got.map((p) => p.toString())).toEqual(['{"t":"ping","id":"p1"}']);
    rx.dispose();
  });

  it('the host refuses to send a message over the cap (BAD_REQUEST), nothing is written', async () => {
    const r = rig({ seed: 9 });
    r.link.start();
    await waitFor(r.link, (s) => s.state === 'unpaired');
    await r.link.pairWithCode(async () => r.vt.currentPairingCode());
    await waitFor(r.link, (s) => s.state === 'authenticated');
    const before = r.hostWire()?.frames.length ?? 0;
    const res = await r.link.requestRefundReference({ paymentId: 'P'.repeat(MAX_PAYLOAD), refundRequestId: 'RR-BIG' });
    expect(res.ok ? 'ok' : res.error.code).toBe('BAD_REQUEST');
    expect(r.hostWire()?.frames.length).toBe(before);
  });
});

describe('a refund over a 0.5% noisy line completes', () => {
  it('10 refunds through the real engine and TerminalLink (fake Antom) all end SUCCEEDED with one reference each', async () => {
    const { rig: engineRig } = await import('../refunds/engine-helpers');
    const r = rig({ seed: 21, share: 0.005 });
    r.link.start();
    await waitFor(r.link, (s) => s.state === 'unpaired', 20_000);
    expect((await r.link.pairWithCode(async () => r.vt.currentPairingCode())).ok).toBe(true);
    await waitFor(r.link, (s) => s.state === 'authenticated', 20_000);
    const e = engineRig({ terminal: r.link, resultNoticeTimeoutMs: 5_000 });
    try {
      for (let i = 0; i < 10; i++) e.antom.addPayment(`NOISY-${i}`, { amount: { value: 1_000 + i, currency: 'SGD' } });
      const states: string[] = [];
      for (let i = 0; i < 10; i++) {
        const res = await e.engine.submit({ intentId: `noisy-intent-${i}`, paymentId: `NOISY-${i}`, mode: 'FULL', cashier: 'alice' });
        states.push(res.ok ? `${res.value.state}${res.value.resultCode ? `/${res.value.resultCode}` : ''}` : res.error.code);
      }
      const st = r.link.stats();
      console.log(`[0.5% noise] 10 engine refunds: ${states.join(', ')}; reasked=${st.reasked} noisyLinkDowns=${st.noisyLinkDowns}`);
      expect(states.every((s) => s.startsWith('SUCCEEDED'))).toBe(true);
      expect(new Set(e.antom.refundCalls.map((c) => c.originalMerchantRefundId)).size).toBe(10);
    } finally {
      e.cleanup();
    }
  }, 120_000);
});

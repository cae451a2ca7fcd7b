import { describe, expect, it } from 'vitest';
import { VirtualTerminal } from '../../../native-bridge/sim/virtual-terminal';
import { createMemoryTransportPair } from '../../../native-bridge/transport/memory';
import { LinkLayer } from '../../../native-bridge/link/link';
import { MessageEndpoint } from '../../../native-bridge/messages/endpoint';
import { EmptyOk, HelloOk, RefundReferenceOk } from '../../../native-bridge/messages/schemas';
import { LinkStatusSchema, parseScan, ScanEvent } from '../../../native-bridge/host/status';
import { memoryRig, pairIt, waitFor } from './helpers';
import { createRecordedUsbBackend } from '../../../native-bridge/discovery/usb-backend';

describe('TerminalLink + VirtualTerminal over memory transports', () => {
  it('pairs, authenticates, and issues references idempotently', async () => {
    const codes: string[] = [];
    const vt = new VirtualTerminal({ serial: 'AT-PX-00042', onPairingCode: (c) => codes.push(c) });
    const { link, store } = memoryRig(vt);
    link.start();
    const st = await waitFor(link, (s) => s.state === 'unpaired');
    expect(st.terminal?.serial).toBe('AT-PX-00042');
    expect(LinkStatusSchema.safeParse(st).success).toBe(true);
    expect((await link.requestRefundReference({ paymentId: 'P1', refundRequestId: 'R1' })).ok).toBe(false);
    await pairIt(link, vt);
    expect(codes).toHaveLength(1);
    expect((await store.load())?.serial).toBe('AT-PX-00042');
    const a = await link.requestRefundReference({ paymentId: 'P1', refundRequestId: 'R1', refundAmount: { value: 1050, currency: 'SGD' } });
    const b = await link.requestRefundReference({ paymentId: 'P1', refundRequestId: 'R1', refundAmount: { value: 1050, currency: 'SGD' } });
    expect(a.ok && b.ok && a.value.originalMerchantRefundId === b.value.originalMerchantRefundId).toBe(true);
    const c = await link.requestRefundReference({ paymentId: 'P1', refundRequestId: 'R1', refundAmount: { value: 1000, currency: 'SGD' } });
    expect(c.ok ? 'ok' : c.error.code).toBe('BAD_REQUEST');
    const d = await link.requestRefundReference({ paymentId: 'P2', refundRequestId: 'R1', refundAmount: { value: 1050, currency: 'SGD' } });
    expect(d.ok ? 'ok' : d.error.code).toBe('BAD_REQUEST');
    const full = await link.requestRefundReference({ paymentId: 'P1', refundRequestId: 'R2' });
    expect(full.ok && a.ok && full.value.originalMerchantRefundId !== a.value.originalMerchantRefundId).toBe(true);
    const res = await link.sendRefundResult({ refundRequestId: 'R1', refundId: 'X', status: 'SUCCESS', resultCode: 'SUCCESS' });
    expect(res).toEqual({ ok: true, value: { printed: true } });
    const ping = await link.ping();
    expect(ping.ok && ping.value.rttMs >= 0).toBe(true);
    const info = await link.info();
    expect(info.ok && info.value.serial).toBe('AT-PX-00042');
    expect(link.stats().framesSent).toBeGreaterThan(5);
    await link.stop();
    expect(link.status().state).toBe('disconnected');
  });

  it('re-authenticates automatically after reconnect', async () => {
    const vt = new VirtualTerminal();
    const rig = memoryRig(vt);
    rig.link.start();
    await pairIt(rig.link, vt);
    rig.ends[0]!.sever(new Error('unplugged'));
    await waitFor(rig.link, (s) => s.state === 'down');
    await waitFor(rig.link, (s) => s.state === 'authenticated');
    expect(rig.ends).toHaveLength(2);
    expect(rig.link.stats().reconnects).toBeGreaterThanOrEqual(1);
    expect((await rig.link.ping()).ok).toBe(true);
    await rig.link.stop();
  });

  it('refuses a swapped terminal (different serial) as TERMINAL_SWAPPED', async () => {
    const vt = new VirtualTerminal({ serial: 'AT-PX-00001' });
    const rig = memoryRig(vt);
    rig.link.start();
    await pairIt(rig.link, vt);
    rig.swapTerminal(new VirtualTerminal({ serial: 'AT-PX-99999' }));
    rig.ends[0]!.sever();
    const s = await waitFor(rig.link, (x) => x.state === 'down' && (x.reason ?? '').startsWith('TERMINAL_SWAPPED'));
    expect(s.terminal?.serial).toBe('AT-PX-99999');
    const r = await rig.link.requestRefundReference({ paymentId: 'P', refundRequestId: 'R' });
    expect(r.ok ? 'ok' : r.error.code).toBe('TERMINAL_SWAPPED');
    await rig.link.stop();
  });

  it('refuses a same-serial impostor whose proof is wrong', async () => {
    const vt = new VirtualTerminal({ serial: 'AT-PX-00001' });
    const rig = memoryRig(vt);
    rig.link.start();
    await pairIt(rig.link, vt);
    // a clone with the same serial, paired with some other host (different key)
    const clone = new VirtualTerminal({ serial: 'AT-PX-00001' });
    const other = memoryRig(clone, { host: { app: 'x', version: '1', hostId: 'h2', hostName: 'other' } });
    other.link.start();
    await pairIt(other.link, clone);
    await other.link.stop();
    rig.swapTerminal(clone);
    rig.ends[0]!.sever();
    const s = await waitFor(rig.link, (x) => x.state === 'down' && (x.reason ?? '').includes('identity proof'));
    expect(s.reason).toMatch(/^TERMINAL_SWAPPED/);
    await rig.link.stop();
  });

  it('delivers evt.scan to subscribers with the parsed paymentId, and evt.status', async () => {
    const vt = new VirtualTerminal();
    const rig = memoryRig(vt);
    const scans: ScanEvent[] = [];
    const statuses: unknown[] = [];
    rig.link.on('scan', (s) => scans.push(s));
    rig.link.on('terminalEvent', (e) => statuses.push(e));
    rig.link.start();
    await pairIt(rig.link, vt);
    expect(await vt.emitScan('antom:payment:2026022593030000001')).toBe(true);
    expect(await vt.emitScan('some other code')).toBe(true);
    expect(await vt.emitStatus('busy', 'printing')).toBe(true);
    await new Promise((r) => setTimeout(r, 20));
    expect(scans).toEqual([
      { raw: 'antom:payment:2026022593030000001', paymentId: '2026022593030000001' },
      { raw: 'some other code', paymentId: null },
    ]);
    expect(statuses).toEqual([{ t: 'evt.status', state: 'busy', detail: 'printing' }]);
    expect(parseScan('antom:payment:')).toEqual({ raw: 'antom:payment:', paymentId: null });
    await rig.link.stop();
  });

  it('wrong pairing codes: mismatch, then PAIR_LOCKED for 60 s', async () => {
    let now = 1_000_000;
    const vt = new VirtualTerminal({ now: () => now });
    const rig = memoryRig(vt);
    rig.link.start();
    await waitFor(rig.link, (s) => s.state === 'unpaired');
    expect((await rig.link.pairBegin()).ok).toBe(true);
    const wrong = vt.currentPairingCode() === '000000' ? '111111' : '000000';
    const codes: string[] = [];
    for (let i = 0; i < 3; i++) {
      const r = await rig.link.pairConfirm(wrong);
      codes.push(r.ok ? 'ok' : r.error.code);
    }
    expect(codes).toEqual(['PAIR_CODE_MISMATCH', 'PAIR_CODE_MISMATCH', 'PAIR_CODE_MISMATCH']);
    const locked = await rig.link.pairBegin();
    expect(locked.ok ? 'ok' : locked.error.code).toBe('PAIR_LOCKED');
    expect(((await rig.link.pairConfirm('123456')) as { error: { code: string } }).error.code).toBe('PAIR_LOCKED');
    now += 60_001;
    expect((await rig.link.pairBegin()).ok).toBe(true);
    const good = await rig.link.pairConfirm(vt.currentPairingCode()!);
    expect(good.ok).toBe(true);
    await waitFor(rig.link, (s) => s.state === 'authenticated');
    await rig.link.stop();
  });

  it('a USB detach of the terminal ends the session at once; it re-authenticates when back', async () => {
    const vt = new VirtualTerminal({ serial: 'AT-PX-00042' });
    const usb = createRecordedUsbBackend([]);
    const rig = memoryRig(vt, { hotplug: { usb } });
    const states: string[] = [];
    rig.link.on('status', (s) => states.push(`${s.state}${s.reason ? `:${s.reason}` : ''}`));
    rig.link.start();
    await pairIt(rig.link, vt);
    usb.detach({ vendorId: 0x046d, productId: 0xc31c, serialNumber: 'KB' }); // not a terminal: ignored
    usb.detach({ vendorId: 0x2ca3, productId: 0x0101, serialNumber: 'AT-PX-99999' }); // another terminal: ignored
    expect(rig.link.status().state).toBe('authenticated');
    usb.detach({ vendorId: 0x2ca3, productId: 0x0101, serialNumber: 'AT-PX-00042' });
    expect(rig.link.status()).toMatchObject({ state: 'down', reason: expect.stringContaining('USB detach') });
    await waitFor(rig.link, (s) => s.state === 'authenticated');
    expect(states.some((x) => x.includes('USB detach'))).toBe(true);
    await rig.link.stop();
  });

  it('fault switches: BUSY, dropped/NAKed/delayed ACKs, vanish (close) mid-request', async () => {
    const vt = new VirtualTerminal();
    const rig = memoryRig(vt, { requestTimeoutMs: 1500 });
    rig.link.start();
    await pairIt(rig.link, vt);
    expect(vt.setFaults({ busy: true }).ok).toBe(true);
    const busy = await rig.link.requestRefundReference({ paymentId: 'P', refundRequestId: 'R' });
    expect(busy.ok ? 'ok' : busy.error.code).toBe('BUSY');
    expect(vt.setFaults({ busy: false, nakShare: 2 }).ok).toBe(false); // refused, not thrown
    vt.setFaults({ busy: false, dropAckShare: 0.5, nakShare: 0.2, delayAckMs: 20 });
    const before = rig.link.stats().retransmissions;
    for (let i = 0; i < 10; i++) {
      const r = await rig.link.requestRefundReference({ paymentId: 'P', refundRequestId: 'R' });
      if (!r.ok) {
        expect(['LINK_DOWN']).toContain(r.error.code);
        await waitFor(rig.link, (s) => s.state === 'authenticated');
      }
    }
    expect(rig.link.stats().retransmissions).toBeGreaterThan(before);
    vt.setFaults({ dropAckShare: 0, nakShare: 0, delayAckMs: 0, vanish: 'close', vanishOn: 'refund.reference' });
    const gone = await rig.link.requestRefundReference({ paymentId: 'P', refundRequestId: 'R2' });
    expect(gone.ok ? 'ok' : gone.error.code).toBe('LINK_DOWN');
    await waitFor(rig.link, (s) => s.state === 'authenticated');
    expect((await rig.link.requestRefundReference({ paymentId: 'P', refundRequestId: 'R2' })).ok).toBe(true);
    await rig.link.stop();
  });

  it('vanish (silent): the request times out, the heartbeat notices, the link comes back', async () => {
    const vt = new VirtualTerminal();
    const rig = memoryRig(vt, { requestTimeoutMs: 400, heartbeatMs: 200 });
    rig.link.start();
    await pairIt(rig.link, vt);
    vt.setFaults({ vanish: 'silent', vanishOn: 'refund.reference' });
    const r = await rig.link.requestRefundReference({ paymentId: 'P', refundRequestId: 'R' });
    expect(r.ok ? 'ok' : r.error.code).toMatch(/^(TIMEOUT|LINK_DOWN)$/);
    await waitFor(rig.link, (s) => s.state === 'down');
    await waitFor(rig.link, (s) => s.state === 'authenticated');
    await rig.link.stop();
  });

  it('unpair clears both sides', async () => {
    const vt = new VirtualTerminal();
    const rig = memoryRig(vt);
    rig.link.start();
    await pairIt(rig.link, vt);
    expect(await rig.link.unpair()).toEqual({ ok: true, value: { terminalCleared: true } });
    expect(vt.isPaired).toBe(false);
    expect(await rig.store.load()).toBeNull();
    await waitFor(rig.link, (s) => s.state === 'unpaired');
    await rig.link.stop();
  });
});

describe('VirtualTerminal rules, spoken to directly', () => {
  async function raw(vt: VirtualTerminal) {
    const [h, t] = createMemoryTransportPair();
    vt.attach(t);
    const link = new LinkLayer(h);
    const ep = new MessageEndpoint(link, { defaultTimeoutMs: 1000 });
    return { ep, link, h };
  }
  const nonce = 'AAECAwQFBgcICQoLDA0ODw';

  it('NOT_PAIRED, NOT_AUTHENTICATED, UNSUPPORTED, BAD_REQUEST', async () => {
    const vt = new VirtualTerminal();
    const { ep, h } = await raw(vt);
    const r1 = await ep.request('refund.reference', { paymentId: 'P', refundRequestId: 'R' }, RefundReferenceOk);
    expect(r1.ok ? 'ok' : r1.error.code).toBe('NOT_PAIRED');
    const r2 = await ep.request('frobnicate', {}, EmptyOk);
    expect(r2.ok ? 'ok' : r2.error.code).toBe('UNSUPPORTED');
    const r3 = await ep.request('hello', { proto: 1, host: { app: 'a' }, hostNonce: nonce }, HelloOk);
    expect(r3.ok ? 'ok' : r3.error.code).toBe('BAD_REQUEST');
    const r4 = await ep.request('hello', { proto: 2, host: { app: 'a', version: '1' }, hostNonce: nonce }, HelloOk);
    expect(r4.ok ? 'ok' : r4.error.code).toBe('UNSUPPORTED');
    const r5 = await ep.request('hello', { proto: 1, host: { app: 'a', version: '1' }, hostNonce: nonce, extra: 'ignored' }, HelloOk);
    expect(r5.ok && r5.value.paired === false && r5.value.proof === undefined).toBe(true);
    await h.close();
  });

  it('NOT_AUTHENTICATED when paired but auth not done; AUTH_FAILED on a bad proof', async () => {
    const vt = new VirtualTerminal();
    const rig = memoryRig(vt);
    rig.link.start();
    await pairIt(rig.link, vt);
    await rig.link.stop();
    const { ep, h } = await raw(vt);
    const hello = await ep.request('hello', { proto: 1, host: { app: 'a', version: '1' }, hostNonce: nonce }, HelloOk);
    expect(hello.ok && hello.value.paired && typeof hello.value.proof === 'string').toBe(true);
    const r1 = await ep.request('refund.reference', { paymentId: 'P', refundRequestId: 'R' }, RefundReferenceOk);
    expect(r1.ok ? 'ok' : r1.error.code).toBe('NOT_AUTHENTICATED');
    const r2 = await ep.request('auth', { proof: 'A'.repeat(43) }, EmptyOk);
    expect(r2.ok ? 'ok' : r2.error.code).toBe('AUTH_FAILED');
    await h.close();
  });

  it('answers BAD_REQUEST to a payload that is not JSON', async () => {
    const vt = new VirtualTerminal();
    const [h, t] = createMemoryTransportPair();
    vt.attach(t);
    const link = new LinkLayer(h);
    const got: string[] = [];
    link.onFrame((p) => got.push(p.toString('utf8')));
    await link.send(Buffer.from('not json', 'utf8'));
    await link.send(Buffer.from('{"t":"ping"}', 'utf8'));
    await new Promise((r) => setTimeout(r, 30));
    expect(got.map((g) => JSON.parse(g).code)).toEqual(['BAD_REQUEST', 'BAD_REQUEST']);
    await h.close();
  });
});

/**
 * End-to-end over a real socat pty pair with the real serialport bindings.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { TerminalLink } from '../../../native-bridge/host/terminal-link';
import type { ScanEvent } from '../../../native-bridge/host/status';
import { createMemoryPairingStore } from '../../../native-bridge/session/pairing-store';
import { VirtualTerminal } from '../../../native-bridge/sim/virtual-terminal';
import { startVirtualTerminalOnPort, RunningVirtualTerminal } from '../../../native-bridge/sim/start-on-port';
import { createPtyPair, PtyPair, socatAvailable } from '../../../native-bridge/transport/pty';
import { SerialPortTransport } from '../../../native-bridge/transport/serial';
import { withByteCorruption } from '../../../native-bridge/transport/faulty';
import { describePortError } from '../../../native-bridge/discovery/port-errors';
import { HOST, pairIt, waitFor } from './helpers';
import { mulberry32 } from '../../helpers/prng';

const HAVE_SOCAT = socatAvailable();
if (!HAVE_SOCAT) console.warn('SKIPPING pty tests: /usr/bin/socat is not installed (apt-get install socat).');
const d = HAVE_SOCAT ? describe : describe.skip;

d('TLP/1 over a socat pty pair (real serialport bindings)', () => {
  const cleanups: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c().catch(() => undefined);
  });

  async function rig(opts: { serial?: string; hostCorruption?: number; seed?: number; links?: boolean; requestTimeoutMs?: number } = {}) {
    const dir = mkdtempSync(path.join(tmpdir(), 'tlp-'));
    const links = opts.links ? { hostLink: path.join(dir, 'host'), terminalLink: path.join(dir, 'term') } : {};
    let pair: PtyPair = await createPtyPair(links);
    cleanups.push(() => pair.close());
    const vt = new VirtualTerminal({ serial: opts.serial ?? 'AT-PX-00042', ...(opts.seed !== undefined ? { random: mulberry32(opts.seed) } : {}) });
    let running: RunningVirtualTerminal = await startVirtualTerminalOnPort(pair.terminalPath, { terminal: vt });
    cleanups.push(() => running.stop());
    const hostRandom = mulberry32((opts.seed ?? 1) + 1);
    const store = createMemoryPairingStore();
    const link = new TerminalLink({
      openTransport: async () => {
        const t = await SerialPortTransport.open(pair.hostPath);
        return opts.hostCorruption ? withByteCorruption(t, () => opts.hostCorruption ?? 0, hostRandom) : t;
      },
      pairingStore: store,
      host: HOST,
      heartbeatMs: 0,
      ...(opts.requestTimeoutMs ? { requestTimeoutMs: opts.requestTimeoutMs } : {}),
      reconnectDelayMs: 50,
      maxReconnectDelayMs: 200,
    });
    cleanups.push(() => link.stop());
    return {
      link,
      vt,
      store,
      get pair() {
        return pair;
      },
      /** Kills socat (both ends hang up), then brings up a new pair under the same names with the terminal on it. */
      async replug() {
        await running.stop();
        await pair.close();
        pair = await createPtyPair(links);
        running = await startVirtualTerminalOnPort(pair.terminalPath, { terminal: vt });
      },
      async unplug() {
        await pair.close();
      },
      async plugBack() {
        await running.stop();
        pair = await createPtyPair(links);
        running = await startVirtualTerminalOnPort(pair.terminalPath, { terminal: vt });
      },
    };
  }

  it('pairs, proves both ways, issues idempotent references and delivers evt.scan', async () => {
    const r = await rig();
    r.link.start();
    await pairIt(r.link, r.vt);
    expect(r.link.status()).toMatchObject({ state: 'authenticated', port: r.pair.hostPath, terminal: { serial: 'AT-PX-00042' } });
    expect(r.vt.isAuthenticated).toBe(true);
    const req = { paymentId: '2026022593030000001', refundRequestId: 'RR-0001', refundAmount: { value: 1050, currency: 'SGD' } };
    const a = await r.link.requestRefundReference(req);
    const b = await r.link.requestRefundReference(req);
    expect(a.ok).toBe(true);
    expect(b).toEqual(a);
    const c = await r.link.requestRefundReference({ ...req, refundAmount: { value: 1, currency: 'SGD' } });
    expect(c.ok ? 'ok' : c.error.code).toBe('BAD_REQUEST');
    const scans: ScanEvent[] = [];
    r.link.on('scan', (s) => scans.push(s));
    await r.vt.emitScan('antom:payment:2026022593030000001');
    await new Promise((res) => setTimeout(res, 50));
    expect(scans).toEqual([{ raw: 'antom:payment:2026022593030000001', paymentId: '2026022593030000001' }]);
    // a fresh session (new host instance, same store) authenticates with the stored pairing
    await r.link.stop();
    const again = new TerminalLink({ openTransport: () => SerialPortTransport.open(r.pair.hostPath), pairingStore: r.store, host: HOST, heartbeatMs: 0 });
    again.start();
    await waitFor(again, (s) => s.state === 'authenticated');
    expect(await again.requestRefundReference(req)).toEqual(a);
    await again.stop();
  });

  it('opens the port exclusively and explains EBUSY / ENOENT', async () => {
    const pair = await createPtyPair();
    cleanups.push(() => pair.close());
    const a = await SerialPortTransport.open(pair.hostPath);
    cleanups.push(() => a.close());
    const second = await SerialPortTransport.open(pair.hostPath).then(
      () => null,
      (e: unknown) => e,
    );
    expect(describePortError(second, pair.hostPath).code).toBe('EBUSY');
    const missing = await SerialPortTransport.open('/dev/ttyACM-does-not-exist').then(
      () => null,
      (e: unknown) => e,
    );
    expect(describePortError(missing, '/dev/ttyACM-does-not-exist').code).toBe('ENOENT');
  });

  it('refuses a swapped terminal (different serial) as TERMINAL_SWAPPED', async () => {
    const r = await rig({ links: true, serial: 'AT-PX-00001' });
    r.link.start();
    await pairIt(r.link, r.vt);
    // The paired terminal is unplugged and a different one is plugged into the same port.
    await r.unplug();
    const other = new VirtualTerminal({ serial: 'AT-PX-77777' });
    const pair2 = await createPtyPair({ hostLink: r.pair.hostPath, terminalLink: r.pair.terminalPath });
    cleanups.push(() => pair2.close());
    const run2 = await startVirtualTerminalOnPort(pair2.terminalPath, { terminal: other });
    cleanups.push(() => run2.stop());
    const s = await waitFor(r.link, (x) => x.state === 'down' && (x.reason ?? '').startsWith('TERMINAL_SWAPPED'));
    expect(s.terminal?.serial).toBe('AT-PX-77777');
    const res = await r.link.requestRefundReference({ paymentId: 'P', refundRequestId: 'R' });
    expect(res.ok ? 'ok' : res.error.code).toBe('TERMINAL_SWAPPED');
    expect(other.isAuthenticated).toBe(false);
  });

  it('1,000 sequential requests with 1% of bytes corrupted in both directions all complete correctly', async () => {
    const r = await rig({ hostCorruption: 0.01, seed: 42, requestTimeoutMs: 1000 });
    r.link.start();
    await pairIt(r.link, r.vt);
    r.vt.setFaults({ corruptShare: 0.01 });
    const t0 = Date.now();
    const issued = new Map<string, string>();
    let retried = 0;
    let maxAttempts = 0;
    for (let i = 0; i < 1000; i++) {
      // Mostly pings (small frames); every 25th a refund.reference (20 ids, each asked twice) checked for idempotency.
      const isRef = i % 25 === 0;
      const k = (i / 25) % 20;
      const rr = `RR-${k}`;
      const call = () =>
        isRef ? r.link.requestRefundReference({ paymentId: `P-${k}`, refundRequestId: rr, refundAmount: { value: 100 + k, currency: 'SGD' } }) : r.link.ping();
      // Both are idempotent, so a request lost to the link (LINK_DOWN / TIMEOUT /
      // NOT_CONNECTED while re-authenticating) is safely asked again.
      let attempts = 1;
      let res = await call();
      while (!res.ok && ['LINK_DOWN', 'TIMEOUT', 'NOT_CONNECTED'].includes(res.error.code) && attempts < 30) {
        retried++;
        attempts++;
        await waitFor(r.link, (s) => s.state === 'authenticated', 20_000);
        res = await call();
      }
      maxAttempts = Math.max(maxAttempts, attempts);
      expect(res.ok).toBe(true);
      if (!res.ok) return;
      if (isRef) {
        const id = (res.value as { originalMerchantRefundId: string }).originalMerchantRefundId;
        const prev = issued.get(rr);
        if (prev) expect(id).toBe(prev);
        else issued.set(rr, id);
      } else expect(typeof (res.value as { uptimeMs: number }).uptimeMs).toBe('number');
    }
    const ms = Date.now() - t0;
    const st = r.link.stats();
    console.log(
      `[1% corruption] 1000 requests in ${ms} ms; requests re-asked after a link error: ${retried} (max attempts ${maxAttempts}); host: frames=${st.framesSent} retransmissions=${st.retransmissions} naksSent=${st.naksSent} crcErrors=${st.crcErrors} ackTimeouts=${st.ackTimeouts} linkDowns=${st.linkDowns} requestTimeouts=${st.requestTimeouts} reconnects=${st.reconnects}; terminal: frames=${r.vt.stats.framesSent} retransmissions=${r.vt.stats.retransmissions} linkDowns=${r.vt.stats.linkDowns}`,
    );
    expect(issued.size).toBe(20);
    expect(new Set(issued.values()).size).toBe(20);
    expect(ms).toBeLessThan(90_000);
  }, 150_000);

  it('0.5% corruption both ways: pairing in one pairWithCode call, then 300 pings and 60 refund.reference with no caller retry all answered', async () => {
    const r = await rig({ hostCorruption: 0.005, seed: 5, requestTimeoutMs: 2000 });
    r.vt.setFaults({ corruptShare: 0.005 });
    r.link.start();
    await waitFor(r.link, (s) => s.state === 'unpaired', 20_000);
    const paired = await r.link.pairWithCode(async () => r.vt.currentPairingCode());
    expect(paired.ok ? 'ok' : paired.error.message).toBe('ok');
    await waitFor(r.link, (s) => s.state === 'authenticated', 20_000);
    const t0 = Date.now();
    let pingLoss = 0;
    let refFailures = 0;
    const issued = new Map<string, string>();
    for (let i = 0; i < 300; i++) {
      if (!(await r.link.ping()).ok) pingLoss++;
      if (i % 5 === 0) {
        const k = (i / 5) % 30;
        const res = await r.link.requestRefundReference({
          paymentId: `P-${k}`,
          refundRequestId: `RR-H-${k}`,
          refundAmount: { value: 200 + k, currency: 'SGD' },
        });
        if (!res.ok) refFailures++;
        else if (issued.has(`RR-H-${k}`)) expect(res.value.originalMerchantRefundId).toBe(issued.get(`RR-H-${k}`));
        else issued.set(`RR-H-${k}`, res.value.originalMerchantRefundId);
      }
    }
    const st = r.link.stats();
    console.log(
      `[0.5% corruption, pty] pairing rounds=${paired.ok ? paired.value.rounds : '-'}; 300 pings + 60 refund.reference in ${Date.now() - t0} ms: pingLoss=${pingLoss} refFailures=${refFailures} reasked=${st.reasked} reaskedOk=${st.reaskedOk} noisyLinkDowns=${st.noisyLinkDowns} notAnswering=${st.notAnswering} retransmissions=${st.retransmissions} linkDowns=${st.linkDowns} reconnects=${st.reconnects}`,
    );
    expect(pingLoss).toBe(0);
    expect(refFailures).toBe(0);
    expect(issued.size).toBe(30);
  }, 150_000);

  it('pty closed mid-request: that request fails once with a link error, then the link re-authenticates by itself', async () => {
    const r = await rig({ links: true });
    r.link.start();
    await pairIt(r.link, r.vt);
    r.vt.setFaults({ vanish: 'silent', vanishOn: 'refund.reference' });
    const pending = r.link.requestRefundReference({ paymentId: 'P', refundRequestId: 'R-close' });
    await new Promise((res) => setTimeout(res, 100));
    await r.unplug();
    const res = await pending;
    expect(res.ok ? 'ok' : res.error.code).toMatch(/^(LINK_DOWN|NOT_CONNECTED)$/);
    await r.plugBack();
    await waitFor(r.link, (s) => s.state === 'authenticated', 15_000);
    const again = await r.link.requestRefundReference({ paymentId: 'P', refundRequestId: 'R-close' });
    expect(again.ok).toBe(true);
  });
});

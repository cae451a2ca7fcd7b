/**
 * Attack report F6: every bad frame header from the terminal side wrote a
 * warning, so 100 KiB of 0x02 grew the log by 9.5 MB. A byte storm through the
 * real link must give a bounded number of log lines, and what was held back is
 * reported as a summary with the count. On the code before this test saw one
 * line (two, with terminal-link's) per mismatched header: thousands.
 */
import { describe, expect, it } from 'vitest';
import { limitLog } from '../../../native-bridge/host/log-limiter';
import { TerminalLink } from '../../../native-bridge/host/terminal-link';
import { createMemoryPairingStore } from '../../../native-bridge/session/pairing-store';
import { createMemoryTransportPair, type MemoryTransport } from '../../../native-bridge/transport/memory';
import { HOST } from './helpers';

describe('terminal link log under a byte storm', () => {
  it('30 KB of 0x02 from the terminal side: thousands of bad headers, a bounded number of log lines', async () => {
    const lines: { level: string; msg: string; fields?: Record<string, unknown> }[] = [];
    let terminalEnd: MemoryTransport | null = null;
    const link = new TerminalLink({
      openTransport: async () => {
        const [h, t] = createMemoryTransportPair();
        terminalEnd = t;
        return h;
      },
      pairingStore: createMemoryPairingStore(),
      host: HOST,
      heartbeatMs: 0,
      reconnectDelayMs: 20,
      requestTimeoutMs: 200,
      log: (level, msg, fields) => lines.push({ level, msg, ...(fields ? { fields } : {}) }),
    });
    link.start();
    for (let i = 0; i < 100 && terminalEnd === null; i++) await new Promise((r) => setTimeout(r, 10));
    const t = terminalEnd as MemoryTransport | null;
    if (t === null) throw new Error('link never opened its transport');
    for (let i = 0; i < 30; i++) {
      t.write(Buffer.alloc(1000, 0x02));
      await new Promise((r) => setImmediate(r));
    }
    await new Promise((r) => setTimeout(r, 100));
    await link.stop();
    expect(link.stats().versionMismatches, 'the storm really reached the decoder').toBeGreaterThan(1000);
    expect(lines.length).toBeLessThanOrEqual(40);
    const summary = lines.find((l) => /repeated log lines suppressed/.test(l.msg));
    expect(summary, 'what was held back is counted, not silently dropped').toBeDefined();
  }, 20_000);

  it('the limiter: a few per message per interval, a total cap, then one summary with the count', () => {
    const out: string[] = [];
    let now = 0;
    const log = limitLog((level, msg) => out.push(`${level} ${msg}`), { intervalMs: 1000, perKey: 3, total: 10, now: () => now });
    for (let i = 0; i < 500; i++) log('warn', 'protocol version mismatch');
    for (let i = 0; i < 50; i++) log('warn', `variant ${i}`);
    expect(out.length).toBe(10);
    now = 1000;
    log('warn', 'protocol version mismatch');
    expect(out[10]).toMatch(/^warn terminal link: 540 repeated log lines suppressed/);
    expect(out[11]).toBe('warn protocol version mismatch');
  });
});

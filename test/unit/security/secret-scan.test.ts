/**
 * Secrets never leak: after a real demo refund (cashier submits, manager
 * approves with her PIN, Antom sandbox answers) plus the technician and
 * manager screens' reads, the API responses, the log files and the built
 * renderer bundle are scanned for every piece of key material the app holds:
 * the demo merchant / gateway private keys, the terminal pairing key, the
 * data key that encrypts secrets.json, the browser-host launch token, and the
 * PINs typed during the session (in logs).
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBrowserHost } from '../../../main/host/browser-host';
import { FILE_KEY_NAME, openSecretStore } from '../../../main/secrets/secret-store';
import { PAIRING_SECRET_NAME } from '../../../main/terminal';
import { DEMO_USERS } from '../../../main/ledger/demo-seed';
import { EVENT_CHANNELS, type ApiEventName, type OperationName } from '../../../preload/contract/api';
import { startHarness, waitForTerminal, type Harness } from './helpers';

const ROOT = path.resolve(__dirname, '..', '..', '..');
const RENDERER_DIST = path.join(ROOT, 'dist', 'renderer');

function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    return statSync(full).isDirectory() ? filesUnder(full) : [full];
  });
}

/** Every encoding a leaked byte string is likely to take, cut into needles long enough to be unambiguous. */
function needlesForBytes(label: string, bytes: Buffer): [string, string][] {
  const encodings: [string, string][] = [
    ['base64', bytes.toString('base64').replace(/=+$/, '')],
    ['base64url', bytes.toString('base64url')],
    ['hex', bytes.toString('hex')],
    ['HEX', bytes.toString('hex').toUpperCase()],
  ];
  const out: [string, string][] = [];
  for (const [enc, text] of encodings) {
    // Whole value, and 32-char windows for long values (a partial leak is still a leak).
    out.push([`${label} (${enc})`, text]);
    if (text.length > 64) for (let i = 0; i + 32 <= text.length; i += 32) out.push([`${label} (${enc} @${i})`, text.slice(i, i + 32)]);
  }
  return out;
}

/** A PEM private key: each 64-char body line, and the DER in other encodings. */
function needlesForPem(label: string, pem: string): [string, string][] {
  const body = pem
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('-----'));
  const lines = body.filter((l) => l.length >= 40).map((l, i): [string, string] => [`${label} PEM line ${i}`, l]);
  return [...lines, ...needlesForBytes(label, Buffer.from(body.join(''), 'base64')).filter(([l]) => !l.includes('(base64)'))];
}

function findLeaks(haystackLabel: string, haystack: string, needles: readonly [string, string][]): string[] {
  return needles.filter(([, n]) => haystack.includes(n)).map(([l]) => `${l} found in ${haystackLabel}`);
}

describe('secret scan after a real demo refund', () => {
  let h: Harness;
  const responses: { op: OperationName | `event:${string}`; json: string }[] = [];
  const call = async <N extends OperationName>(name: N, payload: unknown) => {
    const r = await h.call(name, payload);
    responses.push({ op: name, json: JSON.stringify(r) });
    return r;
  };
  let launchToken = '';
  let refundState = '';

  beforeAll(async () => {
    h = await startHarness('rt-secrets-');
    // Pushed events reach the renderer too: scanned like responses.
    for (const event of Object.keys(EVENT_CHANNELS) as ApiEventName[]) {
      h.services.events.on(event, (payload) => responses.push({ op: `event:${event}`, json: JSON.stringify(payload) }));
    }
    await waitForTerminal(h);

    // The browser host too: its launch token must never reach a log.
    const host = await startBrowserHost({
      port: 0,
      rendererDir: RENDERER_DIST,
      handlers: h.services.handlers,
      authorize: h.services.authorize,
      events: h.services.events,
      log: h.services.log,
    });
    launchToken = host.token;
    const url = new URL(host.url);
    for (const token of [host.token, `${host.token}x`]) {
      await new Promise<void>((resolve, reject) => {
        http
          .get({ host: url.hostname, port: url.port, path: `/?token=${encodeURIComponent(token)}`, headers: { Host: url.host }, agent: false }, (res) => {
            res.resume();
            res.on('end', () => resolve());
          })
          .on('error', reject);
      });
    }
    await host.close();

    // A wrong PIN first (must not be logged either), then the cashier.
    expect((await call('signIn', { userName: 'maria', pin: '8642' })).ok).toBe(false);
    expect((await call('signIn', { userName: 'alice', pin: '1470' })).ok).toBe(true);
    await call('lookupPayment', { paymentId: 'DEMO-SGD-ALIPAY-0001' });
    const submitted = await call('submitRefund', { intentId: 'secret-scan-intent-0001', paymentId: 'DEMO-SGD-ALIPAY-0001', mode: 'FULL' });
    if (!submitted.ok) throw new Error(`submit failed: ${submitted.error.message}`);
    let id = submitted.value.refundRequestId;
    if (submitted.value.status === 'AWAITING_APPROVAL') {
      const approved = await call('approveRefund', { refundRequestId: id, manager: 'maria', pin: '246813', reason: 'customer returned the goods' });
      if (!approved.ok) throw new Error(`approve failed: ${approved.error.message}`);
      id = approved.value.refundRequestId;
    }
    const deadline = Date.now() + 20_000;
    for (;;) {
      const r = await call('getRefund', { refundRequestId: id });
      if (r.ok) refundState = r.value.status;
      if (refundState !== 'PENDING' && refundState !== 'AWAITING_APPROVAL') break;
      if (Date.now() > deadline) break;
      await new Promise((res) => setTimeout(res, 200));
    }
    await call('listRefunds', {});
    // Manager screens.
    expect((await call('signIn', { userName: 'maria', pin: '246813' })).ok).toBe(true);
    const today = new Date().toISOString().slice(0, 10);
    await call('getDailyReport', { date: today });
    await call('exportDailyReportCsv', { date: today });
    await call('listAudit', { limit: 1000 });
    await call('verifyAudit', {});
    await call('listUsers', {});
    // Technician screens: Antom settings, diagnostics bundle, terminal.
    expect((await call('signIn', { userName: 'tom', pin: '135792' })).ok).toBe(true);
    await call('getAntomConfig', {});
    await call('testAntomConnection', {});
    await call('getDiagnosticsBundle', {});
    await call('getTerminalStatus', {});
    await call('listTerminalDevices', {});
    await call('pingTerminal', { count: 2 });
    await call('signOut', {});
  });

  afterAll(async () => h?.close());

  const secretNeedles = async (): Promise<[string, string][]> => {
    const sandboxDir = path.join(h.dataDir, 'antom-sandbox');
    const needles: [string, string][] = [];
    for (const file of readdirSync(sandboxDir).filter((f) => f.endsWith('-private.pem'))) {
      needles.push(...needlesForPem(file, readFileSync(path.join(sandboxDir, file), 'utf8')));
    }
    const store = await openSecretStore(h.dataDir);
    const pairingText = await store.get(PAIRING_SECRET_NAME);
    expect(pairingText, 'the demo terminal is paired, so a pairing key exists').not.toBeNull();
    const pairingKey = (JSON.parse(pairingText ?? '{}') as { pairingKey?: string }).pairingKey ?? '';
    expect(pairingKey).toMatch(/^[A-Za-z0-9_-]{43}$/);
    needles.push(['pairing key', pairingKey], ...needlesForBytes('pairing key bytes', Buffer.from(pairingKey, 'base64url')));
    needles.push(...needlesForBytes('data key', readFileSync(path.join(h.dataDir, FILE_KEY_NAME))));
    needles.push(['browser-host launch token', launchToken]);
    return needles;
  };

  it('went through a real refund (the scan is not vacuous)', () => {
    expect(refundState).toBe('SUCCESS');
    expect(responses.length).toBeGreaterThan(15);
    expect(responses.some((r) => r.op === 'event:refundUpdated')).toBe(true);
    expect(readdirSync(path.join(h.dataDir, 'antom-sandbox')).filter((f) => f.endsWith('-private.pem')).length).toBe(2);
  });

  it('the detector itself finds a planted leak in any encoding', async () => {
    const needles = await secretNeedles();
    const pem = readFileSync(path.join(h.dataDir, 'antom-sandbox', 'merchant-private.pem'), 'utf8');
    const der = Buffer.from(
      pem
        .split('\n')
        .filter((l) => l && !l.startsWith('-----'))
        .join(''),
      'base64',
    );
    const dataKey = readFileSync(path.join(h.dataDir, FILE_KEY_NAME));
    for (const planted of [
      pem.replace(/\n/g, '\\n'),
      der.toString('hex').slice(100, 200),
      der.toString('base64url'),
      dataKey.toString('base64'),
      JSON.stringify({ msg: launchToken }),
    ]) {
      expect(findLeaks('planted', `{"x":"${planted}"}`, needles).length).toBeGreaterThan(0);
    }
  });

  it('no API response carries key material', async () => {
    const needles = await secretNeedles();
    const leaks = responses.flatMap((r) => findLeaks(`response of ${r.op}`, r.json, needles));
    expect(leaks).toEqual([]);
    for (const r of responses) expect(r.json, r.op).not.toMatch(/-----BEGIN [A-Z ]*PRIVATE KEY-----/);
  });

  it('the diagnostics bundle (sent to support) holds no PIN, key or secret (attack report F13)', async () => {
    const bundle = responses.filter((r) => r.op === 'getDiagnosticsBundle');
    expect(bundle.length).toBe(1);
    const json = bundle[0]?.json ?? '';
    expect(json).toContain('refund-terminal-diagnostics-'); // the real bundle, not an error
    const needles = await secretNeedles();
    expect(findLeaks('diagnostics bundle', json, needles)).toEqual([]);
    expect(json).not.toMatch(/-----BEGIN [A-Z ]*PRIVATE KEY-----/);
    expect(DEMO_USERS.length).toBeGreaterThan(0);
    for (const u of DEMO_USERS) expect(json, `PIN of ${u.name}`).not.toMatch(new RegExp(`(^|[^0-9A-Za-z])${u.pin}([^0-9A-Za-z]|$)`));
    expect(json).not.toMatch(/\\?"pin\\?"/i);
  });

  it('no log line carries key material, a PIN or the launch token', async () => {
    // pino writes asynchronously: give it a moment, then read everything under logs/.
    await new Promise((r) => setTimeout(r, 300));
    const logFiles = filesUnder(path.join(h.dataDir, 'logs'));
    expect(logFiles.length).toBeGreaterThan(0);
    const text = logFiles.map((f) => readFileSync(f, 'utf8')).join('\n');
    expect(text).toContain('demo environment started'); // the logs are really there
    const needles = await secretNeedles();
    expect(findLeaks('logs', text, needles)).toEqual([]);
    expect(text).not.toMatch(/-----BEGIN [A-Z ]*PRIVATE KEY-----/);
    // PINs typed in this session: as standalone tokens (hex digests may contain the digits).
    for (const pin of ['246813', '1470', '135792', '8642']) {
      const hits = text.split('\n').filter((line) => new RegExp(`(^|[^0-9A-Za-z])${pin}([^0-9A-Za-z]|$)`).test(line));
      expect(hits, `PIN ${pin} in a log line`).toEqual([]);
    }
  });

  it('the built renderer bundle holds no key material', async () => {
    const files = filesUnder(RENDERER_DIST);
    expect(
      files.some((f) => f.endsWith('.js')),
      'run `npm run build` first',
    ).toBe(true);
    const needles = await secretNeedles();
    for (const f of files) {
      const text = readFileSync(f, 'utf8');
      expect(findLeaks(path.relative(ROOT, f), text, needles)).toEqual([]);
      expect(text, f).not.toMatch(/-----BEGIN [A-Z ]*(PRIVATE KEY|CERTIFICATE)-----/);
      expect(text, f).not.toMatch(/MII[A-Za-z0-9+/]{60,}/); // DER (ASN.1 SEQUENCE) in base64: any embedded key
    }
  });

  it('secrets at rest are encrypted: secrets.json holds no plaintext secret', async () => {
    const raw = readFileSync(path.join(h.dataDir, 'secrets.json'), 'utf8');
    const needles = (await secretNeedles()).filter(([l]) => !l.startsWith('data key'));
    expect(findLeaks('secrets.json', raw, needles)).toEqual([]);
    expect(raw).not.toContain(DEMO_SERIAL_HINT);
    if (process.platform !== 'win32') {
      expect(statSync(path.join(h.dataDir, 'secrets.json')).mode & 0o077).toBe(0);
      expect(statSync(path.join(h.dataDir, FILE_KEY_NAME)).mode & 0o077).toBe(0);
    }
  });
});

/** The pairing record names the terminal serial; encrypted, it must not show in the file. */
const DEMO_SERIAL_HINT = 'AT-PX-DEMO1';

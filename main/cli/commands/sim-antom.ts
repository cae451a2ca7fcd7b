/**
 * `sim antom`: runs the local Antom sandbox gateway until Ctrl+C and prints
 * what the terminal (or `refund-terminal` CLI) needs to talk to it.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { ensureDemoCredentials } from '../../sandbox/keys';
import { startAntomSandbox } from '../../sandbox/server';
import type { CliCommand, CliContext } from '../command';

const USAGE = [
  'Usage: refund-terminal [--data-dir DIR] sim antom [--port N] [--client-id ID] [--merchant-public-key FILE]',
  '                                                  [--async-settle-ms N] [--admin-token TOKEN] [--notify-url URL]',
  '  --port N                    port on 127.0.0.1 (default 4790; 0 picks a free one)',
  '  --client-id ID              client id the sandbox accepts (default SANDBOX_DEMO_CLIENT)',
  '  --merchant-public-key FILE  verify requests with this public key instead of the demo merchant key',
  '  --async-settle-ms N         how long Express Banktransfer refunds stay in process (default 5000)',
  '  --admin-token TOKEN         enable POST /__sandbox/faults and /__sandbox/state (loopback only)',
  "  --notify-url URL            push signed notifyRefund for asynchronous refunds here (or ANTOM_SANDBOX_NOTIFY_URL), e.g. `store serve`'s URL",
  "  --notify-retry-ms N         delay between re-sends until acknowledged (default: Antom's 2 min ... 15 h schedule)",
  'Demo keys are created on first run in <data dir>/antom-sandbox/ (mode 0600).',
].join('\n');

function waitForSignal(): Promise<void> {
  return new Promise((resolve) => {
    const stop = () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve();
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
}

/** `until` lets tests stop the sandbox without sending a signal. */
export async function runSimAntom(args: readonly string[], ctx: CliContext, until: Promise<void> = waitForSignal()): Promise<number> {
  let values: {
    port?: string;
    'client-id'?: string;
    'merchant-public-key'?: string;
    'async-settle-ms'?: string;
    'admin-token'?: string;
    'notify-url'?: string;
    'notify-retry-ms'?: string;
  };
  try {
    values = parseArgs({
      args: [...args],
      options: {
        port: { type: 'string', default: '4790' },
        'client-id': { type: 'string' },
        'merchant-public-key': { type: 'string' },
        'async-settle-ms': { type: 'string', default: '5000' },
        'admin-token': { type: 'string' },
        'notify-url': { type: 'string' },
        'notify-retry-ms': { type: 'string' },
      },
      strict: true,
    }).values;
  } catch (e) {
    ctx.stderr.write(`${(e as Error).message}\n${USAGE}\n`);
    return 1;
  }
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    ctx.stderr.write(`--port must be a number from 0 to 65535, not "${values.port}".\n`);
    return 1;
  }
  const settle = Number(values['async-settle-ms']);
  if (!Number.isInteger(settle) || settle < 0) {
    ctx.stderr.write(`--async-settle-ms must be a whole number of milliseconds, not "${values['async-settle-ms']}".\n`);
    return 1;
  }
  const notifyUrl = values['notify-url'] ?? (ctx.env.ANTOM_SANDBOX_NOTIFY_URL || undefined);
  if (notifyUrl !== undefined && !/^https?:\/\/[^/\s]+/.test(notifyUrl)) {
    ctx.stderr.write(`--notify-url must be an http(s) URL, not "${notifyUrl}".\n`);
    return 1;
  }
  const retryMs = values['notify-retry-ms'] === undefined ? undefined : Number(values['notify-retry-ms']);
  if (retryMs !== undefined && (!Number.isInteger(retryMs) || retryMs < 10 || retryMs > 86_400_000)) {
    ctx.stderr.write(`--notify-retry-ms must be a whole number of milliseconds from 10, not "${values['notify-retry-ms']}".\n`);
    return 1;
  }
  const creds = ensureDemoCredentials(ctx.dataDir);
  const clientId = values['client-id'] ?? creds.clientId;
  let merchantPublicKeyPem = creds.merchant.publicKeyPem;
  const customKey = values['merchant-public-key'];
  if (customKey !== undefined) {
    try {
      merchantPublicKeyPem = readFileSync(customKey, 'utf8');
    } catch (e) {
      ctx.stderr.write(`Cannot read --merchant-public-key ${customKey} (${(e as NodeJS.ErrnoException).code ?? 'error'}).\n`);
      return 1;
    }
  }
  let sandbox;
  try {
    sandbox = await startAntomSandbox({
      port,
      clientId,
      merchantPublicKeyPem,
      gatewayPrivateKeyPem: creds.gateway.privateKeyPem,
      seed: 'demo',
      asyncSettleMs: settle,
      ...(values['admin-token'] ? { adminToken: values['admin-token'] } : {}),
      ...(notifyUrl !== undefined ? { notifyUrl } : {}),
      // As many re-sends as Antom makes (7 after the first), at the given spacing.
      ...(retryMs !== undefined ? { notifyRetryDelaysMs: Array.from({ length: 7 }, () => retryMs) } : {}),
    });
  } catch (e) {
    ctx.stderr.write(`Could not start the Antom sandbox: ${(e as Error).message}\n`);
    return 1;
  }
  const lines = [
    'Antom sandbox gateway is running (no real money).',
    `Base URL:  ${sandbox.origin}   (serves ${clientId.startsWith('SANDBOX_') ? '/ams/sandbox/api/... and ' : ''}/ams/api/...)`,
    `Client id: ${clientId}`,
    `Antom (gateway) public key: ${creds.gatewayPublicKeyFile}`,
    customKey ? `Merchant public key:        ${customKey}` : `Merchant private key:       ${creds.merchantPrivateKeyFile}`,
    notifyUrl !== undefined ? `notifyRefund for asynchronous refunds goes to: ${notifyUrl}` : null,
    values['admin-token'] ? `Fault admin: POST http://127.0.0.1:${sandbox.port}/__sandbox/faults (header x-sandbox-admin-token)` : null,
    '',
    'Point the terminal at it with:',
    `ANTOM_BASE_URL=${sandbox.origin}`,
    `ANTOM_CLIENT_ID=${clientId}`,
    'ANTOM_KEY_VERSION=1',
    'ANTOM_PUBLIC_KEY_VERSION=1',
    customKey ? 'ANTOM_PRIVATE_KEY_FILE=<your merchant private key file>' : `ANTOM_PRIVATE_KEY_FILE=${creds.merchantPrivateKeyFile}`,
    `ANTOM_PUBLIC_KEY_FILE=${creds.gatewayPublicKeyFile}`,
    '',
    'Press Ctrl+C to stop.',
  ].filter((l): l is string => l !== null);
  ctx.stdout.write(`${lines.join('\n')}\n`);
  await until;
  ctx.stdout.write('Stopping the Antom sandbox…\n');
  await sandbox.stop();
  return 0;
}

export const simAntomCommand: CliCommand = {
  name: 'sim antom',
  summary: 'Run the local Antom sandbox gateway (demo payments, fault injection)',
  usage: USAGE,
  run: (args, ctx) => runSimAntom(args, ctx),
};

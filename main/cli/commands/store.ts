/**
 * `store serve --port N [--host 127.0.0.1]`: the endpoint Antom's notifyRefund
 * is pointed at (behind the merchant's TLS proxy), applying pushed results to
 * whichever journal the configuration selects (store-config.ts).
 */
import { parseArgs } from 'node:util';
import { importPublicKey, publicKeyFingerprint, type VersionedPublicKey } from '../../antom/signing';
import { loadAppConfig } from '../../config/app-config';
import { createLogger } from '../../logging/logger';
import { resolveAntomConfig } from '../../services/core-services';
import { openSelectedJournal } from '../../store/open-journal';
import { startNotifyServer } from '../../store/notify-server';
import type { CliCommand, CliContext } from '../command';
import { EXIT } from '../exit-codes';

const USAGE = [
  'Usage: refund-terminal [--data-dir DIR] store serve --port N [--host 127.0.0.1]',
  "  serve   receive Antom's notifyRefund (point the merchant's TLS proxy at http://HOST:PORT/)",
  '  --port N     port to listen on (0 picks a free one)',
  '  --host ADDR  address to listen on (default 127.0.0.1: the TLS proxy runs on this PC)',
].join('\n');

async function serve(args: readonly string[], ctx: CliContext): Promise<number> {
  const { values } = parseArgs({ args: [...args], options: { port: { type: 'string' }, host: { type: 'string', default: '127.0.0.1' } }, strict: true });
  const port = Number(values.port);
  if (values.port === undefined || !Number.isInteger(port) || port < 0 || port > 65535) {
    ctx.stderr.write(`--port must be a number from 0 to 65535${values.port === undefined ? '' : `, not "${values.port}"`}.\n${USAGE}\n`);
    return EXIT.BAD_INPUT;
  }
  const host = values.host ?? '127.0.0.1';
  const loaded = await loadAppConfig(ctx.dataDir);
  if (!loaded.ok) {
    ctx.stderr.write(`${loaded.error.message}\n`);
    return EXIT.BAD_INPUT;
  }
  const opened = await openSelectedJournal(ctx.dataDir, loaded.value, ctx.env);
  if (!opened.ok) {
    ctx.stderr.write(`${opened.message}\n`);
    return EXIT.JOURNAL_UNAVAILABLE;
  }
  const { journal, secrets, description } = opened.value;
  const antom = await resolveAntomConfig(loaded.value, secrets, ctx.env);
  if (!antom.ok) {
    await opened.value.close();
    ctx.stderr.write(`Notifications cannot be verified: ${antom.error.message}\n`);
    return EXIT.BAD_INPUT;
  }
  const keys: VersionedPublicKey[] = [];
  for (const k of antom.value.antomPublicKeys) {
    const imported = importPublicKey(k.pem, "Antom's public key");
    if (!imported.ok) {
      await opened.value.close();
      ctx.stderr.write(`${imported.error.message}\n`);
      return EXIT.BAD_INPUT;
    }
    keys.push({ keyVersion: k.keyVersion, key: imported.value, fingerprint: publicKeyFingerprint(imported.value) });
  }
  const log = createLogger({ dataDir: ctx.dataDir });
  let server;
  try {
    server = await startNotifyServer({ journal, clientId: antom.value.clientId, antomPublicKeys: keys, port, host, log });
  } catch (e) {
    await opened.value.close();
    ctx.stderr.write(`Cannot listen on ${host}:${port}: ${(e as Error).message}\n`);
    return EXIT.BAD_INPUT;
  }
  ctx.stdout.write(
    [
      `Receiving Antom's notifyRefund for the ${description}.`,
      `NOTIFY-URL: ${server.url}/`,
      "Point the merchant's TLS proxy (the refundNotifyUrl / Dashboard notification URL) at it. Press Ctrl+C to stop.",
    ].join('\n') + '\n',
  );
  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  ctx.stdout.write('Stopping…\n');
  await server.close();
  await opened.value.close();
  return EXIT.SUCCESS;
}

export const storeCommand: CliCommand = {
  name: 'store',
  summary: "Store mode: receive Antom's notifyRefund (store serve)",
  usage: USAGE,
  async run(args, ctx) {
    const [sub, ...rest] = args;
    if (sub === 'serve') return serve(rest, ctx);
    ctx.stderr.write(`${sub === undefined ? 'Which store command?' : `Unknown store command "${sub}".`}\n${USAGE}\n`);
    return EXIT.BAD_INPUT;
  },
};

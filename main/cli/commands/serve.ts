/**
 * `serve [--port N]`: the browser host only. `start` falls back to the same
 * code when no Electron runtime is present.
 */
import path from 'node:path';
import { parseArgs } from 'node:util';
import { startBrowserHost } from '../../host/browser-host';
import { startAppServices } from '../../services/app-services';
import type { CliCommand, CliContext } from '../command';

export const RENDERER_DIST = path.join(__dirname, '..', '..', '..', 'renderer');

export async function runBrowserHost(ctx: CliContext, port: number, why?: string): Promise<number> {
  const services = await startAppServices({ dataDir: ctx.dataDir, hostKind: 'browser', env: ctx.env });
  const host = await startBrowserHost({
    port,
    rendererDir: RENDERER_DIST,
    handlers: services.handlers,
    authorize: services.authorize,
    events: services.events,
    log: services.log,
  });
  const info = services.info();
  const lines = [
    why ? `${why}` : null,
    `Refund Terminal is running in the browser host${info.demo ? ' in DEMO mode (virtual terminal + local Antom sandbox, no real money)' : ''}.`,
    info.secretWarning ? `Warning: ${info.secretWarning}` : null,
    `Data folder: ${ctx.dataDir}`,
    'Open this address in a browser on this PC (it carries a one-time launch token):',
    `URL: ${host.url}`,
    services.demoControlUrl ? `DEMO-CONTROL: ${services.demoControlUrl}` : null,
    'Press Ctrl+C to stop.',
  ].filter((l): l is string => l !== null);
  ctx.stdout.write(`${lines.join('\n')}\n`);

  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  ctx.stdout.write('Stopping…\n');
  await host.close();
  await services.close();
  return 0;
}

export const serveCommand: CliCommand = {
  name: 'serve',
  summary: 'Run the browser host only (127.0.0.1), printing its URL',
  usage: 'Usage: refund-terminal [--data-dir DIR] serve [--port N]\n  --port N   port on 127.0.0.1 (default 4780; 0 picks a free one)',
  async run(args, ctx) {
    const { values } = parseArgs({ args: [...args], options: { port: { type: 'string', default: '4780' } }, strict: true });
    const port = Number(values.port);
    if (!Number.isInteger(port) || port < 0 || port > 65535) {
      ctx.stderr.write(`--port must be a number from 0 to 65535, not "${values.port}".\n`);
      return 1;
    }
    return runBrowserHost(ctx, port);
  },
};

/**
 * `start`: the Electron app when its runtime is installed and a display is
 * available; otherwise the browser host, saying why and printing the URL.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { parseArgs } from 'node:util';
import type { CliCommand } from '../command';
import { runBrowserHost } from './serve';
import { findElectronRuntime } from '../../electron/runtime-locator';

const APP_ROOT = path.join(__dirname, '..', '..', '..', '..');

export const startCommand: CliCommand = {
  name: 'start',
  summary: 'Start the app (Electron if installed, else the browser host)',
  usage:
    'Usage: refund-terminal [--data-dir DIR] start [--browser] [--port N]\n  --browser  always use the browser host\n  --port N   browser-host port (default 4780)',
  async run(args, ctx) {
    const { values } = parseArgs({
      args: [...args],
      options: { browser: { type: 'boolean', default: false }, port: { type: 'string', default: '4780' } },
      strict: true,
    });
    const runtime = values.browser ? { missing: 'you asked for the browser host (--browser)' } : findElectronRuntime(ctx.env);
    if ('path' in runtime) {
      ctx.stdout.write(`Starting the Refund Terminal window (Electron at ${runtime.path}).\n`);
      const child = spawn(runtime.path, [APP_ROOT, '--data-dir', ctx.dataDir], { stdio: 'inherit', env: ctx.env });
      return new Promise<number>((resolve) => child.on('exit', (code) => resolve(code ?? 1)));
    }
    const port = Number(values.port);
    if (!Number.isInteger(port) || port < 0 || port > 65535) {
      ctx.stderr.write(`--port must be a number from 0 to 65535.\n`);
      return 1;
    }
    return runBrowserHost(ctx, port, `No Electron window: ${runtime.missing}. Starting the browser host instead.`);
  },
};

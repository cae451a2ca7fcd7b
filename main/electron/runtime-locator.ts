/**
 * Finds the Electron binary for `refund-terminal start`. This runs in plain
 * Node (the CLI), where the `electron` npm package's main export is the path of
 * the downloaded binary, or a throw when the download was skipped. Honours
 * ELECTRON_OVERRIDE_DIST_PATH through the package itself.
 */
import fs from 'node:fs';

/** Path of an installed Electron binary, or why there is none. `require('electron')` throws when it is absent. */
export function findElectronRuntime(env: NodeJS.ProcessEnv, platform: NodeJS.Platform = process.platform): { path: string } | { missing: string } {
  let binary: unknown;
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    binary = require('electron');
  } catch (e) {
    return { missing: `the Electron runtime is not installed (${(e as Error).message.split('\n')[0]})` };
  }
  if (typeof binary !== 'string' || !fs.existsSync(binary)) return { missing: 'the Electron runtime is not installed' };
  if (platform === 'linux' && !env.DISPLAY && !env.WAYLAND_DISPLAY) return { missing: 'there is no graphical display (DISPLAY/WAYLAND_DISPLAY unset)' };
  return { path: binary };
}


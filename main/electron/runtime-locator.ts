/**
 * Finds the Electron binary for `refund-terminal start`. This runs in plain
 * Node (the CLI), where the `electron` npm package's main export is the path of
 * the downloaded binary, or a throw when the download was skipped. Honours
 * ELECTRON_OVERRIDE_DIST_PATH through the package itself.
 */
import fs from 'node:fs';

/** Path of an installed Electron binary, or why there is none. `require('electron')` throws when it is absent. */
const NOT_INSTALLED =
  'the Electron runtime is not installed (its download is skipped on machines without internet; point ELECTRON_OVERRIDE_DIST_PATH at an Electron build to use one)';

export function findElectronRuntime(env: NodeJS.ProcessEnv, platform: NodeJS.Platform = process.platform): { path: string } | { missing: string } {
  let binary: unknown;
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    binary = require('electron');
  } catch {
    // The package throws "Electron failed to install correctly" when its binary download was skipped.
    return { missing: NOT_INSTALLED };
  }
  if (typeof binary !== 'string' || !fs.existsSync(binary)) return { missing: NOT_INSTALLED };
  if (platform === 'linux' && !env.DISPLAY && !env.WAYLAND_DISPLAY) return { missing: 'there is no graphical display (DISPLAY/WAYLAND_DISPLAY unset)' };
  return { path: binary };
}

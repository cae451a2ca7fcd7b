/**
 * Where the journal, secrets, logs and config live. One resolver for the CLI,
 * the browser host and Electron, so that all three share one journal:
 * --data-dir, else REFUND_TERMINAL_DATA_DIR, else the OS app-data folder.
 */
import os from 'node:os';
import path from 'node:path';

export const APP_DIR_NAME = 'refund-terminal';

export function defaultDataDir(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): string {
  const home = os.homedir();
  switch (platform) {
    case 'win32':
      return path.join(env.APPDATA ?? path.join(home, 'AppData', 'Roaming'), APP_DIR_NAME);
    case 'darwin':
      return path.join(home, 'Library', 'Application Support', APP_DIR_NAME);
    default:
      return path.join(env.XDG_CONFIG_HOME ?? path.join(home, '.config'), APP_DIR_NAME);
  }
}

export function resolveDataDir(flag: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  const chosen = flag ?? env.REFUND_TERMINAL_DATA_DIR;
  return chosen ? path.resolve(chosen) : defaultDataDir(env);
}

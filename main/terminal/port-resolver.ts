/**
 * The one answer to "which serial port is the terminal on?", for the app, every
 * CLI command and `doctor`: `--port`, else TERMINAL_PORT, else the port the
 * terminal was paired on (kept in config.json as terminal.port). Pairing writes
 * it down, so a technician passes `--port` once, not forever.
 */
import { loadAppConfig, saveAppConfig, type AppConfig } from '../config/app-config';

export type PortSource = 'flag' | 'env' | 'config';

export interface ResolvedPort {
  readonly port: string;
  /** Where it came from, for messages ("from config.json", "from TERMINAL_PORT"). */
  readonly source: PortSource;
}

function clean(p: string | undefined): string | null {
  return p !== undefined && p.trim().length > 0 ? p.trim() : null;
}

export function resolveTerminalPort(flag: string | undefined, env: NodeJS.ProcessEnv, config: AppConfig | null): ResolvedPort | null {
  const fromFlag = clean(flag);
  if (fromFlag !== null) return { port: fromFlag, source: 'flag' };
  const fromEnv = clean(env['TERMINAL_PORT']);
  if (fromEnv !== null) return { port: fromEnv, source: 'env' };
  const fromConfig = clean(config?.terminal.port);
  if (fromConfig !== null) return { port: fromConfig, source: 'config' };
  return null;
}

/** Reads config.json (a bad file resolves from flag/env only; `doctor` reports the file). */
export async function resolveTerminalPortIn(dataDir: string, flag: string | undefined, env: NodeJS.ProcessEnv): Promise<ResolvedPort | null> {
  const loaded = await loadAppConfig(dataDir);
  return resolveTerminalPort(flag, env, loaded.ok ? loaded.value : null);
}

/**
 * Remembers the port a terminal was just paired on. Returns false (and
 * changes nothing) when config.json is invalid: a broken file is never
 * overwritten with a guess.
 */
export async function rememberTerminalPort(dataDir: string, port: string): Promise<boolean> {
  const loaded = await loadAppConfig(dataDir);
  if (!loaded.ok) return false;
  if (loaded.value.terminal.port === port) return true;
  await saveAppConfig(dataDir, { ...loaded.value, terminal: { ...loaded.value.terminal, port } });
  return true;
}

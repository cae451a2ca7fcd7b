/**
 * The store's own settings, kept by managers: the receipt header and refund
 * reasons, the approval policy, and the time zone that decides "today" (saved
 * in config.json too, so the next start and the CLI's journal use it). In
 * store mode they are the store's, shared by every counter.
 */
import { err, ok } from '../../../preload/contract/result';
import type { AppConfig } from '../../config/app-config';
import { loadAppConfig, saveAppConfig, systemTimeZone } from '../../config/app-config';
import type { SettingsPort } from '../../ledger/store-port';
import type { HandlerRegistry } from '../registry';

export interface StoreDeps {
  readonly settings: SettingsPort;
  /** This counter's zone (config.json / PC), used while the store has none of its own. */
  localTimeZone(): string;
  /** Where config.json lives, and what it said at start (used when the file cannot be read now). */
  readonly dataDir: string;
  readonly startConfig: AppConfig;
}

export function registerStore(registry: HandlerRegistry, deps: StoreDeps): void {
  const { settings, dataDir, startConfig } = deps;
  /** The file, not the start-up copy: a manager may have just changed it. */
  const currentConfig = async (): Promise<AppConfig> => {
    const saved = await loadAppConfig(dataDir);
    return saved.ok ? saved.value : startConfig;
  };
  const zone = async (): Promise<string> => (await settings.timeZone()) ?? deps.localTimeZone();

  registry.handle('getStoreSettings', async () => ok(await settings.store()));
  registry.handle('setStoreSettings', async (s, user) => ok(await settings.setStore(s, user.name)));
  registry.handle('listRefundReasons', async () => ok(await settings.reasons()));
  registry.handle('setRefundReasons', async ({ reasons }, user) => ok(await settings.setReasons(reasons, user.name)));

  registry.handle('getPolicy', async () => ok(await settings.getPolicy()));
  registry.handle('setPolicy', async (policy, user) => {
    const r = await settings.setPolicy(policy, user.name);
    return r.ok ? r : err('INVALID_INPUT', r.error.message);
  });

  registry.handle('getTimeZoneSetting', async () => {
    const configured = (await currentConfig()).timeZone ?? null;
    return ok({ timeZone: await zone(), configured, systemTimeZone: systemTimeZone() });
  });
  registry.handle('setTimeZone', async ({ timeZone }, user) => {
    const applied = await settings.setTimeZone(timeZone, user.name);
    if (!applied.ok) return err('INVALID_INPUT', applied.error.message);
    // Kept in config.json so the next start (and the CLI's journal) uses it too.
    await saveAppConfig(dataDir, { ...(await currentConfig()), timeZone });
    return ok({ timeZone: await zone(), configured: timeZone, systemTimeZone: systemTimeZone() });
  });
}

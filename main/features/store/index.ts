/**
 * The store's own settings, kept by managers: the receipt header and refund
 * reasons, the approval policy, and the time zone that decides "today" (saved
 * in config.json too, so the next start and the CLI's journal use it).
 */
import { err, ok } from '../../../preload/contract/result';
import type { AppConfig } from '../../config/app-config';
import { loadAppConfig, saveAppConfig, systemTimeZone } from '../../config/app-config';
import type { Ledger } from '../../ledger';
import type { HandlerRegistry } from '../registry';

export interface StoreDeps {
  readonly ledger: Pick<Ledger, 'settings' | 'timeZone' | 'setTimeZone' | 'getPolicy' | 'setPolicy'>;
  /** Where config.json lives, and what it said at start (used when the file cannot be read now). */
  readonly dataDir: string;
  readonly startConfig: AppConfig;
}

export function registerStore(registry: HandlerRegistry, deps: StoreDeps): void {
  const { ledger, dataDir, startConfig } = deps;
  /** The file, not the start-up copy: a manager may have just changed it. */
  const currentConfig = async (): Promise<AppConfig> => {
    const saved = await loadAppConfig(dataDir);
    return saved.ok ? saved.value : startConfig;
  };

  registry.handle('getStoreSettings', async () => ok(ledger.settings.store()));
  registry.handle('setStoreSettings', async (settings, user) => ok(ledger.settings.setStore(settings, user.name)));
  registry.handle('listRefundReasons', async () => ok(ledger.settings.reasons()));
  registry.handle('setRefundReasons', async ({ reasons }, user) => ok(ledger.settings.setReasons(reasons, user.name)));

  registry.handle('getPolicy', async () => ok(ledger.getPolicy()));
  registry.handle('setPolicy', async (policy, user) => {
    const r = ledger.setPolicy(policy, user.name);
    return r.ok ? r : err('INVALID_INPUT', r.error.message);
  });

  registry.handle('getTimeZoneSetting', async () => {
    const configured = (await currentConfig()).timeZone ?? null;
    return ok({ timeZone: ledger.timeZone, configured, systemTimeZone: systemTimeZone() });
  });
  registry.handle('setTimeZone', async ({ timeZone }, user) => {
    const applied = ledger.setTimeZone(timeZone, user.name);
    if (!applied.ok) return err('INVALID_INPUT', applied.error.message);
    // Kept in config.json so the next start (and the CLI's journal) uses it too.
    await saveAppConfig(dataDir, { ...(await currentConfig()), timeZone });
    return ok({ timeZone: ledger.timeZone, configured: timeZone, systemTimeZone: systemTimeZone() });
  });
}

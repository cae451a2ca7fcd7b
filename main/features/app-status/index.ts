/** What every screen polls before anyone signs in: the app's identity and the journal alarm. */
import { ok } from '../../../preload/contract/result';
import type { AppInfo, JournalHealthView } from '../../../preload/contract/views';
import type { HandlerRegistry } from '../registry';

export interface AppStatusDeps {
  info(): AppInfo;
  /** Low disk and Antom answers not yet journaled. */
  journalHealth(): JournalHealthView | Promise<JournalHealthView>;
}

export function registerAppStatus(registry: HandlerRegistry, deps: AppStatusDeps): void {
  registry.handle('getAppInfo', async () => ok(deps.info()));
  // No sign-in needed: the alarm is shown on every screen, the sign-in screen included.
  registry.handle('getJournalHealth', async () => ok(await deps.journalHealth()));
}

/** The technician's Antom settings operations (see antom-settings.ts for the use case). */
import type { HandlerRegistry } from '../registry';
import type { AntomSettings } from './antom-settings';

export { createAntomSettings, type AntomSettings, type AntomSettingsDeps } from './antom-settings';

export function registerAntomSettings(registry: HandlerRegistry, settings: AntomSettings): void {
  registry.handle('getAntomConfig', () => settings.view());
  registry.handle('setAntomConfig', (req, user) => settings.set(req, user.name));
  registry.handle('addAntomPublicKey', (req, user) => settings.addKey(req, user.name));
  registry.handle('removeAntomPublicKey', ({ fingerprint }, user) => settings.removeKey(fingerprint, user.name));
  registry.handle('testAntomConnection', () => settings.test());
}

/**
 * KeyProtector backed by Electron's safeStorage: the data key that encrypts
 * secrets.json is itself encrypted by the OS (DPAPI, Keychain, libsecret).
 * On Linux without a keyring safeStorage silently falls back to 'basic_text'
 * (a hard-coded key): we detect that and warn on every screen.
 */
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { KeyProtector, SecretProtection } from '../secrets/secret-store';

export interface SafeStorageLike {
  isEncryptionAvailable(): boolean;
  encryptString(plain: string): Buffer;
  decryptString(encrypted: Buffer): string;
  getSelectedStorageBackend?(): string;
}

const WRAPPED_KEY_NAME = 'data-key.safestorage';

export function createSafeStorageProtector(safeStorage: SafeStorageLike, platform: NodeJS.Platform = process.platform): KeyProtector {
  const backend = platform === 'linux' && safeStorage.getSelectedStorageBackend ? safeStorage.getSelectedStorageBackend() : 'os';
  const weak = backend === 'basic_text' || backend === 'unknown';
  const protection: SecretProtection = weak ? 'os-keychain-basic-text' : 'os-keychain';
  return {
    protection,
    warning: weak
      ? 'No OS keyring is available (safeStorage backend "basic_text"): secrets are only obfuscated. Install and unlock a keyring (e.g. gnome-keyring) on this PC.'
      : null,
    async loadOrCreateDataKey(dataDir: string): Promise<Buffer> {
      if (!safeStorage.isEncryptionAvailable()) throw new Error('OS encryption (safeStorage) is not available yet; call after app "ready".');
      const file = path.join(dataDir, WRAPPED_KEY_NAME);
      try {
        const wrapped = await fs.readFile(file);
        return Buffer.from(safeStorage.decryptString(wrapped), 'base64');
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
      }
      const key = randomBytes(32);
      await fs.mkdir(dataDir, { recursive: true, mode: 0o700 });
      await fs.writeFile(file, safeStorage.encryptString(key.toString('base64')), { mode: 0o600, flag: 'wx' });
      return key;
    },
  };
}

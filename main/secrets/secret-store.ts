/**
 * Secrets (merchant private key, Antom public key, terminal pairing key) live
 * only in the main process, encrypted at rest with AES-256-GCM in
 * `<dataDir>/secrets.json`. The data key that encrypts them is protected by a
 * KeyProtector:
 *  - in Electron: `safeStorage` (OS keychain / DPAPI / libsecret), see
 *    main/electron/safe-storage-protector.ts;
 *  - in the browser host and the CLI (plain Node, no keychain): a 0600 file
 *    next to the data, which is a documented, visibly warned fallback.
 * Values are never logged and never sent to the renderer.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { readSmallFile } from '../config/safe-file';

/** What a person reads when secrets.json is corrupt: which file, that it is unreadable, what to do. Never its content. */
export function unreadableSecrets(file: string): string {
  return (
    `${file} (the encrypted Antom keys and terminal pairing) is unreadable: it is corrupt or truncated. ` +
    'Restore it from a backup of the data folder, or move it aside and re-enter the Antom keys on the technician screen ' +
    '(Settings → Antom) and pair the terminal again.'
  );
}

export type SecretProtection = 'os-keychain' | 'os-keychain-basic-text' | 'file-0600';

export interface SecretStore {
  readonly protection: SecretProtection;
  /** A sentence for the technician when protection is weaker than the OS keychain; null otherwise. */
  readonly warning: string | null;
  get(name: string): Promise<string | null>;
  set(name: string, value: string): Promise<void>;
  delete(name: string): Promise<void>;
  has(name: string): Promise<boolean>;
}

/** Loads or creates the 32-byte data key. */
export interface KeyProtector {
  readonly protection: SecretProtection;
  readonly warning: string | null;
  loadOrCreateDataKey(dataDir: string): Promise<Buffer>;
}

const SecretsFile = z.object({
  version: z.literal(1),
  entries: z.record(z.string(), z.object({ iv: z.string(), tag: z.string(), data: z.string() })),
});
type SecretsFile = z.infer<typeof SecretsFile>;

export const FILE_KEY_NAME = 'data-key.bin';

/** Plain-Node fallback: the data key sits in a 0600 file in the data dir. */
export const fileKeyProtector: KeyProtector = {
  protection: 'file-0600',
  warning:
    'Secrets are encrypted with a key stored in a file readable only by this OS user (no OS keychain in this host). Protect the data folder like a password.',
  async loadOrCreateDataKey(dataDir: string): Promise<Buffer> {
    const keyPath = path.join(dataDir, FILE_KEY_NAME);
    try {
      const key = await fs.readFile(keyPath);
      if (key.length !== 32) throw new Error(`${keyPath} is corrupt (expected 32 bytes)`);
      return key;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    }
    const key = randomBytes(32);
    await fs.mkdir(dataDir, { recursive: true, mode: 0o700 });
    await fs.writeFile(keyPath, key, { mode: 0o600, flag: 'wx' });
    return key;
  },
};

class EncryptedFileSecretStore implements SecretStore {
  readonly protection: SecretProtection;
  readonly warning: string | null;
  private readonly file: string;

  constructor(
    dataDir: string,
    private readonly key: Buffer,
    protector: KeyProtector,
  ) {
    this.file = path.join(dataDir, 'secrets.json');
    this.protection = protector.protection;
    this.warning = protector.warning;
  }

  private async read(): Promise<SecretsFile> {
    // Regular file only, capped (attack report F7); a corrupt file names itself and the fix, never its content (F9).
    const text = await readSmallFile(this.file);
    if (text === null) return { version: 1, entries: {} };
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      throw new Error(unreadableSecrets(this.file));
    }
    const parsed = SecretsFile.safeParse(json);
    if (!parsed.success) throw new Error(unreadableSecrets(this.file));
    return parsed.data;
  }

  private async write(contents: SecretsFile): Promise<void> {
    const tmp = `${this.file}.${process.pid}.tmp`;
    await fs.writeFile(tmp, JSON.stringify(contents), { mode: 0o600 });
    await fs.rename(tmp, this.file);
  }

  async get(name: string): Promise<string | null> {
    const entry = (await this.read()).entries[name];
    if (!entry) return null;
    const decipher = createDecipheriv('aes-256-gcm', this.key, Buffer.from(entry.iv, 'base64'));
    decipher.setAAD(Buffer.from(name, 'utf8'));
    decipher.setAuthTag(Buffer.from(entry.tag, 'base64'));
    return Buffer.concat([decipher.update(Buffer.from(entry.data, 'base64')), decipher.final()]).toString('utf8');
  }

  async set(name: string, value: string): Promise<void> {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    cipher.setAAD(Buffer.from(name, 'utf8'));
    const data = Buffer.concat([cipher.update(value, 'utf8'), cipher.final()]);
    const contents = await this.read();
    contents.entries[name] = { iv: iv.toString('base64'), tag: cipher.getAuthTag().toString('base64'), data: data.toString('base64') };
    await this.write(contents);
  }

  async delete(name: string): Promise<void> {
    const contents = await this.read();
    if (!(name in contents.entries)) return;
    delete contents.entries[name];
    await this.write(contents);
  }

  async has(name: string): Promise<boolean> {
    return name in (await this.read()).entries;
  }
}

export async function openSecretStore(dataDir: string, protector: KeyProtector = fileKeyProtector): Promise<SecretStore> {
  await fs.mkdir(dataDir, { recursive: true, mode: 0o700 });
  const key = await protector.loadOrCreateDataKey(dataDir);
  return new EncryptedFileSecretStore(dataDir, key, protector);
}

/** In-memory store for unit tests. */
export function createMemorySecretStore(): SecretStore {
  const values = new Map<string, string>();
  return {
    protection: 'file-0600',
    warning: null,
    get: async (name) => values.get(name) ?? null,
    set: async (name, value) => void values.set(name, value),
    delete: async (name) => void values.delete(name),
    has: async (name) => values.has(name),
  };
}

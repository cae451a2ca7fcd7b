/**
 * Antom client configuration: schema + loading from the environment. The
 * config carries PEM text (main process only); keys are validated here so a
 * wrong file is reported at start-up in plain words, not at the first refund.
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { err, ok, type Result } from '../../preload/contract/result';
import { importPrivateKey, importPublicKey } from './signing';

function isLoopbackHost(hostname: string): boolean {
  return hostname === '127.0.0.1' || hostname === 'localhost' || hostname === '[::1]' || hostname === '::1';
}

export const AntomClientConfig = z
  .object({
    /** Region domain + path prefix, e.g. https://open-sea-global.alipay.com/ams/api (no trailing slash needed). */
    baseUrl: z
      .string()
      .url()
      .transform((u) => u.replace(/\/+$/, ''))
      .refine((u) => {
        const url = new URL(u);
        // Plain http only for the local sandbox.
        return url.protocol === 'https:' || (url.protocol === 'http:' && isLoopbackHost(url.hostname));
      }, 'baseUrl must be https (plain http is only allowed for a loopback sandbox)')
      .refine((u) => new URL(u).search === '' && new URL(u).hash === '', 'baseUrl must not have a query or fragment'),
    clientId: z.string().trim().min(1).max(64).regex(/^[A-Za-z0-9_\-.]+$/, 'clientId has unexpected characters'),
    keyVersion: z.number().int().min(1).max(999).default(1),
    merchantPrivateKeyPem: z.string().min(1),
    antomPublicKeyPem: z.string().min(1),
    /** Per-attempt timeout for refund calls. */
    requestTimeoutMs: z.number().int().min(100).max(120_000).default(15_000),
    /** Per-call timeout for inquiryRefund / inquiryPayment. */
    inquiryTimeoutMs: z.number().int().min(100).max(120_000).default(10_000),
  })
  .superRefine((cfg, ctx) => {
    const priv = importPrivateKey(cfg.merchantPrivateKeyPem, 'The merchant private key');
    if (!priv.ok) ctx.addIssue({ code: 'custom', path: ['merchantPrivateKeyPem'], message: priv.error.message });
    const pub = importPublicKey(cfg.antomPublicKeyPem, "Antom's public key");
    if (!pub.ok) ctx.addIssue({ code: 'custom', path: ['antomPublicKeyPem'], message: pub.error.message });
  });
export type AntomClientConfig = z.output<typeof AntomClientConfig>;
export type AntomClientConfigInput = z.input<typeof AntomClientConfig>;

export type ConfigError = 'CONFIG_MISSING' | 'CONFIG_INVALID' | 'KEY_FILE_UNREADABLE';

const intFromEnv = z
  .string()
  .trim()
  .regex(/^\d+$/, 'must be a whole number')
  .transform(Number);

/**
 * Reads ANTOM_BASE_URL, ANTOM_CLIENT_ID, ANTOM_KEY_VERSION (default 1),
 * ANTOM_PRIVATE_KEY_FILE, ANTOM_PUBLIC_KEY_FILE, ANTOM_REQUEST_TIMEOUT_MS,
 * ANTOM_INQUIRY_TIMEOUT_MS. Messages name the variable and file at fault but
 * never include key contents.
 */
export function loadAntomConfigFromEnv(
  env: NodeJS.ProcessEnv,
  opts: { readFile?: (path: string) => string } = {},
): Result<AntomClientConfig, ConfigError> {
  const readFile = opts.readFile ?? ((p: string) => readFileSync(p, 'utf8'));
  const required = ['ANTOM_BASE_URL', 'ANTOM_CLIENT_ID', 'ANTOM_PRIVATE_KEY_FILE', 'ANTOM_PUBLIC_KEY_FILE'] as const;
  const missing = required.filter((k) => !env[k] || env[k]?.trim() === '');
  if (missing.length > 0) return err('CONFIG_MISSING', `Antom settings missing: ${missing.join(', ')}.`, { missing });

  const numbers: Record<string, number> = {};
  for (const [envName, key] of [
    ['ANTOM_KEY_VERSION', 'keyVersion'],
    ['ANTOM_REQUEST_TIMEOUT_MS', 'requestTimeoutMs'],
    ['ANTOM_INQUIRY_TIMEOUT_MS', 'inquiryTimeoutMs'],
  ] as const) {
    const raw = env[envName];
    if (raw === undefined || raw.trim() === '') continue;
    const parsed = intFromEnv.safeParse(raw);
    if (!parsed.success) return err('CONFIG_INVALID', `${envName} must be a whole number (got "${raw}").`);
    numbers[key] = parsed.data;
  }

  const files: Record<'priv' | 'pub', string> = { priv: '', pub: '' };
  for (const [envName, slot] of [
    ['ANTOM_PRIVATE_KEY_FILE', 'priv'],
    ['ANTOM_PUBLIC_KEY_FILE', 'pub'],
  ] as const) {
    const file = (env[envName] ?? '').trim();
    try {
      files[slot] = readFile(file);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code ?? 'error';
      return err('KEY_FILE_UNREADABLE', `${envName} (${file}) cannot be read (${code}).`, { variable: envName, file });
    }
  }

  const parsed = AntomClientConfig.safeParse({
    baseUrl: env.ANTOM_BASE_URL?.trim(),
    clientId: env.ANTOM_CLIENT_ID?.trim(),
    merchantPrivateKeyPem: files.priv,
    antomPublicKeyPem: files.pub,
    ...numbers,
  });
  if (!parsed.success) {
    const envFor: Record<string, string> = {
      baseUrl: 'ANTOM_BASE_URL',
      clientId: 'ANTOM_CLIENT_ID',
      keyVersion: 'ANTOM_KEY_VERSION',
      merchantPrivateKeyPem: `ANTOM_PRIVATE_KEY_FILE (${env.ANTOM_PRIVATE_KEY_FILE ?? ''})`,
      antomPublicKeyPem: `ANTOM_PUBLIC_KEY_FILE (${env.ANTOM_PUBLIC_KEY_FILE ?? ''})`,
      requestTimeoutMs: 'ANTOM_REQUEST_TIMEOUT_MS',
      inquiryTimeoutMs: 'ANTOM_INQUIRY_TIMEOUT_MS',
    };
    const message = parsed.error.issues
      .map((i) => `${envFor[String(i.path[0])] ?? String(i.path[0])}: ${i.message}`)
      .join('; ');
    return err('CONFIG_INVALID', message);
  }
  return ok(parsed.data);
}

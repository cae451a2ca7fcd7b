/**
 * Antom client configuration: schema + loading from the environment. The
 * config carries PEM text (main process only); keys are validated here so a
 * wrong file is reported at start-up in plain words, not at the first refund.
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { err, ok, type Result } from '../../preload/contract/result';
import { parseAntomBaseUrl } from '../../preload/contract/antom-endpoint';
import { importPrivateKey, importPublicKey } from './signing';

/** How inquiryPayment names the payment: see docs/antom-client.md ("Payment lookup key"). */
export const InquiryPaymentKey = z.enum(['paymentId', 'paymentRequestId', 'both']);
export type InquiryPaymentKey = z.infer<typeof InquiryPaymentKey>;

/** At most this many Antom public keys at once: the current one, the next one, and one spare. */
export const MAX_ANTOM_PUBLIC_KEYS = 4;

/**
 * One Antom public key and the key version Antom signs with it (the
 * `keyVersion` of the response `signature` header). null: version not
 * recorded (settings from before key rotation existed); such a key is tried
 * for any version no recorded key matches.
 */
export const AntomPublicKeyEntry = z.object({
  keyVersion: z.number().int().min(1).max(999).nullable(),
  pem: z.string().min(1),
});
export type AntomPublicKeyEntry = z.infer<typeof AntomPublicKeyEntry>;

const IsoDay = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'must be YYYY-MM-DD');

export const AntomClientConfig = z
  .object({
    /**
     * Region domain, e.g. https://open-sea-global.alipay.com (the SDK
     * convention). The older form with "/ams/api" at the end is accepted and
     * the suffix dropped; see preload/contract/antom-endpoint.ts.
     */
    baseUrl: z.string().transform((u, ctx) => {
      const parsed = parseAntomBaseUrl(u);
      if (!parsed.ok) {
        ctx.addIssue({ code: 'custom', message: parsed.error.message });
        return z.NEVER;
      }
      return parsed.value.origin;
    }),
    clientId: z
      .string()
      .trim()
      .min(1)
      .max(64)
      .regex(/^[A-Za-z0-9_\-.]+$/, 'clientId has unexpected characters'),
    /** The merchant key's version, sent in the request signature header. */
    keyVersion: z.number().int().min(1).max(999).default(1),
    merchantPrivateKeyPem: z.string().min(1),
    /** A single Antom public key (the older form); joins antomPublicKeys with version antomPublicKeyVersion. */
    antomPublicKeyPem: z.string().min(1).optional(),
    antomPublicKeyVersion: z.number().int().min(1).max(999).optional(),
    /** Every Antom public key in use: the current one and, before a rotation, the next one. */
    antomPublicKeys: z.array(AntomPublicKeyEntry).max(MAX_ANTOM_PUBLIC_KEYS).default([]),
    /** The date Antom announced for its next key rotation, if any (doctor warns close to it). */
    antomKeyRotationDate: IsoDay.optional(),
    inquiryPaymentKey: InquiryPaymentKey.default('paymentId'),
    /** Per-attempt timeout for refund calls. */
    requestTimeoutMs: z.number().int().min(100).max(120_000).default(15_000),
    /** Per-call timeout for inquiryRefund / inquiryPayment. */
    inquiryTimeoutMs: z.number().int().min(100).max(120_000).default(10_000),
  })
  .transform(({ antomPublicKeyPem, antomPublicKeyVersion, antomPublicKeys, ...rest }) => ({
    ...rest,
    antomPublicKeys: [...(antomPublicKeyPem ? [{ keyVersion: antomPublicKeyVersion ?? null, pem: antomPublicKeyPem }] : []), ...antomPublicKeys],
  }))
  .superRefine((cfg, ctx) => {
    const priv = importPrivateKey(cfg.merchantPrivateKeyPem, 'The merchant private key');
    if (!priv.ok) ctx.addIssue({ code: 'custom', path: ['merchantPrivateKeyPem'], message: priv.error.message });
    if (cfg.antomPublicKeys.length === 0) ctx.addIssue({ code: 'custom', path: ['antomPublicKeyPem'], message: "Antom's public key is missing." });
    if (cfg.antomPublicKeys.length > MAX_ANTOM_PUBLIC_KEYS) {
      ctx.addIssue({ code: 'custom', path: ['antomPublicKeys'], message: `At most ${MAX_ANTOM_PUBLIC_KEYS} Antom public keys; remove the retired ones.` });
    }
    const seen = new Set<number | null>();
    cfg.antomPublicKeys.forEach((k, i) => {
      const what = k.keyVersion === null ? "Antom's public key" : `Antom's public key version ${k.keyVersion}`;
      const pub = importPublicKey(k.pem, what);
      if (!pub.ok) ctx.addIssue({ code: 'custom', path: [i === 0 ? 'antomPublicKeyPem' : 'antomPublicKeys', i], message: pub.error.message });
      if (seen.has(k.keyVersion)) {
        ctx.addIssue({
          code: 'custom',
          path: ['antomPublicKeys', i],
          message: `Two Antom public keys have the same key version (${k.keyVersion ?? 'not recorded'}); each key needs its own.`,
        });
      }
      seen.add(k.keyVersion);
    });
  });
export type AntomClientConfig = z.output<typeof AntomClientConfig>;
export type AntomClientConfigInput = z.input<typeof AntomClientConfig>;

export type ConfigError = 'CONFIG_MISSING' | 'CONFIG_INVALID' | 'KEY_FILE_UNREADABLE';

const intFromEnv = z.string().trim().regex(/^\d+$/, 'must be a whole number').transform(Number);

/**
 * Reads ANTOM_BASE_URL, ANTOM_CLIENT_ID, ANTOM_KEY_VERSION (default 1),
 * ANTOM_PRIVATE_KEY_FILE, ANTOM_PUBLIC_KEY_FILE (+ ANTOM_PUBLIC_KEY_VERSION),
 * ANTOM_PUBLIC_KEY_FILES (more keys, "VERSION=FILE,..."), ANTOM_INQUIRY_KEY,
 * ANTOM_KEY_ROTATION_DATE, ANTOM_REQUEST_TIMEOUT_MS, ANTOM_INQUIRY_TIMEOUT_MS. Messages name the variable and file at fault but
 * never include key contents.
 */
export function loadAntomConfigFromEnv(env: NodeJS.ProcessEnv, opts: { readFile?: (path: string) => string } = {}): Result<AntomClientConfig, ConfigError> {
  const readFile = opts.readFile ?? ((p: string) => readFileSync(p, 'utf8'));
  const required = ['ANTOM_BASE_URL', 'ANTOM_CLIENT_ID', 'ANTOM_PRIVATE_KEY_FILE', 'ANTOM_PUBLIC_KEY_FILE'] as const;
  const missing = required.filter((k) => !env[k] || env[k]?.trim() === '');
  if (missing.length > 0) return err('CONFIG_MISSING', `Antom settings missing: ${missing.join(', ')}.`, { missing });

  const numbers: Record<string, number> = {};
  for (const [envName, key] of [
    ['ANTOM_KEY_VERSION', 'keyVersion'],
    ['ANTOM_REQUEST_TIMEOUT_MS', 'requestTimeoutMs'],
    ['ANTOM_INQUIRY_TIMEOUT_MS', 'inquiryTimeoutMs'],
    ['ANTOM_PUBLIC_KEY_VERSION', 'antomPublicKeyVersion'],
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

  // More Antom public keys for a rotation: "VERSION=FILE[,VERSION=FILE...]".
  const extraKeys: { keyVersion: number; pem: string }[] = [];
  const list = (env.ANTOM_PUBLIC_KEY_FILES ?? '').trim();
  if (list !== '') {
    for (const item of list.split(',')) {
      const m = /^\s*(\d{1,3})\s*=\s*(.+?)\s*$/.exec(item);
      if (!m) return err('CONFIG_INVALID', `ANTOM_PUBLIC_KEY_FILES must be VERSION=FILE pairs separated by commas (got "${item.trim()}").`);
      const file = m[2] as string;
      try {
        extraKeys.push({ keyVersion: Number(m[1]), pem: readFile(file) });
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code ?? 'error';
        return err('KEY_FILE_UNREADABLE', `ANTOM_PUBLIC_KEY_FILES (${file}) cannot be read (${code}).`, { variable: 'ANTOM_PUBLIC_KEY_FILES', file });
      }
    }
  }
  const inquiryKey = env.ANTOM_INQUIRY_KEY?.trim();
  const rotation = env.ANTOM_KEY_ROTATION_DATE?.trim();

  const parsed = AntomClientConfig.safeParse({
    baseUrl: env.ANTOM_BASE_URL?.trim(),
    clientId: env.ANTOM_CLIENT_ID?.trim(),
    merchantPrivateKeyPem: files.priv,
    antomPublicKeyPem: files.pub,
    antomPublicKeys: extraKeys,
    ...(inquiryKey ? { inquiryPaymentKey: inquiryKey } : {}),
    ...(rotation ? { antomKeyRotationDate: rotation } : {}),
    ...numbers,
  });
  if (!parsed.success) {
    const envFor: Record<string, string> = {
      baseUrl: 'ANTOM_BASE_URL',
      clientId: 'ANTOM_CLIENT_ID',
      keyVersion: 'ANTOM_KEY_VERSION',
      merchantPrivateKeyPem: `ANTOM_PRIVATE_KEY_FILE (${env.ANTOM_PRIVATE_KEY_FILE ?? ''})`,
      antomPublicKeyPem: `ANTOM_PUBLIC_KEY_FILE (${env.ANTOM_PUBLIC_KEY_FILE ?? ''})`,
      antomPublicKeyVersion: 'ANTOM_PUBLIC_KEY_VERSION',
      antomPublicKeys: 'ANTOM_PUBLIC_KEY_FILES',
      inquiryPaymentKey: 'ANTOM_INQUIRY_KEY (paymentId, paymentRequestId or both)',
      antomKeyRotationDate: 'ANTOM_KEY_ROTATION_DATE',
      requestTimeoutMs: 'ANTOM_REQUEST_TIMEOUT_MS',
      inquiryTimeoutMs: 'ANTOM_INQUIRY_TIMEOUT_MS',
    };
    const message = parsed.error.issues.map((i) => `${envFor[String(i.path[0])] ?? String(i.path[0])}: ${i.message}`).join('; ');
    return err('CONFIG_INVALID', message);
  }
  return ok(parsed.data);
}

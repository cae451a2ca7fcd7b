/**
 * `<dataDir>/config.json`: the non-secret settings a technician sets up
 * (Antom endpoint and client id, terminal port and USB ids, idle lock).
 * Secrets (PEM keys, pairing key) never live here: see main/secrets.
 * The file is validated on every read; a bad file is reported, never guessed at.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { err, ok, type Result } from '../../preload/contract/result';
import { isValidTimeZone } from '../ledger/local-date';

const UsbId = z
  .object({ vendorId: z.number().int().min(0).max(0xffff), productId: z.number().int().min(0).max(0xffff), label: z.string().max(80).optional() })
  .strict();

export const AppConfigSchema = z
  .object({
    antom: z
      .object({
        /**
         * Region domain, e.g. https://open-sea-global.alipay.com (saved this way
         * since key rotation). The older "…/ams/api" form still loads: the client
         * drops the suffix (preload/contract/antom-endpoint.ts).
         */
        baseUrl: z.string().url(),
        clientId: z.string().min(1).max(128),
        keyVersion: z.number().int().min(1).default(1),
        /** Which field inquiryPayment names the payment by (docs/antom-client.md). */
        inquiryPaymentKey: z.enum(['paymentId', 'paymentRequestId', 'both']).optional(),
        /** Announced date of Antom's next public key rotation. */
        antomKeyRotationDate: z
          .string()
          .regex(/^\d{4}-\d{2}-\d{2}$/)
          .optional(),
        requestTimeoutMs: z.number().int().min(1000).max(120_000).default(15_000),
      })
      .strict()
      .optional(),
    terminal: z
      .object({
        /** Serial device of the paired terminal; discovered when absent. */
        port: z.string().min(1).max(256).optional(),
        usbIds: z.array(UsbId).max(64).optional(),
      })
      .strict()
      .default({}),
    idleLockSeconds: z.number().int().min(30).max(86_400).default(300),
    /**
     * IANA time zone of the shop for "today", the daily report and CSV dates.
     * Absent = the PC's own zone (see effectiveTimeZone). Set on the manager screen.
     */
    timeZone: z.string().min(1).max(64).refine(isValidTimeZone, 'not an IANA time zone (e.g. Asia/Singapore)').optional(),
    /** Minimum digits of a cashier's PIN; managers and technicians always need at least 6. */
    cashierPinLength: z.number().int().min(4).max(8).default(4),
    journal: z
      .object({
        /** Free space (MB) the journal's disk must have for a new refund to start (docs/ledger.md, "Low disk"). Default 64. */
        minFreeMb: z.number().min(0).max(1_048_576).optional(),
      })
      .strict()
      .default({}),
    /**
     * Store mode (issue #16): the store's PostgreSQL ledger and this counter's
     * register name. Absent = the embedded SQLite journal. Parsed and checked
     * in store-config.ts; the URL may carry a password, so it is only ever
     * shown redacted.
     */
    ledger: z
      .object({
        url: z.string().min(1).max(2048).optional(),
        register: z.string().min(1).max(64).optional(),
      })
      .strict()
      .optional(),
  })
  .strict();
export type AppConfig = z.infer<typeof AppConfigSchema>;

import { readSmallFile, UnsafeFileError } from './safe-file';

export const CONFIG_FILE = 'config.json';

export async function loadAppConfig(dataDir: string): Promise<Result<AppConfig, 'CONFIG_INVALID'>> {
  const file = path.join(dataDir, CONFIG_FILE);
  let raw: unknown = {};
  try {
    // Regular file only, no symlink, FIFO or 600 MB file (attack report F7): see safe-file.ts.
    const text = await readSmallFile(file);
    if (text !== null) raw = JSON.parse(text);
  } catch (e) {
    if (e instanceof UnsafeFileError) return err('CONFIG_INVALID', e.message);
    return err('CONFIG_INVALID', `${file} could not be read as JSON: ${(e as Error).message}. Fix or remove it.`);
  }
  const parsed = AppConfigSchema.safeParse(raw);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join('.') || '(file)'}: ${i.message}`).join('; ');
    return err('CONFIG_INVALID', `${file} is not valid: ${issues}`);
  }
  return ok(parsed.data);
}

export async function saveAppConfig(dataDir: string, config: AppConfig): Promise<void> {
  const file = path.join(dataDir, CONFIG_FILE);
  const valid = AppConfigSchema.parse(config);
  const tmp = `${file}.${process.pid}.tmp`;
  await fs.mkdir(dataDir, { recursive: true, mode: 0o700 });
  await fs.writeFile(tmp, `${JSON.stringify(valid, null, 2)}\n`, { mode: 0o600 });
  await fs.rename(tmp, file);
}

/**
 * Demo mode is the embedded default: nothing configured means the virtual
 * terminal and the local Antom sandbox. REFUND_TERMINAL_DEMO=1 forces it,
 * =0 forbids it (a real store must never fall back to demo silently).
 */
export function isDemoMode(config: AppConfig, env: NodeJS.ProcessEnv): boolean {
  if (env.REFUND_TERMINAL_DEMO === '1') return true;
  if (env.REFUND_TERMINAL_DEMO === '0') return false;
  return config.antom === undefined && !env.ANTOM_BASE_URL;
}

/** The PC's own IANA zone (a till's clock is set to the shop's time), else UTC. */
export function systemTimeZone(): string {
  const tz = Intl.DateTimeFormat().resolvedOptions().timeZone;
  return typeof tz === 'string' && tz !== '' && isValidTimeZone(tz) ? tz : 'UTC';
}

/** The shop's time zone: the configured one, else the PC's. */
export function effectiveTimeZone(config: AppConfig): string {
  return config.timeZone ?? systemTimeZone();
}

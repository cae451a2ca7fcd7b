/**
 * Which ledger engine this counter uses, from the environment
 * (REFUND_TERMINAL_STORE_URL, REFUND_TERMINAL_REGISTER) or config.json
 * (`ledger: { url, register }`); the environment wins. No URL = the embedded
 * SQLite journal (one counter, nothing to configure). A URL = store mode, and
 * then a register name is required: every refund records the counter that
 * journaled it, and only that counter asks its own terminal for a reference.
 *
 * The URL may carry the database password. It is never logged or printed as
 * given: `redactStoreUrl` is the only form that leaves this module.
 */
import { z } from 'zod';
import { err, ok, type Result } from '../../preload/contract/result';
import type { AppConfig } from './app-config';

export type LedgerSelection = { readonly engine: 'sqlite' } | { readonly engine: 'postgres'; readonly url: string; readonly register: string };

const StoreUrl = z
  .string()
  .trim()
  .max(2048)
  .refine((u) => {
    try {
      const parsed = new URL(u);
      return (parsed.protocol === 'postgres:' || parsed.protocol === 'postgresql:') && parsed.hostname !== '' && parsed.pathname.length > 1;
    } catch {
      return false;
    }
  }, 'must be postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE');

/** A register name shows on receipts, reports and the CSV: short, printable, no separators that break a CSV cell. */
const RegisterName = z
  .string()
  .trim()
  .min(1, 'must not be empty')
  .max(64, 'must be at most 64 characters')
  .regex(/^[A-Za-z0-9][A-Za-z0-9 _.-]*$/, 'may use letters, digits, space, dot, dash and underscore, starting with a letter or digit');

/** postgres://user:secret@host/db -> postgres://user:***@host/db (also any password= query parameter). */
export function redactStoreUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password !== '') u.password = '***';
    for (const key of [...u.searchParams.keys()]) if (/pass|secret|key/i.test(key)) u.searchParams.set(key, '***');
    return u.toString();
  } catch {
    // Not a URL at all: show nothing of it rather than risk a secret.
    return '(unparseable URL)';
  }
}

function describeIssues(e: z.ZodError): string {
  return e.issues.map((i) => i.message).join('; ');
}

export function resolveLedgerSelection(config: Pick<AppConfig, 'ledger'>, env: NodeJS.ProcessEnv): Result<LedgerSelection, 'CONFIG_INVALID'> {
  const envUrl = env.REFUND_TERMINAL_STORE_URL?.trim();
  const rawUrl = envUrl !== undefined && envUrl !== '' ? envUrl : config.ledger?.url;
  const urlSource = envUrl !== undefined && envUrl !== '' ? 'REFUND_TERMINAL_STORE_URL' : 'ledger.url in config.json';
  const envRegister = env.REFUND_TERMINAL_REGISTER?.trim();
  const rawRegister = envRegister !== undefined && envRegister !== '' ? envRegister : config.ledger?.register;
  const registerSource = envRegister !== undefined && envRegister !== '' ? 'REFUND_TERMINAL_REGISTER' : 'ledger.register in config.json';
  if (rawUrl === undefined) return ok({ engine: 'sqlite' });
  const url = StoreUrl.safeParse(rawUrl);
  // The message never repeats the URL as given: it may hold a password.
  if (!url.success) return err('CONFIG_INVALID', `${urlSource} ${describeIssues(url.error)} (given: ${redactStoreUrl(rawUrl)}).`);
  if (rawRegister === undefined) {
    return err(
      'CONFIG_INVALID',
      `Store mode needs this counter's register name: set REFUND_TERMINAL_REGISTER or ledger.register in config.json (e.g. "counter-1").`,
    );
  }
  const register = RegisterName.safeParse(rawRegister);
  if (!register.success) return err('CONFIG_INVALID', `${registerSource} ${describeIssues(register.error)}.`);
  return ok({ engine: 'postgres', url: url.data, register: register.data });
}

/** One line for logs and `doctor`: the engine and where, password redacted. */
export function describeLedgerSelection(sel: LedgerSelection): string {
  return sel.engine === 'sqlite' ? 'embedded SQLite journal (one counter)' : `store ledger ${redactStoreUrl(sel.url)} as register "${sel.register}"`;
}

/**
 * Where Antom lives, shared by main (the client and config loading) and the
 * renderer (the technician's region picker), so both apply one rule.
 *
 * Convention (the one Antom's SDKs use): the base URL is the region DOMAIN
 * only, e.g. `https://open-sea-global.alipay.com`; the client adds the path
 * `/ams/api/v2/payments/...` itself, or `/ams/sandbox/api/...` for a
 * `SANDBOX_` client id (global-open-sdk's `adjust_sandbox_url`). Older
 * settings stored the domain plus `/ams/api`; that suffix (and
 * `/ams/sandbox/api`) is still accepted and dropped, so nothing stored has to
 * be edited by hand. Any other path is refused: it would silently send every
 * refund to a URL Antom does not serve.
 */
import { err, ok, type Result } from './result';

/** The domains listed in Antom's API overview. */
export const ANTOM_REGIONS = [
  { id: 'sea', label: 'Asia (open-sea-global)', domain: 'https://open-sea-global.alipay.com' },
  { id: 'na', label: 'North America (open-na-global)', domain: 'https://open-na-global.alipay.com' },
  { id: 'de', label: 'Europe (open-de-global)', domain: 'https://open-de-global.alipay.com' },
] as const;
export type AntomRegionId = (typeof ANTOM_REGIONS)[number]['id'];

/** Path prefixes the old "domain + prefix" form may carry; dropped on reading. */
const LEGACY_PREFIXES = ['/ams/api', '/ams/sandbox/api'] as const;

export function isLoopbackHost(hostname: string): boolean {
  return hostname === '127.0.0.1' || hostname === 'localhost' || hostname === '[::1]' || hostname === '::1';
}

export interface ParsedAntomBaseUrl {
  /** scheme://host[:port], no path: what the client puts in front of /ams/api/... */
  readonly origin: string;
  /** The documented region this domain is, or null for a typed (custom) host. */
  readonly region: AntomRegionId | null;
  /** The old-form path suffix that was dropped, e.g. "/ams/api"; null when there was none. */
  readonly droppedPrefix: string | null;
}

/** Checks scheme, host and path prefix; the message says what to type instead. */
export function parseAntomBaseUrl(input: string): Result<ParsedAntomBaseUrl, 'BASE_URL_INVALID'> {
  const text = input.trim();
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return err('BASE_URL_INVALID', `"${text.slice(0, 80)}" is not a URL. Pick a region, or type e.g. https://open-sea-global.alipay.com`);
  }
  const loopback = isLoopbackHost(url.hostname);
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && loopback)) {
    return err('BASE_URL_INVALID', 'The Antom base URL must start with https:// (plain http is only allowed for a sandbox on this PC, 127.0.0.1).');
  }
  if (url.username !== '' || url.password !== '') return err('BASE_URL_INVALID', 'The Antom base URL must not contain a user name or password.');
  if (url.search !== '' || url.hash !== '') return err('BASE_URL_INVALID', 'The Antom base URL must not have a query (?…) or fragment (#…).');
  // A real domain has a dot; "https://open-sea-global" or a bare word is a typo.
  if (!loopback && !/^[a-z0-9-]+(\.[a-z0-9-]+)+$/i.test(url.hostname)) {
    return err('BASE_URL_INVALID', `"${url.hostname}" is not a full domain name. Antom's domains look like open-sea-global.alipay.com.`);
  }
  const path = url.pathname.replace(/\/+$/, '');
  let droppedPrefix: string | null = null;
  if (path !== '') {
    const legacy = LEGACY_PREFIXES.find((p) => p === path);
    if (!legacy) {
      return err(
        'BASE_URL_INVALID',
        `The Antom base URL is the region's domain only (e.g. ${url.origin}); the terminal adds /ams/api/v2/payments/… itself. Remove "${path.slice(0, 80)}".`,
      );
    }
    droppedPrefix = legacy;
  }
  const region = ANTOM_REGIONS.find((r) => r.domain === url.origin)?.id ?? null;
  return ok({ origin: url.origin, region, droppedPrefix });
}

/** `/ams/api` or, for a SANDBOX_ client id, `/ams/sandbox/api` (as the SDKs do). */
export function antomApiPrefix(clientId: string): '/ams/api' | '/ams/sandbox/api' {
  return clientId.startsWith('SANDBOX_') ? '/ams/sandbox/api' : '/ams/api';
}

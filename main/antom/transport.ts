/**
 * One signed HTTP exchange with Antom: sign, POST, time out, verify the
 * response signature, parse JSON. It never decides what a result code means;
 * it only reports either a trusted JSON answer or a transport fault.
 */
import type { KeyObject } from 'node:crypto';
import { signatureHeaderFor, verifySignatureHeaderWithKeys, type VersionedPublicKey } from './signing';
import type { TransportFault } from './classify';

export type FetchLike = (url: string, init: { method: string; headers: Record<string, string>; body: string; signal: AbortSignal }) => Promise<{
  status: number;
  headers: { get(name: string): string | null };
  text(): Promise<string>;
}>;

export interface TransportDeps {
  readonly baseUrl: string;
  readonly clientId: string;
  readonly keyVersion: number;
  readonly privateKey: KeyObject;
  /** Every configured Antom public key; the response's keyVersion picks one (see signing.ts). */
  readonly antomPublicKeys: readonly VersionedPublicKey[];
  readonly fetchImpl: FetchLike;
  readonly now: () => number;
}

export type Exchange =
  | { readonly kind: 'answer'; readonly httpStatus: number; readonly json: unknown; readonly elapsedMs: number; readonly verifiedBy: VersionedPublicKey; readonly namedVersion: number | null }
  | { readonly kind: 'fault'; readonly fault: TransportFault; readonly detail: string; readonly httpStatus?: number; readonly elapsedMs: number };

/** `body` is sent byte-for-byte as given, so retries can reuse it exactly. */
export async function postSigned(deps: TransportDeps, apiPath: string, body: string, timeoutMs: number): Promise<Exchange> {
  const url = `${deps.baseUrl}${apiPath}`;
  const uriPath = new URL(url).pathname;
  const requestTime = String(deps.now());
  const signature = signatureHeaderFor(
    { method: 'POST', uriPath, clientId: deps.clientId, time: requestTime, body, keyVersion: deps.keyVersion },
    deps.privateKey,
  );
  const started = deps.now();
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), timeoutMs);
  const elapsed = (): number => deps.now() - started;
  try {
    let res: Awaited<ReturnType<FetchLike>>;
    let text: string;
    try {
      res = await deps.fetchImpl(url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json; charset=UTF-8',
          'client-id': deps.clientId,
          'request-time': requestTime,
          signature,
        },
        body,
        signal: controller.signal,
      });
      text = await res.text();
    } catch (e) {
      if (controller.signal.aborted) return { kind: 'fault', fault: 'TIMEOUT', detail: `No answer within ${timeoutMs} ms.`, elapsedMs: elapsed() };
      const cause = (e as { cause?: { code?: string } }).cause?.code ?? (e as Error).name;
      return { kind: 'fault', fault: 'NETWORK_ERROR', detail: `Connection failed (${cause}).`, elapsedMs: elapsed() };
    }
    if (res.status >= 500) {
      return { kind: 'fault', fault: 'HTTP_5XX', detail: `HTTP ${res.status}.`, httpStatus: res.status, elapsedMs: elapsed() };
    }
    const responseTime = res.headers.get('response-time');
    if (!responseTime) {
      return { kind: 'fault', fault: 'BAD_SIGNATURE', detail: 'Answer has no response-time header.', httpStatus: res.status, elapsedMs: elapsed() };
    }
    const checked = verifySignatureHeaderWithKeys(
      res.headers.get('signature'),
      { method: 'POST', uriPath, clientId: deps.clientId, time: responseTime, body: text },
      deps.antomPublicKeys,
    );
    if (checked.verdict !== 'OK') {
      const detail =
        checked.verdict === 'UNKNOWN_KEY_VERSION'
          ? `Response signed with Antom key version ${checked.namedVersion}, which is not configured: add Antom's new public key on the technician screen.`
          : `Response signature ${checked.verdict.toLowerCase()}.`;
      return { kind: 'fault', fault: 'BAD_SIGNATURE', detail, httpStatus: res.status, elapsedMs: elapsed() };
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      return { kind: 'fault', fault: 'MALFORMED_RESPONSE', detail: 'Answer is not JSON.', httpStatus: res.status, elapsedMs: elapsed() };
    }
    return { kind: 'answer', httpStatus: res.status, json, elapsedMs: elapsed(), verifiedBy: checked.verifiedBy, namedVersion: checked.namedVersion };
  } finally {
    clearTimeout(timer);
  }
}

/**
 * One signed HTTP exchange with Antom: sign, POST, time out, verify the
 * response signature, parse JSON. It never decides what a result code means;
 * it only reports either a trusted JSON answer or a transport fault.
 */
import type { KeyObject } from 'node:crypto';
import { signatureHeaderFor, verifySignatureHeaderWithKeys, type VersionedPublicKey } from './signing';
import type { TransportFault } from './classify';

export type FetchLike = (
  url: string,
  init: { method: string; headers: Record<string, string>; body: string; signal: AbortSignal; redirect: 'manual' },
) => Promise<{
  status: number;
  headers: { get(name: string): string | null };
  /** Read as a stream so an oversized answer is cut off at the cap, never buffered whole. */
  body: ReadableStream<Uint8Array> | null;
}>;

/**
 * Largest answer read from Antom. Real answers are a few hundred bytes (the
 * biggest documented one is under 2 KB); 256 KiB leaves room for anything
 * legitimate while a hostile or broken endpoint can cost at most this much
 * memory. A larger answer is a transport fault (PENDING), never parsed.
 */
export const MAX_ANSWER_BYTES = 256 * 1024;

type Capped = { readonly ok: true; readonly text: string } | { readonly ok: false; readonly bytesRead: number };

/**
 * Reads at most `cap` bytes. A declared Content-Length over the cap is
 * refused before reading; a body that grows past it (chunked, or lying about
 * its length) is cancelled at the first chunk that crosses it, and the
 * request aborted so the connection is dropped instead of drained.
 */
async function readCapped(res: Awaited<ReturnType<FetchLike>>, cap: number, controller: AbortController): Promise<Capped> {
  const declared = Number(res.headers.get('content-length') ?? Number.NaN);
  if (Number.isFinite(declared) && declared > cap) {
    await res.body?.cancel().catch(() => undefined);
    controller.abort();
    return { ok: false, bytesRead: 0 };
  }
  if (!res.body) return { ok: true, text: '' };
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > cap) {
      await reader.cancel().catch(() => undefined);
      controller.abort();
      return { ok: false, bytesRead: total };
    }
    chunks.push(value);
  }
  return { ok: true, text: Buffer.concat(chunks).toString('utf8') };
}

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
  | {
      readonly kind: 'answer';
      readonly httpStatus: number;
      readonly json: unknown;
      readonly elapsedMs: number;
      readonly verifiedBy: VersionedPublicKey;
      readonly namedVersion: number | null;
    }
  | { readonly kind: 'fault'; readonly fault: TransportFault; readonly detail: string; readonly httpStatus?: number; readonly elapsedMs: number };

/** `body` is sent byte-for-byte as given, so retries can reuse it exactly. */
export async function postSigned(
  deps: TransportDeps,
  apiPath: string,
  body: string,
  timeoutMs: number,
  maxAnswerBytes: number = MAX_ANSWER_BYTES,
): Promise<Exchange> {
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
      // redirect 'manual': a signed answer comes from the configured endpoint
      // or not at all; a 3xx is a non-2xx answer like any other.
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
        redirect: 'manual',
      });
      const read = await readCapped(res, maxAnswerBytes, controller);
      if (!read.ok) {
        return {
          kind: 'fault',
          fault: 'RESPONSE_TOO_LARGE',
          detail: `Answer larger than ${maxAnswerBytes} bytes (HTTP ${res.status}); reading stopped${read.bytesRead > 0 ? ` after ${read.bytesRead} bytes` : ' (declared length)'}.`,
          httpStatus: res.status,
          elapsedMs: elapsed(),
        };
      }
      text = read.text;
    } catch (e) {
      if (controller.signal.aborted) return { kind: 'fault', fault: 'TIMEOUT', detail: `No answer within ${timeoutMs} ms.`, elapsedMs: elapsed() };
      const cause = (e as { cause?: { code?: string } }).cause?.code ?? (e as Error).name;
      return { kind: 'fault', fault: 'NETWORK_ERROR', detail: `Connection failed (${cause}).`, elapsedMs: elapsed() };
    }
    if (res.status >= 500) {
      return { kind: 'fault', fault: 'HTTP_5XX', detail: `HTTP ${res.status}.`, httpStatus: res.status, elapsedMs: elapsed() };
    }
    if (res.status < 200 || res.status > 299) {
      // However well signed, an error status is not an answer to act on: a
      // proxy, a gateway or Antom's own front door may have produced it, and
      // a 4xx F body would otherwise be taken as "refund failed" while the
      // request may have been processed. The refund stays PENDING.
      return { kind: 'fault', fault: 'HTTP_4XX', detail: `HTTP ${res.status}${describeErrorBody(text)}.`, httpStatus: res.status, elapsedMs: elapsed() };
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

/** For the log and the technician: the resultCode an error answer carried, if it is readable. */
function describeErrorBody(text: string): string {
  try {
    const v: unknown = JSON.parse(text);
    const r = (v as { result?: { resultStatus?: unknown; resultCode?: unknown } } | null)?.result;
    if (r && typeof r.resultCode === 'string') return ` (${String(r.resultStatus)}/${r.resultCode.slice(0, 64)})`;
  } catch {
    // not JSON: the status alone says enough
  }
  return '';
}

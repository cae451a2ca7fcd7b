/**
 * AntomGatewayPort over HTTP: validate -> sign -> send -> verify -> classify,
 * with bounded retries of UNKNOWN outcomes using the SAME refundRequestId and
 * the byte-identical body (Antom is idempotent on refundRequestId).
 */
import type { Money } from '../../preload/contract/money';
import { err, ok, type Result } from '../../preload/contract/result';
import { normalizeResultCode } from '../../preload/contract/result-codes';
import type { AntomGatewayPort, AntomOutcome, AntomPaymentInfo, AntomRefundRequest } from '../refunds/ports';
import { classifyInquiryRefundResponse, classifyRefundResponse, outcomeFor, transportOutcome, type RefundExpectation } from './classify';
import type { AntomClientConfig } from './config';
import { antomApiPrefix } from '../../preload/contract/antom-endpoint';
import { importPrivateKey, importPublicKey, publicKeyFingerprint, type VersionedPublicKey } from './signing';
import { postSigned, type Exchange, type FetchLike, type TransportDeps } from './transport';
import { validateRefundRequest } from './validate';
import {
  API_PATHS,
  InquiryPaymentResponseBody,
  InquiryRefundResponseBody,
  RefundResponseBody,
  type AntomApi,
  type InquiryPaymentRequestBody,
  type InquiryRefundRequestBody,
  type RefundRequestBody,
  type WireTransaction,
} from './wire';
import type { AntomKnownRefund } from '../ledger/balance';

/** Structural subset of pino's logger, so tests can pass a spy. */
export interface AntomLog {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

export interface AntomGatewayOptions {
  fetchImpl?: FetchLike;
  log?: AntomLog;
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
  /** Attempts per refund() call (first send included) and the backoff base: delay = base * 2^(n-1). */
  retry?: { maxAttempts: number; baseDelayMs: number };
  /** After retries are exhausted with an UNKNOWN outcome, ask inquiryRefund once before giving up. */
  inquiry?: { resolveUnknownAfterRetries?: boolean };
}

/** Which configured Antom key verified the most recent answer (for the technician screen). */
export interface AntomVerification {
  readonly keyVersion: number | null;
  /** The version the answer's signature header named, null when it named none. */
  readonly namedVersion: number | null;
  readonly fingerprint: string;
  readonly at: string;
  readonly path: string;
}

export interface InquiryOptions {
  /** Added to the inquiry when known (the in-store v2 page documents it as the key). */
  readonly refundId?: string;
  /** What the refund asked for; the answer must not name another payment or amount. */
  readonly paymentId?: string;
  readonly refundAmount?: Money;
}

export interface AntomGateway extends AntomGatewayPort {
  inquireRefund(refundRequestId: string, opts?: InquiryOptions): Promise<AntomOutcome>;
  /** The exact URL a call goes to: origin + /ams/api (or /ams/sandbox/api for SANDBOX_ ids) + API path. */
  endpoint(api: AntomApi): string;
  lastVerification(): AntomVerification | null;
}

import { setupRejectionOf } from './classify';
export { setupRejectionOf, type SetupRejection } from './classify';

const DEFAULT_RETRY = { maxAttempts: 3, baseDelayMs: 1_000 };
const SILENT: AntomLog = { info: () => undefined, warn: () => undefined };

export function createAntomGateway(config: AntomClientConfig, opts: AntomGatewayOptions = {}): AntomGateway {
  const privateKey = importPrivateKey(config.merchantPrivateKeyPem, 'The merchant private key');
  if (!privateKey.ok) throw new Error(privateKey.error.message);
  const antomPublicKeys: VersionedPublicKey[] = config.antomPublicKeys.map((k) => {
    const imported = importPublicKey(k.pem, k.keyVersion === null ? "Antom's public key" : `Antom's public key version ${k.keyVersion}`);
    if (!imported.ok) throw new Error(imported.error.message);
    return { keyVersion: k.keyVersion, key: imported.value, fingerprint: publicKeyFingerprint(imported.value) };
  });
  if (antomPublicKeys.length === 0) throw new Error("Antom's public key is missing.");

  const log = opts.log ?? SILENT;
  const sleep = opts.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const retry = opts.retry ?? DEFAULT_RETRY;
  const maxAttempts = Math.max(1, Math.floor(retry.maxAttempts));
  const resolveUnknown = opts.inquiry?.resolveUnknownAfterRetries ?? true;
  const deps: TransportDeps = {
    baseUrl: config.baseUrl,
    clientId: config.clientId,
    keyVersion: config.keyVersion,
    privateKey: privateKey.value,
    antomPublicKeys,
    fetchImpl: opts.fetchImpl ?? ((url, init) => fetch(url, init)),
    now: opts.now ?? Date.now,
  };
  /** refundIds learnt from answers, so inquiries can name them. */
  const knownRefundIds = new Map<string, string>();
  const prefix = antomApiPrefix(config.clientId);
  const pathOf = (api: AntomApi): string => `${prefix}${API_PATHS[api]}`;
  let lastVerified: AntomVerification | null = null;

  /** One signed call; remembers which key verified the answer. */
  async function post(api: AntomApi, body: string, timeoutMs: number): Promise<Exchange> {
    const ex = await postSigned(deps, pathOf(api), body, timeoutMs);
    if (ex.kind === 'answer') {
      lastVerified = {
        keyVersion: ex.verifiedBy.keyVersion,
        namedVersion: ex.namedVersion,
        fingerprint: ex.verifiedBy.fingerprint,
        at: new Date(deps.now()).toISOString(),
        path: pathOf(api),
      };
    }
    return ex;
  }
  /** What each refund sent in this process asked for, so a later inquiry is checked against it too. */
  const asked = new Map<string, { paymentId: string; refundAmount?: Money }>();

  function remember(refundRequestId: string, outcome: AntomOutcome): AntomOutcome {
    if (outcome.refundId) knownRefundIds.set(refundRequestId, outcome.refundId);
    return outcome;
  }

  function refundOutcomeOf(ex: Exchange, expected: RefundExpectation): AntomOutcome {
    if (ex.kind === 'fault') return transportOutcome(ex.fault, ex.detail);
    const parsed = RefundResponseBody.safeParse(ex.json);
    if (!parsed.success) return transportOutcome('MALFORMED_RESPONSE', `HTTP ${ex.httpStatus}: body does not match the refund response schema.`);
    return classifyRefundResponse(parsed.data, expected);
  }

  function warnIfMismatch(refundRequestId: string, outcome: AntomOutcome, api: string): void {
    if (outcome.resultCode === 'RESPONSE_MISMATCH' || outcome.resultCode === 'HTTP_4XX' || outcome.resultCode === 'RESPONSE_TOO_LARGE') {
      // Alarm for the technician's log: Antom (or something in between) answered
      // something other than our question. The refund stays PENDING.
      log.warn({ refundRequestId, api, resultCode: outcome.resultCode, detail: outcome.resultMessage }, 'antom answer not trusted');
    }
  }

  async function inquireRefund(refundRequestId: string, o: InquiryOptions = {}): Promise<AntomOutcome> {
    const refundId = o.refundId ?? knownRefundIds.get(refundRequestId);
    const sent = asked.get(refundRequestId);
    const paymentId = o.paymentId ?? sent?.paymentId;
    const refundAmount = o.refundAmount ?? sent?.refundAmount;
    const expected: RefundExpectation = {
      refundRequestId,
      ...(paymentId !== undefined ? { paymentId } : {}),
      ...(refundAmount !== undefined ? { refundAmount } : {}),
      ...(refundId !== undefined ? { refundId } : {}),
    };
    const req: InquiryRefundRequestBody = refundId ? { refundRequestId, refundId } : { refundRequestId };
    const ex = await post('inquiryRefund', JSON.stringify(req), config.inquiryTimeoutMs);
    let outcome: AntomOutcome;
    if (ex.kind === 'fault') {
      outcome = transportOutcome(ex.fault, ex.detail);
    } else {
      const parsed = InquiryRefundResponseBody.safeParse(ex.json);
      outcome = parsed.success
        ? classifyInquiryRefundResponse(parsed.data, expected)
        : transportOutcome('MALFORMED_RESPONSE', 'Inquiry answer does not match the inquiryRefund schema.');
    }
    warnIfMismatch(refundRequestId, outcome, 'inquiryRefund');
    log.info({ refundRequestId, status: outcome.status, resultCode: outcome.resultCode, elapsedMs: ex.elapsedMs }, 'antom inquiryRefund');
    return remember(refundRequestId, outcome);
  }

  async function refund(req: AntomRefundRequest): Promise<AntomOutcome> {
    const valid = validateRefundRequest(req);
    if (!valid.ok) {
      log.warn({ refundRequestId: typeof req?.refundRequestId === 'string' ? req.refundRequestId : null }, 'antom refund rejected locally');
      const base = outcomeFor('INVALID_REQUEST', { resultMessage: valid.error.message });
      return { ...base, cashierMessage: `${valid.error.message} Nothing was sent to Antom.` };
    }
    const r = valid.value;
    // Built once: every retry sends exactly these bytes.
    const wire: RefundRequestBody = {
      refundRequestId: r.refundRequestId,
      paymentId: r.paymentId,
      originalMerchantRefundId: r.originalMerchantRefundId,
      ...(r.refundAmount ? { refundAmount: { value: r.refundAmount.value, currency: r.refundAmount.currency } } : {}),
      ...(r.memo !== undefined ? { memo: r.memo } : {}),
    };
    const body = JSON.stringify(wire);
    const expected: RefundExpectation = {
      refundRequestId: r.refundRequestId,
      paymentId: r.paymentId,
      ...(r.refundAmount ? { refundAmount: { value: r.refundAmount.value, currency: r.refundAmount.currency } } : {}),
    };
    asked.set(r.refundRequestId, { paymentId: r.paymentId, ...(expected.refundAmount ? { refundAmount: expected.refundAmount } : {}) });

    let outcome: AntomOutcome = transportOutcome('NETWORK_ERROR', 'Not sent.');
    for (let attempt = 1; attempt <= maxAttempts; attempt++) {
      const ex = await post('refund', body, config.requestTimeoutMs);
      outcome = remember(r.refundRequestId, refundOutcomeOf(ex, expected));
      warnIfMismatch(r.refundRequestId, outcome, 'refund');
      log.info(
        {
          refundRequestId: r.refundRequestId,
          paymentId: r.paymentId,
          attempt,
          status: outcome.status,
          resultCode: outcome.resultCode,
          elapsedMs: ex.elapsedMs,
        },
        'antom refund attempt',
      );
      const unknown = outcome.status === 'PENDING' && outcome.pendingKind === 'UNKNOWN' && outcome.retrySameRequestId;
      if (!unknown) return outcome;
      if (attempt < maxAttempts) await sleep(retry.baseDelayMs * 2 ** (attempt - 1));
    }
    if (resolveUnknown) {
      const inquired = await inquireRefund(r.refundRequestId);
      // Only a definite inquiry answer replaces "unknown"; otherwise keep the refund's own outcome.
      if (inquired.status !== 'PENDING' || inquired.pendingKind === 'IN_PROCESS') return inquired;
    }
    return outcome;
  }

  async function inquirePayment(paymentId: string): Promise<Result<AntomPaymentInfo, 'PAYMENT_NOT_FOUND' | 'UNAVAILABLE' | 'LOOKUP_MISCONFIGURED'>> {
    if (typeof paymentId !== 'string' || !/^[A-Za-z0-9_\-*]{1,64}$/.test(paymentId.trim())) {
      return err('PAYMENT_NOT_FOUND', 'This is not a valid payment ID. Check it on the receipt.');
    }
    const id = paymentId.trim();
    // Which field names the payment is a setting (docs/antom-client.md, "Payment lookup key").
    const key = config.inquiryPaymentKey;
    const req: InquiryPaymentRequestBody =
      key === 'paymentId' ? { paymentId: id } : key === 'paymentRequestId' ? { paymentRequestId: id } : { paymentId: id, paymentRequestId: id };
    const ex = await post('inquiryPayment', JSON.stringify(req), config.inquiryTimeoutMs);
    log.info({ paymentId, kind: ex.kind, elapsedMs: ex.elapsedMs }, 'antom inquiryPayment');
    if (ex.kind === 'fault') return err('UNAVAILABLE', 'Antom could not be reached to look up this payment. Try again.', { cause: ex.fault });
    const parsed = InquiryPaymentResponseBody.safeParse(ex.json);
    if (!parsed.success) return err('UNAVAILABLE', 'Antom sent an unreadable payment answer. Try again.', { cause: 'MALFORMED_RESPONSE' });
    const b = parsed.data;
    if (b.result.resultStatus !== 'S') {
      const code = normalizeResultCode(b.result.resultCode ?? '');
      if (code === 'DPOS_PAYMENT_ORDER_NOT_EXIST') return err('PAYMENT_NOT_FOUND', 'No payment was found with this payment ID. Check the ID on the receipt.');
      const rejection = setupRejectionOf(code);
      if (rejection) {
        // Antom is up and answered; it refused how we asked. Retrying will not help, a technician will.
        const what = {
          parameters: `the payment lookup by ${key}`,
          path: `the Antom address (${pathOf('inquiryPayment')})`,
          credentials: 'the client id or keys',
        }[rejection];
        const said = b.result.resultMessage ? `: ${b.result.resultMessage.slice(0, 120)}` : '';
        return err(
          'LOOKUP_MISCONFIGURED',
          `The payment lookup is set up wrongly on this terminal: Antom answered ${code}${said}, which points at ${what}. Call your technician.`,
          {
            resultCode: code,
            rejection,
            inquiryKey: key,
            path: pathOf('inquiryPayment'),
          },
        );
      }
      return err('UNAVAILABLE', 'Antom could not look up this payment right now. Try again.', { resultCode: code });
    }
    if (!b.paymentAmount || !b.paymentId) return err('UNAVAILABLE', 'Antom sent an incomplete payment answer. Try again.', { cause: 'MALFORMED_RESPONSE' });
    const amount: Money = { value: b.paymentAmount.value, currency: b.paymentAmount.currency };
    return ok({
      antomRefunds: refundsOf(b.transactions, amount.currency),
      paymentId: b.paymentId,
      amount,
      paymentMethod: b.paymentMethod ?? 'UNKNOWN',
      paidAt: b.paymentTime ?? b.paymentCreateTime ?? '',
      status: b.paymentStatus ?? 'UNKNOWN',
      // The documented inquiryPayment answer does not say; the refund call will.
      supportsPartialRefund: null,
    });
  }

  return { refund, inquireRefund, inquirePayment, endpoint: (api) => `${config.baseUrl}${pathOf(api)}`, lastVerification: () => lastVerified };
}

/**
 * The REFUND entries of inquiryPayment's transactions list, in the payment's
 * currency. No list at all => null ("Antom did not say"), never "no refunds".
 */
function refundsOf(transactions: readonly WireTransaction[] | null | undefined, currency: string): AntomKnownRefund[] | null {
  if (transactions === null || transactions === undefined) return null;
  const out: AntomKnownRefund[] = [];
  for (const t of transactions) {
    if (t.transactionType.toUpperCase() !== 'REFUND' || !t.transactionAmount || t.transactionAmount.currency !== currency) continue;
    const st = (t.transactionStatus ?? '').toUpperCase();
    // Anything not clearly failed is counted: a refund in process holds its amount at Antom.
    const status = st === 'SUCCESS' ? 'SUCCESS' : st === 'FAIL' || st === 'FAILED' ? 'FAIL' : 'PROCESSING';
    out.push({
      refundRequestId: t.transactionRequestId ?? null,
      refundId: t.transactionId ?? null,
      value: t.transactionAmount.value,
      status,
      at: t.transactionTime ?? null,
    });
  }
  return out;
}

/** Shared set-up for the notifyRefund tests: keys, a journaled refund in a chosen state, a signed POST. */
import { createPrivateKey, createPublicKey } from 'node:crypto';
import type { RefundState } from '../../../preload/contract/refunds';
import { publicKeyFingerprint, signatureHeaderFor, type VersionedPublicKey } from '../../../main/antom/signing';
import type { RefundJournal } from '../../../main/ledger/journal-port';
import { CLIENT_ID, testKeys } from '../antom/helpers';

export { CLIENT_ID };

export function antomKeys(): VersionedPublicKey[] {
  const key = createPublicKey(testKeys().gateway.publicKeyPem);
  return [{ keyVersion: 1, key, fingerprint: publicKeyFingerprint(key) }];
}

const PATH_TO: Record<string, readonly RefundState[]> = {
  SUBMITTING: ['REFERENCE_REQUESTED', 'REFERENCE_OBTAINED', 'SUBMITTING'],
  PENDING_IN_PROCESS: ['REFERENCE_REQUESTED', 'REFERENCE_OBTAINED', 'SUBMITTING', 'PENDING_IN_PROCESS'],
  PENDING_UNKNOWN: ['REFERENCE_REQUESTED', 'REFERENCE_OBTAINED', 'SUBMITTING', 'PENDING_UNKNOWN'],
  REFERENCE_OBTAINED: ['REFERENCE_REQUESTED', 'REFERENCE_OBTAINED'],
  FAILED: ['REFERENCE_REQUESTED', 'REFERENCE_OBTAINED', 'SUBMITTING', 'FAILED'],
  SUCCEEDED: ['REFERENCE_REQUESTED', 'REFERENCE_OBTAINED', 'SUBMITTING', 'SUCCEEDED'],
};

/** Journals a refund (PARTIAL: 1,000 SGD minor units; FULL: the whole 10,000) on payment `paymentId` and walks it to `state`. */
export async function journalRefund(
  j: RefundJournal,
  id: string,
  paymentId: string,
  state: keyof typeof PATH_TO,
  mode: 'FULL' | 'PARTIAL' = 'PARTIAL',
): Promise<void> {
  await j.upsertPayment({
    paymentId,
    amount: { value: 10_000, currency: 'SGD' },
    paymentMethod: 'EXPRESS_BANKTRANSFER',
    paidAt: '2026-12-01T08:00:00.000Z',
    status: 'SUCCESS',
    supportsPartialRefund: true,
  });
  const inserted = await j.insert(
    {
      refundRequestId: id,
      intentId: `intent-${id}`,
      paymentId,
      mode,
      // A FULL refund asks Antom for no amount (send_amount 0); its journaled amount is the whole payment.
      amount: { value: mode === 'FULL' ? 10_000 : 1_000, currency: 'SGD' },
      memo: null,
      state: 'APPROVED',
      cashier: 'bob',
      message: 'm',
      nextAction: 'WAIT',
      approvalReasons: [],
    },
    'bob',
  );
  if (!inserted.ok) throw new Error(inserted.error.message);
  let from: RefundState = 'APPROVED';
  for (const to of PATH_TO[state] ?? []) {
    const t = await j.transition(id, from, to, {
      actor: 'system',
      ...(to === 'REFERENCE_OBTAINED' ? { patch: { originalMerchantRefundId: `REF-${id}` } } : {}),
    });
    if (!t.ok) throw new Error(t.error.message);
    from = to;
  }
}

export function notifyBody(id: string, paymentId: string, over: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    notifyType: 'REFUND_RESULT',
    refundAmount: { currency: 'SGD', value: '1000' },
    refundId: `ANTOM-${id}`,
    refundRequestId: id,
    paymentId,
    refundStatus: 'SUCCESS',
    refundTime: '2026-12-01T10:00:00+08:00',
    result: { resultCode: 'SUCCESS', resultMessage: 'success.', resultStatus: 'S' },
    ...over,
  };
}

/** POSTs `body` to the notify endpoint signed with Antom's (the sandbox gateway's) key, or with `signWith`. */
export async function postSigned(
  url: string,
  body: Record<string, unknown> | string,
  /** `time`: the request-time header (default now, epoch ms); `signQuery`: sign the path with its query string. */
  opts: { signWith?: string; clientId?: string; tamper?: boolean; time?: string; signQuery?: boolean } = {},
): Promise<{ status: number; text: string }> {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  const target = new URL(url);
  const time = opts.time ?? String(Date.now());
  const clientId = opts.clientId ?? CLIENT_ID;
  const key = createPrivateKey(opts.signWith ?? testKeys().gateway.privateKeyPem);
  const signature = signatureHeaderFor(
    { method: 'POST', uriPath: opts.signQuery === true ? `${target.pathname}${target.search}` : target.pathname, clientId, time, body: text, keyVersion: 1 },
    key,
  );
  const res = await fetch(target, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'client-id': clientId, 'request-time': time, signature },
    body: opts.tamper ? text.replace('1000', '9000') : text,
  });
  return { status: res.status, text: await res.text() };
}

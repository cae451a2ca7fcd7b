/**
 * zod schemas for every TLP/1 message (spec section 4). Unknown fields are
 * ignored (zod objects strip them), so a newer peer that adds fields still parses.
 */
import { z } from 'zod';

export const PROTOCOL_ERROR_CODES = [
  'BAD_REQUEST',
  'UNSUPPORTED',
  'NOT_PAIRED',
  'NOT_AUTHENTICATED',
  'AUTH_FAILED',
  'PAIR_CODE_MISMATCH',
  'PAIR_LOCKED',
  'BUSY',
  'INTERNAL',
] as const;
export type ProtocolErrorCode = (typeof PROTOCOL_ERROR_CODES)[number];

export const MessageId = z.string().min(1).max(32);
/** 16 random bytes, base64url without padding = 22 chars. */
export const Nonce16 = z.string().regex(/^[A-Za-z0-9_-]{22}$/);
export const Key32 = z.string().regex(/^[A-Za-z0-9_-]{43}$/);
export const Proof = z.string().regex(/^[A-Za-z0-9_-]{43}$/);

/** The envelope every payload shares. */
export const Envelope = z.object({ t: z.string().min(1).max(64), id: MessageId });
export type Envelope = z.infer<typeof Envelope>;

export const MoneySchema = z.object({
  value: z.number().int().min(0).max(2_147_483_647),
  currency: z.string().regex(/^[A-Z]{3}$/),
});

export const ErrorMessage = z.object({
  t: z.literal('error'),
  id: MessageId,
  code: z.string().min(1).max(64),
  message: z.string().max(512).optional(),
});

const TerminalIdentity = z.object({
  serial: z.string().min(1).max(64),
  model: z.string().min(1).max(64),
  firmware: z.string().min(1).max(64),
});

// ---- requests (host -> terminal)
export const HelloReq = z.object({
  proto: z.literal(1),
  host: z.object({ app: z.string().min(1).max(64), version: z.string().min(1).max(64) }),
  hostNonce: Nonce16,
});
export const AuthReq = z.object({ proof: Proof });
export const PairBeginReq = z.object({ hostId: z.string().min(1).max(64), hostName: z.string().min(1).max(128) });
export const PairConfirmReq = z.object({ code: z.string() });
export const EmptyReq = z.object({});
export const RefundReferenceReq = z.object({
  paymentId: z.string().min(1).max(64),
  refundRequestId: z.string().min(1).max(64),
  refundAmount: MoneySchema.optional(),
});
export const RefundResultReq = z.object({
  refundRequestId: z.string().min(1).max(64),
  refundId: z.string().min(1).max(64).optional(),
  status: z.enum(['SUCCESS', 'FAILED', 'PROCESSING']),
  resultCode: z.string().min(1).max(64),
  refundAmount: MoneySchema.optional(),
});

// ---- success replies (terminal -> host)
export const HelloOk = z.object({
  proto: z.number().int(),
  terminal: TerminalIdentity,
  paired: z.boolean(),
  terminalNonce: Nonce16,
  proof: Proof.optional(),
});
export const EmptyOk = z.object({});
export const PairConfirmOk = z.object({ pairingKey: Key32 });
export const PingOk = z.object({ uptimeMs: z.number().int().min(0) });
export const InfoOk = z.object({
  serial: z.string().min(1).max(64),
  model: z.string().min(1).max(64),
  firmware: z.string().min(1).max(64),
  battery: z.number().min(0).max(100).nullable(),
  paper: z.enum(['ok', 'low', 'out']).nullable(),
});
export const RefundReferenceOk = z.object({ originalMerchantRefundId: z.string().min(1).max(64) });
export const RefundResultOk = z.object({ printed: z.boolean() });

// ---- events (terminal -> host)
export const EvtScan = z.object({ t: z.literal('evt.scan'), id: MessageId, data: z.string().max(1024) });
export const EvtStatus = z.object({
  t: z.literal('evt.status'),
  id: MessageId,
  state: z.enum(['idle', 'busy', 'error']),
  detail: z.string().max(512).optional(),
});

export type HelloOk = z.infer<typeof HelloOk>;
export type InfoOk = z.infer<typeof InfoOk>;
export type EvtStatus = z.infer<typeof EvtStatus>;

/** Request types a TLP/1 terminal understands. */
export const REQUEST_TYPES = ['hello', 'auth', 'pair.begin', 'pair.confirm', 'unpair', 'ping', 'info', 'refund.reference', 'refund.result'] as const;
export type RequestType = (typeof REQUEST_TYPES)[number];

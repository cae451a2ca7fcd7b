/**
 * Checks a refund request against the refund API reference BEFORE anything is
 * signed or sent, and explains problems in words a cashier can act on.
 */
import { z } from 'zod';
import { isKnownCurrency, MAX_MINOR_VALUE } from '../../preload/contract/money';
import { err, ok, type Result } from '../../preload/contract/result';
import type { AntomRefundRequest } from '../refunds/ports';

const codePoints = (s: string): number => [...s].length;

export const AntomRefundRequestSchema = z.object({
  refundRequestId: z
    .string({ error: 'The refund number is missing.' })
    .min(1, 'The refund number is missing.')
    .refine((s) => codePoints(s) <= 64, 'The refund number is longer than 64 characters.')
    .regex(/^[A-Za-z0-9_-]+$/, 'The refund number may only contain letters, digits, "-" and "_".'),
  paymentId: z
    .string({ error: 'The payment ID is missing.' })
    .trim()
    .min(1, 'The payment ID is missing. Scan or type it from the receipt.')
    .max(64, 'The payment ID is longer than 64 characters. Check it on the receipt.')
    .regex(/^[A-Za-z0-9_\-*]+$/, 'The payment ID has characters that do not belong in it. Check it on the receipt.'),
  originalMerchantRefundId: z
    .string({ error: 'The terminal did not provide its refund reference. Reconnect the terminal and try again.' })
    .trim()
    .min(1, 'The terminal did not provide its refund reference. Reconnect the terminal and try again.')
    .max(64, 'The terminal refund reference is longer than 64 characters.'),
  refundAmount: z
    .object(
      {
        value: z
          .number({ error: 'The refund amount is missing.' })
          .int('The refund amount must be a whole number of the smallest currency unit.')
          // The API range is 0..2147483647; zero is refused here because a
          // zero refund can only be rejected by Antom as below the minimum.
          .min(1, 'The refund amount must be more than zero.')
          .max(MAX_MINOR_VALUE, 'The refund amount is too large.'),
        currency: z
          .string({ error: 'The refund currency is missing.' })
          .regex(/^[A-Z]{3}$/, 'The currency must be a 3-letter code such as SGD.')
          .refine(isKnownCurrency, 'This currency is not supported.'),
      },
      { error: 'The refund amount is not valid.' },
    )
    .optional(),
  memo: z
    .string()
    .refine((s) => codePoints(s) <= 256, 'The note is longer than 256 characters. Shorten it.')
    .optional(),
});

export function validateRefundRequest(req: unknown): Result<AntomRefundRequest, 'INVALID_REQUEST'> {
  const parsed = AntomRefundRequestSchema.safeParse(req);
  if (parsed.success) return ok(parsed.data);
  const problems = [...new Set(parsed.error.issues.map((i) => i.message))];
  return err('INVALID_REQUEST', problems.join(' '), {
    fields: parsed.error.issues.map((i) => i.path.join('.')),
  });
}

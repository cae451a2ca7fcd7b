/** TLP/1 session proofs (spec section 5): HMAC-SHA256 keyed with the pairing key, base64url without padding. */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

export function b64url(buf: Uint8Array): string {
  return Buffer.from(buf).toString('base64url');
}

export function fromB64url(s: string): Buffer {
  return Buffer.from(s, 'base64url');
}

export function newNonce(): string {
  return b64url(randomBytes(16));
}

export function newPairingKey(): string {
  return b64url(randomBytes(32));
}

function hmac(keyB64: string, text: string): string {
  return createHmac('sha256', fromB64url(keyB64)).update(text, 'utf8').digest('base64url');
}

export function terminalProof(pairingKey: string, serial: string, hostNonce: string, terminalNonce: string): string {
  return hmac(pairingKey, `TLP1 terminal|${serial}|${hostNonce}|${terminalNonce}`);
}

export function hostProof(pairingKey: string, serial: string, terminalNonce: string, hostNonce: string): string {
  return hmac(pairingKey, `TLP1 host|${serial}|${terminalNonce}|${hostNonce}`);
}

/** Constant-time comparison of two proofs. */
export function proofsEqual(a: string, b: string): boolean {
  const x = Buffer.from(a, 'utf8');
  const y = Buffer.from(b, 'utf8');
  return x.length === y.length && timingSafeEqual(x, y);
}

/**
 * Antom message signing (docs: "Sign a request and verify the signature",
 * Customized coding). One job: build the content to sign, sign/verify it with
 * RSA-SHA256 (PKCS#1 v1.5), and read/write the `signature` header.
 *
 *   content = `${method} ${uriPath}\n${clientId}.${time}.${body}`
 *   header  = `algorithm=RSA256,keyVersion=${n},signature=${urlEncode(base64(sig))}`
 *
 * Requests use the request-time header as `time`; responses use response-time.
 * Key material never leaves this module as text and is never logged.
 */
import { createHash, createPrivateKey, createPublicKey, createSign, createVerify, type KeyObject } from 'node:crypto';
import { err, ok, type Result } from '../../preload/contract/result';

export function buildContentToSign(method: string, uriPath: string, clientId: string, time: string, body: string): string {
  return `${method.toUpperCase()} ${uriPath}\n${clientId}.${time}.${body}`;
}

/** Base64 RSA-SHA256 signature (not yet URL-encoded). */
export function signContent(content: string, privateKey: KeyObject): string {
  const signer = createSign('RSA-SHA256');
  signer.update(content, 'utf8');
  return signer.sign(privateKey, 'base64');
}

export function verifyContent(content: string, base64Signature: string, publicKey: KeyObject): boolean {
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(base64Signature)) return false;
  const verifier = createVerify('RSA-SHA256');
  verifier.update(content, 'utf8');
  try {
    return verifier.verify(publicKey, base64Signature, 'base64');
  } catch {
    return false;
  }
}

export function formatSignatureHeader(keyVersion: number, base64Signature: string): string {
  // encodeURIComponent escapes + / = exactly as the SDKs' URLEncoder does.
  return `algorithm=RSA256,keyVersion=${keyVersion},signature=${encodeURIComponent(base64Signature)}`;
}

export interface ParsedSignatureHeader {
  readonly algorithm: string;
  readonly keyVersion: number | null;
  /** URL-decoded base64 signature. */
  readonly signature: string;
}

/** Tolerates the docs' "algorithm=RSA256, keyVersion=1, signature=..." spacing. */
export function parseSignatureHeader(header: string | null | undefined): ParsedSignatureHeader | null {
  if (!header) return null;
  const fields = new Map<string, string>();
  for (const part of header.split(',')) {
    const eq = part.indexOf('=');
    if (eq <= 0) continue;
    fields.set(part.slice(0, eq).trim().toLowerCase(), part.slice(eq + 1).trim());
  }
  const algorithm = fields.get('algorithm');
  const raw = fields.get('signature');
  if (algorithm === undefined || raw === undefined || raw === '') return null;
  let signature: string;
  try {
    // decodeURIComponent (not form decoding): a stray '+' stays a '+'.
    signature = decodeURIComponent(raw);
  } catch {
    return null;
  }
  const kv = fields.get('keyversion');
  const keyVersion = kv !== undefined && /^\d+$/.test(kv) ? Number(kv) : null;
  return { algorithm, keyVersion, signature };
}

/** Signs and returns the header value in one step. */
export function signatureHeaderFor(
  args: { method: string; uriPath: string; clientId: string; time: string; body: string; keyVersion: number },
  privateKey: KeyObject,
): string {
  const content = buildContentToSign(args.method, args.uriPath, args.clientId, args.time, args.body);
  return formatSignatureHeader(args.keyVersion, signContent(content, privateKey));
}

/** Verifies a `signature` header value against the given message parts. */
export function verifySignatureHeader(
  header: string | null | undefined,
  args: { method: string; uriPath: string; clientId: string; time: string; body: string },
  publicKey: KeyObject,
): 'OK' | 'MISSING' | 'UNSUPPORTED_ALGORITHM' | 'MISMATCH' {
  const parsed = parseSignatureHeader(header);
  if (!parsed) return 'MISSING';
  if (parsed.algorithm.toUpperCase() !== 'RSA256') return 'UNSUPPORTED_ALGORITHM';
  const content = buildContentToSign(args.method, args.uriPath, args.clientId, args.time, args.body);
  return verifyContent(content, parsed.signature, publicKey) ? 'OK' : 'MISMATCH';
}

// ------------------------------------------------------------------ key import

export type KeyImportError = 'KEY_EMPTY' | 'KEY_NOT_PRIVATE' | 'KEY_NOT_PUBLIC' | 'KEY_NOT_RSA' | 'KEY_TOO_SHORT' | 'KEY_UNREADABLE';

const MIN_RSA_BITS = 2048;

/** Antom Dashboard hands out bare base64 (no PEM armour); accept both. */
function derFromBareBase64(text: string): Buffer | null {
  const compact = text.replace(/\s+/g, '');
  if (compact.length < 64 || !/^[A-Za-z0-9+/]+={0,2}$/.test(compact)) return null;
  return Buffer.from(compact, 'base64');
}

function checkRsa(key: KeyObject, what: string): Result<KeyObject, KeyImportError> {
  if (key.asymmetricKeyType !== 'rsa') {
    return err('KEY_NOT_RSA', `${what} is a ${key.asymmetricKeyType ?? 'unknown'} key; Antom needs an RSA key (RSA256).`);
  }
  const bits = key.asymmetricKeyDetails?.modulusLength ?? 0;
  if (bits < MIN_RSA_BITS) return err('KEY_TOO_SHORT', `${what} is RSA-${bits}; use at least RSA-${MIN_RSA_BITS}.`);
  return ok(key);
}

/** `what` names the key in messages, e.g. "ANTOM_PRIVATE_KEY_FILE (/path)". */
export function importPrivateKey(text: string, what = 'The private key'): Result<KeyObject, KeyImportError> {
  const trimmed = text.trim();
  if (trimmed === '') return err('KEY_EMPTY', `${what} is empty.`);
  if (/-----BEGIN (RSA )?PUBLIC KEY-----|-----BEGIN CERTIFICATE-----/.test(trimmed)) {
    return err('KEY_NOT_PRIVATE', `${what} holds a public key or certificate; the merchant PRIVATE key is needed here.`);
  }
  if (/-----BEGIN ENCRYPTED PRIVATE KEY-----/.test(trimmed)) {
    return err('KEY_UNREADABLE', `${what} is password-protected; store it unencrypted with file mode 0600.`);
  }
  try {
    if (trimmed.startsWith('-----BEGIN')) return checkRsa(createPrivateKey({ key: trimmed, format: 'pem' }), what);
    const der = derFromBareBase64(trimmed);
    if (!der) return err('KEY_UNREADABLE', `${what} is neither a PEM file nor base64 key text.`);
    return checkRsa(createPrivateKey({ key: der, format: 'der', type: 'pkcs8' }), what);
  } catch {
    return err('KEY_UNREADABLE', `${what} could not be read as a private key (expected PKCS#8 or PKCS#1 PEM).`);
  }
}

export function importPublicKey(text: string, what = 'The public key'): Result<KeyObject, KeyImportError> {
  const trimmed = text.trim();
  if (trimmed === '') return err('KEY_EMPTY', `${what} is empty.`);
  // createPublicKey would happily derive a public key from a private one;
  // a private key in the public-key slot is a configuration mistake worth stopping.
  if (/PRIVATE KEY-----/.test(trimmed)) {
    return err('KEY_NOT_PUBLIC', `${what} holds a PRIVATE key; put Antom's PUBLIC key here (and never share private keys).`);
  }
  try {
    if (trimmed.startsWith('-----BEGIN')) return checkRsa(createPublicKey({ key: trimmed, format: 'pem' }), what);
    const der = derFromBareBase64(trimmed);
    if (!der) return err('KEY_UNREADABLE', `${what} is neither a PEM file nor base64 key text.`);
    return checkRsa(createPublicKey({ key: der, format: 'der', type: 'spki' }), what);
  } catch {
    return err('KEY_UNREADABLE', `${what} could not be read as a public key (expected SPKI "BEGIN PUBLIC KEY" PEM).`);
  }
}

// ------------------------------------------------------------ key rotation

/** An Antom public key with the key version Antom names it by (null: not recorded). */
export interface VersionedPublicKey {
  readonly keyVersion: number | null;
  readonly key: KeyObject;
  /** SHA-256 of the SPKI DER, first 32 hex digits: what the technician screen shows. */
  readonly fingerprint: string;
}

export type KeyedVerdict =
  | { readonly verdict: 'OK'; readonly namedVersion: number | null; readonly verifiedBy: VersionedPublicKey }
  | { readonly verdict: 'MISSING' | 'UNSUPPORTED_ALGORITHM' | 'MISMATCH' | 'UNKNOWN_KEY_VERSION'; readonly namedVersion: number | null };

/**
 * Verifies with the key the header's `keyVersion` names; a key whose version
 * was never recorded stands in when no recorded key has that version. With no
 * keyVersion in the header, each configured key is tried. During a rotation
 * this accepts answers signed with either the old or the new key, and only
 * those.
 */
export function verifySignatureHeaderWithKeys(
  header: string | null | undefined,
  args: { method: string; uriPath: string; clientId: string; time: string; body: string },
  keys: readonly VersionedPublicKey[],
): KeyedVerdict {
  const parsed = parseSignatureHeader(header);
  if (!parsed) return { verdict: 'MISSING', namedVersion: null };
  const namedVersion = parsed.keyVersion;
  if (parsed.algorithm.toUpperCase() !== 'RSA256') return { verdict: 'UNSUPPORTED_ALGORITHM', namedVersion };
  let candidates = keys;
  if (namedVersion !== null) {
    const exact = keys.filter((k) => k.keyVersion === namedVersion);
    candidates = exact.length > 0 ? exact : keys.filter((k) => k.keyVersion === null);
    if (candidates.length === 0) return { verdict: 'UNKNOWN_KEY_VERSION', namedVersion };
  }
  const content = buildContentToSign(args.method, args.uriPath, args.clientId, args.time, args.body);
  for (const k of candidates) {
    if (verifyContent(content, parsed.signature, k.key)) return { verdict: 'OK', namedVersion, verifiedBy: k };
  }
  return { verdict: 'MISMATCH', namedVersion };
}

export function publicKeyFingerprint(key: KeyObject): string {
  // A public KeyObject exports as is; createPublicKey() is only for deriving from a private one.
  const der = (key.type === 'public' ? key : createPublicKey(key)).export({ type: 'spki', format: 'der' });
  return createHash('sha256').update(der).digest('hex').slice(0, 32);
}

import { execFileSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  buildContentToSign,
  formatSignatureHeader,
  importPrivateKey,
  importPublicKey,
  parseSignatureHeader,
  signContent,
  signatureHeaderFor,
  verifyContent,
  verifySignatureHeader,
} from '../../../main/antom/signing';
import { testKeys } from './helpers';

const body = '{"refundRequestId":"R-1","paymentId":"P-1","originalMerchantRefundId":"POS-1","memo":"退款 ok"}';
const args = { method: 'POST', uriPath: '/ams/api/v2/payments/refund', clientId: 'TEST_CLIENT_0001', time: '1764086400123', body };

function key(pem: string) {
  const k = importPrivateKey(pem);
  if (!k.ok) throw new Error(k.error.message);
  return k.value;
}
function pub(pem: string) {
  const k = importPublicKey(pem);
  if (!k.ok) throw new Error(k.error.message);
  return k.value;
}

describe('content to sign', () => {
  it('is "<METHOD> <path>\\n<client-id>.<time>.<body>"', () => {
    expect(buildContentToSign('post', args.uriPath, args.clientId, args.time, body)).toBe(
      `POST /ams/api/v2/payments/refund\nTEST_CLIENT_0001.1764086400123.${body}`,
    );
  });
});

describe('RSA256 signature vs openssl', () => {
  it('matches `openssl dgst -sha256 -sign` byte for byte (PKCS#1 v1.5 is deterministic)', () => {
    const keys = testKeys();
    const content = buildContentToSign(args.method, args.uriPath, args.clientId, args.time, body);
    const contentFile = path.join(keys.dir, 'content.txt');
    writeFileSync(contentFile, content, 'utf8');
    const expected = execFileSync('openssl', ['dgst', '-sha256', '-sign', keys.merchantPrivateFile, contentFile]).toString('base64');
    expect(signContent(content, key(keys.merchant.privateKeyPem))).toBe(expected);
  });

  it('produces a header openssl can verify after URL-decoding', () => {
    const keys = testKeys();
    const header = signatureHeaderFor({ ...args, keyVersion: 2 }, key(keys.merchant.privateKeyPem));
    expect(header).toMatch(/^algorithm=RSA256,keyVersion=2,signature=[A-Za-z0-9%._-]+$/);
    const parsed = parseSignatureHeader(header);
    expect(parsed?.keyVersion).toBe(2);
    const sigFile = path.join(keys.dir, 'sig.bin');
    const contentFile = path.join(keys.dir, 'content2.txt');
    writeFileSync(sigFile, Buffer.from(parsed?.signature ?? '', 'base64'));
    writeFileSync(contentFile, buildContentToSign(args.method, args.uriPath, args.clientId, args.time, body));
    const pubFile = path.join(keys.dir, 'merchant-public.pem');
    const out = execFileSync('openssl', ['dgst', '-sha256', '-verify', pubFile, '-signature', sigFile, contentFile]).toString();
    expect(out.trim()).toBe('Verified OK');
  });
});

describe('response verification', () => {
  const keys = testKeys();
  const priv = key(keys.merchant.privateKeyPem);
  const goodPub = pub(keys.merchant.publicKeyPem);
  const otherPub = pub(keys.gateway.publicKeyPem);
  const header = signatureHeaderFor({ ...args, keyVersion: 1 }, priv);

  it('accepts a good signature', () => {
    expect(verifySignatureHeader(header, args, goodPub)).toBe('OK');
  });
  it('rejects a changed body, time, path or client id', () => {
    expect(verifySignatureHeader(header, { ...args, body: `${body} ` }, goodPub)).toBe('MISMATCH');
    expect(verifySignatureHeader(header, { ...args, time: '1764086400124' }, goodPub)).toBe('MISMATCH');
    expect(verifySignatureHeader(header, { ...args, uriPath: '/ams/api/v2/payments/inquiryRefund' }, goodPub)).toBe('MISMATCH');
    expect(verifySignatureHeader(header, { ...args, clientId: 'OTHER' }, goodPub)).toBe('MISMATCH');
  });
  it('rejects the wrong key', () => {
    expect(verifySignatureHeader(header, args, otherPub)).toBe('MISMATCH');
  });
  it('reports a missing or empty signature', () => {
    expect(verifySignatureHeader(undefined, args, goodPub)).toBe('MISSING');
    expect(verifySignatureHeader('', args, goodPub)).toBe('MISSING');
    expect(verifySignatureHeader('algorithm=RSA256,keyVersion=1,signature=', args, goodPub)).toBe('MISSING');
  });
  it('rejects other algorithms and garbage', () => {
    expect(verifySignatureHeader(header.replace('RSA256', 'HS256'), args, goodPub)).toBe('UNSUPPORTED_ALGORITHM');
    expect(verifySignatureHeader('algorithm=RSA256,signature=%%%', args, goodPub)).toBe('MISSING');
    expect(verifyContent('x', 'not base64!', goodPub)).toBe(false);
  });
  it('parses the docs spacing "algorithm=RSA256, keyVersion=1, signature=..."', () => {
    const spaced = header.replace(/,/g, ', ');
    expect(verifySignatureHeader(spaced, args, goodPub)).toBe('OK');
  });
  it('URL-encodes + / = in the header', () => {
    expect(formatSignatureHeader(1, 'a+b/c==')).toBe('algorithm=RSA256,keyVersion=1,signature=a%2Bb%2Fc%3D%3D');
    expect(parseSignatureHeader('algorithm=RSA256,keyVersion=1,signature=a%2Bb%2Fc%3D%3D')?.signature).toBe('a+b/c==');
  });
});

describe('key import', () => {
  const keys = testKeys();
  it('accepts PEM and bare base64 (Antom Dashboard format)', () => {
    expect(importPrivateKey(keys.merchant.privateKeyPem).ok).toBe(true);
    expect(importPublicKey(keys.merchant.publicKeyPem).ok).toBe(true);
    const bare = keys.merchant.publicKeyPem.replace(/-----[^-]+-----/g, '').replace(/\s+/g, '');
    expect(importPublicKey(bare).ok).toBe(true);
  });
  it('explains a public key given as the private key', () => {
    const r = importPrivateKey(keys.merchant.publicKeyPem, 'ANTOM_PRIVATE_KEY_FILE');
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.error.code).toBe('KEY_NOT_PRIVATE');
      expect(r.error.message).toContain('ANTOM_PRIVATE_KEY_FILE');
    }
  });
  it('refuses a private key in the public-key slot without echoing it', () => {
    const r = importPublicKey(keys.merchant.privateKeyPem);
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.error.code).toBe('KEY_NOT_PUBLIC');
      expect(r.error.message).not.toContain('MII');
    }
  });
  it('refuses non-RSA, short, empty, encrypted and garbage keys', () => {
    const ec = generateKeyPairSync('ec', {
      namedCurve: 'P-256',
      privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
      publicKeyEncoding: { type: 'spki', format: 'pem' },
    });
    expect(importPrivateKey(ec.privateKey)).toMatchObject({ ok: false, error: { code: 'KEY_NOT_RSA' } });
    expect(importPublicKey(ec.publicKey)).toMatchObject({ ok: false, error: { code: 'KEY_NOT_RSA' } });
    const short = generateKeyPairSync('rsa', {
      modulusLength: 1024,
      privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
      publicKeyEncoding: { type: 'spki', format: 'pem' },
    });
    expect(importPrivateKey(short.privateKey)).toMatchObject({ ok: false, error: { code: 'KEY_TOO_SHORT' } });
    expect(importPrivateKey('  ')).toMatchObject({ ok: false, error: { code: 'KEY_EMPTY' } });
    expect(importPrivateKey('-----BEGIN ENCRYPTED PRIVATE KEY-----\nAAAA\n-----END ENCRYPTED PRIVATE KEY-----')).toMatchObject({
      ok: false,
      error: { code: 'KEY_UNREADABLE' },
    });
    expect(importPrivateKey('-----BEGIN PRIVATE KEY-----\nnot a key\n-----END PRIVATE KEY-----')).toMatchObject({
      ok: false,
      error: { code: 'KEY_UNREADABLE' },
    });
    expect(importPublicKey('hello')).toMatchObject({ ok: false, error: { code: 'KEY_UNREADABLE' } });
  });
});

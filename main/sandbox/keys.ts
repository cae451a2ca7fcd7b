/**
 * Demo credentials for the local sandbox: an RSA-2048 merchant key pair (the
 * terminal signs with it) and a gateway key pair (the sandbox signs answers).
 * Generated on first run into the data dir with mode 0600, never committed.
 */
import { generateKeyPairSync } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

export interface PemKeyPair {
  readonly privateKeyPem: string;
  readonly publicKeyPem: string;
}

export function generateDemoKeyPair(): PemKeyPair {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  });
  return { privateKeyPem: privateKey, publicKeyPem: publicKey };
}

export interface DemoCredentials {
  readonly dir: string;
  readonly clientId: string;
  readonly merchantPrivateKeyFile: string;
  readonly merchantPublicKeyFile: string;
  readonly gatewayPrivateKeyFile: string;
  readonly gatewayPublicKeyFile: string;
  readonly merchant: PemKeyPair;
  readonly gateway: PemKeyPair;
}

export const DEMO_CLIENT_ID = 'SANDBOX_DEMO_CLIENT';

function writeSecret(file: string, text: string): void {
  writeFileSync(file, text, { mode: 0o600 });
  // writeFileSync's mode only applies on creation; make sure of it anyway.
  chmodSync(file, 0o600);
}

function loadOrCreatePair(dir: string, name: string): { pair: PemKeyPair; privFile: string; pubFile: string } {
  const privFile = path.join(dir, `${name}-private.pem`);
  const pubFile = path.join(dir, `${name}-public.pem`);
  if (existsSync(privFile) && existsSync(pubFile)) {
    return { pair: { privateKeyPem: readFileSync(privFile, 'utf8'), publicKeyPem: readFileSync(pubFile, 'utf8') }, privFile, pubFile };
  }
  const pair = generateDemoKeyPair();
  writeSecret(privFile, pair.privateKeyPem);
  writeSecret(pubFile, pair.publicKeyPem);
  return { pair, privFile, pubFile };
}

/** Creates (once) and returns the demo keys under `<dataDir>/antom-sandbox/`. */
export function ensureDemoCredentials(dataDir: string): DemoCredentials {
  const dir = path.join(dataDir, 'antom-sandbox');
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const merchant = loadOrCreatePair(dir, 'merchant');
  const gateway = loadOrCreatePair(dir, 'gateway');
  return {
    dir,
    clientId: DEMO_CLIENT_ID,
    merchantPrivateKeyFile: merchant.privFile,
    merchantPublicKeyFile: merchant.pubFile,
    gatewayPrivateKeyFile: gateway.privFile,
    gatewayPublicKeyFile: gateway.pubFile,
    merchant: merchant.pair,
    gateway: gateway.pair,
  };
}

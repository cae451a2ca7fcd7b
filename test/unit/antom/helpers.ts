/**
 * Test helpers: throwaway keys (merchant key made by the openssl CLI so the
 * signing vectors are independent of node:crypto), a sandbox and a gateway
 * wired to it with instant retries.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { AntomClientConfig } from '../../../main/antom/config';
import { createAntomGateway, type AntomGateway, type AntomGatewayOptions } from '../../../main/antom/gateway';
import { generateDemoKeyPair, type PemKeyPair } from '../../../main/sandbox/keys';
import { startAntomSandbox, type AntomSandbox, type StartAntomSandboxOptions } from '../../../main/sandbox/server';

export const CLIENT_ID = 'TEST_CLIENT_0001';

export interface TestKeys {
  dir: string;
  merchantPrivateFile: string;
  merchant: PemKeyPair;
  gateway: PemKeyPair;
}

let cached: TestKeys | null = null;

export function testKeys(): TestKeys {
  if (cached) return cached;
  const dir = mkdtempSync(path.join(tmpdir(), 'antom-test-keys-'));
  const priv = path.join(dir, 'merchant-private.pem');
  const pub = path.join(dir, 'merchant-public.pem');
  execFileSync('openssl', ['genpkey', '-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048', '-out', priv], { stdio: 'ignore' });
  execFileSync('openssl', ['pkey', '-in', priv, '-pubout', '-out', pub], { stdio: 'ignore' });
  cached = {
    dir,
    merchantPrivateFile: priv,
    merchant: { privateKeyPem: readFileSync(priv, 'utf8'), publicKeyPem: readFileSync(pub, 'utf8') },
    gateway: generateDemoKeyPair(),
  };
  return cached;
}

export async function startTestSandbox(extra: Partial<StartAntomSandboxOptions> = {}): Promise<AntomSandbox> {
  const keys = testKeys();
  return startAntomSandbox({
    clientId: CLIENT_ID,
    merchantPublicKeyPem: keys.merchant.publicKeyPem,
    gatewayPrivateKeyPem: keys.gateway.privateKeyPem,
    seed: 'demo',
    ...extra,
  });
}

export function gatewayFor(
  sandbox: AntomSandbox,
  opts: AntomGatewayOptions & { requestTimeoutMs?: number; inquiryTimeoutMs?: number; clientId?: string; merchantPrivateKeyPem?: string } = {},
): { gateway: AntomGateway; sleeps: number[] } {
  const keys = testKeys();
  const sleeps: number[] = [];
  const config = AntomClientConfig.parse({
    baseUrl: sandbox.baseUrl,
    clientId: opts.clientId ?? CLIENT_ID,
    merchantPrivateKeyPem: opts.merchantPrivateKeyPem ?? keys.merchant.privateKeyPem,
    antomPublicKeyPem: sandbox.gatewayPublicKeyPem,
    requestTimeoutMs: opts.requestTimeoutMs ?? 5_000,
    inquiryTimeoutMs: opts.inquiryTimeoutMs ?? 5_000,
  });
  const gateway = createAntomGateway(config, {
    sleep: async (ms) => {
      sleeps.push(ms);
    },
    retry: { maxAttempts: 3, baseDelayMs: 100 },
    ...opts,
  });
  return { gateway, sleeps };
}

let seq = 0;
export function newRefundId(tag = 'T'): string {
  seq += 1;
  return `${tag}-${process.pid}-${seq}`;
}

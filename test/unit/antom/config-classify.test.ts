import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { classifyInquiryRefundResponse, classifyRefundResponse } from '../../../main/antom/classify';
import { loadAntomConfigFromEnv } from '../../../main/antom/config';
import { ANTOM_RESULT_CODES, describeResultCode } from '../../../preload/contract/result-codes';
import { testKeys } from './helpers';

describe('loadAntomConfigFromEnv', () => {
  const keys = testKeys();
  const pubFile = path.join(keys.dir, 'antom-public.pem');
  writeFileSync(pubFile, keys.gateway.publicKeyPem);
  const base = {
    ANTOM_BASE_URL: 'https://open-sea-global.alipay.com/ams/api/',
    ANTOM_CLIENT_ID: 'SANDBOX_5X00000000000000',
    ANTOM_PRIVATE_KEY_FILE: keys.merchantPrivateFile,
    ANTOM_PUBLIC_KEY_FILE: pubFile,
  };

  it('loads with defaults (key version 1, timeouts, paymentId lookup) and keeps the domain only of an old "…/ams/api/" base URL', () => {
    const r = loadAntomConfigFromEnv(base);
    expect(r.ok).toBe(true);
    if (r.ok) {
      expect(r.value).toMatchObject({
        baseUrl: 'https://open-sea-global.alipay.com',
        keyVersion: 1,
        requestTimeoutMs: 15_000,
        inquiryTimeoutMs: 10_000,
        inquiryPaymentKey: 'paymentId',
      });
      expect(r.value.antomPublicKeys).toEqual([{ keyVersion: null, pem: keys.gateway.publicKeyPem }]);
    }
  });
  it('reads key version and timeouts', () => {
    const r = loadAntomConfigFromEnv({ ...base, ANTOM_KEY_VERSION: '3', ANTOM_REQUEST_TIMEOUT_MS: '8000' });
    expect(r.ok && r.value.keyVersion === 3 && r.value.requestTimeoutMs === 8000).toBe(true);
    expect(loadAntomConfigFromEnv({ ...base, ANTOM_KEY_VERSION: 'two' })).toMatchObject({ ok: false, error: { code: 'CONFIG_INVALID' } });
  });
  it('names missing variables', () => {
    const r = loadAntomConfigFromEnv({ ANTOM_BASE_URL: base.ANTOM_BASE_URL });
    expect(r).toMatchObject({ ok: false, error: { code: 'CONFIG_MISSING' } });
    if (!r.ok) expect(r.error.message).toContain('ANTOM_PRIVATE_KEY_FILE');
  });
  it('reports an unreadable key file by variable and path', () => {
    const r = loadAntomConfigFromEnv({ ...base, ANTOM_PRIVATE_KEY_FILE: '/nonexistent/key.pem' });
    expect(r).toMatchObject({ ok: false, error: { code: 'KEY_FILE_UNREADABLE' } });
    if (!r.ok) expect(r.error.message).toMatch(/ANTOM_PRIVATE_KEY_FILE \(\/nonexistent\/key.pem\).*ENOENT/);
  });
  it('explains swapped keys without printing key material', () => {
    const r = loadAntomConfigFromEnv({ ...base, ANTOM_PRIVATE_KEY_FILE: pubFile, ANTOM_PUBLIC_KEY_FILE: keys.merchantPrivateFile });
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.error.message).toMatch(/ANTOM_PRIVATE_KEY_FILE.*public key/);
      expect(r.error.message).toMatch(/ANTOM_PUBLIC_KEY_FILE.*PRIVATE key/);
      expect(r.error.message).not.toMatch(/MII/);
    }
  });
  it('refuses plain http except to loopback', () => {
    expect(loadAntomConfigFromEnv({ ...base, ANTOM_BASE_URL: 'http://open-sea-global.alipay.com/ams/api' }).ok).toBe(false);
    expect(loadAntomConfigFromEnv({ ...base, ANTOM_BASE_URL: 'http://127.0.0.1:8080/ams/api' }).ok).toBe(true);
  });
});

describe('classifyRefundResponse: every reference code', () => {
  for (const code of ANTOM_RESULT_CODES) {
    const info = describeResultCode(code);
    it(`${code}`, () => {
      const wireCode = code === 'DPOS_SYSTEM_ERROR' ? 'DPOS_SYSTEM_ ERROR' : code;
      const body = {
        refundRequestId: 'R-1',
        ...(code === 'SUCCESS' ? { refundId: 'RF-1', refundTime: '2026-04-10T11:32:54Z', refundAmount: { value: '100', currency: 'SGD' } } : {}),
        result: { resultStatus: info.antomResultStatus ?? 'U', resultCode: wireCode, resultMessage: 'm' },
      };
      const out = classifyRefundResponse(body as never, 'R-1');
      expect(out).toMatchObject({ status: info.status, resultCode: code, nextAction: info.nextAction, retrySameRequestId: info.retrySameRequestId });
      if (info.status === 'PENDING') expect(out.pendingKind).toBe(code === 'DPOS_REFUND_REFUND_IN_PROCESS' ? 'IN_PROCESS' : 'UNKNOWN');
    });
  }
  it('success without refundId, or for another request id, is not success', () => {
    expect(classifyRefundResponse({ refundRequestId: 'R-1', result: { resultStatus: 'S', resultCode: 'SUCCESS' } }, 'R-1')).toMatchObject({
      status: 'PENDING',
      resultCode: 'MALFORMED_RESPONSE',
    });
    expect(classifyRefundResponse({ refundRequestId: 'R-2', refundId: 'X', result: { resultStatus: 'S', resultCode: 'SUCCESS' } }, 'R-1')).toMatchObject({
      status: 'PENDING',
      resultCode: 'RESPONSE_MISMATCH',
    });
  });
});

describe('classifyInquiryRefundResponse', () => {
  const ok = { resultStatus: 'S' as const, resultCode: 'SUCCESS' };
  it('maps refundStatus (v2 and v1 spellings)', () => {
    expect(classifyInquiryRefundResponse({ result: ok, refundRequestId: 'R', refundStatus: 'SUCCESS', refundId: 'RF' }, 'R')).toMatchObject({
      status: 'SUCCESS',
      refundId: 'RF',
    });
    expect(classifyInquiryRefundResponse({ result: ok, refundRequestId: 'R', refundStatus: 'FAILED' }, 'R')).toMatchObject({
      status: 'FAILED',
      resultCode: 'REFUND_FAILED',
    });
    expect(classifyInquiryRefundResponse({ result: ok, refundRequestId: 'R', refundStatus: 'FAIL' }, 'R')).toMatchObject({ status: 'FAILED' });
    expect(classifyInquiryRefundResponse({ result: ok, refundRequestId: 'R', refundStatus: 'PENDING' }, 'R')).toMatchObject({
      status: 'PENDING',
      pendingKind: 'IN_PROCESS',
    });
    expect(classifyInquiryRefundResponse({ result: ok, refundRequestId: 'R', refundStatus: 'PROCESSING' }, 'R')).toMatchObject({
      status: 'PENDING',
      pendingKind: 'IN_PROCESS',
    });
    expect(classifyInquiryRefundResponse({ result: ok, refundRequestId: 'R', refundStatus: 'WEIRD' }, 'R')).toMatchObject({
      status: 'PENDING',
      resultCode: 'UNKNOWN_RESULT_CODE',
    });
  });
  it('a failed inquiry never fails the refund', () => {
    expect(classifyInquiryRefundResponse({ result: { resultStatus: 'F', resultCode: 'DPOS_SYSTEM_ ERROR' } }, 'R')).toMatchObject({
      status: 'PENDING',
      resultCode: 'INQUIRY_FAILED',
    });
    expect(classifyInquiryRefundResponse({ result: { resultStatus: 'F', resultCode: 'DPOS_PAYMENT_ORDER_NOT_EXIST' } }, 'R')).toMatchObject({
      status: 'PENDING',
      resultCode: 'REFUND_NOT_FOUND',
    });
  });
});

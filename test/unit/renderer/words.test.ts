/** People's words (#17): brands for methods, sentences for statuses, never a raw code on screen. */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { approvalReasonText, counterName, decisionReasonText, demoLabelText, humanise, methodName, paymentStatusText } from '../../../renderer/src/lib/words';
import { shortId } from '../../../renderer/src/components/ShortId';

type Tree = { [k: string]: string | Tree };
function translator(lang: 'en' | 'zh') {
  const tree = JSON.parse(readFileSync(path.resolve(__dirname, `../../../renderer/src/i18n/${lang}.json`), 'utf8')) as Tree;
  return (key: string, options?: Record<string, unknown>): string => {
    let node: string | Tree | undefined = tree;
    for (const part of key.split('.')) node = typeof node === 'object' ? node[part] : undefined;
    const text = typeof node === 'string' ? node : String(options?.['defaultValue'] ?? key);
    return text.replace(/\{\{(\w+)\}\}/g, (_, v: string) => String(options?.[v] ?? ''));
  };
}
const en = translator('en');
const zh = translator('zh');
const RAW = /^[A-Z0-9]+(_[A-Z0-9]+)+$/;

describe('payment methods', () => {
  it('are named by their brand in every language', () => {
    const brands: Record<string, string> = {
      ALIPAY_CN: 'Alipay',
      ALIPAY_HK: 'AlipayHK',
      GCASH: 'GCash',
      KAKAOPAY: 'Kakao Pay',
      TRUEMONEY: 'TrueMoney',
      DANA: 'DANA',
      TNG: "Touch 'n Go",
      WECHATPAY: 'WeChat Pay',
    };
    for (const [code, brand] of Object.entries(brands)) {
      expect(methodName(code, en)).toBe(brand);
      expect(methodName(code, zh)).toBe(brand);
    }
  });
  it('a kind of payment is translated, an unknown code humanised, never raw', () => {
    expect(methodName('EXPRESS_BANKTRANSFER', en)).toBe('Bank transfer');
    expect(methodName('EXPRESS_BANKTRANSFER', zh)).toBe('银行转账');
    expect(methodName('SOME_NEW_WALLET', en)).toBe('Some new wallet');
    expect(methodName('SOME_NEW_WALLET', en)).not.toMatch(RAW);
  });
});

describe('statuses, labels and counters', () => {
  it('payment statuses read as words', () => {
    expect(paymentStatusText('SUCCESS', en)).toBe('Paid');
    expect(paymentStatusText('PROCESSING', zh)).toBe('支付仍在进行中');
    expect(paymentStatusText('SOMETHING_ELSE', en)).toBe('Something else');
  });
  it('demo labels read as what they show', () => {
    expect(demoLabelText('SGD_WINDOW_EXPIRED', en)).toBe('Refund period over (paid 400 days ago)');
    expect(demoLabelText('SGD_WINDOW_EXPIRED', zh)).toBe('退款期已过（400 天前支付）');
    expect(demoLabelText('SGD_NEW_CASE', en)).toBe('SGD new case');
  });
  it('link counters are named, unknown ones humanised from camelCase', () => {
    expect(counterName('crcErrors', zh)).toBe('校验错误的帧');
    expect(counterName('someNewCounter', en)).toBe('Some new counter');
  });
  it('humanise keeps currency codes', () => {
    expect(humanise('HKD_NOT_REFUNDABLE')).toBe('HKD not refundable');
  });
});

describe('reasons', () => {
  it('approval reasons by code with their figures; the journaled English when no code', () => {
    const r = { code: 'PAYMENT_TOO_OLD', text: 'The payment is older than 30 days.', params: { days: '30' } };
    expect(approvalReasonText(r, zh, 'zh')).toContain('30');
    expect(approvalReasonText(r, zh, 'zh')).not.toContain('older');
    expect(approvalReasonText(r, en, 'en')).toBe('The payment is older than 30 days.');
    expect(approvalReasonText({ code: '', text: 'Legacy text.' }, zh, 'zh')).toBe('Legacy text.');
  });
  it("the default approval reason is said in the reader's language, a typed one as typed", () => {
    expect(decisionReasonText('Approved at the counter.', zh)).toBe('在柜台批准。');
    expect(decisionReasonText('顾客退货', zh)).toBe('顾客退货');
  });
});

describe('short ids', () => {
  it('long ids keep their end, short ones stay whole', () => {
    expect(shortId('DEMO-SGD-ALIPAY-0001')).toBe('DEMO-SGD-ALIPAY-0001');
    expect(shortId('a1b2c3d4-e5f6-4711-8888-0123456789ab-refund')).toBe('…9ab-refund');
  });
});

describe('every code the demo and the link produce has words in both languages', () => {
  it('demo labels, link counters, payment statuses, device problems, secret protections', async () => {
    const { DEMO_PAYMENTS } = await import('../../../main/sandbox/seed');
    const { createLinkStats } = await import('../../../native-bridge/link/stats');
    const keys = [
      ...Object.keys(DEMO_PAYMENTS).map((k) => `demoPayments.${k}`),
      ...Object.keys(createLinkStats())
        .filter((k) => k !== 'lastRttsMs')
        .map((k) => `diagnostics.counterNames.${k}`),
      ...['SUCCESS', 'PROCESSING', 'FAIL', 'CLOSED', 'CANCELLED'].map((s) => `paymentStatus.${s}`),
      ...['EACCES', 'ENOENT', 'EBUSY', 'NO_TTY', 'OTHER'].flatMap((c) => [`devices.problem.${c}`, `devices.fix.${c}`]),
      ...['os-keychain', 'os-keychain-basic-text', 'file-0600'].map((p) => `diagnostics.protection.${p}`),
      ...['os-keychain-basic-text', 'file-0600'].map((p) => `shell.secretWarningText.${p}`),
    ];
    for (const key of keys) {
      expect(en(key), key).not.toBe(key);
      expect(zh(key), key).not.toBe(key);
    }
  });
});

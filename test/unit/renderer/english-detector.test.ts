/** The zh walk's detector (test/e2e/helpers/english.ts) must catch English and let ids, figures and brands through. */
import { describe, expect, it } from 'vitest';
import { untranslatedWords } from '../../e2e/helpers/english';

describe('untranslatedWords', () => {
  it('finds an English sentence and raw codes on a Chinese screen', () => {
    expect(untranslatedWords('需要店长批准：The payment is older than 30 days.')).toEqual(['The', 'payment', 'is', 'older', 'than', 'days']);
    expect(untranslatedWords('向 ALIPAY_CN 支付 DEMO-SGD-ALIPAY-0001 退款')).toEqual(['ALIPAY_CN']);
    expect(untranslatedWords('SGD_WINDOW_EXPIRED')).toEqual(['SGD_WINDOW_EXPIRED']);
    expect(untranslatedWords('状态 SUCCEEDED')).toEqual(['SUCCEEDED']);
  });

  it('lets ids, amounts, currency codes, brands, key caps and the demo data through', () => {
    expect(untranslatedWords("Alipay+ · AlipayHK · WeChat Pay · GCash · Kakao Pay · DANA · TrueMoney · Touch 'n Go · Antom")).toEqual([]);
    expect(untranslatedWords('向 Alipay 支付 DEMO-SGD-DANA-PARTLY-0010 退款 S$12.50（原支付 SGD 125.50）。完成（Enter）')).toEqual([]);
    expect(untranslatedWords('maria 批准了退款 …63fccc08 · 收银台：Counter 1 · Antom Virtual P1 AT-PX-DEMO1')).toEqual([]);
    expect(untranslatedWords('时区 Asia/Singapore · https://open-sea-global.alipay.com')).toEqual([]);
  });

  it('does not hide an English word that contains a demo name', () => {
    expect(untranslatedWords('customer')).toEqual(['customer']);
    expect(untranslatedWords('tom 已登录')).toEqual([]);
  });
});

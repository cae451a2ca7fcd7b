import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseAmount, toMajorString, type AmountLocale } from '../../../preload/contract/money';

const LOCALES: readonly AmountLocale[] = ['en', 'zh'];
const BY_EXPONENT: Readonly<Record<0 | 2 | 3, readonly string[]>> = { 0: ['JPY', 'KRW'], 2: ['SGD', 'USD'], 3: ['KWD', 'BHD'] };
const exponentOf = (c: string): 0 | 2 | 3 => (BY_EXPONENT[0].includes(c) ? 0 : BY_EXPONENT[2].includes(c) ? 2 : 3);
const currencyArb = fc.constantFrom(...BY_EXPONENT[0], ...BY_EXPONENT[2], ...BY_EXPONENT[3]);
const localeArb = fc.constantFrom(...LOCALES);
const valueArb = fc.integer({ min: 1, max: 2_147_483_647 });

const ok = (text: string, currency: string, locale: AmountLocale = 'en') => parseAmount(text, currency, { locale });
const reason = (text: string, currency: string, locale: AmountLocale = 'en') => {
  const r = ok(text, currency, locale);
  return r.ok ? `ok:${r.value}` : r.reason;
};

describe('parseAmount: the issue #13 examples', () => {
  it('reads a decimal comma as a decimal mark, never as thousands', () => {
    for (const locale of LOCALES) {
      expect(reason('1,50', 'SGD', locale)).toBe('ok:150');
      expect(reason('0,50', 'SGD', locale)).toBe('ok:50');
      expect(reason('5,00', 'SGD', locale)).toBe('ok:500');
      expect(reason('1.50', 'SGD', locale)).toBe('ok:150');
      expect(reason('1,5', 'KWD', locale)).toBe('ok:1500');
      expect(reason('1,25', 'KWD', locale)).toBe('ok:1250');
    }
  });
  it('accepts grouping only where it cannot be mistaken', () => {
    expect(reason('1,234.50', 'SGD')).toBe('ok:123450');
    expect(reason('1,234,567', 'SGD')).toBe('ok:123456700');
    expect(reason('1,000', 'JPY')).toBe('ok:1000');
    expect(reason('1 234.50', 'SGD')).toBe('ok:123450');
    expect(reason('1,234', 'SGD')).toBe('AMBIGUOUS_SEPARATOR');
    expect(reason('1,234', 'KWD')).toBe('AMBIGUOUS_SEPARATOR');
    expect(reason('1.234,50', 'SGD')).toBe('AMBIGUOUS_SEPARATOR');
    expect(reason('1.234.567', 'SGD')).toBe('AMBIGUOUS_SEPARATOR');
    expect(reason('12,34.50', 'SGD')).toBe('BAD_GROUPING');
    expect(reason('1,2,3', 'JPY')).toBe('BAD_GROUPING');
    expect(reason('0,123', 'JPY')).toBe('BAD_GROUPING');
  });
  it('refuses too many decimals instead of rounding or scaling', () => {
    expect(reason('10.505', 'SGD')).toBe('TOO_MANY_DECIMALS');
    expect(reason('1,5', 'JPY')).toBe('TOO_MANY_DECIMALS');
    expect(reason('100.5', 'JPY')).toBe('TOO_MANY_DECIMALS');
    expect(reason('1.2345', 'KWD')).toBe('TOO_MANY_DECIMALS');
    expect(reason('1,2345', 'SGD')).toBe('TOO_MANY_DECIMALS');
    expect(reason('100.00', 'JPY')).toBe('ok:100');
  });
  it('folds full-width digits and marks from a Chinese IME', () => {
    expect(reason('１２．５０', 'SGD', 'zh')).toBe('ok:1250');
    expect(reason('１，５０', 'SGD', 'zh')).toBe('ok:150');
  });
  it('refuses the rest with a reason and a sentence saying how to type it', () => {
    for (const [text, code] of [
      ['', 'EMPTY'],
      ['  ', 'EMPTY'],
      ['abc', 'NOT_A_NUMBER'],
      ['-5', 'NOT_A_NUMBER'],
      ['1e3', 'NOT_A_NUMBER'],
      ['5,', 'NOT_A_NUMBER'],
      ['0', 'NOT_POSITIVE'],
      ['0,00', 'NOT_POSITIVE'],
      ['99999999999', 'TOO_LARGE'],
    ] as const) {
      const r = ok(text, 'SGD');
      expect(r.ok, text).toBe(false);
      if (!r.ok) {
        expect(r.reason, text).toBe(code);
        expect(r.message.length).toBeGreaterThan(10);
      }
    }
    const amb = ok('1,234', 'SGD');
    expect(amb.ok).toBe(false);
    if (!amb.ok) expect(amb.message).toContain('1234.50');
    expect(reason('5', 'XXX')).toBe('UNKNOWN_CURRENCY');
    expect(parseAmount('0', 'SGD', { allowZero: true })).toEqual({ ok: true, value: 0 });
  });
});

describe('parseAmount: properties over locales and exponents 0, 2, 3', () => {
  it('the plain decimal string of any amount parses back to it exactly', () => {
    fc.assert(
      fc.property(currencyArb, localeArb, valueArb, (currency, locale, value) => {
        expect(ok(toMajorString({ value, currency }), currency, locale)).toEqual({ ok: true, value });
      }),
    );
  });
  it('the locale-formatted amount (with grouping) parses back to it exactly', () => {
    fc.assert(
      fc.property(currencyArb, localeArb, valueArb, (currency, locale, value) => {
        const e = exponentOf(currency);
        const text = new Intl.NumberFormat(locale === 'zh' ? 'zh-CN' : 'en', { minimumFractionDigits: e, maximumFractionDigits: e, useGrouping: true }).format(
          toMajorString({ value, currency }) as unknown as number,
        );
        expect(ok(text, currency, locale)).toEqual({ ok: true, value });
      }),
    );
  });
  it('a decimal comma means the same as a decimal point wherever it is accepted', () => {
    fc.assert(
      fc.property(
        currencyArb,
        localeArb,
        fc.integer({ min: 0, max: 99_999 }),
        fc.integer({ min: 1, max: 3 }),
        fc.nat(999),
        (currency, locale, whole, k, frac) => {
          const fraction = String(frac % 10 ** k).padStart(k, '0');
          const withComma = ok(`${whole},${fraction}`, currency, locale);
          const withPoint = ok(`${whole}.${fraction}`, currency, locale);
          if (k === 3) {
            // Three digits after a lone comma: thousands in JPY, unclear elsewhere. Never read as a decimal.
            if (exponentOf(currency) === 0 && whole >= 1 && whole <= 999) expect(withComma).toEqual({ ok: true, value: whole * 1000 + Number(fraction) });
            else if (exponentOf(currency) === 0) expect(withComma.ok).toBe(false);
            else expect(withComma.ok ? 'ok' : withComma.reason).toBe('AMBIGUOUS_SEPARATOR');
          } else if (withPoint.ok) {
            expect(withComma).toEqual(withPoint);
          } else {
            expect(withComma.ok).toBe(false);
          }
        },
      ),
    );
  });
  it('never scales silently: whatever one separator is read as, the result is one of its two readings, and never a guess between them', () => {
    fc.assert(
      fc.property(currencyArb, localeArb, fc.stringMatching(/^[1-9][0-9]{0,6}$/), fc.nat(), fc.constantFrom(',', '.'), (currency, locale, digits, at, sep) => {
        const cut = 1 + (at % Math.max(1, digits.length - 1));
        if (cut >= digits.length) return;
        const text = `${digits.slice(0, cut)}${sep}${digits.slice(cut)}`;
        const r = ok(text, currency, locale);
        if (!r.ok) return;
        const e = exponentOf(currency);
        const asGrouping = Number(digits) * 10 ** e;
        const frac = digits.slice(cut);
        const asDecimal =
          Number(digits.slice(0, cut)) * 10 ** e + Number(frac.replace(/0+$/, '').padEnd(e, '0') || '0') * (frac.replace(/0+$/, '').length <= e ? 1 : NaN);
        expect([asGrouping, asDecimal]).toContain(r.value);
        // Both readings possible and different => it must have been refused.
        const groupingPossible = sep === ',' && frac.length === 3;
        const decimalPossible = frac.replace(/0+$/, '').length <= e;
        if (groupingPossible && decimalPossible && asGrouping !== asDecimal) throw new Error(`guessed ${text} ${currency}`);
      }),
    );
  });
  it('more decimals than the currency has are always refused', () => {
    fc.assert(
      fc.property(
        currencyArb,
        localeArb,
        fc.integer({ min: 0, max: 9999 }),
        fc.integer({ min: 1, max: 3 }),
        fc.integer({ min: 1, max: 9 }),
        (currency, locale, whole, extra, last) => {
          const e = exponentOf(currency);
          const fraction = `${'0'.repeat(e + extra - 1)}${last}`;
          const r = ok(`${whole}.${fraction}`, currency, locale);
          expect(r.ok ? 'ok' : r.reason).toBe('TOO_MANY_DECIMALS');
        },
      ),
    );
  });
  it('every refusal carries a sentence', () => {
    fc.assert(
      fc.property(currencyArb, localeArb, fc.string({ maxLength: 12 }), (currency, locale, text) => {
        const r = ok(text, currency, locale);
        if (!r.ok) expect(r.message.trim().length).toBeGreaterThan(0);
        else expect(Number.isInteger(r.value) && r.value > 0).toBe(true);
      }),
    );
  });
});

describe('a thousands-group shape after the decimal mark is refused, never read as a fraction', () => {
  it.each([
    ['1.000', 'JPY'],
    ['1,000.000', 'JPY'],
    ['10.500', 'SGD'],
    ['2.000', 'SGD'],
  ])('%s %s is ambiguous', (text, currency) => {
    const r = parseAmount(text, currency);
    expect(r.ok ? `ok:${r.value}` : r.reason).toBe('AMBIGUOUS_SEPARATOR');
  });
  it('while the same digits are fine where they cannot be a group', () => {
    const r = parseAmount('1.250', 'KWD');
    expect(r.ok && r.value).toBe(1250);
    const j = parseAmount('1,000', 'JPY');
    expect(j.ok && j.value).toBe(1000);
  });
});

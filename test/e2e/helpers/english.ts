/**
 * Finds English left on a Chinese screen (issue #17, "Complete Chinese").
 * What may stay Latin: identifiers and figures (any token with a digit: payment
 * ids, amounts, times), currency codes, brand names, key caps, the names of
 * people and devices in the demo data, URLs, zone names and file names.
 * Everything else made of Latin letters is reported as untranslated.
 */
import { CURRENCY_EXPONENTS } from '../../../preload/contract/money';

/** Brand and product names written the same in every language (longest first, so "Alipay+" wins over "Alipay"). */
export const BRAND_NAMES: readonly string[] = [
  "Touch 'n Go",
  'Alipay+',
  'AlipayHK',
  'Alipay',
  'WeChat Pay',
  'GCash',
  'Kakao Pay',
  'Naver Pay',
  'Toss Pay',
  'DANA',
  'TrueMoney',
  'Rabbit LINE Pay',
  'KPay',
  'Boost',
  'BPI',
  'Antom',
  'Refund Terminal',
].sort((a, b) => b.length - a.length);

/** Words that are the same on a Chinese keyboard or screen: key caps and a few marks Chinese writes in Latin letters. */
const MARKS = new Set(['PIN', 'Enter', 'Esc', 'USB', 'CSV', 'PEM', 'JSON', 'UTC', 'GMT', 'A4', 'mm', 'ms', 'TLP', 'ID']);

/** Names that are data, not wording: the demo's people, store and device (a real store types its own). */
export const DEMO_DATA_NAMES: readonly string[] = ['alice', 'maria', 'tom', 'Demo Store', 'Counter 1', 'Antom Virtual P1'];

export interface EnglishOptions {
  readonly extraAllowed?: readonly string[];
}

/** `text` without `phrase` where it stands as its own word(s) ("tom" goes, "customer" stays). */
function withoutPhrase(text: string, phrase: string): string {
  const escaped = phrase.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return text.replace(new RegExp(`(?<![A-Za-z])${escaped}(?![A-Za-z])`, 'g'), ' ');
}

/** The English words left in `text`, once everything that may stay Latin is taken out. */
export function untranslatedWords(text: string, options: EnglishOptions = {}): string[] {
  let rest = text;
  for (const phrase of [...(options.extraAllowed ?? []), ...DEMO_DATA_NAMES]) rest = withoutPhrase(rest, phrase);
  // Identifiers and figures next (a token with a digit: DEMO-SGD-DANA-PARTLY-0010, S$12.50, 23:12), so a brand inside an id cannot split it.
  rest = rest
    .split(/([\s\u3000]+)/)
    .map((token) => (/\d/.test(token) ? ' ' : token))
    .join('');
  for (const phrase of BRAND_NAMES) rest = withoutPhrase(rest, phrase);
  const found: string[] = [];
  for (const token of rest.split(/[\s\u3000]+/)) {
    if (token === '') continue;
    // Addresses, paths and zone names are copied as they are (https://…, /ams/api, Asia/Singapore, key.pem).
    if (/^[a-z]+:\/\//i.test(token) || /\.(pem|json|csv|com)\b/i.test(token)) continue;
    if (/[A-Za-z_]*\/[A-Za-z_]+/.test(token)) continue;
    for (const word of token.match(/[A-Za-z][A-Za-z_'’]*/g) ?? []) {
      if (word.length === 1) continue;
      if (MARKS.has(word)) continue;
      if (/^[A-Z]{3}$/.test(word) && word in CURRENCY_EXPONENTS) continue;
      found.push(word);
    }
  }
  return found;
}

/**
 * What a Playwright page shows: visible text plus placeholders, labels read
 * aloud and option texts. Left out on purpose: <code> (literal machine text:
 * result codes, ports, an answer quoted for support, shown only in a technician's
 * fold) and anything marked lang="en" (the language switch names English in English).
 */
export const VISIBLE_TEXT_SCRIPT = (): string => {
  // Hidden through the CSSOM (the page's CSP refuses an injected <style>), read, then shown again.
  const left = Array.from(document.querySelectorAll<HTMLElement>('code, [lang^="en"]')).map((el) => ({ el, was: el.style.display }));
  for (const { el } of left) el.style.setProperty('display', 'none', 'important');
  const body = document.body.innerText;
  for (const { el, was } of left) el.style.display = was;
  const parts: string[] = [body];
  for (const el of Array.from(document.querySelectorAll<HTMLElement>('[placeholder], [aria-label]'))) {
    if (!el.checkVisibility() || el.closest('code, [lang^="en"]')) continue;
    for (const attr of ['placeholder', 'aria-label']) {
      const v = el.getAttribute(attr);
      if (v) parts.push(v);
    }
  }
  for (const opt of Array.from(document.querySelectorAll('option'))) parts.push(opt.textContent ?? '');
  return parts.join('\n');
};

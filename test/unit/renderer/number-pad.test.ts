import { describe, expect, it } from 'vitest';
import { applyPadKey, type FieldText } from '../../../renderer/src/lib/keypad';
import { decimalMarkOf, parseAmount } from '../../../preload/contract/money';

const field = (value: string, start = value.length, end = start, maxLength = -1): FieldText => ({ value, selectionStart: start, selectionEnd: end, maxLength });
const digit = (text: string) => ({ kind: 'text', text }) as const;

describe('number pad keys edit a field as a keyboard would', () => {
  it('inserts at the caret and replaces a selection', () => {
    expect(applyPadKey(field('12'), digit('3'))).toEqual({ value: '123', caret: 3 });
    expect(applyPadKey(field('13', 1), digit('2'))).toEqual({ value: '123', caret: 2 });
    expect(applyPadKey(field('999', 0, 3), digit('4'))).toEqual({ value: '4', caret: 1 });
  });
  it('backspace deletes the selection, else the character before the caret; nothing at the start', () => {
    expect(applyPadKey(field('12.5'), { kind: 'backspace' })).toEqual({ value: '12.', caret: 3 });
    expect(applyPadKey(field('12.5', 2), { kind: 'backspace' })).toEqual({ value: '1.5', caret: 1 });
    expect(applyPadKey(field('12.5', 0, 2), { kind: 'backspace' })).toEqual({ value: '.5', caret: 0 });
    expect(applyPadKey(field('12', 0), { kind: 'backspace' })).toBeNull();
    expect(applyPadKey(field(''), { kind: 'backspace' })).toBeNull();
  });
  it('clear empties the field', () => {
    expect(applyPadKey(field('1470', 2), { kind: 'clear' })).toEqual({ value: '', caret: 0 });
    expect(applyPadKey(field(''), { kind: 'clear' })).toBeNull();
  });
  it('does not type past maxLength (a PIN of 8 digits), but may replace within it', () => {
    expect(applyPadKey(field('12345678', 8, 8, 8), digit('9'))).toBeNull();
    expect(applyPadKey(field('12345678', 0, 1, 8), digit('9'))).toEqual({ value: '92345678', caret: 1 });
  });
  it('a caret past the end (a stale selection) is clamped', () => {
    expect(applyPadKey(field('12', 9, 9), digit('3'))).toEqual({ value: '123', caret: 3 });
  });
  it('the decimal key types the mark the one amount parser reads for the locale', () => {
    for (const locale of ['en', 'zh'] as const) {
      const mark = decimalMarkOf(locale);
      let f = field('');
      for (const k of ['1', '2', mark, '5', '0']) {
        const e = applyPadKey(f, digit(k));
        if (!e) throw new Error('no edit');
        f = field(e.value, e.caret);
      }
      expect(parseAmount(f.value, 'SGD', { locale })).toEqual({ ok: true, value: 1250 });
    }
  });
});

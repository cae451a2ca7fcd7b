/**
 * What one key of the on-screen number pad does to a field's text: the same
 * edit a keyboard makes (insert at the caret, replacing a selection; backspace
 * deletes the selection or the character before the caret). The result is
 * handed to the field as an ordinary input event, so the field's own handler
 * (the amount parser, the PIN digit filter) sees exactly what typing produces.
 */
export type PadKey = { readonly kind: 'text'; readonly text: string } | { readonly kind: 'backspace' } | { readonly kind: 'clear' };

export interface FieldText {
  readonly value: string;
  readonly selectionStart: number;
  readonly selectionEnd: number;
  /** The field's maxLength; 0 or negative: no limit (as the DOM reports it). */
  readonly maxLength: number;
}

export interface Edited {
  readonly value: string;
  readonly caret: number;
}

/** The edit a key makes, or null when it changes nothing (the field is full, nothing to delete). */
export function applyPadKey(field: FieldText, key: PadKey): Edited | null {
  const len = field.value.length;
  const start = Math.max(0, Math.min(field.selectionStart, len));
  const end = Math.max(start, Math.min(field.selectionEnd, len));
  switch (key.kind) {
    case 'clear':
      return len === 0 ? null : { value: '', caret: 0 };
    case 'backspace': {
      if (start !== end) return { value: field.value.slice(0, start) + field.value.slice(end), caret: start };
      if (start === 0) return null;
      return { value: field.value.slice(0, start - 1) + field.value.slice(start), caret: start - 1 };
    }
    case 'text': {
      const value = field.value.slice(0, start) + key.text + field.value.slice(end);
      // A keyboard cannot type past maxLength either.
      if (field.maxLength > 0 && value.length > field.maxLength) return null;
      return { value, caret: start + key.text.length };
    }
  }
}

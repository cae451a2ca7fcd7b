import { BUILT_IN_REASON_TEXT } from '../../../preload/contract/views';

type T = (key: string) => string;

/** A reason of the list: the store's own wording as written, a built-in one in the reader's language. */
export function listedReasonLabel(reason: { code: string; label: string | null }, t: T): string {
  return reason.label ?? t(`reasons.${reason.code}`);
}

/** A journaled reason: translated while it still reads as the built-in wording, else as the store wrote it. */
export function journaledReasonLabel(reason: { code: string; text: string } | null, t: T): string {
  if (reason === null) return '';
  return BUILT_IN_REASON_TEXT[reason.code] === reason.text ? t(`reasons.${reason.code}`) : reason.text;
}

import type { ComponentProps } from 'react';
import { Field } from './Field';

/** The contract's PIN is 4 to 8 digits. */
const PIN_MAX_DIGITS = 8;

/**
 * A PIN input as every screen asks for one (sign-in, new user, manager
 * approval): masked, the numeric keypad on touch screens, digits only (a
 * pasted "12 34" becomes "1234"), at most 8.
 */
export function PinField(
  props: { value: string; onChange: (pin: string) => void } & Omit<ComponentProps<typeof Field>, 'value' | 'onChange' | 'type' | 'inputMode' | 'maxLength'>,
) {
  const { onChange, ...field } = props;
  return <Field type="password" inputMode="numeric" maxLength={PIN_MAX_DIGITS} {...field} onChange={(e) => onChange(e.target.value.replace(/\D/g, ''))} />;
}

/**
 * The one PIN input every screen uses (sign-in, new user, manager approval):
 * masked, numeric keypad, at most 8 digits, and only digits reach the screen's state.
 */
import { createElement, type ChangeEvent } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import { PinField } from '../../../renderer/src/components/PinField';

describe('PinField', () => {
  it('renders a masked numeric input of at most 8 characters with its label and test id', () => {
    // JSX would take data-testid as it is; an object literal needs it outside the excess-property check.
    const props = { label: 'PIN', value: '12', onChange: () => undefined, autoComplete: 'new-password', 'data-testid': 'p' };
    const html = renderToStaticMarkup(createElement(PinField, props));
    expect(html).toContain('type="password"');
    expect(html).toContain('inputMode="numeric"');
    expect(html).toContain('maxLength="8"');
    expect(html).toContain('autoComplete="new-password"');
    expect(html).toContain('data-testid="p"');
    expect(html).toContain('>PIN</label>');
  });

  it('hands the screen only the digits of what was typed or pasted', () => {
    const got: string[] = [];
    const element = PinField({ label: 'PIN', value: '', onChange: (pin) => got.push(pin) });
    const onChange = (element.props as { onChange: (e: ChangeEvent<HTMLInputElement>) => void }).onChange;
    onChange({ target: { value: '12 a3-4' } } as ChangeEvent<HTMLInputElement>);
    onChange({ target: { value: '٣x' } } as ChangeEvent<HTMLInputElement>);
    expect(got).toEqual(['1234', '']);
  });
});

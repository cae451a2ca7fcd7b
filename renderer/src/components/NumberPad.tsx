import { useEffect, useRef, useState, type KeyboardEvent as ReactKeyboardEvent, type RefObject } from 'react';
import { useT } from '../hooks/i18n';
import { keypadShown, useKeypad } from '../stores/keypad';
import { applyPadKey, type PadKey } from '../lib/keypad';

interface KeyDef {
  readonly id: string;
  readonly key: PadKey;
  readonly face: string;
  readonly label?: string;
  readonly row: number;
  readonly col: number;
}

/** The value setter of the DOM itself, not React's tracked one: React then sees the change as typing and runs onChange. */
const nativeValueSetter = Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, 'value')?.set;

/** Types into the field exactly as a key press would: one input event, so the field's own onChange (parser, digit filter) handles it. */
function typeInto(el: HTMLInputElement, key: PadKey): void {
  const start = el.selectionStart ?? el.value.length;
  const end = el.selectionEnd ?? start;
  const edit = applyPadKey({ value: el.value, selectionStart: start, selectionEnd: end, maxLength: el.maxLength }, key);
  if (edit === null || !nativeValueSetter) return;
  nativeValueSetter.call(el, edit.value);
  el.dispatchEvent(new Event('input', { bubbles: true }));
  try {
    el.setSelectionRange(edit.caret, edit.caret);
  } catch {
    // inputs without a caret (none used here) ignore it
  }
}

/**
 * On-screen number pad for amounts and PINs (touch screens, or when turned on
 * with the keypad button). It types into the field that last had focus among
 * `targets`; a tap keeps focus in that field, so the caret and the on-screen
 * value stay where the cashier sees them. One Tab stop: arrow keys move
 * between keys (a roving tab index), Enter / Space press one. Keys never
 * announce what was typed, so a PIN is not echoed.
 */
export function NumberPad(props: { targets: readonly RefObject<HTMLInputElement | null>[]; decimal?: string | null; label: string; testId?: string }) {
  const { t } = useT();
  const shown = useKeypad(keypadShown);
  const last = useRef<HTMLInputElement | null>(null);
  const [active, setActive] = useState(0);
  const buttons = useRef<(HTMLButtonElement | null)[]>([]);
  const { targets } = props;

  useEffect(() => {
    const onFocus = (e: FocusEvent): void => {
      if (e.target instanceof HTMLInputElement && targets.some((r) => r.current === e.target)) last.current = e.target;
    };
    document.addEventListener('focusin', onFocus);
    return () => document.removeEventListener('focusin', onFocus);
  }, [targets]);

  if (!shown) return null;

  const keys: KeyDef[] = [
    ...['1', '2', '3', '4', '5', '6', '7', '8', '9'].map((d, i) => ({
      id: d,
      key: { kind: 'text', text: d } as const,
      face: d,
      row: Math.floor(i / 3),
      col: i % 3,
    })),
    { id: 'backspace', key: { kind: 'backspace' }, face: '⌫', label: t('keypad.backspace'), row: 0, col: 3 },
    { id: 'clear', key: { kind: 'clear' }, face: 'C', label: t('keypad.clear'), row: 1, col: 3 },
    { id: '0', key: { kind: 'text', text: '0' }, face: '0', row: 3, col: props.decimal ? 0 : 1 },
  ];
  if (props.decimal) keys.push({ id: 'decimal', key: { kind: 'text', text: props.decimal }, face: props.decimal, label: t('keypad.decimal'), row: 3, col: 1 });
  // Reading order, so Left / Right walk the keys as they are laid out.
  keys.sort((a, b) => a.row - b.row || a.col - b.col);

  const target = (): HTMLInputElement | null => {
    const still = last.current && last.current.isConnected ? last.current : null;
    return still ?? targets.find((r) => r.current && !r.current.disabled)?.current ?? null;
  };

  const press = (k: KeyDef): void => {
    const el = target();
    if (el && !el.disabled && !el.readOnly) typeInto(el, k.key);
  };

  const move = (from: number, dRow: number, dCol: number): number => {
    const here = keys[from];
    if (!here) return from;
    if (dCol !== 0) return (from + dCol + keys.length) % keys.length;
    // Up / down: the nearest key in the next row that has one.
    const candidates = keys.map((k, i) => ({ k, i })).filter(({ k }) => k.row === here.row + dRow);
    if (candidates.length === 0) return from;
    candidates.sort((a, b) => Math.abs(a.k.col - here.col) - Math.abs(b.k.col - here.col));
    return candidates[0]?.i ?? from;
  };

  const onKeyDown = (e: ReactKeyboardEvent<HTMLDivElement>): void => {
    const nav: Record<string, [number, number]> = { ArrowLeft: [0, -1], ArrowRight: [0, 1], ArrowUp: [-1, 0], ArrowDown: [1, 0] };
    let next: number | null = null;
    const step = nav[e.key];
    if (step) next = move(active, step[0], step[1]);
    else if (e.key === 'Home') next = 0;
    else if (e.key === 'End') next = keys.length - 1;
    if (next === null) return;
    e.preventDefault();
    setActive(next);
    buttons.current[next]?.focus();
  };

  return (
    <div
      className={`number-pad ${props.decimal ? 'with-decimal' : ''}`}
      role="group"
      aria-label={props.label}
      data-testid={props.testId ?? 'number-pad'}
      onKeyDown={onKeyDown}
    >
      {keys.map((k, i) => (
        <button
          key={k.id}
          ref={(b) => {
            buttons.current[i] = b;
          }}
          type="button"
          className={`btn pad-key pad-key-${k.id}`}
          style={{ gridRow: k.row + 1, gridColumn: k.col + 1 }}
          tabIndex={i === active ? 0 : -1}
          aria-label={k.label}
          data-testid={`pad-key-${k.id}`}
          // A tap or click must not take focus from the field being typed into.
          onPointerDown={(e) => e.preventDefault()}
          onMouseDown={(e) => e.preventDefault()}
          onFocus={() => setActive(i)}
          onClick={() => press(k)}
        >
          {k.face}
        </button>
      ))}
    </div>
  );
}

/** The small keypad button: shows or hides the number pad; the choice is kept on this PC. */
export function KeypadToggle() {
  const { t } = useT();
  const shown = useKeypad(keypadShown);
  const toggle = useKeypad((s) => s.toggle);
  return (
    <button type="button" className="btn keypad-toggle" aria-pressed={shown} data-testid="keypad-toggle" onClick={toggle}>
      <span aria-hidden="true">⌨</span> {t('keypad.toggle')}
    </button>
  );
}

import { create } from 'zustand';

const STORAGE_KEY = 'refund-terminal.keypad';
const COARSE = '(pointer: coarse)';

type Choice = 'on' | 'off' | null;

function readChoice(): Choice {
  try {
    const v = window.localStorage.getItem(STORAGE_KEY);
    return v === 'on' || v === 'off' ? v : null;
  } catch {
    return null;
  }
}

function coarsePointer(): boolean {
  return typeof window.matchMedia === 'function' && window.matchMedia(COARSE).matches;
}

interface KeypadState {
  /** What this PC chose with the keypad button; null: follow the pointer (touch screen: shown). */
  readonly choice: Choice;
  readonly coarse: boolean;
  toggle(): void;
}

/** Whether the on-screen number pad is shown: on touch screens by default, else when toggled; the choice is kept on this PC. */
export const useKeypad = create<KeypadState>((set, get) => ({
  choice: readChoice(),
  coarse: coarsePointer(),
  toggle() {
    const next: Choice = keypadShown(get()) ? 'off' : 'on';
    try {
      window.localStorage.setItem(STORAGE_KEY, next);
    } catch {
      // not persisted; still toggled for this session
    }
    set({ choice: next });
  },
}));

export function keypadShown(s: Pick<KeypadState, 'choice' | 'coarse'>): boolean {
  return s.choice === null ? s.coarse : s.choice === 'on';
}

if (typeof window !== 'undefined' && typeof window.matchMedia === 'function') {
  // A touch screen plugged in (or a tablet mode switch) changes the default.
  window.matchMedia(COARSE).addEventListener('change', (e) => useKeypad.setState({ coarse: e.matches }));
}

import { useEffect, useRef, type RefObject } from 'react';

/** Moves focus to the element once, when the screen appears. */
export function useAutoFocus<T extends HTMLElement>(enabled = true): RefObject<T | null> {
  const ref = useRef<T | null>(null);
  useEffect(() => {
    if (enabled) ref.current?.focus();
  }, [enabled]);
  return ref;
}

/** Esc goes back, wherever focus is on the screen (unless a dialog or a select handles it). */
export function useEscape(handler: (() => void) | null): void {
  const latest = useRef(handler);
  latest.current = handler;
  useEffect(() => {
    const onKey = (e: KeyboardEvent): void => {
      if (e.key !== 'Escape' || e.defaultPrevented || latest.current === null) return;
      e.preventDefault();
      latest.current();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);
}

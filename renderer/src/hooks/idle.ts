import { useEffect, useRef } from 'react';

/** Calls onIdle once after `seconds` without keyboard, pointer or wheel input (while `enabled`). */
export function useIdle(seconds: number, enabled: boolean, onIdle: () => void): void {
  const last = useRef(Date.now());
  const latest = useRef(onIdle);
  latest.current = onIdle;
  useEffect(() => {
    if (!enabled || seconds <= 0) return;
    last.current = Date.now();
    const touch = (): void => {
      last.current = Date.now();
    };
    const events = ['keydown', 'pointerdown', 'pointermove', 'wheel', 'touchstart'] as const;
    for (const e of events) window.addEventListener(e, touch, { passive: true, capture: true });
    const id = setInterval(() => {
      if (Date.now() - last.current >= seconds * 1000) {
        last.current = Date.now();
        latest.current();
      }
    }, 1000);
    return () => {
      for (const e of events) window.removeEventListener(e, touch, { capture: true });
      clearInterval(id);
    };
  }, [seconds, enabled]);
}

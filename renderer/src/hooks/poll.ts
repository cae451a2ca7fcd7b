import { useEffect, useRef } from 'react';

/** Calls fn every `ms` while enabled (a safety net next to the live events). */
export function usePoll(fn: () => void, ms: number, enabled: boolean): void {
  const latest = useRef(fn);
  latest.current = fn;
  useEffect(() => {
    if (!enabled) return;
    const id = setInterval(() => latest.current(), ms);
    return () => clearInterval(id);
  }, [ms, enabled]);
}

import { useCallback, useEffect, useState } from 'react';
import type { Result } from '../../../preload/contract/result';
import type { ApiErrorCode } from '../../../preload/contract/api';
import type { ApiFailure } from '../api/client';

export interface Loaded<T> {
  readonly data: T | null;
  readonly error: ApiFailure | null;
  readonly loading: boolean;
  reload(): void;
}

/** Runs an API read when deps change; keeps the last good data while reloading. */
export function useLoad<T>(fetcher: () => Promise<Result<T, ApiErrorCode>>, deps: readonly unknown[]): Loaded<T> {
  const [data, setData] = useState<T | null>(null);
  const [error, setError] = useState<ApiFailure | null>(null);
  const [loading, setLoading] = useState(true);
  const [tick, setTick] = useState(0);
  // eslint-disable-next-line react-hooks/exhaustive-deps
  const run = useCallback(fetcher, deps);
  useEffect(() => {
    let live = true;
    setLoading(true);
    void run().then((r) => {
      if (!live) return;
      setLoading(false);
      if (r.ok) {
        setData(r.value);
        setError(null);
      } else setError(r.error);
    });
    return () => {
      live = false;
    };
  }, [run, tick]);
  return { data, error, loading, reload: () => setTick((n) => n + 1) };
}

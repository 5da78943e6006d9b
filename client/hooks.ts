/** Small data hooks shared by the entrypoints. */
import { useCallback, useEffect, useRef, useState } from 'react';

/** State of a polled resource: last good data, last error (cleared by the next success). */
export interface Polled<T> {
  data: T | undefined;
  error: unknown;
  loading: boolean;
  refresh: () => void;
}

/**
 * Loads `load` now and every `intervalMs` while the page is visible. `deps` restart it.
 * Why poll: rooms and seats change on other people's devices and the API has no push for them.
 */
export function usePoll<T>(
  load: (signal: AbortSignal) => Promise<T>,
  intervalMs: number,
  deps: unknown[],
): Polled<T> {
  const [data, setData] = useState<T>();
  const [error, setError] = useState<unknown>(null);
  const [loading, setLoading] = useState(true);
  const [tick, setTick] = useState(0);
  // The latest `load` without restarting the poll on every render (it is usually an inline arrow).
  const loadRef = useRef(load);
  useEffect(() => {
    loadRef.current = load;
  });

  useEffect(() => {
    const controller = new AbortController();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const run = async () => {
      try {
        const value = await loadRef.current(controller.signal);
        if (controller.signal.aborted) return;
        setData(value);
        setError(null);
      } catch (e) {
        if (!controller.signal.aborted) setError(e);
      } finally {
        if (!controller.signal.aborted) {
          setLoading(false);
          timer = setTimeout(tickIfVisible, intervalMs);
        }
      }
    };
    const tickIfVisible = () => {
      if (document.visibilityState === 'visible') void run();
      else timer = setTimeout(tickIfVisible, intervalMs);
    };
    void run();
    return () => {
      controller.abort();
      clearTimeout(timer);
    };
  }, [...deps, intervalMs, tick]);

  const refresh = useCallback(() => setTick((n) => n + 1), []);
  return { data, error, loading, refresh };
}

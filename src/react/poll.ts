/**
 * `usePoll`: a resource loaded now and again every few seconds while the page is visible. Rooms
 * and seats change on other people's devices and the API has no push for them.
 */
import { useCallback, useEffect, useRef, useState } from 'react';

/** A polled resource: its last good data and the last error (cleared by the next success). */
export interface Polled<T> {
  data: T | undefined;
  error: unknown;
  /** True until the first load has finished. */
  loading: boolean;
  /** Loads again now. */
  refresh: () => void;
}

/** How long to wait before the next load: a number, or chosen from the last data. */
export type PollInterval<T> = number | ((data: T | undefined) => number);

/** The part of `document` read here (absent when rendering on a server). */
interface Visibility {
  visibilityState: string;
}

/**
 * Loads `load` now, then again `intervalMs` after each load while the page is visible; `deps`
 * start it over. A load still running when the component unmounts or `deps` change is aborted.
 */
export function usePoll<T>(
  load: (signal: AbortSignal) => Promise<T>,
  intervalMs: PollInterval<T>,
  deps: readonly unknown[],
): Polled<T> {
  const [data, setData] = useState<T>();
  const [error, setError] = useState<unknown>(null);
  const [loading, setLoading] = useState(true);
  const [tick, setTick] = useState(0);
  // The latest `load` and interval without starting over on every render (they are usually
  // inline arrows).
  const latest = useRef({ load, intervalMs });
  useEffect(() => {
    latest.current = { load, intervalMs };
  });

  useEffect(() => {
    const controller = new AbortController();
    let timer: ReturnType<typeof setTimeout> | undefined;
    let last: T | undefined;
    const wait = () => {
      const { intervalMs: every } = latest.current;
      return typeof every === 'number' ? every : every(last);
    };
    const run = async () => {
      try {
        const value = await latest.current.load(controller.signal);
        if (controller.signal.aborted) return;
        last = value;
        setData(value);
        setError(null);
      } catch (e) {
        if (!controller.signal.aborted) setError(e);
      } finally {
        if (!controller.signal.aborted) {
          setLoading(false);
          timer = setTimeout(tickIfVisible, wait());
        }
      }
    };
    const tickIfVisible = () => {
      const page = (globalThis as { document?: Visibility }).document;
      if (page === undefined || page.visibilityState === 'visible') void run();
      else timer = setTimeout(tickIfVisible, wait());
    };
    void run();
    return () => {
      controller.abort();
      clearTimeout(timer);
    };
  }, [...deps, tick]);

  const refresh = useCallback(() => setTick((n) => n + 1), []);
  return { data, error, loading, refresh };
}

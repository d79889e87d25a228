// Small hooks shared by the pages.
import { useCallback, useEffect, useRef, useState } from "preact/hooks";

export interface Polled<T> {
  data: T | undefined;
  error: string | undefined;
  refresh: () => void;
}

/** Runs `load` now and every `everyMs` (0: only on refresh), keeping the last result and error. */
export function usePoll<T>(load: () => Promise<T>, everyMs: number, deps: unknown[] = []): Polled<T> {
  const [data, setData] = useState<T>();
  const [error, setError] = useState<string>();
  const [tick, setTick] = useState(0);
  const loadRef = useRef(load);
  loadRef.current = load;
  useEffect(() => {
    let live = true;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const run = () => {
      loadRef.current().then(
        (value) => {
          if (!live) return;
          setData(value);
          setError(undefined);
        },
        (e: Error) => live && setError(e.message),
      ).finally(() => {
        if (live && everyMs > 0) timer = setTimeout(run, everyMs);
      });
    };
    run();
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, [tick, everyMs, ...deps]);
  const refresh = useCallback(() => setTick((n) => n + 1), []);
  return { data, error, refresh };
}

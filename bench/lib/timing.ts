// Clock and collector helpers shared by the benchmarks.

export function now(): number {
  return performance.now();
}

export function secondsSince(start: number): number {
  return (performance.now() - start) / 1000;
}

/** Gives the collector a chance between measurements (the runner starts node with --expose-gc). */
export function settle(): void {
  (globalThis as { gc?: () => void }).gc?.();
}

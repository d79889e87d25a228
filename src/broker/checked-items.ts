/**
 * The per-item shape of the broker's multi-partition calls: items that fail validation get their error in
 * their own slot, the rest go to the shards together, and the answers come back in request order.
 */
import type { RivuletError } from "../errors/index.js";

export interface ItemResult<T> {
  ok?: T;
  error?: RivuletError;
}

/** Runs `check` on each item, `run` once on those that passed, and merges both in request order. */
export async function runChecked<I, T>(items: readonly I[], check: (item: I) => void, run: (valid: I[]) => Promise<ItemResult<T>[]>): Promise<ItemResult<T>[]> {
  const errors = items.map((item) => {
    try {
      check(item);
      return undefined;
    } catch (error) {
      return error as RivuletError;
    }
  });
  const valid = items.filter((_, i) => !errors[i]);
  const results = valid.length ? await run(valid) : [];
  let next = 0;
  return items.map((_, i) => (errors[i] ? { error: errors[i] } : results[next++]!));
}

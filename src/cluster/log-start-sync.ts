// DeleteRecords in a cluster (Kafka's delayed DeleteRecords): the leader moves its own log start first, then
// answers only once every follower that could be elected (the ISR, and the followers proposed for it: the
// same set the high watermark counts, isr-tracker.ts) has moved its log start at least as far. Otherwise a
// follower elected after the answer would serve the deleted records again.
//
// How the offsets travel: every fetch answer carries the leader's log start, and a follower moves its own up
// to it (replica-fetcher.ts); every fetch request carries the follower's log start, which the leader notes
// here. The leader wakes its parked follower fetches when its log start moves, so a quiet partition does not
// wait out the fetch's long-poll before the followers hear of it.

import type { LocalPartition } from "./local-partition.js";

/** The followers whose log start a DeleteRecords waits for: the maximal ISR without the leader itself. */
function electable(lp: LocalPartition, selfId: number): number[] {
  const ids = lp.pendingIsr ? [...lp.isr, ...lp.pendingIsr.ids] : lp.isr;
  return ids.filter((id) => id !== selfId);
}

/** The smallest log start over the electable followers and `leaderStart` (Kafka's low watermark). */
function lowWatermark(lp: LocalPartition, selfId: number, leaderStart: bigint): bigint {
  let low = leaderStart;
  for (const id of electable(lp, selfId)) {
    const at = lp.followers.get(id)?.logStart ?? -1n;
    if (at < low) low = at;
  }
  return low;
}

/**
 * Resolves with the partition's low watermark once every electable follower's log start has reached
 * `leaderStart` (the leader's log start after its DeleteRecords); rejected if the leadership is lost first.
 */
export function awaitFollowerLogStarts(lp: LocalPartition, selfId: number, leaderStart: bigint): Promise<bigint> {
  if (lowWatermark(lp, selfId, leaderStart) >= leaderStart) return Promise.resolve(leaderStart);
  const waiting = new Promise<bigint>((resolve, reject) => lp.logStartWaiters.push({ needed: leaderStart, resolve, reject }));
  for (const wake of [...lp.dataWaiters]) wake();
  return waiting;
}

/** A follower reported its log start (or the ISR changed): answers the DeleteRecords it now covers. */
export function settleLogStartWaiters(lp: LocalPartition, selfId: number): void {
  if (!lp.logStartWaiters.length) return;
  const still = lp.logStartWaiters.filter((w) => {
    if (lowWatermark(lp, selfId, w.needed) < w.needed) return true;
    w.resolve(w.needed);
    return false;
  });
  lp.logStartWaiters = still;
}

/** The leadership is gone: no answer about the followers can be given any more. */
export function failLogStartWaiters(lp: LocalPartition, error: Error): void {
  for (const w of lp.logStartWaiters) w.reject(error);
  lp.logStartWaiters = [];
}

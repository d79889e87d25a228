// DeleteRecords in a cluster (Kafka's delayed DeleteRecords): the leader moves its own log start first, then
// answers only once every live follower that could be elected (the ISR, and the followers proposed for it:
// the same set the high watermark counts, isr-tracker.ts) has moved its log start at least as far. Otherwise
// a follower elected after the answer would serve the deleted records again. A follower whose broker is
// down (no etcd registration) is not waited for, as Kafka waits only for live brokers: it moves its log
// start with its first fetch when it is back.
//
// How the offsets travel: every fetch answer carries the leader's log start, and a follower moves its own up
// to it (replica-fetcher.ts); every fetch request carries the follower's log start, which the leader notes
// here. The leader wakes its parked follower fetches when its log start moves, so a quiet partition does not
// wait out the fetch's long-poll before the followers hear of it.

import type { LocalPartition } from "./local-partition.js";

/** Which followers a DeleteRecords waits for, besides being in the maximal ISR: live ones other than the leader. */
export type AwaitedFollower = (brokerId: number) => boolean;

/** The smallest log start over the awaited followers of the maximal ISR and `leaderStart` (the low watermark). */
function lowWatermark(lp: LocalPartition, awaited: AwaitedFollower, leaderStart: bigint): bigint {
  let low = leaderStart;
  for (const id of lp.pendingIsr ? [...lp.isr, ...lp.pendingIsr.ids] : lp.isr) {
    if (!awaited(id)) continue;
    const at = lp.followers.get(id)?.logStart ?? -1n;
    if (at < low) low = at;
  }
  return low;
}

/**
 * Resolves with the partition's low watermark once every electable follower's log start has reached
 * `leaderStart` (the leader's log start after its DeleteRecords); rejected if the leadership is lost first.
 */
export function awaitFollowerLogStarts(lp: LocalPartition, awaited: AwaitedFollower, leaderStart: bigint): Promise<bigint> {
  if (lowWatermark(lp, awaited, leaderStart) >= leaderStart) return Promise.resolve(leaderStart);
  const waiting = new Promise<bigint>((resolve, reject) => lp.logStartWaiters.push({ needed: leaderStart, resolve, reject }));
  for (const wake of [...lp.dataWaiters]) wake();
  return waiting;
}

/** A follower reported its log start (or the ISR or the live brokers changed): answers what it now covers. */
export function settleLogStartWaiters(lp: LocalPartition, awaited: AwaitedFollower): void {
  if (!lp.logStartWaiters.length) return;
  const still = lp.logStartWaiters.filter((w) => {
    if (lowWatermark(lp, awaited, w.needed) < w.needed) return true;
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

// A partition leader's in-sync-replica bookkeeping, apart from the replica manager's roles and wiring
// (replica-manager.ts) so the rules can be read, and tested, without etcd or other brokers:
// - each follower's fetch position and whether it is caught up (Kafka's rule: it fetched the leader's log
//   end as of its previous fetch);
// - the ISR changes this leader proposes to the controller, which decides (controller.ts): shrinks (a
//   follower not caught up within replica.lag.time.max.ms) and expansions (a follower caught up to the HW
//   and into the current leader epoch);
// - the high watermark: the smallest log end over the maximal ISR (Kafka's KIP-497), never moving back. A
//   follower proposed for the ISR counts from the proposal until a snapshot shows it in the ISR or the
//   proposal lapses (docs/cluster.md, "What the controller does"), since the controller may already hold it
//   in the ISR, and elect it, before this leader hears of either; an acks=all record must be on it too.

import { KafkaProtocolError } from "../errors/index.js";
import type { Logger } from "../log.js";
import type { IsrRequest } from "./layout.js";
import type { AckWaiter, FollowerState, LocalPartition } from "./local-partition.js";

export interface IsrTrackerOptions {
  brokerId: number;
  replicaLagTimeMaxMs: number;
  logger: Logger;
  /** Hands an ISR proposal to the controller (the partition's ISR request key in etcd). */
  propose(topic: string, partition: number, request: IsrRequest): Promise<void>;
  /** Tells the broker core the partition's new high watermark (readers see only below it). */
  publishHighWatermark(topic: string, partition: number, hw: bigint): void;
  /** Milliseconds since the epoch; Date.now unless a test drives the time. */
  clock?: () => number;
}

export class IsrTracker {
  private readonly now: () => number;

  constructor(private readonly options: IsrTrackerOptions) {
    this.now = options.clock ?? Date.now;
  }

  /** Moves a led partition's HW up to the smallest log end over the maximal ISR; answers the acks=all it passes. */
  advanceHw(lp: LocalPartition): void {
    if (lp.role !== "leader") return;
    let hw = lp.leo;
    for (const id of lp.pendingIsr ? [...lp.isr, ...lp.pendingIsr.ids] : lp.isr) {
      if (id === this.options.brokerId) continue;
      const f = lp.followers.get(id);
      const at = f ? f.fetchOffset : lp.hw;
      if (at < hw) hw = at;
    }
    if (hw <= lp.hw) return;
    lp.hw = hw;
    this.options.publishHighWatermark(lp.topic, lp.partition, hw);
    const still: AckWaiter[] = [];
    for (const w of lp.acks) {
      if (w.needed > hw) still.push(w);
      else if (lp.isr.length < lp.minIsr) w.reject(new KafkaProtocolError("NOT_ENOUGH_REPLICAS_AFTER_APPEND", `${lp.topic}-${lp.partition}: the ISR shrank below min.insync.replicas`));
      else w.resolve();
    }
    lp.acks = still;
  }

  /**
   * Kafka's follower bookkeeping: caught up if it fetched the leader's log end as of its previous fetch.
   * `logStart`: the follower's own log start, as its fetch reported it.
   */
  noteFollower(lp: LocalPartition, id: number, offset: bigint, logStart: bigint): void {
    const now = this.now();
    let f = lp.followers.get(id);
    if (!f) lp.followers.set(id, (f = { fetchOffset: offset, lastCaughtUp: lp.leaderSince, lastFetchLeo: -1n, lastFetchTime: now, logStart }));
    if (offset >= lp.leo) f.lastCaughtUp = now;
    else if (f.lastFetchLeo >= 0n && offset >= f.lastFetchLeo) f.lastCaughtUp = Math.max(f.lastCaughtUp, f.lastFetchTime);
    f.fetchOffset = offset;
    f.lastFetchLeo = lp.leo;
    f.lastFetchTime = now;
    f.logStart = logStart;
    this.advanceHw(lp);
    this.maybeExpandIsr(lp, id, f);
  }

  /** A snapshot's ISR for a partition this broker leads: proposals it settles stop counting, then the HW may move. */
  applyIsr(lp: LocalPartition, isr: number[]): void {
    lp.isr = isr;
    this.settlePendingIsr(lp);
    this.advanceHw(lp);
  }

  /** Shrinks every led ISR of followers that have not caught up within replica.lag.time.max.ms. */
  checkIsr(parts: Iterable<LocalPartition>): void {
    const now = this.now();
    for (const lp of parts) {
      if (lp.role !== "leader") continue;
      const lagging = lp.isr.filter((id) => {
        if (id === this.options.brokerId) return false;
        const f = lp.followers.get(id);
        const caughtUp = f ? f.lastCaughtUp : lp.leaderSince;
        // A follower at the log end is in sync however long ago it fetched (nothing to fetch).
        if (f && f.fetchOffset >= lp.leo) return now - f.lastFetchTime > this.options.replicaLagTimeMaxMs;
        return now - caughtUp > this.options.replicaLagTimeMaxMs;
      });
      if (lagging.length) this.propose(lp, lp.isr.filter((id) => !lagging.includes(id)));
    }
  }

  private maybeExpandIsr(lp: LocalPartition, id: number, f: FollowerState): void {
    if (lp.isr.includes(id)) return;
    const epochStart = lp.epochs.list().find((e) => e.epoch === lp.leaderEpoch)?.startOffset ?? 0n;
    // Its log start too: once in the ISR it can be elected, and must not serve records deleted here.
    if (f.fetchOffset >= lp.hw && f.fetchOffset >= epochStart && f.logStart >= lp.logStart) {
      const pending = lp.pendingIsr?.ids ?? [];
      if (!pending.includes(id)) lp.pendingIsr = { ids: [...pending, id], since: this.now() };
      this.propose(lp, [...lp.isr, id]);
    }
  }

  /** Drops proposed members the ISR now holds, and a proposal the controller has not taken for a while. */
  private settlePendingIsr(lp: LocalPartition): void {
    const pending = lp.pendingIsr;
    if (!pending) return;
    const ids = pending.ids.filter((id) => !lp.isr.includes(id));
    lp.pendingIsr = ids.length && this.now() - pending.since < this.options.replicaLagTimeMaxMs ? { ids, since: pending.since } : undefined;
  }

  private propose(lp: LocalPartition, isr: number[]): void {
    const now = this.now();
    const last = lp.lastProposal;
    if (last && sameSet(last.isr, isr) && now - last.at < 1000) return;
    lp.lastProposal = { isr, at: now };
    const request: IsrRequest = { leader: this.options.brokerId, leaderEpoch: lp.leaderEpoch, isr };
    this.options.logger.info("proposing ISR change", { topic: lp.topic, partition: lp.partition, from: lp.isr, to: isr });
    this.options.propose(lp.topic, lp.partition, request).catch((error) => this.options.logger.warn("ISR proposal failed", { error: String(error) }));
  }
}

function sameSet(a: number[], b: number[]): boolean {
  return a.length === b.length && a.every((x) => b.includes(x));
}

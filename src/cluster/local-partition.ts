// One hosted partition's replication state, shared by the replica manager (roles, HW, ISR) and the
// follower's fetcher (epoch cache, learned HW).

import type { EpochCache } from "./epoch-cache.js";

export interface FollowerState {
  fetchOffset: bigint;
  lastCaughtUp: number;
  lastFetchLeo: bigint;
  lastFetchTime: number;
  /** The follower's own log start as of its last fetch (-1: it has not said). */
  logStart: bigint;
}

export interface AckWaiter {
  needed: bigint;
  resolve: () => void;
  reject: (error: Error) => void;
}

/** A DeleteRecords on the leader, answered once the in-sync followers' log starts reach `needed`. */
export interface LogStartWaiter {
  needed: bigint;
  resolve: (lowWatermark: bigint) => void;
  reject: (error: Error) => void;
}

export interface LocalPartition {
  topic: string;
  partition: number;
  role: "leader" | "follower" | "none";
  leader: number;
  leaderEpoch: number;
  isr: number[];
  replicas: number[];
  minIsr: number;
  hw: bigint;
  leo: bigint;
  /**
   * The leader's log start as last seen (its start, DeleteRecords, the reads it serves): a follower behind
   * it is answered at once instead of long-polled, and is not proposed for the ISR until it has caught up.
   */
  logStart: bigint;
  leaderSince: number;
  followers: Map<number, FollowerState>;
  acks: AckWaiter[];
  logStartWaiters: LogStartWaiter[];
  dataWaiters: Set<() => void>;
  lastProposal?: { isr: number[]; at: number };
  /**
   * Followers this leader proposed adding to the ISR, not yet seen in a snapshot's ISR. They count for the
   * high watermark at once (Kafka's "maximal ISR", KIP-497): the controller may already hold them in the
   * ISR, and elect one, before this leader hears of it; an acks=all record must be on them too.
   */
  pendingIsr?: { ids: number[]; since: number };
  fetcher?: { readonly endpoint: string; readonly logEndOffset: bigint; readonly done: Promise<void>; stop(): void };
  epochs: EpochCache;
}


// Replica placement and reassignment, as pure functions of the cluster snapshot (the controller applies
// what they return in etcd transactions; `rivulet cluster drain` reports progress with them).
//
// Draining a broker moves each of its replicas elsewhere the way Kafka's reassignment does, one partition
// state at a time, so the partition never loses its leader or an acknowledged record:
//   1. add:    a live, non-draining broker outside the replica set joins it, placed right after the leaving
//              one ([d, 2, 3] → [d, 4, 2, 3]), so it inherits d's place in the preferred order. The leader
//              lets it fetch; it enters the ISR once caught up (the leader proposes it, as for any follower).
//   2. wait:   until every live staying replica is in the ISR.
//   3. lead:   if the leaving broker leads, leadership moves to the first staying replica in the ISR, with
//              leader epoch + 1 (a clean election: that replica has every committed record). The old leader
//              fails its pending acks=all with NOT_LEADER_OR_FOLLOWER (retriable) and becomes a follower.
//   4. drop:   the leaving broker is removed from the replica set and the ISR in one transaction ([4, 2, 3]).
// A partition with no live broker to move to is `blocked` (the replication factor is kept, never shrunk);
// an offline partition waits for its leader.

import { pkey, type ClusterSnapshot, type PartitionState, type TopicAssignment } from "./layout.js";

/** Brokers new replicas may go to: live and not draining, by id. */
export function placeableBrokers(snap: ClusterSnapshot): number[] {
  return [...snap.brokers.keys()].filter((id) => !snap.draining.has(id)).sort((a, b) => a - b);
}

/**
 * Round-robin placement of partitions [from, to) of a topic (topic creation, and partitions added later):
 * starting at a hash of the name, so leaders of a topic's partitions spread over the brokers.
 */
export function placeReplicas(name: string, from: number, to: number, rf: number, brokers: number[]): number[][] {
  const start = hash(name) % brokers.length;
  return Array.from({ length: to - from }, (_, i) => Array.from({ length: rf }, (_, r) => brokers[(start + from + i + r) % brokers.length]!));
}

/**
 * Placement for an adopted topic: `leader` holds the data and comes first in every partition's set; the
 * other replicas go round-robin over the remaining brokers. Undefined while `leader` is not placeable.
 */
export function placeAdopted(name: string, partitions: number, rf: number, leader: number, brokers: number[]): number[][] | undefined {
  if (!brokers.includes(leader)) return undefined;
  const others = brokers.filter((id) => id !== leader);
  const rest = others.length ? placeReplicas(name, 0, partitions, Math.min(rf - 1, others.length), others) : Array.from({ length: partitions }, () => []);
  return rest.map((set) => [leader, ...set]);
}

export type DrainPhase = "add" | "wait" | "lead" | "drop" | "blocked" | "offline";

/** What one partition needs next because some of its replicas are on draining brokers. */
export interface DrainStep {
  phase: DrainPhase;
  /** The assignment to write (add, drop). */
  replicas?: number[];
  /** The partition state to write (lead, drop). */
  state?: PartitionState;
  /** Why nothing can be done now (blocked, offline, wait). */
  reason?: string;
}

/**
 * The next step for partition `p` of `topic`, or undefined when none of its replicas is draining.
 * `load` counts replicas per broker; the broker chosen in an `add` step is counted in it, so one pass
 * spreads the moved replicas over the remaining brokers.
 */
export function drainStep(topic: TopicAssignment, p: number, state: PartitionState | undefined, snap: ClusterSnapshot, load: Map<number, number>, controllerEpoch: number): DrainStep | undefined {
  const replicas = topic.replicas[p] ?? [];
  const leaving = replicas.filter((id) => snap.draining.has(id));
  if (leaving.length === 0) return undefined;
  if (!state || state.leader === -1 || !snap.brokers.has(state.leader)) return { phase: "offline", reason: "no live leader; waiting for an election" };
  const staying = replicas.filter((id) => !snap.draining.has(id));
  if (staying.length < topic.replicationFactor) {
    const candidates = placeableBrokers(snap)
      .filter((id) => !replicas.includes(id))
      .sort((a, b) => (load.get(a) ?? 0) - (load.get(b) ?? 0) || a - b);
    const wanted = Math.min(topic.replicationFactor - staying.length, leaving.length);
    if (candidates.length < wanted) {
      return { phase: "blocked", reason: `no live, non-draining broker outside replicas [${replicas.join(",")}] to keep replication factor ${topic.replicationFactor}` };
    }
    const added = candidates.slice(0, wanted);
    for (const id of added) load.set(id, (load.get(id) ?? 0) + 1);
    // Each new replica goes right after a leaving one, so it takes that one's place in the preferred order.
    const next: number[] = [];
    let k = 0;
    for (const id of replicas) {
      next.push(id);
      if (snap.draining.has(id) && k < added.length) next.push(added[k++]!);
    }
    return { phase: "add", replicas: next };
  }
  const lagging = staying.filter((id) => snap.brokers.has(id) && !state.isr.includes(id));
  if (lagging.length) return { phase: "wait", reason: `waiting for [${lagging.join(",")}] to join the ISR` };
  const finalIsr = state.isr.filter((id) => !snap.draining.has(id));
  if (finalIsr.length === 0) return { phase: "wait", reason: "no staying replica in the ISR yet" };
  if (snap.draining.has(state.leader)) {
    const leader = staying.find((id) => snap.brokers.has(id) && state.isr.includes(id))!;
    return { phase: "lead", state: { leader, leaderEpoch: state.leaderEpoch + 1, isr: state.isr, controllerEpoch } };
  }
  return { phase: "drop", replicas: staying, state: { ...state, isr: finalIsr, controllerEpoch } };
}

/** Replicas per broker over every assignment (placement prefers the least loaded). */
export function replicaLoad(snap: ClusterSnapshot): Map<number, number> {
  const load = new Map<number, number>();
  for (const topic of snap.topics.values()) for (const set of topic.replicas) for (const id of set) load.set(id, (load.get(id) ?? 0) + 1);
  return load;
}

/** A drain's progress: every partition that still has a replica on `brokerId`, and where it stands. */
export interface DrainProgress {
  brokerId: number;
  draining: boolean;
  registered: boolean;
  partitions: Array<{ topic: string; partition: number; phase: DrainPhase; replicas: number[]; isr: number[]; leader: number; reason?: string }>;
}

export function drainProgress(snap: ClusterSnapshot, brokerId: number): DrainProgress {
  const progress: DrainProgress = { brokerId, draining: snap.draining.has(brokerId), registered: snap.brokers.has(brokerId), partitions: [] };
  const load = replicaLoad(snap);
  for (const topic of snap.topics.values()) {
    for (let p = 0; p < topic.partitions; p++) {
      const replicas = topic.replicas[p] ?? [];
      if (!replicas.includes(brokerId)) continue;
      const state = snap.partitions.get(pkey(topic.name, p));
      const step = progress.draining ? drainStep(topic, p, state, snap, load, 0) : undefined;
      progress.partitions.push({ topic: topic.name, partition: p, phase: step?.phase ?? "wait", replicas, isr: state?.isr ?? [], leader: state?.leader ?? -1, reason: step?.reason });
    }
  }
  return progress;
}

export function hash(s: string): number {
  let h = 0;
  for (let i = 0; i < s.length; i++) h = (h * 31 + s.charCodeAt(i)) | 0;
  return Math.abs(h);
}

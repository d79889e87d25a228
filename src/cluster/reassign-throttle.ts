// `rivulet cluster reassign --throttle <bytes/s>` (kafka-reassign-partitions --throttle): which configs
// throttle a set of moves, and which to remove once they are done (replication-quota.ts applies them).
// As Kafka's tool does: the leader list names every replica a partition has now (any may lead the copy),
// the follower list the replicas being added; both rates go on every broker a move touches. Removal takes
// the rates off every broker and the two lists off the moved topics.

import { FOLLOWER_REPLICAS, LEADER_REPLICAS, THROTTLED_REPLICAS_CONFIGS, THROTTLE_RATE_CONFIGS } from "../broker/throttle-configs.js";
import type { ClusterSnapshot } from "./layout.js";
import { placeableBrokers } from "./reassign.js";

export interface ThrottledMove {
  topic: string;
  partition: number;
  replicas: number[];
}

export interface ThrottlePlan {
  /** broker id -> both rates. */
  brokers: Map<number, Record<string, string>>;
  /** topic -> both throttled replica lists (merged with what the topic had in the snapshot). */
  topics: Map<string, Record<string, string>>;
  /**
   * topic -> the replicas the moves add to each list: what is merged, at the write, into the lists as
   * they are then (addThrottledReplicas), so that a list changed since the snapshot loses nothing.
   */
  added: Map<string, { leader: string[]; follower: string[] }>;
}

export function throttlePlan(snap: ClusterSnapshot, moves: ThrottledMove[], rate: number): ThrottlePlan {
  const plan: ThrottlePlan = { brokers: new Map(), topics: new Map(), added: new Map() };
  for (const move of moves) {
    const current = snap.topics.get(move.topic)?.replicas[move.partition];
    if (!current) continue;
    let entry = plan.added.get(move.topic);
    if (!entry) plan.added.set(move.topic, (entry = { leader: [], follower: [] }));
    for (const id of current) entry.leader.push(`${move.partition}:${id}`);
    for (const id of move.replicas) if (!current.includes(id)) entry.follower.push(`${move.partition}:${id}`);
    for (const id of [...current, ...move.replicas]) plan.brokers.set(id, Object.fromEntries(THROTTLE_RATE_CONFIGS.map((c) => [c, String(rate)])));
  }
  for (const [topic, added] of plan.added) plan.topics.set(topic, addThrottledReplicas(snap.configs.topics.get(topic) ?? {}, added));
  return plan;
}

/** A topic's two lists once `added` is merged into those it `had` (the follower list only if it names any). */
export function addThrottledReplicas(had: Record<string, string>, added: { leader: string[]; follower: string[] }): Record<string, string> {
  const leader = items(had[LEADER_REPLICAS]);
  const follower = items(had[FOLLOWER_REPLICAS]);
  for (const item of added.leader) leader.add(item);
  for (const item of added.follower) follower.add(item);
  const configs: Record<string, string> = { [LEADER_REPLICAS]: text(leader) };
  if (follower.size) configs[FOLLOWER_REPLICAS] = text(follower);
  return configs;
}

/**
 * `rivulet cluster drain --throttle`: the drained broker's partitions as moves for throttlePlan. The
 * controller picks each new replica only as the drain goes, so every live broker that may receive one
 * (placeableBrokers, not the drained one) stands in as a target: the follower list names them all, and
 * only the one that actually copies (out of the ISR) is slowed.
 */
export function drainMoves(snap: ClusterSnapshot, brokerId: number): ThrottledMove[] {
  const targets = placeableBrokers(snap).filter((id) => id !== brokerId);
  const moves: ThrottledMove[] = [];
  for (const topic of snap.topics.values()) {
    topic.replicas.forEach((current, partition) => {
      if (!current.includes(brokerId)) return;
      moves.push({ topic: topic.name, partition, replicas: [...current.filter((id) => id !== brokerId), ...targets.filter((id) => !current.includes(id))] });
    });
  }
  return moves;
}

/**
 * The topics whose leader list names `brokerId` for some partition (what drainMoves' throttle set): a drain
 * followed again after its --wait ran out takes their lists off too, though they have moved since.
 */
export function topicsThrottledFor(snap: ClusterSnapshot, brokerId: number): string[] {
  const names = (item: string) => item.split(":")[1]?.trim() === String(brokerId);
  return [...snap.configs.topics].filter(([, c]) => [...items(c[LEADER_REPLICAS])].some(names)).map(([topic]) => topic);
}

/**
 * The resources a finished move's throttle is removed from: every broker with a rate of its own (the
 * cluster default, which --throttle never sets, stays), the moved topics.
 */
export function throttleRemoval(snap: ClusterSnapshot, topics: string[]): { brokers: string[]; topics: string[] } {
  const brokers = [...snap.configs.brokers].filter(([id, c]) => id !== "" && THROTTLE_RATE_CONFIGS.some((n) => n in c)).map(([id]) => id);
  return { brokers, topics: topics.filter((t) => THROTTLED_REPLICAS_CONFIGS.some((n) => n in (snap.configs.topics.get(t) ?? {}))) };
}

/** A list's items ("*" stays "*": every replica is throttled already). */
function items(list: string | undefined): Set<string> {
  return new Set((list ?? "").split(",").map((s) => s.trim()).filter(Boolean));
}

function text(set: Set<string>): string {
  return set.has("*") ? "*" : [...set].join(",");
}

// General partition reassignment (Kafka's AlterPartitionReassignments / ListPartitionReassignments, and
// `rivulet cluster reassign`), as pure functions of the cluster snapshot. Asking writes a ReassignRequest
// (validate below); the controller then moves the partition one state at a time, the way a drain does
// (reassign.ts), so it never loses its leader or an acknowledged record:
//   1. add:    the target replicas not yet in the set join it: replicas = target ++ (original − target). The
//              leader lets them fetch; each enters the ISR once caught up.
//   2. wait:   until every target replica is in the ISR (a target broker that is down keeps it waiting).
//   3. lead:   if the leader is not a target replica, leadership moves to the first target replica in the
//              ISR, with leader epoch + 1 (a clean election: that replica has every committed record).
//   4. finish: replicas = target, ISR ∩ target, and the request deleted, in one transaction.
// A cancel (replicas null) turns the request into a reassignment back to the original set, which undoes the
// additions by the same steps. Only the replica list moves; the data follows through replication.

import { pkey, type ClusterSnapshot, type PartitionState, type ReassignRequest, type TopicAssignment } from "./layout.js";

export type ReassignPhase = "add" | "wait" | "lead" | "finish" | "offline";

export interface ReassignStep {
  phase: ReassignPhase;
  /** The assignment to write (add, finish). */
  replicas?: number[];
  /** The partition state to write (lead, finish). */
  state?: PartitionState;
  /** finish: the request is done and is deleted with the last write. */
  done?: boolean;
  reason?: string;
}

/** A refusal in Kafka's terms: the error name (KafkaErrors) and a message for the client. */
export interface ReassignRefusal {
  error: "UNKNOWN_TOPIC_OR_PARTITION" | "INVALID_REPLICA_ASSIGNMENT" | "INVALID_REPLICATION_FACTOR" | "NO_REASSIGNMENT_IN_PROGRESS";
  message: string;
}

/**
 * What to write for a request to move `topic`-`partition` to `replicas` (null: cancel), or why not. Checks
 * as Kafka's controller does: the partition exists; the list is non-empty, without duplicates, and names
 * only live brokers (here also: not draining, since those are being emptied); with `allowRfChange` false
 * (AlterPartitionReassignments v1) its length must equal the current replication factor; a cancel needs a
 * reassignment in progress. A new request for a partition already moving keeps the first original set.
 * `null` result: nothing to do (the target is the current set and nothing is in progress).
 */
export function validateReassignment(snap: ClusterSnapshot, topic: string, partition: number, replicas: number[] | null, allowRfChange = true): { request: ReassignRequest | null } | ReassignRefusal {
  const assignment = snap.topics.get(topic);
  if (!assignment || !Number.isInteger(partition) || partition < 0 || partition >= assignment.partitions) {
    return { error: "UNKNOWN_TOPIC_OR_PARTITION", message: `${topic}-${partition} does not exist` };
  }
  const current = assignment.replicas[partition] ?? [];
  const existing = snap.reassignments.get(pkey(topic, partition));
  if (replicas === null) {
    if (!existing) return { error: "NO_REASSIGNMENT_IN_PROGRESS", message: `no reassignment of ${topic}-${partition} is in progress` };
    return { request: { target: existing.original, original: existing.original } };
  }
  if (replicas.length === 0) return { error: "INVALID_REPLICA_ASSIGNMENT", message: "the replica list is empty" };
  if (new Set(replicas).size !== replicas.length) return { error: "INVALID_REPLICA_ASSIGNMENT", message: `the replica list [${replicas.join(",")}] has duplicates` };
  const notLive = replicas.filter((id) => !snap.brokers.has(id));
  if (notLive.length) return { error: "INVALID_REPLICA_ASSIGNMENT", message: `replica assignment has brokers that are not alive: [${notLive.join(",")}]` };
  const draining = replicas.filter((id) => snap.draining.has(id));
  if (draining.length) return { error: "INVALID_REPLICA_ASSIGNMENT", message: `brokers [${draining.join(",")}] are being drained and take no new replicas` };
  const original = existing?.original ?? current;
  if (!allowRfChange && replicas.length !== original.length) {
    return { error: "INVALID_REPLICATION_FACTOR", message: `the replication factor is changed from ${original.length} to ${replicas.length} but AllowReplicationFactorChange is false` };
  }
  if (!existing && sameList(replicas, current)) return { request: null };
  return { request: { target: [...replicas], original: [...original] } };
}

/** The next step of a reassignment of partition `p` of `topic` toward `request.target`. */
export function reassignStep(topic: TopicAssignment, p: number, state: PartitionState | undefined, request: ReassignRequest, snap: ClusterSnapshot, controllerEpoch: number): ReassignStep {
  const current = topic.replicas[p] ?? [];
  const target = request.target;
  if (!state || state.leader === -1 || !snap.brokers.has(state.leader)) return { phase: "offline", reason: "no live leader; waiting for an election" };
  if (target.some((id) => !current.includes(id))) {
    return { phase: "add", replicas: [...target, ...current.filter((id) => !target.includes(id))] };
  }
  const lagging = target.filter((id) => !state.isr.includes(id));
  if (lagging.length) {
    const down = lagging.filter((id) => !snap.brokers.has(id));
    return { phase: "wait", reason: `waiting for [${lagging.join(",")}] to join the ISR${down.length ? ` ([${down.join(",")}] not running)` : ""}` };
  }
  if (!target.includes(state.leader)) {
    const leader = target.find((id) => snap.brokers.has(id) && state.isr.includes(id));
    if (leader === undefined) return { phase: "wait", reason: "no live target replica in the ISR" };
    return { phase: "lead", state: { leader, leaderEpoch: state.leaderEpoch + 1, isr: state.isr, controllerEpoch } };
  }
  const isr = state.isr.filter((id) => target.includes(id));
  const stateChanged = isr.length !== state.isr.length;
  return { phase: "finish", replicas: sameList(current, target) ? undefined : [...target], state: stateChanged ? { ...state, isr, controllerEpoch } : undefined, done: true };
}

/** One ongoing reassignment as ListPartitionReassignments shows it. */
export interface OngoingReassignment {
  topic: string;
  partition: number;
  /** The current replica set (target and leaving replicas while it moves). */
  replicas: number[];
  addingReplicas: number[];
  removingReplicas: number[];
  /** What the next step waits for, if anything. */
  phase: ReassignPhase;
  reason?: string;
}

/** Every reassignment in progress (optionally only `topics`' partitions), sorted by topic and partition. */
export function ongoingReassignments(snap: ClusterSnapshot, only?: (topic: string, partition: number) => boolean): OngoingReassignment[] {
  const out: OngoingReassignment[] = [];
  for (const topic of snap.topics.values()) {
    for (let p = 0; p < topic.partitions; p++) {
      const request = snap.reassignments.get(pkey(topic.name, p));
      if (!request || (only && !only(topic.name, p))) continue;
      const step = reassignStep(topic, p, snap.partitions.get(pkey(topic.name, p)), request, snap, 0);
      out.push({
        topic: topic.name,
        partition: p,
        replicas: topic.replicas[p] ?? [],
        addingReplicas: request.target.filter((id) => !request.original.includes(id)),
        removingReplicas: request.original.filter((id) => !request.target.includes(id)),
        phase: step.phase,
        reason: step.reason,
      });
    }
  }
  return out.sort((a, b) => (a.topic < b.topic ? -1 : a.topic > b.topic ? 1 : a.partition - b.partition));
}

function sameList(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

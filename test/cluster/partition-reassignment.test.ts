// General partition reassignment as pure functions of a snapshot (src/cluster/partition-reassignment.ts):
// Kafka's checks on a request, the add → wait → lead → finish walk toward the target, cancel back to the
// original set, and what ListPartitionReassignments shows on the way.

import { describe, expect, it } from "vitest";
import { Keys, parseSnapshot, type ClusterSnapshot, type PartitionState, type ReassignRequest, type TopicAssignment } from "../../src/cluster/layout.js";
import { ongoingReassignments, reassignStep, validateReassignment } from "../../src/cluster/partition-reassignment.js";

const keys = new Keys("/r");

function snapshot(brokers: number[], topic: TopicAssignment, states: PartitionState[], request?: ReassignRequest, draining: number[] = []): ClusterSnapshot {
  const all: Record<string, string> = {};
  for (const id of brokers) all[keys.broker(id)] = JSON.stringify({ id, host: "h", kafkaPort: 1, wsPort: 2, replicationPort: 3 });
  for (const id of draining) all[keys.draining(id)] = JSON.stringify({ since: 1 });
  all[keys.topic(topic.name)] = JSON.stringify(topic);
  states.forEach((s, p) => (all[keys.partition(topic.name, p)] = JSON.stringify(s)));
  if (request) all[keys.reassignRequest(topic.name, 0)] = JSON.stringify(request);
  return parseSnapshot(keys, all);
}

const topic = (replicas: number[][]): TopicAssignment => ({ name: "t", partitions: replicas.length, replicationFactor: replicas[0]!.length, configs: {}, replicas });
const state = (leader: number, isr: number[], leaderEpoch = 0): PartitionState => ({ leader, leaderEpoch, isr, controllerEpoch: 1 });

describe("validateReassignment", () => {
  const snap = snapshot([1, 2, 3, 4], topic([[1, 2, 3]]), [state(1, [1, 2, 3])], undefined, [4]);
  it("refuses what Kafka refuses, with Kafka's error names", () => {
    expect(validateReassignment(snap, "nope", 0, [1])).toMatchObject({ error: "UNKNOWN_TOPIC_OR_PARTITION" });
    expect(validateReassignment(snap, "t", 1, [1])).toMatchObject({ error: "UNKNOWN_TOPIC_OR_PARTITION" });
    expect(validateReassignment(snap, "t", 0, [])).toMatchObject({ error: "INVALID_REPLICA_ASSIGNMENT", message: "the replica list is empty" });
    expect(validateReassignment(snap, "t", 0, [1, 1, 2])).toMatchObject({ error: "INVALID_REPLICA_ASSIGNMENT" });
    expect(validateReassignment(snap, "t", 0, [1, 2, 9])).toMatchObject({ error: "INVALID_REPLICA_ASSIGNMENT", message: expect.stringContaining("not alive: [9]") });
    expect(validateReassignment(snap, "t", 0, [1, 2, 4])).toMatchObject({ error: "INVALID_REPLICA_ASSIGNMENT", message: expect.stringContaining("drained") });
    expect(validateReassignment(snap, "t", 0, [1, 2], false)).toMatchObject({ error: "INVALID_REPLICATION_FACTOR" });
    expect(validateReassignment(snap, "t", 0, null)).toMatchObject({ error: "NO_REASSIGNMENT_IN_PROGRESS" });
  });

  it("records the target with the original set; the same set is nothing to do; a second request keeps the first original", () => {
    expect(validateReassignment(snap, "t", 0, [1, 2, 3])).toEqual({ request: null });
    expect(validateReassignment(snap, "t", 0, [3, 2], true)).toEqual({ request: { target: [3, 2], original: [1, 2, 3] } });
    const moving = snapshot([1, 2, 3, 4, 5], topic([[2, 3, 5, 1]]), [state(1, [1, 2, 3])], { target: [2, 3, 5], original: [1, 2, 3] });
    expect(validateReassignment(moving, "t", 0, [5, 2, 3])).toEqual({ request: { target: [5, 2, 3], original: [1, 2, 3] } });
    expect(validateReassignment(moving, "t", 0, null)).toEqual({ request: { target: [1, 2, 3], original: [1, 2, 3] } });
  });
});

describe("reassignStep", () => {
  it("walks add → wait → lead → finish when the leader leaves the set", () => {
    const request = { target: [4, 5, 2], original: [1, 2, 3] };
    let t = topic([[1, 2, 3]]);
    let s = state(1, [1, 2, 3]);
    const add = reassignStep(t, 0, s, request, snapshot([1, 2, 3, 4, 5], t, [s], request), 7);
    expect(add).toMatchObject({ phase: "add", replicas: [4, 5, 2, 1, 3] });
    t = topic([add.replicas!]);
    let snap = snapshot([1, 2, 3, 4, 5], t, [s], request);
    expect(reassignStep(t, 0, s, request, snap, 7)).toMatchObject({ phase: "wait", reason: "waiting for [4,5] to join the ISR" });
    expect(ongoingReassignments(snap)).toEqual([{ topic: "t", partition: 0, replicas: [4, 5, 2, 1, 3], addingReplicas: [4, 5], removingReplicas: [1, 3], phase: "wait", reason: "waiting for [4,5] to join the ISR" }]);
    s = state(1, [1, 2, 3, 4, 5]);
    snap = snapshot([1, 2, 3, 4, 5], t, [s], request);
    const lead = reassignStep(t, 0, s, request, snap, 7);
    expect(lead).toMatchObject({ phase: "lead", state: { leader: 4, leaderEpoch: 1, isr: [1, 2, 3, 4, 5], controllerEpoch: 7 } });
    s = lead.state!;
    const finish = reassignStep(t, 0, s, request, snapshot([1, 2, 3, 4, 5], t, [s], request), 7);
    expect(finish).toEqual({ phase: "finish", replicas: [4, 5, 2], state: { leader: 4, leaderEpoch: 1, isr: [2, 4, 5], controllerEpoch: 7 }, done: true });
  });

  it("a target broker that is down keeps it waiting, and says so; no live leader is offline", () => {
    const request = { target: [1, 2, 4], original: [1, 2, 3] };
    const t = topic([[1, 2, 4, 3]]);
    const s = state(1, [1, 2, 3]);
    expect(reassignStep(t, 0, s, request, snapshot([1, 2, 3], t, [s], request), 7)).toMatchObject({ phase: "wait", reason: "waiting for [4] to join the ISR ([4] not running)" });
    expect(reassignStep(t, 0, state(-1, [1]), request, snapshot([1, 2, 3], t, [s], request), 7)).toMatchObject({ phase: "offline" });
  });

  it("growing the replication factor keeps the leader; shrinking only drops; reordering only rewrites the list", () => {
    const grow = { target: [1, 2, 3], original: [1] };
    let t = topic([[1, 2, 3]]);
    expect(reassignStep(t, 0, state(1, [1, 2, 3]), grow, snapshot([1, 2, 3], t, [state(1, [1, 2, 3])], grow), 7)).toEqual({ phase: "finish", replicas: undefined, state: undefined, done: true });
    const shrink = { target: [2], original: [1, 2, 3] };
    t = topic([[1, 2, 3]]);
    expect(reassignStep(t, 0, state(2, [1, 2, 3]), shrink, snapshot([1, 2, 3], t, [state(2, [1, 2, 3])], shrink), 7)).toMatchObject({ phase: "finish", replicas: [2], state: { leader: 2, isr: [2] }, done: true });
    const reorder = { target: [3, 2, 1], original: [1, 2, 3] };
    expect(reassignStep(t, 0, state(1, [1, 2, 3]), reorder, snapshot([1, 2, 3], t, [state(1, [1, 2, 3])], reorder), 7)).toEqual({ phase: "finish", replicas: [3, 2, 1], state: undefined, done: true });
  });
});

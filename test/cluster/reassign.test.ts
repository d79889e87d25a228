// The drain steps as pure functions of a snapshot (src/cluster/reassign.ts): add beside the leaving replica,
// wait for the ISR, move leadership cleanly, drop; blocked when nowhere to go; offline waits.

import { describe, expect, it } from "vitest";
import { Keys, parseSnapshot, type ClusterSnapshot, type PartitionState, type TopicAssignment } from "../../src/cluster/layout.js";
import { drainProgress, drainStep, placeReplicas, placeableBrokers, replicaLoad } from "../../src/cluster/reassign.js";

const keys = new Keys("/r");

function snapshot(brokers: number[], draining: number[], topic: TopicAssignment, states: PartitionState[]): ClusterSnapshot {
  const all: Record<string, string> = {};
  for (const id of brokers) all[keys.broker(id)] = JSON.stringify({ id, host: "h", kafkaPort: 1, wsPort: 2, replicationPort: 3 });
  for (const id of draining) all[keys.draining(id)] = JSON.stringify({ since: 1 });
  all[keys.topic(topic.name)] = JSON.stringify(topic);
  states.forEach((s, p) => (all[keys.partition(topic.name, p)] = JSON.stringify(s)));
  return parseSnapshot(keys, all);
}

const topic = (replicas: number[][]): TopicAssignment => ({ name: "t", partitions: replicas.length, replicationFactor: 3, configs: {}, replicas });
const state = (leader: number, isr: number[], leaderEpoch = 0): PartitionState => ({ leader, leaderEpoch, isr, controllerEpoch: 1 });

describe("drain steps", () => {
  it("walks add → wait → lead → drop for a partition the draining broker leads", () => {
    let t = topic([[1, 2, 3]]);
    let s = state(1, [1, 2, 3]);
    let snap = snapshot([1, 2, 3, 4], [1], t, [s]);
    const add = drainStep(t, 0, s, snap, replicaLoad(snap), 7)!;
    expect(add.phase).toBe("add");
    expect(add.replicas).toEqual([1, 4, 2, 3]); // the new replica takes the leaving one's place
    t = topic([add.replicas!]);
    snap = snapshot([1, 2, 3, 4], [1], t, [s]);
    const wait = drainStep(t, 0, s, snap, replicaLoad(snap), 7)!;
    expect(wait.phase).toBe("wait");
    expect(wait.reason).toContain("[4]");
    s = state(1, [1, 2, 3, 4]);
    snap = snapshot([1, 2, 3, 4], [1], t, [s]);
    const lead = drainStep(t, 0, s, snap, replicaLoad(snap), 7)!;
    expect(lead.phase).toBe("lead");
    expect(lead.state).toEqual({ leader: 4, leaderEpoch: 1, isr: [1, 2, 3, 4], controllerEpoch: 7 });
    s = lead.state!;
    snap = snapshot([1, 2, 3, 4], [1], t, [s]);
    const drop = drainStep(t, 0, s, snap, replicaLoad(snap), 7)!;
    expect(drop.phase).toBe("drop");
    expect(drop.replicas).toEqual([4, 2, 3]);
    expect(drop.state).toEqual({ leader: 4, leaderEpoch: 1, isr: [2, 3, 4], controllerEpoch: 7 });
    t = topic([drop.replicas!]);
    snap = snapshot([1, 2, 3, 4], [1], t, [drop.state!]);
    expect(drainStep(t, 0, drop.state!, snap, replicaLoad(snap), 7)).toBeUndefined();
    expect(drainProgress(snap, 1).partitions).toEqual([]);
  });

  it("spreads moved replicas over the least loaded brokers and never onto draining ones", () => {
    const t = topic([[1, 2, 3], [1, 3, 4], [1, 4, 2]]);
    const states = [state(2, [1, 2, 3]), state(3, [1, 3, 4]), state(4, [1, 4, 2])];
    const snap = snapshot([1, 2, 3, 4, 5, 6], [1, 6], t, states);
    expect(placeableBrokers(snap)).toEqual([2, 3, 4, 5]);
    const load = replicaLoad(snap);
    const chosen = [0, 1, 2].map((p) => drainStep(t, p, states[p], snap, load, 1)!.replicas![1]);
    // Broker 6 is draining and never chosen.
    expect(chosen).not.toContain(6);
    chosen.forEach((id, p) => expect(t.replicas[p]).not.toContain(id));
    // Loads 2:2 3:2 4:2 5:0: broker 5 takes two, then the tie with 3 at two replicas each goes to the lower id.
    expect(chosen).toEqual([5, 5, 3]);
  });

  it("is blocked with nowhere to go, and waits while offline", () => {
    const t = topic([[1, 2, 3]]);
    const snap = snapshot([1, 2, 3], [1], t, [state(2, [1, 2, 3])]);
    const blocked = drainStep(t, 0, state(2, [1, 2, 3]), snap, replicaLoad(snap), 1)!;
    expect(blocked.phase).toBe("blocked");
    expect(blocked.replicas).toBeUndefined();
    const offline = drainStep(t, 0, state(-1, [1]), snap, replicaLoad(snap), 1)!;
    expect(offline.phase).toBe("offline");
    expect(drainProgress(snap, 1).partitions[0]?.phase).toBe("blocked");
  });

  it("places added partitions round-robin continuing the topic's pattern", () => {
    const all = placeReplicas("orders", 0, 6, 3, [1, 2, 3]);
    expect(placeReplicas("orders", 4, 6, 3, [1, 2, 3])).toEqual(all.slice(4));
    for (const set of all) expect(new Set(set).size).toBe(3);
  });
});

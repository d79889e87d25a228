// Group metadata that survives a restart (src/groups/persist/): a coordinator is "restarted" by building a
// new one on the same in-memory log, which replays every record in order. Classic groups come back Stable
// at their generation, KIP-848 groups with their epochs and assignments; members that do not come back
// time out; empty and deleted groups are tombstoned; failed writes are reported and written again; records
// that do not decode are skipped.

import { describe, expect, it } from "vitest";
import { Err, InMemoryOffsetLog, type ConsumerGroupHeartbeatRequest, type GroupCoordinator, type TopicPartition } from "../../src/groups/index.js";
import { KafkaProtocolError } from "../../src/errors/index.js";
import { decodeGroupKey, encodeClassicGroup, encodeConsumerMember, encodeGroupKey, decodeConsumerMember, decodeClassicGroup, RecordType } from "../../src/groups/persist/records.js";
import { assignmentBytes, coordinator, flush, join, stableGroup, track } from "./helpers.js";

const partitions: Record<string, number> = { orders: 4 };
const config = { consumerSessionTimeoutMs: 1000, consumerHeartbeatIntervalMs: 250 };

function hb(overrides: Partial<ConsumerGroupHeartbeatRequest> = {}): ConsumerGroupHeartbeatRequest {
  return { groupId: "g", memberId: "", memberEpoch: 0, instanceId: null, rackId: null, rebalanceTimeoutMs: 5000, subscribedTopicNames: ["orders"], serverAssignor: null, topicPartitions: [], ...overrides };
}

const names = (tps: TopicPartition[] | null) => (tps ?? []).map((tp) => `${tp.topic}-${tp.partition}`).sort();

/** Heartbeats until the member's assignment stops changing; returns its last response and what it owns. */
async function settle(coord: GroupCoordinator, memberId: string, epoch: number, owned: TopicPartition[]) {
  let last = { memberEpoch: epoch, owned };
  for (let i = 0; i < 6; i++) {
    const r = await coord.consumerGroupHeartbeatDurable(hb({ memberId, memberEpoch: last.memberEpoch, topicPartitions: last.owned, subscribedTopicNames: null, rebalanceTimeoutMs: -1 }));
    expect(r.errorCode).toBe(Err.NONE);
    last = { memberEpoch: r.memberEpoch, owned: r.assignment ?? last.owned };
  }
  return last;
}

/** Two KIP-848 members, reconciled: a and b with two partitions each. */
async function twoMembers(coord: GroupCoordinator) {
  const a1 = await coord.consumerGroupHeartbeatDurable(hb({ memberId: "a" }));
  const b1 = await coord.consumerGroupHeartbeatDurable(hb({ memberId: "b" }));
  let a = await settle(coord, "a", a1.memberEpoch, a1.assignment!);
  const b = await settle(coord, "b", b1.memberEpoch, b1.assignment!);
  a = await settle(coord, "a", a.memberEpoch, a.owned);
  return { a, b };
}

describe("classic groups across a restart", () => {
  it("come back Stable at their generation: Heartbeat, SyncGroup and OffsetCommit work with it", async () => {
    const log = new InMemoryOffsetLog();
    const first = await coordinator({ offsetLog: log });
    const [leader, follower] = await stableGroup(first.coord, first.clock, 2);
    const generation = leader!.join.generationId;
    first.coord.close();

    const { coord } = await coordinator({ offsetLog: log });
    const d = await coord.describeGroup("g");
    expect(d).toMatchObject({ state: "Stable", generationId: generation, protocol: "range", leader: leader!.memberId });
    expect(d.members.map((m) => m.memberId).sort()).toEqual([leader!.memberId, follower!.memberId].sort());
    expect(coord.heartbeat({ groupId: "g", generationId: generation, memberId: follower!.memberId }).errorCode).toBe(Err.NONE);
    expect(coord.heartbeat({ groupId: "g", generationId: generation - 1, memberId: follower!.memberId }).errorCode).toBe(Err.ILLEGAL_GENERATION);
    const sync = await coord.syncGroup({ groupId: "g", generationId: generation, memberId: follower!.memberId, assignments: [] });
    expect(sync).toMatchObject({ errorCode: Err.NONE, protocolName: "range" });
    expect(sync.assignment).toEqual(assignmentBytes([{ topic: "t", partition: 1 }]));
    const commit = await coord.commitOffsets({ groupId: "g", generationId: generation, memberId: leader!.memberId, topics: [{ name: "t", partitions: [{ partitionIndex: 0, committedOffset: 5n }] }] });
    expect(commit.topics[0]!.partitions[0]!.errorCode).toBe(Err.NONE);
  });

  it("a member that does not come back times out after its session, and the group rebalances without it", async () => {
    const log = new InMemoryOffsetLog();
    const first = await coordinator({ offsetLog: log });
    const [leader, follower] = await stableGroup(first.coord, first.clock, 2);
    first.coord.close();

    const { coord, clock } = await coordinator({ offsetLog: log });
    const generation = leader!.join.generationId;
    for (let i = 0; i < 3; i++) {
      clock.advance(600); // the session is 1000 ms; only the leader heartbeats
      const code = coord.heartbeat({ groupId: "g", generationId: generation, memberId: leader!.memberId }).errorCode;
      if (i < 1) expect(code).toBe(Err.NONE);
      else expect(code).toBe(Err.REBALANCE_IN_PROGRESS);
    }
    const rejoin = track(coord.joinGroup(join({ memberId: leader!.memberId })));
    await flush();
    expect(rejoin.done).toBe(true);
    expect(rejoin.value).toMatchObject({ errorCode: Err.NONE, generationId: generation + 1 });
    expect(rejoin.value.members.map((m) => m.memberId)).toEqual([leader!.memberId]);
    expect((await coord.describeGroup("g")).members.map((m) => m.memberId)).not.toContain(follower!.memberId);
  });

  it("an emptied group is tombstoned (it comes back Empty, with its offsets), a deleted one not at all", async () => {
    const log = new InMemoryOffsetLog();
    const first = await coordinator({ offsetLog: log });
    const [a] = await stableGroup(first.coord, first.clock, 1);
    await first.coord.commitOffsets({ groupId: "g", generationId: 1, memberId: a!.memberId, topics: [{ name: "t", partitions: [{ partitionIndex: 0, committedOffset: 3n }] }] });
    await stableGroup(first.coord, first.clock, 1, "gone");
    first.coord.leaveGroup({ groupId: "g", members: [{ memberId: a!.memberId }] });
    first.clock.advance(10_000); // the join phase ends with nobody: Empty
    await flush();
    const goneMembers = (await first.coord.describeGroup("gone")).members.map((m) => ({ memberId: m.memberId }));
    first.coord.leaveGroup({ groupId: "gone", members: goneMembers });
    first.clock.advance(10_000);
    await flush();
    expect(await first.coord.deleteGroups(["gone"])).toEqual([{ groupId: "gone", errorCode: Err.NONE }]);
    first.coord.close();
    const tombstones = log.records.filter((r) => r.value === null && decodeGroupKey(r.key));
    expect(tombstones.map((r) => decodeGroupKey(r.key)!.group).sort()).toEqual(["g", "gone"]);

    const { coord } = await coordinator({ offsetLog: log });
    expect(coord.listGroups()).toEqual([{ groupId: "g", protocolType: "", state: "Empty", type: "classic" }]);
    expect(coord.fetchOffsets({ groupId: "g", topics: null }).topics[0]!.partitions[0]!.committedOffset).toBe(3n);
  });

  it("a failed write fails the SyncGroups of that generation with the append's error and rebalances", async () => {
    const log = new InMemoryOffsetLog();
    const { coord, clock } = await coordinator({ offsetLog: log });
    const joins = [coord.joinGroup(join()), coord.joinGroup(join())];
    clock.advance(200);
    const [x, y] = await Promise.all(joins);
    const leader = x!.leader === x!.memberId ? x! : y!;
    const other = leader === x ? y! : x!;
    const followerSync = track(coord.syncGroup({ groupId: "g", generationId: other.generationId, memberId: other.memberId, assignments: [] }));
    log.failNextAppend = new KafkaProtocolError("KAFKA_STORAGE_ERROR", "disk full");
    const leaderSync = await coord.syncGroup({ groupId: "g", generationId: leader.generationId, memberId: leader.memberId, assignments: [{ memberId: leader.memberId, assignment: assignmentBytes([{ topic: "t", partition: 0 }]) }] });
    await flush();
    expect(leaderSync.errorCode).toBe(Err.NOT_COORDINATOR);
    expect(followerSync.value.errorCode).toBe(leaderSync.errorCode);
    expect(coord.listGroups()[0]!.state).toBe("PreparingRebalance");
  });

  it("a static member replaced in place is written before it is answered: a restart knows the new member id", async () => {
    const log = new InMemoryOffsetLog();
    const first = await coordinator({ offsetLog: log });
    await stableGroup(first.coord, first.clock, 2, "s", { groupInstanceId: undefined });
    const [s1] = await stableGroup(first.coord, first.clock, 1, "st", { groupInstanceId: "pod-1" });
    const again = await first.coord.joinGroup(join({ groupId: "st", groupInstanceId: "pod-1" }));
    expect(again.errorCode).toBe(Err.NONE);
    expect(again.memberId).not.toBe(s1!.memberId);
    first.coord.close();
    const { coord } = await coordinator({ offsetLog: log });
    expect(coord.heartbeat({ groupId: "st", generationId: again.generationId, memberId: again.memberId, groupInstanceId: "pod-1" }).errorCode).toBe(Err.NONE);
    expect(coord.heartbeat({ groupId: "st", generationId: again.generationId, memberId: s1!.memberId, groupInstanceId: "pod-1" }).errorCode).toBe(Err.FENCED_INSTANCE_ID);
  });
});

describe("KIP-848 consumer groups across a restart", () => {
  it("members keep their epochs and partitions: a heartbeat with its epoch changes nothing, no rebalance", async () => {
    const log = new InMemoryOffsetLog();
    const first = await coordinator({ offsetLog: log, partitionsFor: (t) => partitions[t] ?? 0, config });
    const { a, b } = await twoMembers(first.coord);
    const before = first.coord.describeConsumerGroup("g");
    expect(before.state).toBe("Stable");
    first.coord.close();

    const { coord } = await coordinator({ offsetLog: log, partitionsFor: (t) => partitions[t] ?? 0, config });
    expect(coord.describeConsumerGroup("g")).toEqual(before);
    const written = log.records.length;
    const ra = await coord.consumerGroupHeartbeatDurable(hb({ memberId: "a", memberEpoch: a.memberEpoch, topicPartitions: a.owned, subscribedTopicNames: null, rebalanceTimeoutMs: -1 }));
    expect(ra).toMatchObject({ errorCode: Err.NONE, memberEpoch: a.memberEpoch, assignment: null });
    // librdkafka sends a full heartbeat after reconnecting: the same assignment comes back, same epoch.
    const rb = await coord.consumerGroupHeartbeatDurable(hb({ memberId: "b", memberEpoch: b.memberEpoch, topicPartitions: b.owned }));
    expect(rb).toMatchObject({ errorCode: Err.NONE, memberEpoch: b.memberEpoch });
    expect(names(rb.assignment)).toEqual(names(b.owned));
    expect(log.records.length, "a heartbeat that changes nothing writes nothing").toBe(written);
    expect(coord.describeConsumerGroup("g").groupEpoch).toBe(before.groupEpoch);
  });

  it("a member that does not come back is fenced after the session timeout and its partitions move", async () => {
    const log = new InMemoryOffsetLog();
    const first = await coordinator({ offsetLog: log, partitionsFor: (t) => partitions[t] ?? 0, config });
    const { a } = await twoMembers(first.coord);
    first.coord.close();

    const { coord, clock } = await coordinator({ offsetLog: log, partitionsFor: (t) => partitions[t] ?? 0, config });
    clock.advance(600);
    await coord.consumerGroupHeartbeatDurable(hb({ memberId: "a", memberEpoch: a.memberEpoch, topicPartitions: a.owned, subscribedTopicNames: null, rebalanceTimeoutMs: -1 }));
    clock.advance(600); // b's session (from the load) ends
    expect(coord.describeConsumerGroup("g").members.map((m) => m.memberId)).toEqual(["a"]);
    const last = await settle(coord, "a", a.memberEpoch, a.owned);
    expect(names(last.owned)).toEqual(["orders-0", "orders-1", "orders-2", "orders-3"]);
    // b's removal was written: after another restart a is alone.
    await flush();
    coord.close();
    const third = await coordinator({ offsetLog: log, partitionsFor: (t) => partitions[t] ?? 0, config });
    expect(third.coord.describeConsumerGroup("g").members.map((m) => [m.memberId, m.memberEpoch])).toEqual([["a", last.memberEpoch]]);
  });

  it("a revocation in flight survives: the member is still told to give up partitions, or is fenced at its rebalance timeout", async () => {
    const log = new InMemoryOffsetLog();
    const first = await coordinator({ offsetLog: log, partitionsFor: (t) => partitions[t] ?? 0, config });
    const a1 = await first.coord.consumerGroupHeartbeatDurable(hb({ memberId: "a", rebalanceTimeoutMs: 800 }));
    await first.coord.consumerGroupHeartbeatDurable(hb({ memberId: "b" }));
    const a2 = await first.coord.consumerGroupHeartbeatDurable(hb({ memberId: "a", memberEpoch: a1.memberEpoch, topicPartitions: a1.assignment, subscribedTopicNames: null, rebalanceTimeoutMs: -1 }));
    expect(names(a2.assignment)).toHaveLength(2); // told to revoke two
    first.coord.close();

    const { coord, clock } = await coordinator({ offsetLog: log, partitionsFor: (t) => partitions[t] ?? 0, config });
    const member = coord.describeConsumerGroup("g").members.find((m) => m.memberId === "a")!;
    expect(member.assignment).toHaveLength(2);
    clock.advance(900); // a never acknowledges the revocation
    expect(coord.describeConsumerGroup("g").members.map((m) => m.memberId)).toEqual(["b"]);
  });

  it("an emptied group is tombstoned; OffsetCommit with the restored epoch is accepted", async () => {
    const log = new InMemoryOffsetLog();
    const first = await coordinator({ offsetLog: log, partitionsFor: (t) => partitions[t] ?? 0, config });
    const r = await first.coord.consumerGroupHeartbeatDurable(hb({ memberId: "solo", groupId: "one" }));
    first.coord.close();
    const second = await coordinator({ offsetLog: log, partitionsFor: (t) => partitions[t] ?? 0, config });
    const commit = await second.coord.commitOffsets({ groupId: "one", generationId: r.memberEpoch, memberId: "solo", apiVersion: 9, topics: [{ name: "orders", partitions: [{ partitionIndex: 0, committedOffset: 9n }] }] });
    expect(commit.topics[0]!.partitions[0]!.errorCode).toBe(Err.NONE);
    const left = await second.coord.consumerGroupHeartbeatDurable(hb({ memberId: "solo", groupId: "one", memberEpoch: -1 }));
    expect(left.errorCode).toBe(Err.NONE);
    second.coord.close();
    const third = await coordinator({ offsetLog: log, partitionsFor: (t) => partitions[t] ?? 0, config });
    expect(third.coord.listGroups()).toEqual([{ groupId: "one", protocolType: "", state: "Empty", type: "classic" }]);
    const live = new Map<string, boolean>();
    for (const rec of log.records) {
      const key = decodeGroupKey(rec.key);
      if (key) live.set(Buffer.from(rec.key).toString("hex"), rec.value !== null);
    }
    expect([...live.values()].some(Boolean), "every group record of the group is tombstoned").toBe(false);
  });

  it("a failed write answers the heartbeat with the append's error; the retry writes the records again", async () => {
    const log = new InMemoryOffsetLog();
    const first = await coordinator({ offsetLog: log, partitionsFor: (t) => partitions[t] ?? 0, config });
    log.failNextAppend = new KafkaProtocolError("NOT_LEADER_OR_FOLLOWER", "not the leader");
    const failed = await first.coord.consumerGroupHeartbeatDurable(hb({ memberId: "m" }));
    expect(failed.errorCode).toBe(Err.NOT_COORDINATOR);
    // The client retries its join; nothing changes in memory, but what was not written is written now.
    const retried = await first.coord.consumerGroupHeartbeatDurable(hb({ memberId: "m" }));
    expect(retried.errorCode).toBe(Err.NONE);
    first.coord.close();
    const { coord } = await coordinator({ offsetLog: log, partitionsFor: (t) => partitions[t] ?? 0, config });
    expect(coord.describeConsumerGroup("g").members.map((m) => [m.memberId, m.memberEpoch])).toEqual([["m", retried.memberEpoch]]);
  });
});

describe("group records", () => {
  it("round-trip, and records that do not decode are skipped at load with a warning", async () => {
    const member = {
      instanceId: "i", rackId: null, memberEpoch: 7, previousMemberEpoch: 6, state: "UnrevokedPartitions" as const, rebalanceTimeoutMs: 3000,
      subscribedTopicNames: ["a", "b"], subscribedTopicRegex: "b.*", serverAssignor: "range", clientId: "c", clientHost: "/h",
      assigned: [{ topic: "a", partition: 0 }, { topic: "a", partition: 2 }], pendingRevocation: [{ topic: "b", partition: 1 }], target: [{ topic: "a", partition: 0 }],
    };
    expect(decodeConsumerMember(encodeConsumerMember(member))).toEqual(member);
    const classic = {
      protocolType: "consumer", generationId: 4, protocolName: "range", leaderId: "m1", stateTimestamp: 123,
      members: [{ memberId: "m1", groupInstanceId: null, clientId: "c", clientHost: "/h", rebalanceTimeoutMs: 1, sessionTimeoutMs: 2, protocolType: "consumer", protocols: [{ name: "range", metadata: new Uint8Array([1, 2]) }], assignment: new Uint8Array([3]) }],
    };
    expect(decodeClassicGroup(encodeClassicGroup(classic))).toEqual(classic);
    expect(decodeGroupKey(encodeGroupKey({ type: RecordType.ConsumerMember, group: "g", member: "m" }))).toEqual({ type: RecordType.ConsumerMember, group: "g", member: "m" });

    const log = new InMemoryOffsetLog();
    log.records.push({ key: encodeGroupKey({ type: RecordType.ClassicGroup, group: "bad" }), value: new Uint8Array([0, 0, 1]) });
    log.records.push({ key: encodeGroupKey({ type: RecordType.ConsumerGroup, group: "bad2" }), value: new Uint8Array([0, 9]) });
    log.records.push({ key: new Uint8Array([0x03, 0xe8, 0xff]), value: new Uint8Array([1]) }); // truncated key
    const warnings: string[] = [];
    const logger = { level: "warn", debug() {}, info() {}, warn: (msg: string) => warnings.push(msg), error() {}, child() { return logger; } };
    const { coord } = await coordinator({ offsetLog: log, logger: logger as never });
    expect(coord.listGroups()).toEqual([]);
    expect(warnings.length).toBeGreaterThanOrEqual(3);
  });
});

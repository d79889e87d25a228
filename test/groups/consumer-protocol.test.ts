// KIP-848 consumer groups inside the coordinator (fake clock): join, a second member (revoke before assign),
// leave, fencing (UNKNOWN_MEMBER_ID, FENCED_MEMBER_EPOCH), session and rebalance timeouts, static members,
// coexistence with classic groups, and offsets committed with member epochs.

import { describe, expect, it } from "vitest";
import { Err, type ConsumerGroupHeartbeatRequest, type ConsumerGroupHeartbeatResponse, type GroupCoordinator, type TopicPartition } from "../../src/groups/index.js";
import { coordinator, join as classicJoin } from "./helpers.js";

const partitions: Record<string, number> = { orders: 4, audit: 2 };
const config = { consumerSessionTimeoutMs: 1000, consumerHeartbeatIntervalMs: 250 };

function hb(overrides: Partial<ConsumerGroupHeartbeatRequest> = {}): ConsumerGroupHeartbeatRequest {
  return {
    groupId: "g",
    memberId: "",
    memberEpoch: 0,
    instanceId: null,
    rackId: null,
    rebalanceTimeoutMs: 5000,
    subscribedTopicNames: ["orders"],
    serverAssignor: null,
    topicPartitions: [],
    ...overrides,
  };
}

/** A steady heartbeat: reports exactly what the member was last told it owns. */
function steady(coord: GroupCoordinator, r: ConsumerGroupHeartbeatResponse, owned: TopicPartition[], extra: Partial<ConsumerGroupHeartbeatRequest> = {}) {
  return coord.consumerGroupHeartbeat(hb({ memberId: r.memberId!, memberEpoch: r.memberEpoch, topicPartitions: owned, subscribedTopicNames: null, rebalanceTimeoutMs: -1, ...extra }));
}

const names = (tps: TopicPartition[] | null) => (tps ?? []).map((tp) => `${tp.topic}-${tp.partition}`).sort();

async function setup(extra: Parameters<typeof coordinator>[0] = {}) {
  return coordinator({ partitionsFor: (t) => partitions[t] ?? 0, config, ...extra });
}

describe("KIP-848 consumer groups: ConsumerGroupHeartbeat", () => {
  it("a first member joins with epoch 0 and gets every partition at epoch 1", async () => {
    const { coord } = await setup();
    const r = coord.consumerGroupHeartbeat(hb());
    expect(r).toMatchObject({ errorCode: Err.NONE, memberEpoch: 1, heartbeatIntervalMs: 250 });
    expect(r.memberId).toMatch(/^[0-9a-f-]{36}$/);
    expect(names(r.assignment)).toEqual(["orders-0", "orders-1", "orders-2", "orders-3"]);
    expect(coord.describeConsumerGroup("g")).toMatchObject({ state: "Stable", groupEpoch: 1, assignmentEpoch: 1, assignor: "uniform" });
    expect(coord.listGroups()).toEqual([{ groupId: "g", protocolType: "consumer", state: "Stable", type: "consumer" }]);
  });

  it("a second member: the first revokes before the second gets anything, then both are Stable", async () => {
    const { coord } = await setup();
    const a1 = coord.consumerGroupHeartbeat(hb({ memberId: "a" }));
    const b1 = coord.consumerGroupHeartbeat(hb({ memberId: "b" }));
    // b joined at group epoch 2, but a still holds everything: b waits with nothing (UnreleasedPartitions).
    expect(b1).toMatchObject({ errorCode: Err.NONE, memberEpoch: 2 });
    expect(names(b1.assignment)).toEqual([]);
    expect(coord.describeConsumerGroup("g").state).toBe("Reconciling");
    // a is told to give up two partitions and stays at epoch 1 until it does.
    const a2 = steady(coord, a1, a1.assignment!);
    expect(a2.memberEpoch).toBe(1);
    expect(names(a2.assignment)).toHaveLength(2);
    const revoked = a1.assignment!.filter((tp) => !names(a2.assignment).includes(`${tp.topic}-${tp.partition}`));
    // Still reporting the revoked partitions: no progress.
    expect(steady(coord, a2, a1.assignment!).memberEpoch).toBe(1);
    const b2 = steady(coord, b1, []);
    expect(names(b2.assignment)).toEqual([]);
    // a stops reporting them: it moves to epoch 2; then b gets exactly those.
    const a3 = steady(coord, a2, a2.assignment!);
    expect(a3.memberEpoch).toBe(2);
    const b3 = steady(coord, b2, []);
    expect(names(b3.assignment)).toEqual(names(revoked));
    const d = coord.describeConsumerGroup("g");
    expect(d.state).toBe("Stable");
    const all = d.members.flatMap((m) => names(m.assignment));
    expect(all.sort()).toEqual(["orders-0", "orders-1", "orders-2", "orders-3"]);
  });

  it("a member leaving (epoch -1) frees its partitions for the others", async () => {
    const { coord } = await setup();
    const a1 = coord.consumerGroupHeartbeat(hb({ memberId: "a" }));
    let b = coord.consumerGroupHeartbeat(hb({ memberId: "b" }));
    let a = steady(coord, a1, a1.assignment!);
    a = steady(coord, a, a.assignment!);
    b = steady(coord, b, []);
    expect(names(b.assignment)).toHaveLength(2);
    expect(coord.consumerGroupHeartbeat(hb({ memberId: "a", memberEpoch: -1, topicPartitions: null }))).toMatchObject({ errorCode: Err.NONE, memberEpoch: -1 });
    const b2 = steady(coord, b, b.assignment!);
    expect(names(b2.assignment)).toEqual(["orders-0", "orders-1", "orders-2", "orders-3"]);
    expect(b2.memberEpoch).toBe(coord.describeConsumerGroup("g").groupEpoch);
    // The member that left is unknown now.
    expect(steady(coord, a, []).errorCode).toBe(Err.UNKNOWN_MEMBER_ID);
  });

  it("fences epochs the coordinator does not know: ahead, or behind and not the previous one", async () => {
    const counts: Record<string, number> = { orders: 2, audit: 2 };
    const { coord } = await coordinator({ partitionsFor: (t) => counts[t] ?? 0, config });
    const a1 = coord.consumerGroupHeartbeat(hb({ memberId: "a" }));
    counts.orders = 3; // a new partition: epoch 2
    const a = steady(coord, a1, a1.assignment!);
    expect(a.memberEpoch).toBe(2);
    expect(steady(coord, a, a.assignment!, { memberEpoch: 5 }).errorCode).toBe(Err.FENCED_MEMBER_EPOCH);
    expect(steady(coord, a, a.assignment!, { memberEpoch: -3 }).errorCode).toBe(Err.INVALID_REQUEST);
    // The previous epoch (1) with a subset of the assignment is accepted: the response may have been lost.
    expect(steady(coord, a, a1.assignment!, { memberEpoch: 1 }).errorCode).toBe(Err.NONE);
    // The previous epoch but claiming partitions it was never given: fenced.
    expect(steady(coord, a, [{ topic: "audit", partition: 0 }], { memberEpoch: 1 }).errorCode).toBe(Err.FENCED_MEMBER_EPOCH);
    expect(steady(coord, a, [], { memberId: "nobody" }).errorCode).toBe(Err.UNKNOWN_MEMBER_ID);
  });

  it("a fenced member rejoining under its own id with epoch 0 starts afresh instead of being fenced again", async () => {
    const counts: Record<string, number> = { orders: 2 };
    const { coord } = await coordinator({ partitionsFor: (t) => counts[t] ?? 0, config });
    const a1 = coord.consumerGroupHeartbeat(hb({ memberId: "a" }));
    counts.orders = 3;
    const a2 = steady(coord, a1, a1.assignment!);
    expect(a2.memberEpoch).toBe(2);
    expect(steady(coord, a2, a2.assignment!, { memberEpoch: 9 }).errorCode).toBe(Err.FENCED_MEMBER_EPOCH);
    const again = coord.consumerGroupHeartbeat(hb({ memberId: "a" }));
    expect(again.errorCode).toBe(Err.NONE);
    expect(again.memberEpoch).toBeGreaterThan(2);
    expect(names(again.assignment)).toEqual(["orders-0", "orders-1", "orders-2"]);
    expect(coord.describeConsumerGroup("g").members).toHaveLength(1);
  });

  it("rejects malformed requests with INVALID_REQUEST or UNSUPPORTED_ASSIGNOR", async () => {
    const { coord } = await setup();
    const cases: Array<Partial<ConsumerGroupHeartbeatRequest>> = [
      { groupId: "" },
      { rebalanceTimeoutMs: -1 },
      { subscribedTopicNames: [] },
      { subscribedTopicNames: null },
      { topicPartitions: null },
      { topicPartitions: [{ topic: "orders", partition: 0 }] },
      { instanceId: "  " },
      { memberEpoch: 3 },
      { memberEpoch: -2, memberId: "x" },
      { clientGeneratesMemberId: true },
    ];
    for (const c of cases) expect(coord.consumerGroupHeartbeat(hb(c)), JSON.stringify(c)).toMatchObject({ errorCode: Err.INVALID_REQUEST, memberEpoch: -1 });
    const r = coord.consumerGroupHeartbeat(hb({ serverAssignor: "sticky-foo" }));
    expect(r.errorCode).toBe(Err.UNSUPPORTED_ASSIGNOR);
    expect(r.errorMessage).toContain("uniform, range");
    expect(coord.consumerGroupHeartbeat(hb({ subscribedTopicNames: [], subscribedTopicRegex: "" }))).toMatchObject({ errorCode: Err.INVALID_REQUEST });
    expect(coord.consumerGroupHeartbeat(hb({ subscribedTopicRegex: "(a" }))).toMatchObject({ errorCode: Err.INVALID_REGULAR_EXPRESSION, memberEpoch: -1 });
    // An empty regex is no regex (librdkafka 2.12 sends "" with a topic-name subscription).
    expect(coord.consumerGroupHeartbeat(hb({ memberId: "lib", subscribedTopicRegex: "" }))).toMatchObject({ errorCode: Err.NONE, memberEpoch: 1 });
  });

  it("a member whose session ends is removed; the others get its partitions", async () => {
    const { coord, clock } = await setup();
    const a1 = coord.consumerGroupHeartbeat(hb({ memberId: "a" }));
    let b = coord.consumerGroupHeartbeat(hb({ memberId: "b" }));
    let a = steady(coord, a1, a1.assignment!);
    a = steady(coord, a, a.assignment!);
    b = steady(coord, b, []);
    let owned = b.assignment!;
    for (let i = 0; i < 3; i++) {
      clock.advance(600);
      b = steady(coord, b, owned);
      owned = b.assignment ?? owned;
    }
    // a has been silent for 1800 ms > 1000 ms.
    expect(coord.describeConsumerGroup("g").members.map((m) => m.memberId)).toEqual(["b"]);
    expect(names(owned)).toHaveLength(4);
    expect(steady(coord, a, a.assignment!).errorCode).toBe(Err.UNKNOWN_MEMBER_ID);
  });

  it("a member that does not revoke within its rebalance timeout is fenced", async () => {
    const { coord, clock } = await setup();
    const a1 = coord.consumerGroupHeartbeat(hb({ memberId: "a", rebalanceTimeoutMs: 700 }));
    let b = coord.consumerGroupHeartbeat(hb({ memberId: "b" }));
    let a = steady(coord, a1, a1.assignment!); // asked to revoke
    for (let i = 0; i < 4; i++) {
      clock.advance(200);
      a = steady(coord, a, a1.assignment!); // keeps heartbeating but never lets go
      b = steady(coord, b, b.assignment ?? []);
    }
    expect(a.errorCode).toBe(Err.UNKNOWN_MEMBER_ID);
    expect(names(b.assignment)).toHaveLength(4);
  });

  it("range or uniform, as the members ask; the range assignor gives consecutive partitions", async () => {
    const { coord } = await setup();
    const a = coord.consumerGroupHeartbeat(hb({ memberId: "a", serverAssignor: "range", subscribedTopicNames: ["orders", "audit"] }));
    expect(coord.describeConsumerGroup("g").assignor).toBe("range");
    expect(names(a.assignment)).toEqual(["audit-0", "audit-1", "orders-0", "orders-1", "orders-2", "orders-3"]);
  });

  it("a new partition count bumps the group epoch at the next heartbeat", async () => {
    const counts: Record<string, number> = { orders: 2 };
    const { coord } = await coordinator({ partitionsFor: (t) => counts[t] ?? 0, config });
    const a = coord.consumerGroupHeartbeat(hb({ memberId: "a" }));
    expect(names(a.assignment)).toEqual(["orders-0", "orders-1"]);
    counts.orders = 3;
    const a2 = steady(coord, a, a.assignment!);
    expect(a2.memberEpoch).toBe(2);
    expect(names(a2.assignment)).toEqual(["orders-0", "orders-1", "orders-2"]);
  });
});

describe("KIP-848 static members", () => {
  it("a static member that leaves with -2 and comes back keeps its partitions without a rebalance", async () => {
    const { coord } = await setup();
    const a1 = coord.consumerGroupHeartbeat(hb({ memberId: "a", instanceId: "i-a" }));
    let b = coord.consumerGroupHeartbeat(hb({ memberId: "b", instanceId: "i-b" }));
    let a = steady(coord, a1, a1.assignment!);
    a = steady(coord, a, a.assignment!);
    b = steady(coord, b, []);
    const epoch = coord.describeConsumerGroup("g").groupEpoch;
    const bParts = names(b.assignment);
    expect(coord.consumerGroupHeartbeat(hb({ memberId: b.memberId!, instanceId: "i-b", memberEpoch: -2, topicPartitions: null }))).toMatchObject({ errorCode: Err.NONE, memberEpoch: -2 });
    // Another process cannot take a live instance id.
    expect(coord.consumerGroupHeartbeat(hb({ memberId: "c", instanceId: "i-a" })).errorCode).toBe(Err.UNRELEASED_INSTANCE_ID);
    // The restarted b (new member id) takes its place: same partitions, same group epoch.
    const b2 = coord.consumerGroupHeartbeat(hb({ memberId: "b-restarted", instanceId: "i-b" }));
    expect(b2.errorCode).toBe(Err.NONE);
    expect(names(b2.assignment)).toEqual(bParts);
    expect(coord.describeConsumerGroup("g").groupEpoch).toBe(epoch);
    // The old incarnation is fenced by the new one.
    expect(steady(coord, b, b.assignment!, { instanceId: "i-b" }).errorCode).toBe(Err.FENCED_INSTANCE_ID);
    expect(coord.describeConsumerGroup("g").members.map((m) => m.instanceId).sort()).toEqual(["i-a", "i-b"]);
  });
});

describe("KIP-848 and classic groups side by side", () => {
  it("with online migration disabled, classic requests to a consumer group get Kafka's errors; an empty group changes type", async () => {
    // The default policy (bidirectional) migrates instead: test/groups/migration.test.ts.
    const { coord } = await setup({ config: { ...config, consumerMigrationPolicy: "disabled" } });
    const a = coord.consumerGroupHeartbeat(hb({ memberId: "a" }));
    const joined = await coord.joinGroup(classicJoin({ groupId: "g" }));
    expect(joined.errorCode).toBe(Err.INCONSISTENT_GROUP_PROTOCOL);
    expect(coord.heartbeat({ groupId: "g", generationId: 1, memberId: "a" }).errorCode).toBe(Err.UNKNOWN_MEMBER_ID);
    // A consumer-protocol member cannot join a classic group that has members.
    const classic = coord.joinGroup(classicJoin({ groupId: "c", requireKnownMemberId: false }));
    expect(coord.consumerGroupHeartbeat(hb({ groupId: "c", memberId: "x" })).errorCode).toBe(Err.GROUP_ID_NOT_FOUND);
    expect(coord.describeConsumerGroup("c").errorCode).toBe(Err.GROUP_ID_NOT_FOUND);
    expect(coord.describeConsumerGroup("nope").errorCode).toBe(Err.GROUP_ID_NOT_FOUND);
    expect(coord.describeConsumerGroup("").errorCode).toBe(Err.INVALID_GROUP_ID);
    void classic;
    // Once the consumer group is empty, a classic member may have it.
    coord.consumerGroupHeartbeat(hb({ memberId: a.memberId!, memberEpoch: -1, topicPartitions: null }));
    const types = Object.fromEntries(coord.listGroups().map((g) => [g.groupId, g.type]));
    expect(types).toEqual({ c: "classic", g: "consumer" });
    const rejoined = coord.joinGroup(classicJoin({ groupId: "g" }));
    void rejoined;
    expect(coord.listGroups().find((g) => g.groupId === "g")?.type).toBe("classic");
  });
});

describe("KIP-848 and WebSocket (managed) groups side by side", () => {
  it("a managed member cannot join a consumer group with members, nor a consumer member a managed one", async () => {
    const { coord } = await setup();
    coord.consumerGroupHeartbeat(hb({ groupId: "k", memberId: "a" }));
    const callbacks = { onAssigned: () => {}, onRevoked: async () => {} };
    expect(() => coord.joinManaged({ groupId: "k", topics: ["orders"], sessionTimeoutMs: 10_000 }, callbacks)).toThrow(expect.objectContaining({ code: "INCONSISTENT_GROUP_PROTOCOL" }));
    const handle = coord.joinManaged({ groupId: "w", topics: ["orders"], sessionTimeoutMs: 10_000 }, callbacks);
    expect(coord.consumerGroupHeartbeat(hb({ groupId: "w", memberId: "x" })).errorCode).toBe(Err.GROUP_ID_NOT_FOUND);
    handle.leave();
    // Empty now: the consumer protocol takes it over.
    expect(coord.consumerGroupHeartbeat(hb({ groupId: "w", memberId: "x" })).errorCode).toBe(Err.NONE);
    expect(coord.listGroups().find((g) => g.groupId === "w")?.type).toBe("consumer");
  });
});

describe("KIP-848 offsets", () => {
  it("commits need the member's current epoch (STALE_MEMBER_EPOCH) and OffsetCommit v9", async () => {
    const { coord } = await setup();
    const a = coord.consumerGroupHeartbeat(hb({ memberId: "a" }));
    const commit = (generationId: number, memberId = "a", apiVersion = 9) =>
      coord.commitOffsets({ groupId: "g", generationId, memberId, apiVersion, topics: [{ name: "orders", partitions: [{ partitionIndex: 0, committedOffset: 42n }] }] });
    const code = async (p: ReturnType<typeof commit>) => (await p).topics[0]!.partitions[0]!.errorCode;
    expect(await code(commit(a.memberEpoch + 1))).toBe(Err.STALE_MEMBER_EPOCH);
    expect(await code(commit(a.memberEpoch, "zz"))).toBe(Err.UNKNOWN_MEMBER_ID);
    expect(await code(commit(a.memberEpoch, "a", 8))).toBe(Err.UNSUPPORTED_VERSION);
    expect(await code(commit(-1, ""))).toBe(Err.UNKNOWN_MEMBER_ID); // the group has members
    expect(await code(commit(a.memberEpoch))).toBe(Err.NONE);
    expect(coord.fetchOffsets({ groupId: "g", topics: null, memberId: "a", memberEpoch: a.memberEpoch + 1 }).errorCode).toBe(Err.STALE_MEMBER_EPOCH);
    expect(coord.fetchOffsets({ groupId: "g", topics: null, memberId: "zz", memberEpoch: 1 }).errorCode).toBe(Err.UNKNOWN_MEMBER_ID);
    const fetched = coord.fetchOffsets({ groupId: "g", topics: null, memberId: "a", memberEpoch: a.memberEpoch });
    expect(fetched.topics[0]!.partitions[0]!.committedOffset).toBe(42n);
    // An admin fetch (no member) is always answered.
    expect(coord.fetchOffsets({ groupId: "g", topics: null, memberId: null, memberEpoch: -1 }).errorCode).toBe(Err.NONE);
  });
});

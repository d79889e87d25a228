// KIP-848 online migration (src/groups/consumer/migration.ts, classic-members.ts), driven on the coordinator
// with a fake clock: clients are modelled by what they were last told they own, and at every step no
// partition may be owned by two clients.
import { describe, expect, it } from "vitest";
import { decodeAssignment, encodeSubscription, Err, InMemoryOffsetLog, type ConsumerGroupHeartbeatRequest, type GroupConfig, type GroupCoordinator, type TopicPartition } from "../../src/groups/index.js";
import { assignmentBytes, coordinator, join } from "./helpers.js";

const partitions: Record<string, number> = { orders: 4 };
const base: GroupConfig = { consumerSessionTimeoutMs: 10_000, consumerHeartbeatIntervalMs: 250 };
const ordersJoin = (o: Parameters<typeof join>[0] = {}) => join({ protocols: [{ name: "range", metadata: encodeSubscription(["orders"]) }], sessionTimeoutMs: 10_000, ...o });
const hb = (o: Partial<ConsumerGroupHeartbeatRequest> = {}): ConsumerGroupHeartbeatRequest => ({
  groupId: "g", memberId: "c", memberEpoch: 0, instanceId: null, rackId: null, rebalanceTimeoutMs: 5000, subscribedTopicNames: ["orders"], serverAssignor: null, topicPartitions: [], ...o,
});
const key = (tp: TopicPartition) => `${tp.topic}-${tp.partition}`;

interface Classic { memberId: string; generation: number; owned: string[] }
interface Kip848 { memberId: string; epoch: number; owned: TopicPartition[] }

/** A Stable classic group of two kafkajs-like members: a has orders-0,1, b has orders-2,3. */
async function classicPair(coord: GroupCoordinator, clock: { advance(ms: number): void }): Promise<[Classic, Classic]> {
  const ja = coord.joinGroup(ordersJoin());
  const jb = coord.joinGroup(ordersJoin());
  clock.advance(200);
  const [a, b] = await Promise.all([ja, jb]);
  const leader = a!.leader === a!.memberId ? a! : b!;
  const follower = leader === a ? b! : a!;
  const assignments = [
    { memberId: leader.memberId, assignment: assignmentBytes([{ topic: "orders", partition: 0 }, { topic: "orders", partition: 1 }]) },
    { memberId: follower.memberId, assignment: assignmentBytes([{ topic: "orders", partition: 2 }, { topic: "orders", partition: 3 }]) },
  ];
  const [sl, sf] = await Promise.all([
    coord.syncGroup({ groupId: "g", generationId: leader.generationId, memberId: leader.memberId, assignments }),
    coord.syncGroup({ groupId: "g", generationId: follower.generationId, memberId: follower.memberId, assignments: [] }),
  ]);
  const owned = (bytes: Uint8Array) => (decodeAssignment(bytes) ?? []).map(key);
  return [
    { memberId: leader.memberId, generation: leader.generationId, owned: owned(sl!.assignment) },
    { memberId: follower.memberId, generation: follower.generationId, owned: owned(sf!.assignment) },
  ];
}

function assertDisjoint(classics: Classic[], kip: Kip848 | null): string[] {
  const all = [...classics.flatMap((c) => c.owned), ...(kip ? kip.owned.map(key) : [])];
  expect(new Set(all).size, `owned twice: ${all.join(",")}`).toBe(all.length);
  return all.sort();
}

/** One classic member's heartbeat; on REBALANCE_IN_PROGRESS (or ILLEGAL_GENERATION) it revokes all (eager), rejoins and syncs. */
async function classicStep(coord: GroupCoordinator, m: Classic, during?: () => void): Promise<number> {
  const h = coord.heartbeat({ groupId: "g", generationId: m.generation, memberId: m.memberId });
  if (h.errorCode === Err.NONE) return h.errorCode;
  expect([Err.REBALANCE_IN_PROGRESS, Err.ILLEGAL_GENERATION]).toContain(h.errorCode);
  m.owned = [];
  during?.();
  const j = await coord.joinGroup(ordersJoin({ memberId: m.memberId }));
  expect(j.errorCode).toBe(Err.NONE);
  m.generation = j.generationId;
  const s = await coord.syncGroup({ groupId: "g", generationId: j.generationId, memberId: m.memberId, assignments: [] });
  expect(s.errorCode).toBe(Err.NONE);
  m.owned = (decodeAssignment(s.assignment) ?? []).map(key);
  return h.errorCode;
}

async function kipStep(coord: GroupCoordinator, k: Kip848): Promise<void> {
  const r = await coord.consumerGroupHeartbeatDurable(hb({ memberId: k.memberId, memberEpoch: k.epoch, topicPartitions: k.owned, subscribedTopicNames: null, rebalanceTimeoutMs: -1 }));
  expect(r.errorCode).toBe(Err.NONE);
  k.epoch = r.memberEpoch;
  if (r.assignment) k.owned = r.assignment;
}

async function upgraded(config: GroupConfig = {}, log = new InMemoryOffsetLog()) {
  const { coord, clock } = await coordinator({ offsetLog: log, partitionsFor: (t) => partitions[t] ?? 0, config: { ...base, ...config } });
  const classics = await classicPair(coord, clock);
  const first = await coord.consumerGroupHeartbeatDurable(hb());
  return { coord, clock, classics, first, log };
}

describe("online upgrade: a KIP-848 member joins a classic group", () => {
  it("converts the group; classic members keep their partitions until they rejoin; every partition ends owned once", async () => {
    const { coord, classics, first } = await upgraded();
    expect(first.errorCode).toBe(Err.NONE);
    expect(first.assignment, "everything is still held by the classic members").toEqual([]);
    const kip: Kip848 = { memberId: "c", epoch: first.memberEpoch, owned: [] };
    const described = coord.describeConsumerGroup("g");
    expect(described.errorCode).toBe(Err.NONE);
    expect(described.members.map((m) => m.memberId).sort()).toEqual([...classics.map((c) => c.memberId), "c"].sort());
    assertDisjoint(classics, kip);

    const rebalances: number[] = [];
    for (let round = 0; round < 6; round++) {
      for (const c of classics) {
        rebalances.push(await classicStep(coord, c, () => assertDisjoint(classics, kip)));
        assertDisjoint(classics, kip);
      }
      await kipStep(coord, kip);
      assertDisjoint(classics, kip);
    }
    expect(rebalances, "classic members learned of the upgrade through Heartbeat").toContain(Err.REBALANCE_IN_PROGRESS);
    expect(assertDisjoint(classics, kip)).toEqual(["orders-0", "orders-1", "orders-2", "orders-3"]);
    expect(kip.owned.length).toBeGreaterThan(0);
    for (const c of classics) expect(c.owned.length).toBeGreaterThan(0);
    expect(coord.describeConsumerGroup("g").state).toBe("Stable");
    // Settled: heartbeats say nothing more, and a classic member commits with its generation at an old version.
    for (const c of classics) expect(coord.heartbeat({ groupId: "g", generationId: c.generation, memberId: c.memberId }).errorCode).toBe(Err.NONE);
    const c0 = classics[0]!;
    const commit = await coord.commitOffsets({ groupId: "g", generationId: c0.generation, memberId: c0.memberId, apiVersion: 2, topics: [{ name: "orders", partitions: [{ partitionIndex: 0, committedOffset: 5n }] }] });
    expect(commit.topics[0]!.partitions[0]!.errorCode).toBe(Err.NONE);
    const stale = await coord.commitOffsets({ groupId: "g", generationId: c0.generation - 1, memberId: c0.memberId, apiVersion: 2, topics: [{ name: "orders", partitions: [{ partitionIndex: 0, committedOffset: 6n }] }] });
    expect(stale.topics[0]!.partitions[0]!.errorCode).toBe(Err.ILLEGAL_GENERATION);
  });

  it("a new classic member can join the consumer group (MEMBER_ID_REQUIRED first), and bad input gets typed errors", async () => {
    const { coord } = await upgraded();
    const first = await coord.joinGroup(ordersJoin({ requireKnownMemberId: true }));
    expect(first.errorCode).toBe(Err.MEMBER_ID_REQUIRED);
    const second = await coord.joinGroup(ordersJoin({ memberId: first.memberId, requireKnownMemberId: true }));
    expect(second).toMatchObject({ errorCode: Err.NONE, leader: "", members: [], protocolType: "consumer", protocolName: "range" });
    expect((await coord.joinGroup(ordersJoin({ memberId: "nobody" }))).errorCode).toBe(Err.UNKNOWN_MEMBER_ID);
    expect((await coord.joinGroup(ordersJoin({ protocolType: "connect" }))).errorCode).toBe(Err.INCONSISTENT_GROUP_PROTOCOL);
    expect((await coord.joinGroup(ordersJoin({ protocols: [{ name: "range", metadata: new Uint8Array([0xff, 0xff, 1]) }] }))).errorCode).toBe(Err.INCONSISTENT_GROUP_PROTOCOL);
    expect((await coord.syncGroup({ groupId: "g", generationId: second.generationId + 7, memberId: second.memberId, assignments: [] })).errorCode).toBe(Err.ILLEGAL_GENERATION);
    expect(coord.heartbeat({ groupId: "g", generationId: 0, memberId: "c" }).errorCode, "a KIP-848 member is not a classic member").toBe(Err.UNKNOWN_MEMBER_ID);
  });

  it("the converted group survives a restart: classic members heartbeat with their generation", async () => {
    const log = new InMemoryOffsetLog();
    const { coord, classics, first } = await upgraded({}, log);
    const kip: Kip848 = { memberId: "c", epoch: first.memberEpoch, owned: [] };
    for (let round = 0; round < 4; round++) {
      for (const c of classics) await classicStep(coord, c);
      await kipStep(coord, kip);
    }
    const before = coord.describeConsumerGroup("g");
    coord.close();
    const restarted = await coordinator({ offsetLog: log, partitionsFor: (t) => partitions[t] ?? 0, config: base });
    expect(restarted.coord.describeConsumerGroup("g")).toEqual(before);
    for (const c of classics) expect(restarted.coord.heartbeat({ groupId: "g", generationId: c.generation, memberId: c.memberId }).errorCode).toBe(Err.NONE);
    const s = await restarted.coord.syncGroup({ groupId: "g", generationId: classics[0]!.generation, memberId: classics[0]!.memberId, assignments: [] });
    expect((decodeAssignment(s.assignment) ?? []).map(key).sort()).toEqual([...classics[0]!.owned].sort());
  });

  it("a classic member whose session ends is removed and the others rejoin for its partitions", async () => {
    const { coord, clock, classics, first } = await upgraded();
    const kip: Kip848 = { memberId: "c", epoch: first.memberEpoch, owned: [] };
    for (let round = 0; round < 4; round++) {
      for (const c of classics) await classicStep(coord, c);
      await kipStep(coord, kip);
    }
    const [alive, dead] = classics;
    for (let t = 0; t < 4; t++) {
      clock.advance(4000);
      await classicStep(coord, alive!);
      await kipStep(coord, kip);
    }
    expect(coord.describeConsumerGroup("g").members.map((m) => m.memberId)).not.toContain(dead!.memberId);
    expect(assertDisjoint([alive!], kip)).toEqual(["orders-0", "orders-1", "orders-2", "orders-3"]);
  });

  it("a classic member told to rejoin that keeps heartbeating without rejoining is removed after its rebalance timeout", async () => {
    const { coord, clock, classics, first } = await upgraded();
    const kip: Kip848 = { memberId: "c", epoch: first.memberEpoch, owned: [] };
    const [stuck, fine] = classics;
    await classicStep(coord, fine!);
    for (let t = 0; t < 5; t++) {
      // Heartbeats keep its session alive (10 s), but not past its rebalance timeout (5 s).
      expect(coord.heartbeat({ groupId: "g", generationId: stuck!.generation, memberId: stuck!.memberId }).errorCode).toBe(Err.REBALANCE_IN_PROGRESS);
      clock.advance(1000);
      await classicStep(coord, fine!);
      await kipStep(coord, kip);
      if (coord.describeConsumerGroup("g").members.some((m) => m.memberId === stuck!.memberId)) assertDisjoint(classics, kip);
    }
    clock.advance(100);
    expect(coord.describeConsumerGroup("g").members.map((m) => m.memberId)).not.toContain(stuck!.memberId);
    expect(coord.heartbeat({ groupId: "g", generationId: stuck!.generation, memberId: stuck!.memberId }).errorCode).toBe(Err.UNKNOWN_MEMBER_ID);
    await kipStep(coord, kip);
    await classicStep(coord, fine!);
    await kipStep(coord, kip);
    expect(assertDisjoint([fine!], kip)).toEqual(["orders-0", "orders-1", "orders-2", "orders-3"]);
  });
});

describe("online downgrade: the last KIP-848 member leaves", () => {
  it("the group turns classic and rebalances; the classic members rejoin and the leader assigns everything", async () => {
    const log = new InMemoryOffsetLog();
    const { coord, clock, classics, first } = await upgraded({}, log);
    const kip: Kip848 = { memberId: "c", epoch: first.memberEpoch, owned: [] };
    for (let round = 0; round < 4; round++) {
      for (const c of classics) await classicStep(coord, c);
      await kipStep(coord, kip);
    }
    const left = await coord.consumerGroupHeartbeatDurable(hb({ memberEpoch: -1 }));
    expect(left.errorCode).toBe(Err.NONE);
    kip.owned = [];
    const described = await coord.describeGroup("g");
    expect(described.state).toBe("PreparingRebalance");
    expect(described.protocolType).toBe("consumer");
    // Both members learn through Heartbeat and rejoin; the join phase ends once both are in.
    const h = classics.map((c) => coord.heartbeat({ groupId: "g", generationId: c.generation, memberId: c.memberId }).errorCode);
    for (const code of h) expect([Err.REBALANCE_IN_PROGRESS, Err.ILLEGAL_GENERATION]).toContain(code);
    for (const c of classics) c.owned = [];
    const joins = await Promise.all(classics.map((c) => coord.joinGroup(ordersJoin({ memberId: c.memberId }))));
    const leader = joins.find((j) => j.leader === j.memberId)!;
    expect(leader, "a classic group has a leader again").toBeDefined();
    expect(leader.members.length).toBe(2);
    const assignments = joins.map((j, i) => ({ memberId: j.memberId, assignment: assignmentBytes([{ topic: "orders", partition: 2 * i }, { topic: "orders", partition: 2 * i + 1 }]) }));
    const syncs = await Promise.all(joins.map((j) => coord.syncGroup({ groupId: "g", generationId: j.generationId, memberId: j.memberId, assignments: j === leader ? assignments : [] })));
    for (const s of syncs) expect(s.errorCode).toBe(Err.NONE);
    expect((await coord.describeGroup("g")).state).toBe("Stable");
    // A restart finds the classic group (the consumer group's records were tombstoned).
    coord.close();
    clock.advance(1);
    const restarted = await coordinator({ offsetLog: log, partitionsFor: (t) => partitions[t] ?? 0, config: base });
    expect((await restarted.coord.describeGroup("g")).state).toBe("Stable");
    expect(restarted.coord.describeConsumerGroup("g").errorCode).toBe(Err.GROUP_ID_NOT_FOUND);
    expect(restarted.coord.heartbeat({ groupId: "g", generationId: joins[0]!.generationId, memberId: joins[0]!.memberId }).errorCode).toBe(Err.NONE);
  });

  it("policy upgrade: the group stays a consumer group when the KIP-848 member leaves", async () => {
    const { coord, first } = await upgraded({ consumerMigrationPolicy: "upgrade" });
    expect(first.errorCode).toBe(Err.NONE);
    await coord.consumerGroupHeartbeatDurable(hb({ memberEpoch: -1 }));
    expect(coord.describeConsumerGroup("g").errorCode).toBe(Err.NONE);
  });
});

describe("policy disabled keeps today's errors", () => {
  it("ConsumerGroupHeartbeat to a classic group with members: GROUP_ID_NOT_FOUND; JoinGroup to a consumer group: INCONSISTENT_GROUP_PROTOCOL", async () => {
    const { coord, first } = await upgraded({ consumerMigrationPolicy: "disabled" });
    expect(first.errorCode).toBe(Err.GROUP_ID_NOT_FOUND);
    expect((await coord.describeGroup("g")).state).toBe("Stable");
    const other = await coord.consumerGroupHeartbeatDurable(hb({ groupId: "h" }));
    expect(other.errorCode).toBe(Err.NONE);
    expect((await coord.joinGroup(ordersJoin({ groupId: "h" }))).errorCode).toBe(Err.INCONSISTENT_GROUP_PROTOCOL);
  });

  it("policy downgrade refuses the upgrade too", async () => {
    const { first } = await upgraded({ consumerMigrationPolicy: "downgrade" });
    expect(first.errorCode).toBe(Err.GROUP_ID_NOT_FOUND);
  });
});

describe("member record v1 (a classic-protocol member of a consumer group)", () => {
  it("round-trips the classic fields; a KIP-848 member still writes v0; truncated or unknown versions are refused", async () => {
    const { encodeConsumerMember, decodeConsumerMember } = await import("../../src/groups/persist/records.js");
    const value = {
      instanceId: null, rackId: null, memberEpoch: 4, previousMemberEpoch: 3, state: "Stable" as const, rebalanceTimeoutMs: 6000,
      subscribedTopicNames: ["orders"], subscribedTopicRegex: null, serverAssignor: null, clientId: "kafkajs", clientHost: "/127.0.0.1",
      assigned: [{ topic: "orders", partition: 1 }], pendingRevocation: [], target: [{ topic: "orders", partition: 1 }],
    };
    const classic = { protocolType: "consumer", sessionTimeoutMs: 10_000, protocols: [{ name: "RoundRobinAssigner", metadata: encodeSubscription(["orders"]) }] };
    const v1 = encodeConsumerMember({ ...value, classic });
    expect(new DataView(v1.buffer, v1.byteOffset).getInt16(0)).toBe(1);
    expect(decodeConsumerMember(v1)).toEqual({ ...value, classic });
    const v0 = encodeConsumerMember({ ...value, classic: null });
    expect(new DataView(v0.buffer, v0.byteOffset).getInt16(0)).toBe(0);
    expect(decodeConsumerMember(v0)).toEqual(value);
    expect(() => decodeConsumerMember(v1.subarray(0, v1.length - 3))).toThrow();
    const v2 = v1.slice();
    v2[1] = 2;
    expect(() => decodeConsumerMember(v2)).toThrow(/unsupported consumer group member record version 2/);
  });
});

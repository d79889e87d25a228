// A KIP-848 change whose records cannot be written is not kept (src/groups/consumer/rollback.ts,
// src/groups/persist/store.ts): the member gets the retriable error of the failed append, the group in memory
// is exactly as it was before the change (as Kafka reverts its coordinator's timeline data), the members
// already in are not disturbed, and the retry after the disk recovers goes through. A restart then finds the
// state that was written, never a change that was refused, nor half of one. Covered: a join, a leave, a
// subscription change, a static member's replacement, a session timeout, a group created by the failed join,
// an online upgrade and downgrade, and writes queued behind the failed one.

import { describe, expect, it } from "vitest";
import { encodeSubscription, Err, InMemoryOffsetLog, type ConsumerGroupHeartbeatRequest, type GroupCoordinator, type OffsetLogRecord, type TopicPartition } from "../../src/groups/index.js";
import { memoryLogger } from "../../src/log.js";
import { assignmentBytes, coordinator, flush, join } from "./helpers.js";

const partitions: Record<string, number> = { orders: 4, audit: 2 };
const config = { consumerSessionTimeoutMs: 1000, consumerHeartbeatIntervalMs: 250 };
const hooks = { partitionsFor: (t: string) => partitions[t] ?? 0, config };

/** What a full disk throws from the offsets partition's write (a Node file-system error). */
const enospc = () => Object.assign(new Error("ENOSPC: no space left on device, write"), { code: "ENOSPC", syscall: "write", errno: -28 });

function hb(overrides: Partial<ConsumerGroupHeartbeatRequest> = {}): ConsumerGroupHeartbeatRequest {
  return { groupId: "g", memberId: "", memberEpoch: 0, instanceId: null, rackId: null, rebalanceTimeoutMs: 5000, subscribedTopicNames: ["orders"], serverAssignor: null, topicPartitions: [], ...overrides };
}

interface Held {
  memberId: string;
  memberEpoch: number;
  owned: TopicPartition[];
  instanceId?: string | null;
}

const beat = (coord: GroupCoordinator, h: Held) =>
  coord.consumerGroupHeartbeatDurable(hb({ memberId: h.memberId, memberEpoch: h.memberEpoch, instanceId: h.instanceId ?? null, topicPartitions: h.owned, subscribedTopicNames: null, rebalanceTimeoutMs: -1 }));

/** Heartbeats until the member's assignment stops changing; every answer must be NONE. */
async function settle(coord: GroupCoordinator, h: Held): Promise<Held> {
  for (let i = 0; i < 6; i++) {
    const r = await beat(coord, h);
    expect(r.errorCode, r.errorMessage ?? "").toBe(Err.NONE);
    h = { ...h, memberEpoch: r.memberEpoch, owned: r.assignment ?? h.owned };
  }
  return h;
}

async function joined(coord: GroupCoordinator, memberId: string, overrides: Partial<ConsumerGroupHeartbeatRequest> = {}): Promise<Held> {
  const r = await coord.consumerGroupHeartbeatDurable(hb({ memberId, ...overrides }));
  expect(r.errorCode, r.errorMessage ?? "").toBe(Err.NONE);
  return { memberId, memberEpoch: r.memberEpoch, owned: r.assignment ?? [], instanceId: overrides.instanceId ?? null };
}

/** a and b, reconciled, two partitions each. */
async function twoMembers(coord: GroupCoordinator) {
  let a = await joined(coord, "a");
  let b = await joined(coord, "b");
  for (let round = 0; round < 2; round++) {
    a = await settle(coord, a);
    b = await settle(coord, b);
  }
  expect([a.owned.length, b.owned.length]).toEqual([2, 2]);
  return { a, b };
}

describe("a KIP-848 change that cannot be written is rolled back", () => {
  it("a join: the member gets the retriable NOT_COORDINATOR, the group is as before, the others see nothing; the retry joins", async () => {
    const log = new InMemoryOffsetLog();
    const { coord } = await coordinator({ offsetLog: log, ...hooks });
    let { a, b } = await twoMembers(coord);
    const before = coord.describeConsumerGroup("g");
    const written = log.records.length;

    log.failNextAppend = enospc();
    const refused = await coord.consumerGroupHeartbeatDurable(hb({ memberId: "c" }));
    expect(refused).toMatchObject({ errorCode: Err.NOT_COORDINATOR, memberEpoch: -1, assignment: null });
    expect(coord.describeConsumerGroup("g")).toEqual(before);
    expect(log.records.length).toBe(written);
    // a and b heartbeat as if nothing happened: same epoch, nothing to give up, nothing written.
    for (const h of [a, b]) expect(await beat(coord, h)).toMatchObject({ errorCode: Err.NONE, memberEpoch: h.memberEpoch, assignment: null });
    expect(coord.describeConsumerGroup("g")).toEqual(before);

    // The disk is back: c retries its join and gets its share once a and b give theirs up.
    let c = await joined(coord, "c");
    expect(coord.describeConsumerGroup("g").groupEpoch).toBe(before.groupEpoch + 1);
    for (let round = 0; round < 3; round++) {
      a = await settle(coord, a);
      b = await settle(coord, b);
      c = await settle(coord, c);
    }
    expect([a, b, c].map((h) => h.owned.length).sort()).toEqual([1, 1, 2]);
  });

  it("a leave: the member is still in, with its epoch and partitions; the retried leave removes it", async () => {
    const log = new InMemoryOffsetLog();
    const { coord } = await coordinator({ offsetLog: log, ...hooks });
    const { a, b } = await twoMembers(coord);
    const before = coord.describeConsumerGroup("g");

    log.failNextAppend = enospc();
    const refused = await coord.consumerGroupHeartbeatDurable(hb({ memberId: "a", memberEpoch: -1 }));
    expect(refused.errorCode).toBe(Err.NOT_COORDINATOR);
    expect(coord.describeConsumerGroup("g")).toEqual(before);
    expect(await beat(coord, a)).toMatchObject({ errorCode: Err.NONE, memberEpoch: a.memberEpoch, assignment: null });
    expect(await beat(coord, b)).toMatchObject({ errorCode: Err.NONE, memberEpoch: b.memberEpoch, assignment: null });

    expect((await coord.consumerGroupHeartbeatDurable(hb({ memberId: "a", memberEpoch: -1 }))).errorCode).toBe(Err.NONE);
    expect(coord.describeConsumerGroup("g").members.map((m) => m.memberId)).toEqual(["b"]);
    expect((await settle(coord, b)).owned).toHaveLength(4);
  });

  it("a subscription change: the old subscription and group epoch stay; the retry changes them", async () => {
    const log = new InMemoryOffsetLog();
    const { coord } = await coordinator({ offsetLog: log, ...hooks });
    const { a } = await twoMembers(coord);
    const before = coord.describeConsumerGroup("g");
    const change = hb({ memberId: "a", memberEpoch: a.memberEpoch, topicPartitions: a.owned, subscribedTopicNames: ["orders", "audit"], rebalanceTimeoutMs: -1 });

    log.failNextAppend = enospc();
    expect((await coord.consumerGroupHeartbeatDurable(change)).errorCode).toBe(Err.NOT_COORDINATOR);
    expect(coord.describeConsumerGroup("g")).toEqual(before);

    expect((await coord.consumerGroupHeartbeatDurable(change)).errorCode).toBe(Err.NONE);
    const after = coord.describeConsumerGroup("g");
    expect(after.groupEpoch).toBe(before.groupEpoch + 1);
    expect(after.members.find((m) => m.memberId === "a")!.subscribedTopicNames).toEqual(["audit", "orders"]);
  });

  it("a static member's replacement: the member that left temporarily keeps its place and partitions", async () => {
    const log = new InMemoryOffsetLog();
    const { coord } = await coordinator({ offsetLog: log, ...hooks });
    let s1 = await joined(coord, "s1", { instanceId: "worker-1" });
    s1 = await settle(coord, s1);
    expect(s1.owned).toHaveLength(4);
    const away = await coord.consumerGroupHeartbeatDurable(hb({ memberId: "s1", memberEpoch: -2, instanceId: "worker-1" }));
    expect(away.errorCode).toBe(Err.NONE);
    const before = coord.describeConsumerGroup("g");

    log.failNextAppend = enospc();
    const refused = await coord.consumerGroupHeartbeatDurable(hb({ memberId: "s2", instanceId: "worker-1" }));
    expect(refused.errorCode).toBe(Err.NOT_COORDINATOR);
    expect(coord.describeConsumerGroup("g")).toEqual(before);

    const back = await coord.consumerGroupHeartbeatDurable(hb({ memberId: "s2", instanceId: "worker-1" }));
    expect(back.errorCode).toBe(Err.NONE);
    expect(back.assignment).toHaveLength(4);
    expect(coord.describeConsumerGroup("g").members.map((m) => m.memberId)).toEqual(["s2"]);
  });

  it("a session timeout: the fenced member is back with a new session, and goes once its removal is written", async () => {
    const log = new InMemoryOffsetLog();
    const { coord, clock } = await coordinator({ offsetLog: log, ...hooks });
    let { a } = await twoMembers(coord);
    const before = coord.describeConsumerGroup("g");

    clock.advance(600);
    a = await settle(coord, a); // a keeps heartbeating, b does not
    log.failNextAppend = enospc();
    clock.advance(500); // b's session ends; its removal cannot be written
    await flush();
    expect(coord.describeConsumerGroup("g")).toEqual(before);
    expect(await beat(coord, a)).toMatchObject({ errorCode: Err.NONE, memberEpoch: a.memberEpoch, assignment: null });

    clock.advance(500);
    a = await settle(coord, a);
    clock.advance(500); // b's new session, from the rollback, ends; this time the removal is written
    await flush();
    expect(coord.describeConsumerGroup("g").members.map((m) => m.memberId)).toEqual(["a"]);
    expect((await settle(coord, a)).owned).toHaveLength(4);
  });

  it("a group the failed join created is gone again (an empty classic group if it has offsets)", async () => {
    const log = new InMemoryOffsetLog();
    const { coord } = await coordinator({ offsetLog: log, ...hooks });
    log.failNextAppend = enospc();
    expect((await coord.consumerGroupHeartbeatDurable(hb({ groupId: "new", memberId: "m" }))).errorCode).toBe(Err.NOT_COORDINATOR);
    expect(coord.listGroups()).toEqual([]);

    await coord.commitOffsets({ groupId: "kept", generationId: -1, memberId: "", apiVersion: 9, topics: [{ name: "orders", partitions: [{ partitionIndex: 0, committedOffset: 5n }] }] });
    log.failNextAppend = enospc();
    expect((await coord.consumerGroupHeartbeatDurable(hb({ groupId: "kept", memberId: "m" }))).errorCode).toBe(Err.NOT_COORDINATOR);
    expect(coord.listGroups()).toEqual([{ groupId: "kept", protocolType: "", state: "Empty", type: "classic" }]);

    expect((await coord.consumerGroupHeartbeatDurable(hb({ groupId: "kept", memberId: "m" }))).errorCode).toBe(Err.NONE);
    expect(coord.listGroups()).toEqual([{ groupId: "kept", protocolType: "consumer", state: "Stable", type: "consumer" }]);
  });
});

describe("online migration whose write fails", () => {
  it("a failed upgrade puts the classic group back; a failed downgrade puts the consumer group back", async () => {
    const log = new InMemoryOffsetLog();
    const { coord, clock } = await coordinator({ offsetLog: log, ...hooks, config: { ...config, consumerMigrationPolicy: "bidirectional" } });
    const joining = coord.joinGroup(join({ protocols: [{ name: "range", metadata: encodeSubscription(["orders"]) }], sessionTimeoutMs: 10_000 }));
    clock.advance(200);
    const j = await joining;
    const all = [0, 1, 2, 3].map((partition) => ({ topic: "orders", partition }));
    const s = await coord.syncGroup({ groupId: "g", generationId: j.generationId, memberId: j.memberId, assignments: [{ memberId: j.memberId, assignment: assignmentBytes(all) }] });
    expect(s.errorCode).toBe(Err.NONE);
    const classic = () => coord.heartbeat({ groupId: "g", generationId: j.generationId, memberId: j.memberId }).errorCode;

    log.failNextAppend = enospc();
    expect((await coord.consumerGroupHeartbeatDurable(hb({ memberId: "c" }))).errorCode).toBe(Err.NOT_COORDINATOR);
    expect(coord.listGroups()).toEqual([{ groupId: "g", protocolType: "consumer", state: "Stable", type: "classic" }]);
    expect(classic()).toBe(Err.NONE);

    expect((await coord.consumerGroupHeartbeatDurable(hb({ memberId: "c" }))).errorCode).toBe(Err.NONE);
    const upgraded = coord.describeConsumerGroup("g");
    expect(upgraded.members.map((m) => m.memberId).sort()).toEqual(["c", j.memberId].sort());

    // c leaves: only the classic member remains, so the group would go back to classic; that write fails.
    log.failNextAppend = enospc();
    expect((await coord.consumerGroupHeartbeatDurable(hb({ memberId: "c", memberEpoch: -1 }))).errorCode).toBe(Err.NOT_COORDINATOR);
    expect(coord.describeConsumerGroup("g")).toEqual(upgraded);
    expect((await coord.consumerGroupHeartbeatDurable(hb({ memberId: "c", memberEpoch: -1 }))).errorCode).toBe(Err.NONE);
    expect(coord.listGroups()[0]).toMatchObject({ groupId: "g", type: "classic" });
  });
});

describe("a classic-protocol member joining a consumer group, whose write fails", () => {
  it("gets the error in its JoinGroup; the group is as before; its retry joins", async () => {
    const log = new InMemoryOffsetLog();
    const { coord } = await coordinator({ offsetLog: log, ...hooks });
    const c = await settle(coord, await joined(coord, "c"));
    expect(c.owned).toHaveLength(4);
    const before = coord.describeConsumerGroup("g");
    const classicJoin = () => coord.joinGroup(join({ protocols: [{ name: "range", metadata: encodeSubscription(["orders"]) }], sessionTimeoutMs: 10_000 }));

    log.failNextAppend = enospc();
    expect((await classicJoin()).errorCode).toBe(Err.NOT_COORDINATOR);
    expect(coord.describeConsumerGroup("g")).toEqual(before);
    expect(await beat(coord, c)).toMatchObject({ errorCode: Err.NONE, memberEpoch: c.memberEpoch, assignment: null });

    expect((await classicJoin()).errorCode).toBe(Err.NONE);
    expect(coord.describeConsumerGroup("g").members).toHaveLength(2);
  });
});

/** An offsets log whose appends the test settles one by one. */
class GatedLog extends InMemoryOffsetLog {
  readonly waiting: Array<{ records: OffsetLogRecord[]; pass(): void; fail(error: Error): void }> = [];

  override append(_groupId: string, records: OffsetLogRecord[]): Promise<void> {
    return new Promise((resolve, reject) => {
      this.waiting.push({
        records,
        pass: () => resolve(void this.records.push(...records)),
        fail: reject,
      });
    });
  }
}

describe("what a restart finds after a failed write", () => {
  it("a failed join, then a successful change: the restart finds the successful state, without the refused member", async () => {
    const log = new InMemoryOffsetLog();
    const first = await coordinator({ offsetLog: log, ...hooks });
    const { a, b } = await twoMembers(first.coord);
    log.failNextAppend = enospc();
    expect((await first.coord.consumerGroupHeartbeatDurable(hb({ memberId: "c" }))).errorCode).toBe(Err.NOT_COORDINATOR);
    // Then a successful change: a leaves.
    expect((await first.coord.consumerGroupHeartbeatDurable(hb({ memberId: "a", memberEpoch: -1 }))).errorCode).toBe(Err.NONE);
    const live = first.coord.describeConsumerGroup("g");
    expect(live.members.map((m) => m.memberId)).toEqual(["b"]);
    first.coord.close();

    const { coord } = await coordinator({ offsetLog: log, ...hooks });
    expect(coord.describeConsumerGroup("g")).toEqual(live);
    expect(a.memberEpoch).toBeGreaterThan(0);
    expect((await settle(coord, b)).owned).toHaveLength(4);
  });

  it("an upgrade queued behind a classic write that succeeds, then failing itself, puts the classic group back", async () => {
    const log = new GatedLog();
    const { coord, clock } = await coordinator({ offsetLog: log, ...hooks, config: { ...config, consumerMigrationPolicy: "upgrade" } });
    const protocols = [{ name: "range", metadata: encodeSubscription(["orders"]) }];
    const all = [0, 1, 2, 3].map((partition) => ({ topic: "orders", partition }));
    const generation = async (memberId = "") => {
      const joining = coord.joinGroup(join({ memberId, protocols, sessionTimeoutMs: 10_000 }));
      clock.advance(200);
      const j = await joining;
      const sync = coord.syncGroup({ groupId: "g", generationId: j.generationId, memberId: j.memberId, assignments: [{ memberId: j.memberId, assignment: assignmentBytes(all) }] });
      await flush();
      return { j, sync };
    };
    const first = await generation();
    log.waiting.shift()!.pass();
    expect((await first.sync).errorCode).toBe(Err.NONE);

    // The leader rejoins: the next generation's record is being written when a KIP-848 member arrives.
    const second = await generation(first.j.memberId);
    expect(log.waiting).toHaveLength(1);
    const upgrade = coord.consumerGroupHeartbeatDurable(hb({ memberId: "c" }));
    await flush();
    log.waiting.shift()!.pass(); // the classic generation is durable
    // The upgrade took the group over while that generation was being written: its SyncGroup is told so.
    expect((await second.sync).errorCode).toBe(Err.REBALANCE_IN_PROGRESS);
    await flush();
    log.waiting.shift()!.fail(enospc()); // the upgrade is not durable
    expect((await upgrade).errorCode).toBe(Err.NOT_COORDINATOR);

    // The group is what the log holds, the classic one (not a consumer group the log never got), and its
    // member carries on in it.
    expect(coord.listGroups()).toEqual([expect.objectContaining({ groupId: "g", type: "classic" })]);
    const third = await generation(first.j.memberId);
    log.waiting.shift()!.pass();
    expect((await third.sync).errorCode).toBe(Err.NONE);
    expect(coord.listGroups()).toEqual([{ groupId: "g", protocolType: "consumer", state: "Stable", type: "classic" }]);
  });

  it("writes made while one is in flight go together in the next append, once it succeeded", async () => {
    const log = new GatedLog();
    const first = await coordinator({ offsetLog: log, ...hooks });
    const joins = ["a", "b", "c"].map((memberId) => first.coord.consumerGroupHeartbeatDurable(hb({ memberId })));
    await flush();
    expect(log.waiting).toHaveLength(1); // a's join; b's and c's wait behind it
    log.waiting.shift()!.pass();
    await flush();
    expect(log.waiting).toHaveLength(1);
    const merged = log.waiting[0]!.records;
    // The group record and a's, b's and c's member records (a's target moved), each once, latest value.
    expect(merged).toHaveLength(4);
    expect(new Set(merged.map((r) => Buffer.from(r.key).toString("hex"))).size).toBe(4);
    log.waiting.shift()!.pass();
    expect((await Promise.all(joins)).map((r) => r.errorCode)).toEqual([Err.NONE, Err.NONE, Err.NONE]);
    const live = first.coord.describeConsumerGroup("g");
    first.coord.close();
    const replayed = new InMemoryOffsetLog();
    replayed.records.push(...log.records);
    const { coord } = await coordinator({ offsetLog: replayed, ...hooks });
    expect(coord.describeConsumerGroup("g")).toEqual(live);
  });

  it("writes made while the failed one was in flight are not appended: the log never holds half of a change", async () => {
    const log = new GatedLog();
    const first = await coordinator({ offsetLog: log, ...hooks });
    const a = joined(first.coord, "a");
    log.waiting.shift()!.pass();
    const held = await settle(first.coord, await a);
    const stable = first.coord.describeConsumerGroup("g");
    const written = log.records.length;

    // c joins (epoch bump, new target), then a heartbeats while c's records are still being written: a is
    // told to give partitions up, a change computed from c's join.
    const c = first.coord.consumerGroupHeartbeatDurable(hb({ memberId: "c" }));
    const aBeat = beat(first.coord, held);
    await flush();
    expect(log.waiting).toHaveLength(1); // a's change waits behind c's
    log.waiting.shift()!.fail(enospc());
    expect((await c).errorCode).toBe(Err.NOT_COORDINATOR);
    expect((await aBeat).errorCode).toBe(Err.NOT_COORDINATOR);
    await flush();
    expect(log.waiting).toHaveLength(0);
    expect(log.records.length).toBe(written);
    expect(first.coord.describeConsumerGroup("g")).toEqual(stable);
    first.coord.close();

    const replayed = new InMemoryOffsetLog();
    replayed.records.push(...log.records);
    const { coord } = await coordinator({ offsetLog: replayed, ...hooks });
    expect(coord.describeConsumerGroup("g")).toEqual(stable);
  });

  it("a disk that stays full is one warning per group, its retries debug lines, and one info line once writes succeed", async () => {
    const log = new InMemoryOffsetLog();
    const logger = memoryLogger();
    const { coord } = await coordinator({ offsetLog: log, logger, ...hooks });
    await twoMembers(coord);
    // c's join is refused three times in a row (every retry a new write of the group), then goes through.
    for (let attempt = 0; attempt < 3; attempt++) {
      log.failNextAppend = enospc();
      expect((await coord.consumerGroupHeartbeatDurable(hb({ memberId: "c" }))).errorCode).toBe(Err.NOT_COORDINATOR);
    }
    await joined(coord, "c");
    const lines = logger.entries.filter((e) => e.group === "g" && /group metadata/.test(e.msg)).map((e) => `${e.level} ${e.msg}`);
    expect(lines).toEqual([
      "warn group metadata could not be written",
      "debug group metadata still could not be written",
      "debug group metadata still could not be written",
      "info group metadata is written again",
    ]);
  });
});

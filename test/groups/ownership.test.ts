// Cluster mode's per-partition ownership of groups (src/groups/ownership.ts, GroupCoordinator.partitioned):
// a coordinator answers only for groups of offsets partitions it loaded, reloads a partition's committed
// offsets from the log when it gains it, and answers NOT_COORDINATOR after losing it.

import { describe, expect, it } from "vitest";
import { Err, InMemoryOffsetLog, type OffsetLogRecord } from "../../src/groups/index.js";
import { coordinator, flush, join, track } from "./helpers.js";

/** Two partitions: groups starting with "a" go to 0, others to 1; records are kept per partition. */
class TwoPartitionLog extends InMemoryOffsetLog {
  readonly parts: OffsetLogRecord[][] = [[], []];
  failReplay: Error | undefined;
  partitionFor(groupId: string): number {
    return groupId.startsWith("a") ? 0 : 1;
  }
  override async append(groupId: string, records: OffsetLogRecord[]): Promise<void> {
    await super.append(groupId, records);
    this.parts[this.partitionFor(groupId)]!.push(...records);
  }
  async replayPartition(partition: number, visit: (r: OffsetLogRecord) => void): Promise<void> {
    if (this.failReplay) throw this.failReplay;
    for (const r of this.parts[partition]!) visit(r);
  }
}

const commit = (groupId: string, offset: bigint) => ({ groupId, generationId: -1, memberId: "", topics: [{ name: "t", partitions: [{ partitionIndex: 0, committedOffset: offset, committedMetadata: null }] }] });
const fetchOffset = (groupId: string) => ({ groupId, topics: [{ name: "t", partitionIndexes: [0] }] });

describe("GroupCoordinator ownership (cluster mode)", () => {
  it("owns no group until a partition is loaded, then serves that partition's committed offsets", async () => {
    const log = new TwoPartitionLog();
    const { coord } = await coordinator({ offsetLog: log });
    await coord.commitOffsets(commit("alpha", 7n));
    await coord.commitOffsets(commit("beta", 9n));
    coord.partitioned();
    expect(coord.fetchOffsets(fetchOffset("alpha")).errorCode).toBe(Err.NOT_COORDINATOR);
    expect(coord.listGroups()).toEqual([]);
    await coord.loadPartition(0);
    const a = coord.fetchOffsets(fetchOffset("alpha"));
    expect(a.errorCode).toBe(Err.NONE);
    expect(a.topics[0]!.partitions[0]!.committedOffset).toBe(7n);
    expect(coord.listGroups().map((g) => g.groupId)).toEqual(["alpha"]);
    expect(coord.fetchOffsets(fetchOffset("beta")).errorCode).toBe(Err.NOT_COORDINATOR);
    const c = await coord.commitOffsets(commit("beta", 10n));
    expect(c.topics[0]!.partitions[0]!.errorCode).toBe(Err.NOT_COORDINATOR);
  });

  it("group membership moves with the partition: restored on load, dropped on unload, restored again", async () => {
    const log = new TwoPartitionLog();
    const config = { consumerSessionTimeoutMs: 10_000 };
    const { coord } = await coordinator({ offsetLog: log, partitionsFor: () => 2, config });
    coord.partitioned();
    await coord.loadPartition(0);
    await coord.loadPartition(1);
    const hb = { memberId: "m", instanceId: null, rackId: null, serverAssignor: null };
    const joined = await coord.consumerGroupHeartbeatDurable({ ...hb, groupId: "a-848", memberEpoch: 0, rebalanceTimeoutMs: 5000, subscribedTopicNames: ["t"], topicPartitions: [] });
    expect(joined).toMatchObject({ errorCode: Err.NONE, memberEpoch: 1 });
    await coord.consumerGroupHeartbeatDurable({ ...hb, groupId: "b-848", memberEpoch: 0, rebalanceTimeoutMs: 5000, subscribedTopicNames: ["t"], topicPartitions: [] });
    coord.unloadPartition(0);
    expect(coord.describeConsumerGroup("a-848").errorCode).toBe(Err.NOT_COORDINATOR);
    const steady = { ...hb, groupId: "a-848", memberEpoch: 1, rebalanceTimeoutMs: -1, subscribedTopicNames: null, topicPartitions: joined.assignment };
    expect((await coord.consumerGroupHeartbeatDurable(steady)).errorCode).toBe(Err.NOT_COORDINATOR);
    expect(coord.describeConsumerGroup("b-848").members).toHaveLength(1); // the other partition is untouched
    await coord.loadPartition(0);
    expect(await coord.consumerGroupHeartbeatDurable(steady)).toMatchObject({ errorCode: Err.NONE, memberEpoch: 1, assignment: null });
    expect(coord.describeConsumerGroup("a-848")).toMatchObject({ state: "Stable", groupEpoch: 1 });
  });

  it("answers COORDINATOR_LOAD_IN_PROGRESS while loading, and reads what another broker wrote meanwhile", async () => {
    const log = new TwoPartitionLog();
    const { coord } = await coordinator({ offsetLog: log });
    coord.partitioned();
    // Another leader appended to partition 1 while this broker followed it.
    await coord.loadPartition(1);
    await coord.commitOffsets(commit("beta", 3n));
    coord.unloadPartition(1);
    log.parts[1]!.push(...(await recordsFor(log, "beta", 42n)));
    let release!: () => void;
    const loading = track(coord.loadPartition(1, () => new Promise<void>((r) => (release = r))));
    await flush();
    expect(coord.fetchOffsets(fetchOffset("beta")).errorCode).toBe(Err.COORDINATOR_LOAD_IN_PROGRESS);
    expect(coord.heartbeat({ groupId: "beta", generationId: 1, memberId: "m" }).errorCode).toBe(Err.NONE);
    release();
    await flush();
    expect(loading.done).toBe(true);
    expect(coord.fetchOffsets(fetchOffset("beta")).topics[0]!.partitions[0]!.committedOffset).toBe(42n);
  });

  it("unloading answers a parked JoinGroup with NOT_COORDINATOR and forgets the group", async () => {
    const log = new TwoPartitionLog();
    const { coord } = await coordinator({ offsetLog: log });
    coord.partitioned();
    await coord.loadPartition(0);
    const parked = track(coord.joinGroup(join({ groupId: "alpha", memberId: "" })));
    await flush();
    const first = parked.done ? parked.value : undefined;
    // A v4+ join first answers MEMBER_ID_REQUIRED; join again with the id to park in the rebalance.
    const memberId = first?.memberId ?? "";
    const again = first ? track(coord.joinGroup(join({ groupId: "alpha", memberId }))) : parked;
    await flush();
    expect(again.done).toBe(false);
    coord.unloadPartition(0);
    await flush();
    expect(again.done).toBe(true);
    expect(again.value.errorCode).toBe(Err.NOT_COORDINATOR);
    expect(coord.describeConsumerGroup("alpha").errorCode).toBe(Err.NOT_COORDINATOR);
    expect(() => coord.describeGroup("alpha")).toThrow(/not the coordinator/);
  });

  it("a load that fails leaves the partition unowned (NOT_COORDINATOR), and a later load succeeds", async () => {
    const log = new TwoPartitionLog();
    const { coord } = await coordinator({ offsetLog: log });
    coord.partitioned();
    log.failReplay = new Error("disk gone");
    await coord.loadPartition(0);
    expect(coord.fetchOffsets(fetchOffset("alpha")).errorCode).toBe(Err.NOT_COORDINATOR);
    log.failReplay = undefined;
    await coord.loadPartition(0);
    expect(coord.fetchOffsets(fetchOffset("alpha")).errorCode).toBe(Err.NONE);
  });

  it("a load overtaken by an unload does not activate the partition", async () => {
    const log = new TwoPartitionLog();
    const { coord } = await coordinator({ offsetLog: log });
    coord.partitioned();
    let release!: () => void;
    const loading = coord.loadPartition(0, () => new Promise<void>((r) => (release = r)));
    await flush();
    coord.unloadPartition(0);
    release();
    await loading;
    expect(coord.fetchOffsets(fetchOffset("alpha")).errorCode).toBe(Err.NOT_COORDINATOR);
    expect(coord.ownedPartitions()).toEqual([]);
  });
});

/** The records a commit of `offset` by `groupId` appends (written through a scratch coordinator). */
async function recordsFor(_log: TwoPartitionLog, groupId: string, offset: bigint): Promise<OffsetLogRecord[]> {
  const scratch = new TwoPartitionLog();
  const { coord } = await coordinator({ offsetLog: scratch });
  await coord.commitOffsets(commit(groupId, offset));
  return scratch.records;
}

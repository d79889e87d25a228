// Committed offsets survive a broker restart through `__consumer_offsets` (needs the built shard worker:
// `npm run build:ts`).
import { describe, expect, it } from "vitest";
import { decodeRecordBatch, encodeRecordBatch, scanBatches } from "../../src/core/index.js";
import { encodeGroupKey, RecordType } from "../../src/groups/persist/records.js";
import { BrokerOffsetLog, createBrokerCoordinator, decodeOffsetKey, decodeOffsetValue, OFFSETS_TOPIC } from "../../src/groups/index.js";
import { batch, tempDataDirs } from "../broker/helpers.js";
import { quiet } from "./helpers.js";

const env = tempDataDirs();

const commit = (groupId: string, partition: number, offset: bigint, metadata = "") => ({
  groupId,
  generationId: -1,
  memberId: "",
  topics: [{ name: "orders", partitions: [{ partitionIndex: partition, committedOffset: offset, committedMetadata: metadata }] }],
});

describe("BrokerOffsetLog", () => {
  it("creates a compacted __consumer_offsets and keeps offsets across a broker restart", async () => {
    const dataDir = env.dir();
    let broker = await env.broker({ dataDir });
    await broker.createTopic("orders", { partitions: 3 });
    await broker.produce("orders", 0, batch(["a", "b", "c"]));
    let coord = await createBrokerCoordinator(broker, { logger: quiet });
    expect((await coord.commitOffsets(commit("g1", 0, 2n, "first"))).topics[0]!.partitions[0]!.errorCode).toBe(0);
    await coord.commitOffsets(commit("g1", 0, 3n, "second"));
    await coord.commitOffsets(commit("g1", 1, 9n));
    await coord.commitOffsets(commit("g2", 2, 5n));
    await coord.commitOffsets(commit("gone", 0, 1n));
    expect(await coord.deleteGroups(["gone"])).toEqual([{ groupId: "gone", errorCode: 0 }]);
    await coord.deleteGroupOffsets("g1", [{ topic: "orders", partition: 1 }]);
    const described = await broker.describeTopic(OFFSETS_TOPIC);
    expect(described.partitions).toHaveLength(4);
    expect(described.configs.find((c) => c.name === "cleanup.policy")?.value).toBe("compact");
    coord.close();
    await broker.close();

    broker = await env.broker({ dataDir });
    coord = await createBrokerCoordinator(broker, { logger: quiet });
    expect(coord.listGroups().map((g) => [g.groupId, g.state])).toEqual([["g1", "Empty"], ["g2", "Empty"]]);
    expect(coord.fetchOffsets({ groupId: "g1", topics: null }).topics).toEqual([
      { name: "orders", partitions: [{ partitionIndex: 0, committedOffset: 3n, committedLeaderEpoch: -1, metadata: "second", errorCode: 0 }] },
    ]);
    expect(coord.fetchOffsets({ groupId: "g2", topics: [{ name: "orders", partitionIndexes: [2] }] }).topics[0]!.partitions[0]!.committedOffset).toBe(5n);
    const d = await coord.describeGroup("g1");
    expect(d.offsets[0]).toMatchObject({ committedOffset: 3n, logEndOffset: 3n, lag: 0n });
    expect((await coord.resetOffsets("g1", "orders", "earliest", [0])).partitions[0]!.offset).toBe(0n);
    coord.close();
  });

  it("keeps KIP-848 group membership across a broker restart; a damaged group record is skipped, not fatal", async () => {
    const dataDir = env.dir();
    let broker = await env.broker({ dataDir });
    await broker.createTopic("orders", { partitions: 3 });
    const warnings: string[] = [];
    const logger = { ...quiet, warn: (msg: string) => void warnings.push(msg), child: () => logger };
    let coord = await createBrokerCoordinator(broker, { logger });
    const hb = { groupId: "live", memberId: "m1", instanceId: null, rackId: null, serverAssignor: null };
    const joined = await coord.consumerGroupHeartbeatDurable({ ...hb, memberEpoch: 0, rebalanceTimeoutMs: 5000, subscribedTopicNames: ["orders"], topicPartitions: [] });
    expect(joined).toMatchObject({ errorCode: 0, memberEpoch: 1 });
    // A group record nobody can read, in the partition its key hashes to.
    const log = new BrokerOffsetLog(broker);
    await log.append("bad", [{ key: encodeGroupKey({ type: RecordType.ConsumerGroup, group: "bad" }), value: new Uint8Array([0, 0, 0xff]) }]);
    coord.close();
    await broker.close();

    broker = await env.broker({ dataDir });
    coord = await createBrokerCoordinator(broker, { logger });
    expect(coord.describeConsumerGroup("live")).toMatchObject({ state: "Stable", groupEpoch: 1, members: [{ memberId: "m1", memberEpoch: 1 }] });
    expect(coord.listGroups().map((g) => g.groupId)).toEqual(["live"]);
    expect(warnings).toContain("skipping an unreadable group record");
    const again = await coord.consumerGroupHeartbeatDurable({ ...hb, memberEpoch: 1, rebalanceTimeoutMs: -1, subscribedTopicNames: null, topicPartitions: joined.assignment });
    expect(again).toMatchObject({ errorCode: 0, memberEpoch: 1, assignment: null });
    coord.close();
  });

  it("writes one keyed batch per commit to the group's partition, in Kafka's record format", async () => {
    const broker = await env.broker();
    await broker.createTopic("orders", { partitions: 2 });
    const log = new BrokerOffsetLog(broker, { partitions: 2 });
    const coord = await createBrokerCoordinator(broker, { logger: quiet, offsetsTopic: { partitions: 2 } });
    const res = await coord.commitOffsets({
      groupId: "g",
      generationId: -1,
      memberId: "",
      topics: [{ name: "orders", partitions: [0, 1].map((p) => ({ partitionIndex: p, committedOffset: BigInt(10 + p) })) }],
    });
    expect(res.topics[0]!.partitions.map((p) => p.errorCode)).toEqual([0, 0]);
    // An unknown topic is refused per partition, and nothing is written for it.
    const unknown = await coord.commitOffsets({ groupId: "g", generationId: -1, memberId: "", topics: [{ name: "nope", partitions: [{ partitionIndex: 0, committedOffset: 1n }] }] });
    expect(unknown.topics[0]!.partitions[0]!.errorCode).toBe(3);
    await log.replay(() => {}); // learns the partition count
    const partition = log.partitionFor("g");
    const { records } = await broker.fetch(OFFSETS_TOPIC, partition, 0n);
    const batches = scanBatches(records).batches;
    expect(batches).toHaveLength(1);
    const decoded = decodeRecordBatch(records.subarray(batches[0]!.position, batches[0]!.position + batches[0]!.size)).records;
    expect(decoded.map((r) => [decodeOffsetKey(r.key!), decodeOffsetValue(r.value!).offset])).toEqual([
      [{ group: "g", topic: "orders", partition: 0 }, 10n],
      [{ group: "g", topic: "orders", partition: 1 }, 11n],
    ]);
    coord.close();
  });
});

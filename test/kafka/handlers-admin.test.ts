// The handlers added with the modern protocol, driven directly (no sockets): topic ids in Metadata v12
// and DeleteTopics v6, FindCoordinator v4 batches, OffsetFetch v8 groups, ListGroups v5 filters, and the
// admin APIs no test client here calls (IncrementalAlterConfigs, OffsetDelete, DescribeCluster,
// DescribeLogDirs, DescribeProducers, OffsetForLeaderEpoch), each with its refusals.

import { beforeAll, describe, expect, it } from "vitest";
import { encodeRecordBatch } from "../../src/core/index.js";
import { dispatch, type KafkaBrokerContext } from "../../src/frontends/kafka/handlers/index.js";
import { ApiKey, concat, decodeResponseFrame, type ApiKeyValue, type DecodedRequest, type RequestOf, type ResponseOf } from "../../src/protocol/kafka/index.js";
import { kafkaServers, type KafkaTestServer } from "./helpers.js";
import { handlerContext } from "./handler-context.js";

const servers = kafkaServers();
let s: KafkaTestServer;
let ctx: KafkaBrokerContext;

async function call<K extends ApiKeyValue>(apiKey: K, version: number, request: RequestOf<K>, context = ctx): Promise<ResponseOf<K>> {
  const header = { apiKey, apiVersion: version, correlationId: 1, clientId: "t" };
  const decoded = { apiKey, header, request } as DecodedRequest;
  const parts = await dispatch(context, decoded, { header, clientHost: "/127.0.0.1", signal: new AbortController().signal });
  return decodeResponseFrame(apiKey, version, concat(parts!).subarray(4)).response;
}

const idOf = (topic: string) => Uint8Array.from(Buffer.from(s.server.broker.topic(topic)!.id.replace(/-/g, ""), "hex"));
const hex = (b: Uint8Array | undefined) => Buffer.from(b ?? []).toString("hex");

beforeAll(async () => {
  s = await servers.start({ groups: { initialRebalanceDelayMs: 0 } });
  await s.server.broker.createTopic("ha", { partitions: 2 });
  ctx = handlerContext(s);
});

describe("topic ids", () => {
  it("Metadata v12 reports each topic's stable id and looks topics up by id", async () => {
    const byName = await call(ApiKey.Metadata, 12, { topics: [{ name: "ha" }], allowAutoTopicCreation: false, includeTopicAuthorizedOperations: true });
    expect(hex(byName.topics[0]!.topicId)).toBe(hex(idOf("ha")));
    expect(byName.topics[0]!.topicAuthorizedOperations).toBeGreaterThan(0);
    const byId = await call(ApiKey.Metadata, 12, { topics: [{ name: null, topicId: idOf("ha") }], allowAutoTopicCreation: false });
    expect(byId.topics[0]).toMatchObject({ errorCode: 0, name: "ha" });
    const unknown = await call(ApiKey.Metadata, 12, { topics: [{ name: null, topicId: new Uint8Array(16).fill(9) }], allowAutoTopicCreation: true });
    expect(unknown.topics[0]).toMatchObject({ errorCode: 100, name: null, partitions: [] });
    expect(s.server.broker.listTopics().map((t) => t.name).filter((n) => !n.startsWith("__"))).toEqual(["ha"]);
  });

  it("a re-created topic gets a new id; DeleteTopics v6 by a stale id is UNKNOWN_TOPIC_ID", async () => {
    await s.server.broker.createTopic("hb", { partitions: 1 });
    const old = idOf("hb");
    await s.server.broker.deleteTopic("hb");
    await s.server.broker.createTopic("hb", { partitions: 1 });
    expect(hex(idOf("hb"))).not.toBe(hex(old));
    const stale = await call(ApiKey.DeleteTopics, 6, { topics: [{ name: null, topicId: old }], topicNames: [], timeoutMs: 1000 });
    expect(stale.responses[0]).toMatchObject({ errorCode: 100, name: null });
    const byId = await call(ApiKey.DeleteTopics, 6, { topics: [{ name: null, topicId: idOf("hb") }], topicNames: [], timeoutMs: 1000 });
    expect(byId.responses[0]).toMatchObject({ errorCode: 0, name: "hb" });
    expect(s.server.broker.topic("hb")).toBeUndefined();
  });
});

describe("group APIs at their newest versions", () => {
  it("FindCoordinator v4 answers each key; OffsetFetch v8 answers each group; ListGroups v5 filters", async () => {
    const fc = await call(ApiKey.FindCoordinator, 4, { key: "", keyType: 0, coordinatorKeys: ["g1", "g2"] });
    expect(fc.coordinators!.map((c) => [c.key, c.nodeId, c.errorCode])).toEqual([["g1", 1, 0], ["g2", 1, 0]]);
    const txn = await call(ApiKey.FindCoordinator, 4, { key: "", keyType: 1, coordinatorKeys: ["t1"] });
    expect(txn.coordinators!.map((c) => [c.key, c.nodeId, c.errorCode])).toEqual([["t1", 1, 0]]);
    const share = await call(ApiKey.FindCoordinator, 6, { key: "", keyType: 2, coordinatorKeys: ["s1"] });
    expect(share.coordinators![0]!.errorCode).toBe(42);

    await call(ApiKey.OffsetCommit, 9, { groupId: "hg", generationIdOrMemberEpoch: -1, memberId: "", groupInstanceId: null, retentionTimeMs: -1n, topics: [{ name: "ha", partitions: [{ partitionIndex: 1, committedOffset: 7n, committedLeaderEpoch: -1, committedMetadata: "m" }] }] });
    const of = await call(ApiKey.OffsetFetch, 8, { groupId: "", topics: [], groups: [{ groupId: "hg", topics: null }, { groupId: "none", topics: [{ name: "ha", partitionIndexes: [0] }] }] });
    expect(of.groups!.map((g) => [g.groupId, g.errorCode, g.topics.flatMap((t) => t.partitions.map((p) => `${t.name}/${p.partitionIndex}@${p.committedOffset}`))])).toEqual([
      ["hg", 0, ["ha/1@7"]],
      ["none", 0, ["ha/0@-1"]],
    ]);
    const all = await call(ApiKey.ListGroups, 5, { statesFilter: [], typesFilter: [] });
    expect(all.groups.find((g) => g.groupId === "hg")).toMatchObject({ groupState: "Empty", groupType: "classic" });
    expect((await call(ApiKey.ListGroups, 5, { statesFilter: ["Stable"], typesFilter: [] })).groups).toEqual([]);
    expect((await call(ApiKey.ListGroups, 5, { statesFilter: [], typesFilter: ["consumer"] })).groups).toEqual([]);

    // OffsetDelete: removes the group's offsets for the named partitions; unknown group refused.
    const del = await call(ApiKey.OffsetDelete, 0, { groupId: "hg", topics: [{ name: "ha", partitions: [{ partitionIndex: 1 }] }] });
    expect(del).toMatchObject({ errorCode: 0, topics: [{ name: "ha", partitions: [{ partitionIndex: 1, errorCode: 0 }] }] });
    const after = await call(ApiKey.OffsetFetch, 8, { groupId: "", topics: [], groups: [{ groupId: "hg", topics: [{ name: "ha", partitionIndexes: [1] }] }] });
    expect(after.groups![0]!.topics[0]!.partitions[0]!.committedOffset).toBe(-1n);
    expect((await call(ApiKey.OffsetDelete, 0, { groupId: "nope", topics: [] })).errorCode).toBe(69);
  });
});

describe("ListOffsets v10 specs", () => {
  it("-4 (earliest local) is the earliest offset; -5 (latest tiered) is -1: nothing is tiered", async () => {
    await s.server.broker.createTopic("hl", { partitions: 1 });
    await s.server.broker.produce("hl", 0, encodeRecordBatch([{ value: "a", timestamp: 1_700_000_000_000 }, { value: "b", timestamp: 1_700_000_000_001 }]));
    await s.server.broker.deleteRecords([{ topic: "hl", partition: 0, offset: 1n }]);
    const r = await call(ApiKey.ListOffsets, 10, {
      replicaId: -1,
      isolationLevel: 0,
      timeoutMs: 1000,
      topics: [{ name: "hl", partitions: [{ partitionIndex: 0, currentLeaderEpoch: -1, timestamp: -4n }, { partitionIndex: 0, currentLeaderEpoch: -1, timestamp: -5n }, { partitionIndex: 0, currentLeaderEpoch: -1, timestamp: -1n }, { partitionIndex: 3, currentLeaderEpoch: -1, timestamp: -5n }] }],
    });
    expect(r.topics[0]!.partitions.map((p) => [p.errorCode, p.offset])).toEqual([[0, 1n], [0, -1n], [0, 2n], [3, -1n]]);
  });
});

describe("admin APIs without a client test", () => {
  it("IncrementalAlterConfigs: set, append/subtract on a list, delete; bad ones change nothing", async () => {
    const change = (configs: { name: string; configOperation: number; value: string | null }[], validateOnly = false) =>
      call(ApiKey.IncrementalAlterConfigs, 1, { resources: [{ resourceType: 2, resourceName: "ha", configs }], validateOnly });
    expect((await change([{ name: "retention.ms", configOperation: 0, value: "5000" }])).responses[0]!.errorCode).toBe(0);
    expect((await change([{ name: "cleanup.policy", configOperation: 2, value: "compact" }])).responses[0]!.errorCode).toBe(0);
    expect(s.server.broker.topic("ha")!.configs).toEqual({ "retention.ms": "5000", "cleanup.policy": "delete,compact" });
    expect((await change([{ name: "cleanup.policy", configOperation: 3, value: "delete" }, { name: "retention.ms", configOperation: 1, value: null }])).responses[0]!.errorCode).toBe(0);
    expect(s.server.broker.topic("ha")!.configs).toEqual({ "cleanup.policy": "compact" });
    expect((await change([{ name: "retention.ms", configOperation: 2, value: "1" }])).responses[0]!.errorCode).toBe(40);
    expect((await change([{ name: "retention.ms", configOperation: 0, value: "-7" }])).responses[0]!.errorCode).toBe(40);
    expect((await change([{ name: "retention.ms", configOperation: 0, value: "1" }, { name: "retention.ms", configOperation: 1, value: null }])).responses[0]!.errorCode).toBe(42);
    expect((await change([{ name: "retention.ms", configOperation: 0, value: "9" }], true)).responses[0]!.errorCode).toBe(0);
    expect(s.server.broker.topic("ha")!.configs).toEqual({ "cleanup.policy": "compact" });
    const broker = await call(ApiKey.IncrementalAlterConfigs, 1, { resources: [{ resourceType: 4, resourceName: "1", configs: [{ name: "log.retention.ms", configOperation: 0, value: "1" }] }], validateOnly: false });
    expect(broker.responses[0]!.errorCode).toBe(42);
    const described = await call(ApiKey.DescribeConfigs, 4, { resources: [{ resourceType: 2, resourceName: "missing", configurationKeys: null }], includeSynonyms: true, includeDocumentation: true });
    expect(described.results[0]!.errorCode).toBe(3);
  });

  it("the replication throttle configs: a single node has no replication, so they are refused (INVALID_REQUEST) and not described", async () => {
    const rate = await call(ApiKey.AlterConfigs, 2, { resources: [{ resourceType: 4, resourceName: "1", configs: [{ name: "leader.replication.throttled.rate", value: "1000" }] }], validateOnly: false });
    expect(rate.responses[0]).toMatchObject({ errorCode: 42 });
    expect(rate.responses[0]!.errorMessage).toContain("single node");
    const incremental = await call(ApiKey.IncrementalAlterConfigs, 1, { resources: [{ resourceType: 4, resourceName: "", configs: [{ name: "follower.replication.throttled.rate", configOperation: 0, value: "1000" }] }], validateOnly: false });
    expect(incremental.responses[0]!.errorCode).toBe(42);
    const replicas = await call(ApiKey.AlterConfigs, 2, { resources: [{ resourceType: 2, resourceName: "ha", configs: [{ name: "leader.replication.throttled.replicas", value: "*" }] }], validateOnly: false });
    expect(replicas.responses[0]!.errorCode).toBe(42);
    const described = await call(ApiKey.DescribeConfigs, 4, { resources: [{ resourceType: 4, resourceName: "1", configurationKeys: null }], includeSynonyms: false, includeDocumentation: false });
    expect(described.results[0]!.configs.map((c) => c.name)).not.toContain("leader.replication.throttled.rate");
  });

  it("the replication throttle configs with a cluster behind (a stand-in for its metadata): IncrementalAlterConfigs SET/DELETE (APPEND/SUBTRACT on the lists), DescribeConfigs sources, topic lists beside the other topic configs", async () => {
    const store = new Map<string, Record<string, string>>();
    const cluster = {
      dynamicConfigs: async (kind: string, name: string) => ({ ...(store.get(`${kind}/${name}`) ?? {}) }),
      updateDynamicConfigs: async (kind: string, name: string, names: readonly string[], change: (current: Record<string, string>) => Record<string, string> | undefined) => {
        const configs = change({ ...(store.get(`${kind}/${name}`) ?? {}) });
        if (!configs) return undefined;
        const next = { ...(store.get(`${kind}/${name}`) ?? {}) };
        for (const n of names) if (n in configs) next[n] = configs[n]!;
        else delete next[n];
        store.set(`${kind}/${name}`, next);
        return configs;
      },
    };
    const clustered: KafkaBrokerContext = { ...ctx, broker: Object.create(s.server.broker, { cluster: { value: cluster } }) };
    const change = (resourceType: number, resourceName: string, configs: { name: string; configOperation: number; value: string | null }[]) =>
      call(ApiKey.IncrementalAlterConfigs, 1, { resources: [{ resourceType, resourceName, configs }], validateOnly: false }, clustered).then((r) => r.responses[0]!.errorCode);
    const describe = (resourceType: number, resourceName: string, keys: string[]) =>
      call(ApiKey.DescribeConfigs, 4, { resources: [{ resourceType, resourceName, configurationKeys: keys }], includeSynonyms: true, includeDocumentation: false }, clustered).then((r) => r.results[0]!.configs);
    const rates = ["leader.replication.throttled.rate", "follower.replication.throttled.rate"];

    expect(await change(4, "1", [{ name: "leader.replication.throttled.rate", configOperation: 0, value: "1000" }])).toBe(0);
    expect(await change(4, "", [{ name: "follower.replication.throttled.rate", configOperation: 0, value: "2000" }])).toBe(0);
    let described = await describe(4, "1", rates);
    expect(described.map((c) => [c.name, c.value, c.configSource, c.readOnly])).toEqual([["leader.replication.throttled.rate", "1000", 2, false], ["follower.replication.throttled.rate", "2000", 3, false]]);
    expect(described[1]!.synonyms!.map((x) => [x.value, x.source])).toEqual([["2000", 3], ["9223372036854775807", 5]]);
    expect(await change(4, "1", [{ name: "leader.replication.throttled.rate", configOperation: 1, value: null }])).toBe(0);
    described = await describe(4, "1", ["leader.replication.throttled.rate"]);
    expect(described.map((c) => [c.value, c.configSource])).toEqual([["9223372036854775807", 5]]);
    expect(await change(4, "1", [{ name: "leader.replication.throttled.rate", configOperation: 0, value: "-1" }])).toBe(40);
    expect(await change(4, "1", [{ name: "log.retention.ms", configOperation: 0, value: "1" }])).toBe(42);
    expect(await change(4, "2", [{ name: "leader.replication.throttled.rate", configOperation: 0, value: "1" }])).toBe(42); // another broker's: sent to it
    expect(store.get("broker/1")).toEqual({});

    // A topic's lists go to the cluster metadata, its other configs to topics.json, in one request.
    expect(await change(2, "ha", [{ name: "leader.replication.throttled.replicas", configOperation: 0, value: "0:1,1:1" }, { name: "retention.ms", configOperation: 0, value: "7000" }])).toBe(0);
    expect(store.get("topic/ha")).toEqual({ "leader.replication.throttled.replicas": "0:1,1:1" });
    expect(s.server.broker.topic("ha")!.configs).toEqual({ "cleanup.policy": "compact", "retention.ms": "7000" });
    expect((await describe(2, "ha", ["leader.replication.throttled.replicas", "follower.replication.throttled.replicas"])).map((c) => [c.name, c.value, c.configSource])).toEqual([
      ["leader.replication.throttled.replicas", "0:1,1:1", 1],
      ["follower.replication.throttled.replicas", "", 5],
    ]);
    expect(await change(2, "ha", [{ name: "follower.replication.throttled.replicas", configOperation: 0, value: "0;1" }])).toBe(40);
    expect(await change(2, "ha", [{ name: "leader.replication.throttled.replicas", configOperation: 2, value: "2:1" }, { name: "follower.replication.throttled.replicas", configOperation: 2, value: "0:2" }])).toBe(0);
    expect(await change(2, "ha", [{ name: "leader.replication.throttled.replicas", configOperation: 3, value: "0:1" }])).toBe(0);
    expect(store.get("topic/ha")).toEqual({ "leader.replication.throttled.replicas": "1:1,2:1", "follower.replication.throttled.replicas": "0:2" });
    expect(await change(2, "ha", [{ name: "follower.replication.throttled.replicas", configOperation: 1, value: null }])).toBe(0);
    expect(await change(2, "ha", [{ name: "leader.replication.throttled.replicas", configOperation: 1, value: null }, { name: "retention.ms", configOperation: 1, value: null }])).toBe(0);
    expect(store.get("topic/ha")).toEqual({});
    expect(s.server.broker.topic("ha")!.configs).toEqual({ "cleanup.policy": "compact" });
  });

  it("DescribeCluster, DescribeLogDirs, DescribeProducers, OffsetForLeaderEpoch", async () => {
    const cluster = await call(ApiKey.DescribeCluster, 1, { includeClusterAuthorizedOperations: false, endpointType: 1 });
    expect(cluster).toMatchObject({ errorCode: 0, clusterId: "test-cluster", controllerId: 1, brokers: [{ brokerId: 1, host: "127.0.0.1", port: s.kafkaPort }] });

    const batch = encodeRecordBatch([{ key: "k", value: "x", timestamp: 1_700_000_000_000 }], { producerId: 42n, producerEpoch: 0, baseSequence: 0 });
    await s.server.broker.produce("ha", 0, batch);
    const dirs = await call(ApiKey.DescribeLogDirs, 4, { topics: [{ topic: "ha", partitions: [0, 9] }] });
    expect(dirs.results).toHaveLength(1);
    expect(dirs.results[0]!.topics[0]!.partitions.map((p) => p.partitionIndex)).toEqual([0]);
    expect(dirs.results[0]!.topics[0]!.partitions[0]!.partitionSize).toBeGreaterThan(0n);
    expect(dirs.results[0]!.totalBytes).toBeGreaterThan(0n);

    const producers = await call(ApiKey.DescribeProducers, 0, { topics: [{ name: "ha", partitionIndexes: [0, 5] }] });
    expect(producers.topics[0]!.partitions[0]!.activeProducers).toMatchObject([{ producerId: 42n, producerEpoch: 0, lastSequence: 0 }]);
    expect(producers.topics[0]!.partitions[1]!.errorCode).toBe(3);

    const epochs = await call(ApiKey.OffsetForLeaderEpoch, 4, {
      replicaId: -1,
      topics: [{ topic: "ha", partitions: [{ partition: 0, currentLeaderEpoch: -1, leaderEpoch: 0 }, { partition: 0, currentLeaderEpoch: -1, leaderEpoch: 3 }, { partition: 0, currentLeaderEpoch: 5, leaderEpoch: 0 }, { partition: 7, currentLeaderEpoch: -1, leaderEpoch: 0 }] }],
    });
    expect(epochs.topics[0]!.partitions.map((p) => [p.errorCode, p.leaderEpoch, p.endOffset])).toEqual([[0, 0, 1n], [0, -1, -1n], [75, -1, -1n], [3, -1, -1n]]);
  });
});

describe("partition reassignment on one node", () => {
  it("AlterPartitionReassignments: [this node] is a no-op, any other set INVALID_REPLICA_ASSIGNMENT, a cancel NO_REASSIGNMENT_IN_PROGRESS", async () => {
    const r = await call(ApiKey.AlterPartitionReassignments, 1, {
      timeoutMs: 1000,
      allowReplicationFactorChange: false,
      topics: [
        { name: "ha", partitions: [{ partitionIndex: 0, replicas: [ctx.nodeId] }, { partitionIndex: 1, replicas: [ctx.nodeId, 7] }, { partitionIndex: 9, replicas: [ctx.nodeId] }] },
        { name: "ha-none", partitions: [{ partitionIndex: 0, replicas: null }] },
        { name: "ha", partitions: [{ partitionIndex: 1, replicas: null }] },
      ],
    });
    expect(r.allowReplicationFactorChange).toBe(false);
    expect(r.responses.map((t) => [t.name, t.partitions.map((p) => [p.partitionIndex, p.errorCode])])).toEqual([
      ["ha", [[0, 0], [1, 42], [9, 3]]],
      ["ha-none", [[0, 3]]],
      ["ha", [[1, 42]]],
    ]);
    const single = await call(ApiKey.AlterPartitionReassignments, 0, { topics: [{ name: "ha", partitions: [{ partitionIndex: 1, replicas: [ctx.nodeId, 7] }, { partitionIndex: 0, replicas: null }] }] });
    expect(single.responses[0]!.partitions.map((p) => p.errorCode)).toEqual([39, 85]);
  });

  it("ListPartitionReassignments: nothing is ever moving", async () => {
    expect(await call(ApiKey.ListPartitionReassignments, 0, { topics: null })).toMatchObject({ errorCode: 0, topics: [] });
    expect(await call(ApiKey.ListPartitionReassignments, 0, { topics: [{ name: "ha", partitionIndexes: [0] }] })).toMatchObject({ errorCode: 0, topics: [] });
  });
});

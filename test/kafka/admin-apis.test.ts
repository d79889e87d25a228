// The admin APIs (DescribeConfigs, AlterConfigs, IncrementalAlterConfigs, CreatePartitions, DeleteRecords,
// DeleteGroups) driven by the clients that call them: kafkajs 2.2.4's admin and confluent-kafka-python's
// AdminClient (librdkafka 2.0.2, clients/confluent_client.py `configs`). Each also checks a refusal
// (bad config value, shrinking partitions, deleting past the high watermark, deleting a group in use).

import { join } from "node:path";
import { Kafka, logLevel } from "kafkajs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CLIENTS_DIR, PYTHON, eventually, kafkaServers, run, type KafkaTestServer } from "./helpers.js";

const servers = kafkaServers();
let s: KafkaTestServer;
let kafka: Kafka;
const open: Array<{ disconnect(): Promise<void> }> = [];

beforeAll(async () => {
  s = await servers.start({ groups: { initialRebalanceDelayMs: 0 } });
  kafka = new Kafka({ brokers: [s.bootstrap], clientId: "admin-apis", logLevel: logLevel.NOTHING, retry: { retries: 2, initialRetryTime: 100 } });
});

afterAll(async () => {
  await Promise.all(open.map((c) => c.disconnect().catch(() => {})));
});

/** The Kafka error types anywhere in a kafkajs error (it wraps them in causes and per-partition lists). */
function errorTypes(e: unknown, out: string[] = [], depth = 0): string[] {
  if (!e || typeof e !== "object" || depth > 5) return out;
  const x = e as { type?: string; cause?: unknown; originalError?: unknown; partitions?: { error?: unknown }[]; groups?: { error?: unknown }[]; errors?: unknown[] };
  if (typeof x.type === "string") out.push(x.type);
  const nested = [...(x.partitions ?? []), ...(x.groups ?? [])].map((p) => p.error);
  for (const next of [x.cause, x.originalError, ...nested, ...(x.errors ?? [])]) errorTypes(next, out, depth + 1);
  return out;
}

async function admin() {
  const a = kafka.admin();
  open.push(a);
  await a.connect();
  return a;
}

describe("kafkajs admin", () => {
  it("describeConfigs and alterConfigs on a topic: sources, validation, persistence across a restart", async () => {
    const a = await admin();
    await a.createTopics({ topics: [{ topic: "adm-cfg", numPartitions: 1, configEntries: [{ name: "cleanup.policy", value: "compact" }] }] });
    const described = await a.describeConfigs({ resources: [{ type: 2, name: "adm-cfg" }], includeSynonyms: true });
    const entries = new Map(described.resources[0]!.configEntries.map((e) => [e.configName, e]));
    expect(entries.get("cleanup.policy")).toMatchObject({ configValue: "compact", isDefault: false, configSource: 1 });
    expect(entries.get("retention.ms")).toMatchObject({ configValue: String(7 * 24 * 3600 * 1000), isDefault: true, configSource: 5 });
    expect(entries.get("retention.ms")!.configSynonyms.map((x) => x.configName)).toEqual(["log.retention.ms"]);

    await a.alterConfigs({ validateOnly: false, resources: [{ type: 2, name: "adm-cfg", configEntries: [{ name: "retention.ms", value: "60000" }] }] });
    const after = await a.describeConfigs({ resources: [{ type: 2, name: "adm-cfg", configNames: ["retention.ms", "cleanup.policy"] }], includeSynonyms: false });
    const afterEntries = new Map(after.resources[0]!.configEntries.map((e) => [e.configName, e.configValue]));
    // AlterConfigs replaces every override: cleanup.policy went back to its default.
    expect(Object.fromEntries(afterEntries)).toEqual({ "retention.ms": "60000", "cleanup.policy": "delete" });
    expect(s.server.broker.topic("adm-cfg")!.configs).toEqual({ "retention.ms": "60000" });

    const bad = await a.alterConfigs({ validateOnly: false, resources: [{ type: 2, name: "adm-cfg", configEntries: [{ name: "retention.ms", value: "soon" }] }] }).catch((e: Error) => e);
    expect(String((bad as Error).message ?? bad)).toMatch(/INVALID_CONFIG|invalid/i);
    const unknown = await a.alterConfigs({ validateOnly: false, resources: [{ type: 2, name: "adm-cfg", configEntries: [{ name: "no.such.config", value: "1" }] }] }).catch((e: Error) => e);
    expect(unknown).toBeInstanceOf(Error);
    expect(s.server.broker.topic("adm-cfg")!.configs).toEqual({ "retention.ms": "60000" });

    await s.restart();
    const a2 = await admin();
    const again = await a2.describeConfigs({ resources: [{ type: 2, name: "adm-cfg", configNames: ["retention.ms"] }], includeSynonyms: false });
    expect(again.resources[0]!.configEntries[0]).toMatchObject({ configName: "retention.ms", configValue: "60000", configSource: 1 });
  }, 30_000);

  it("createPartitions grows a topic without moving data; shrinking is refused", async () => {
    const a = await admin();
    await a.createTopics({ topics: [{ topic: "adm-grow", numPartitions: 2 }] });
    const producer = kafka.producer();
    open.push(producer);
    await producer.connect();
    await producer.send({ topic: "adm-grow", messages: Array.from({ length: 10 }, (_, i) => ({ key: `k${i}`, value: `v${i}` })) });
    const before = await a.fetchTopicOffsets("adm-grow");
    await a.createPartitions({ topicPartitions: [{ topic: "adm-grow", count: 5 }] });
    const meta = await a.fetchTopicMetadata({ topics: ["adm-grow"] });
    expect(meta.topics[0]!.partitions.map((p) => p.partitionId).sort()).toEqual([0, 1, 2, 3, 4]);
    const after = await a.fetchTopicOffsets("adm-grow");
    for (const p of before) expect(after.find((x) => x.partition === p.partition)!.high).toBe(p.high);
    for (const p of after.filter((x) => x.partition >= 2)) expect(p.high).toBe("0");
    const shrink = await a.createPartitions({ topicPartitions: [{ topic: "adm-grow", count: 3 }] }).catch((e: { errors?: { type: string }[]; type?: string }) => e);
    expect(errorTypes(shrink)).toContain("INVALID_PARTITIONS");
  });

  it("deleteTopicRecords moves the low watermark; past the high watermark is refused", async () => {
    const a = await admin();
    await a.createTopics({ topics: [{ topic: "adm-trim", numPartitions: 1 }] });
    const producer = kafka.producer();
    open.push(producer);
    await producer.connect();
    await producer.send({ topic: "adm-trim", messages: Array.from({ length: 20 }, (_, i) => ({ value: `v${i}` })) });
    // kafkajs looks the leader up in its metadata cache before loading it: load it first.
    await a.fetchTopicMetadata({ topics: ["adm-trim"] });
    await a.deleteTopicRecords({ topic: "adm-trim", partitions: [{ partition: 0, offset: "12" }] });
    const offsets = await a.fetchTopicOffsets("adm-trim");
    expect(offsets[0]).toMatchObject({ low: "12", high: "20" });
    // A consumer from the beginning starts at the new low watermark.
    const consumer = kafka.consumer({ groupId: "adm-trim-reader" });
    open.push(consumer);
    await consumer.connect();
    await consumer.subscribe({ topic: "adm-trim", fromBeginning: true });
    const seen: string[] = [];
    await consumer.run({ eachMessage: async ({ message }) => void seen.push(message.offset) });
    await eventually(() => seen.length >= 8, 10_000, "8 records from offset 12");
    expect(seen[0]).toBe("12");
    await consumer.disconnect();
    const past = await a.deleteTopicRecords({ topic: "adm-trim", partitions: [{ partition: 0, offset: "99" }] }).catch((e: unknown) => e);
    expect(errorTypes(past)).toContain("OFFSET_OUT_OF_RANGE");
    expect((await a.fetchTopicOffsets("adm-trim"))[0]).toMatchObject({ low: "12" });
  }, 30_000);

  it("deleteGroups removes an empty group and its offsets; an unknown group is GROUP_ID_NOT_FOUND", async () => {
    const a = await admin();
    await a.createTopics({ topics: [{ topic: "adm-groups", numPartitions: 1 }] });
    await a.setOffsets({ groupId: "adm-g1", topic: "adm-groups", partitions: [{ partition: 0, offset: "0" }] });
    expect((await a.listGroups()).groups.map((g) => g.groupId)).toContain("adm-g1");
    const results = await a.deleteGroups(["adm-g1"]);
    expect(results).toEqual([{ groupId: "adm-g1", errorCode: 0 }]);
    expect((await a.listGroups()).groups.map((g) => g.groupId)).not.toContain("adm-g1");
    const missing = await a.deleteGroups(["adm-nope"]).catch((e: unknown) => e);
    expect(errorTypes(missing)).toContain("GROUP_ID_NOT_FOUND");
  });
});

describe("confluent-kafka AdminClient", () => {
  it("describe_configs, alter_configs (and a bad value), broker configs, create_partitions (and shrinking)", async () => {
    await s.server.broker.createTopic("ck-cfg", { partitions: 2 });
    const r = await run(PYTHON, [join(CLIENTS_DIR, "confluent_client.py"), "--bootstrap", s.bootstrap, "configs", "--topic", "ck-cfg", "--retention", "3600000", "--partitions", "4"], { timeoutMs: 45_000 });
    expect(r.code, r.stderr).toBe(0);
    const res = JSON.parse(r.stdout.trim().split("\n").at(-1)!);
    expect(res.before).toMatchObject({ value: String(7 * 24 * 3600 * 1000), default: true, source: 5 });
    expect(res.after).toMatchObject({ value: "3600000", default: false, source: 1, synonyms: ["retention.ms", "log.retention.ms"] });
    expect(res.bad).toBe("INVALID_CONFIG");
    expect(res.broker).toMatchObject({ value: String(7 * 24 * 3600 * 1000), read_only: true });
    expect(res.partitions).toBe(4);
    expect(res.shrink).toBe("INVALID_PARTITIONS");
    expect(s.server.broker.topic("ck-cfg")).toMatchObject({ partitions: 4, configs: { "retention.ms": "3600000" } });
  }, 60_000);
});

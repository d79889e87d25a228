// Resource bombs and internal topics, in the broker core and over both front ends: partition limits per
// topic and per broker, atomic topic creation (nothing saved unless every partition was made), the
// segment.bytes floor, and one rule set for `__` topics (no client deletes, produces or re-partitions them).
import { readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Kafka, logLevel } from "kafkajs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createBroker } from "../../src/broker/index.js";
import { encodeRecordBatch } from "../../src/core/index.js";
import { FrameType, type ServerFrame } from "../../src/protocol/ws/index.js";
import { batch, tempDataDirs } from "../broker/helpers.js";
import { kafkaServers, type KafkaTestServer } from "../kafka/helpers.js";
import { RawSocket } from "../helpers/ws-server.js";

const env = tempDataDirs();

describe("partition and config limits in the broker core", () => {
  it("10,000 partitions are refused with INVALID_PARTITIONS, nothing is saved, and the broker restarts", async () => {
    const dataDir = env.dir();
    const broker = await createBroker({ dataDir, shards: 2, logLevel: "error" });
    await expect(broker.createTopic("big", { partitions: 10_000 })).rejects.toMatchObject({ code: "INVALID_PARTITIONS", kafkaCode: 37 });
    await expect(broker.createTopic("big", { partitions: 1001 })).rejects.toMatchObject({ code: "INVALID_PARTITIONS" });
    await broker.createTopic("small", { partitions: 2 });
    await expect(broker.addPartitions("small", 10_000)).rejects.toMatchObject({ code: "INVALID_PARTITIONS" });
    expect(broker.listTopics().map((t) => [t.name, t.partitions])).toEqual([["small", 2]]);
    expect(readdirSync(dataDir).filter((n) => n.startsWith("big-"))).toEqual([]);
    await broker.close();
    const again = await createBroker({ dataDir, shards: 2, logLevel: "error" });
    expect(again.listTopics().map((t) => t.name)).toEqual(["small"]);
    await again.close();
  });

  it("the per-broker limit counts every topic: POLICY_VIOLATION (44) on create and on add-partitions", async () => {
    const broker = await env.broker({ maxPartitionsPerBroker: 10, maxPartitionsPerTopic: 8 });
    await broker.createTopic("a", { partitions: 6 });
    await expect(broker.createTopic("b", { partitions: 5 })).rejects.toMatchObject({ code: "POLICY_VIOLATION", kafkaCode: 44 });
    await broker.createTopic("b", { partitions: 4 });
    await expect(broker.addPartitions("a", 7)).rejects.toMatchObject({ code: "POLICY_VIOLATION" });
    await expect(broker.createTopic("c", { partitions: 9 })).rejects.toMatchObject({ code: "INVALID_PARTITIONS" });
    await broker.deleteTopic("b");
    await broker.addPartitions("a", 8);
    expect(broker.topic("a")?.partitions).toBe(8);
  });

  it("segment.bytes below the broker's floor is INVALID_CONFIG (40) on create and on alter", async () => {
    const broker = await env.broker({ minSegmentBytes: 1024 * 1024 });
    await expect(broker.createTopic("tiny", { configs: { "segment.bytes": "14" } })).rejects.toMatchObject({ code: "INVALID_CONFIG", kafkaCode: 40 });
    await broker.createTopic("ok", { configs: { "segment.bytes": String(1024 * 1024) } });
    await expect(broker.alterTopicConfigs("ok", { "segment.bytes": "1000" })).rejects.toMatchObject({ code: "INVALID_CONFIG" });
    expect(broker.topic("ok")?.configs).toEqual({ "segment.bytes": "1048576" });
    // Kafka's own floor (14) holds whatever the broker's.
    const lax = await env.broker();
    await expect(lax.createTopic("t13", { configs: { "segment.bytes": "13" } })).rejects.toMatchObject({ code: "INVALID_CONFIG" });
    await lax.createTopic("t14", { configs: { "segment.bytes": "14" } });
  });

  it("creation is atomic: when one partition cannot be made, the others are removed and nothing is saved", async () => {
    const dataDir = env.dir();
    const broker = await createBroker({ dataDir, shards: 2, logLevel: "error" });
    // A plain file where partition 2's directory must go makes that partition fail to open.
    writeFileSync(join(dataDir, "boom-2"), "in the way");
    await expect(broker.createTopic("boom", { partitions: 4 })).rejects.toThrow();
    expect(broker.topic("boom")).toBeUndefined();
    expect(readdirSync(dataDir).filter((n) => n.startsWith("boom-")).sort()).toEqual(["boom-2"]);
    expect(JSON.parse(readFileSync(join(dataDir, "topics.json"), "utf8"))).toEqual({ version: 1, topics: [] });
    await broker.close();
    const again = await createBroker({ dataDir, shards: 2, logLevel: "error" });
    rmSync(join(dataDir, "boom-2"));
    await again.createTopic("boom", { partitions: 4 });
    await again.produce("boom", 2, batch(["works"]));
    await again.close();
  });

  it("adding partitions is atomic too: a failure leaves the old count and no new directories", async () => {
    const dataDir = env.dir();
    const broker = await env.broker({ dataDir });
    await broker.createTopic("grow", { partitions: 2 });
    writeFileSync(join(dataDir, "grow-3"), "in the way");
    await expect(broker.addPartitions("grow", 5)).rejects.toThrow();
    expect(broker.topic("grow")?.partitions).toBe(2);
    expect(readdirSync(dataDir).filter((n) => n.startsWith("grow-")).sort()).toEqual(["grow-0", "grow-1", "grow-3"]);
    await expect(broker.produce("grow", 2, batch(["x"]))).rejects.toMatchObject({ code: "UNKNOWN_TOPIC_OR_PARTITION" });
  });

  it("racing changes to one topic: one create wins, the other gets TOPIC_ALREADY_EXISTS; one add-partitions at a time", async () => {
    const broker = await env.broker();
    const creates = await Promise.allSettled([broker.createTopic("race", { partitions: 3 }), broker.createTopic("race", { partitions: 5 })]);
    expect(creates.map((r) => r.status).sort()).toEqual(["fulfilled", "rejected"]);
    expect((creates.find((r) => r.status === "rejected") as PromiseRejectedResult).reason).toMatchObject({ code: "TOPIC_ALREADY_EXISTS" });
    const winner = (creates.find((r) => r.status === "fulfilled") as PromiseFulfilledResult<{ partitions: number }>).value.partitions;
    expect(broker.topic("race")?.partitions).toBe(winner);
    const grows = await Promise.allSettled([broker.addPartitions("race", 8), broker.addPartitions("race", 9)]);
    expect(grows.map((r) => r.status)).toEqual(["fulfilled", "rejected"]);
    expect((grows[1] as PromiseRejectedResult).reason).toMatchObject({ code: "INVALID_REQUEST" });
    expect(broker.topic("race")?.partitions).toBe(8);
  });

  it("internal topics: clients cannot produce to, delete or re-partition them; the broker's own writer can append", async () => {
    const broker = await env.broker();
    await broker.createTopic("__consumer_offsets", { partitions: 2, configs: { "cleanup.policy": "compact" } });
    const record = encodeRecordBatch([{ key: "k", value: "v" }]);
    await expect(broker.produce("__consumer_offsets", 0, record)).rejects.toMatchObject({ code: "INVALID_TOPIC_EXCEPTION", kafkaCode: 17 });
    await expect(broker.deleteTopic("__consumer_offsets")).rejects.toMatchObject({ code: "INVALID_TOPIC_EXCEPTION" });
    await expect(broker.addPartitions("__consumer_offsets", 3)).rejects.toMatchObject({ code: "INVALID_REQUEST", kafkaCode: 42 });
    expect((await broker.produce("__consumer_offsets", 0, record, { internal: true })).baseOffset).toBe(0n);
    expect(broker.topic("__consumer_offsets")?.partitions).toBe(2);
  });
});

describe("the same rules over both front ends", () => {
  const servers = kafkaServers();
  let s: KafkaTestServer;
  let kafka: Kafka;
  let raw: RawSocket;

  beforeAll(async () => {
    s = await servers.start({ minSegmentBytes: 1024 * 1024 });
    kafka = new Kafka({ brokers: [s.bootstrap], clientId: "limits-test", logLevel: logLevel.NOTHING, retry: { retries: 0 } });
    raw = await RawSocket.open(s.wsUrl);
  });
  afterAll(() => raw?.terminate());

  const wsError = (frame: ServerFrame, errorCode: number) => expect(frame).toMatchObject({ type: FrameType.ERROR, errorCode });

  it("partition bombs and tiny segments are refused on the Kafka port and over WebSocket", async () => {
    const admin = kafka.admin();
    await admin.connect();
    try {
      const bomb = await admin.createTopics({ topics: [{ topic: "kbomb", numPartitions: 10_000 }] }).catch((e: { errors?: Array<{ type: string }> }) => e);
      expect((bomb as { errors: Array<{ type: string }> }).errors.map((e) => e.type)).toEqual(["INVALID_PARTITIONS"]);
      const big = await admin.createTopics({ topics: [{ topic: "kbig", numPartitions: 1001 }] }).catch((e: { errors?: Array<{ type: string }> }) => e);
      expect((big as { errors: Array<{ type: string }> }).errors.map((e) => e.type)).toEqual(["INVALID_PARTITIONS"]);
      const tiny = await admin.createTopics({ topics: [{ topic: "ktiny", configEntries: [{ name: "segment.bytes", value: "14" }] }] }).catch((e: { errors?: Array<{ type: string }> }) => e);
      expect((tiny as { errors: Array<{ type: string }> }).errors.map((e) => e.type)).toEqual(["INVALID_CONFIG"]);
      expect(await admin.listTopics()).not.toContain("kbomb");
    } finally {
      await admin.disconnect();
    }
    wsError(await raw.request({ type: FrameType.CREATE_TOPIC, name: "wbomb", partitions: 10_000, configs: {} }), 37);
    wsError(await raw.request({ type: FrameType.CREATE_TOPIC, name: "wtiny", partitions: 1, configs: { "segment.bytes": "14" } }), 40);
    expect(s.server.broker.listTopics().map((t) => t.name)).not.toContain("wbomb");
  });

  it("__consumer_offsets: delete and produce refused on both ports (INVALID_TOPIC_EXCEPTION), and commits still work after", async () => {
    const admin = kafka.admin();
    await admin.connect();
    try {
      const deleted = await admin.deleteTopics({ topics: ["__consumer_offsets"], timeout: 2000 }).catch((e: Error) => e);
      expect(deleted).toBeInstanceOf(Error);
      expect(JSON.stringify(deleted, Object.getOwnPropertyNames(deleted))).toMatch(/INVALID_TOPIC_EXCEPTION|not a valid topic/i);
    } finally {
      await admin.disconnect();
    }
    const producer = kafka.producer({ allowAutoTopicCreation: false });
    await producer.connect();
    try {
      const sent = await producer.send({ topic: "__consumer_offsets", messages: [{ key: "k", value: "v", partition: 0 }] }).catch((e: Error) => e);
      expect(sent).toBeInstanceOf(Error);
      expect(JSON.stringify(sent, Object.getOwnPropertyNames(sent))).toMatch(/INVALID_TOPIC_EXCEPTION|not a valid topic/i);
    } finally {
      await producer.disconnect();
    }
    wsError(await raw.request({ type: FrameType.DELETE_TOPIC, name: "__consumer_offsets" }), 17);
    const produced = (await raw.request({ type: FrameType.PRODUCE, acks: -1, timeoutMs: 5000, items: [{ topic: "__consumer_offsets", partition: 0, batch: encodeRecordBatch([{ value: "x" }]) }] })) as Extract<ServerFrame, { type: typeof FrameType.PRODUCE_RESULT }>;
    expect(produced.items.map((i) => i.errorCode)).toEqual([17]);
    expect(s.server.broker.topic("__consumer_offsets")).toBeDefined();
    // The coordinator still commits (its own writer is allowed).
    await s.server.broker.createTopic("after-refusals");
    const admin2 = kafka.admin();
    await admin2.connect();
    try {
      await admin2.setOffsets({ groupId: "g-after", topic: "after-refusals", partitions: [{ partition: 0, offset: "0" }] });
      const offsets = await admin2.fetchOffsets({ groupId: "g-after", topics: ["after-refusals"] });
      expect(offsets[0]!.partitions[0]!.offset).toBe("0");
    } finally {
      await admin2.disconnect();
    }
  });
});

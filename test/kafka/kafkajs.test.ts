// kafkajs 2.2.4 against the Kafka listener: admin create/delete topics, produce with acks -1/1/0, an
// idempotent producer, fetchTopicOffsets / fetchTopicOffsetsByTimestamp, a consumer group of two that
// splits the partitions and commits, and re-reading everything after a broker restart on the same data
// dir and Kafka port.

import { Kafka, logLevel, type Consumer, type Producer } from "kafkajs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventually, kafkaServers, sleep, type KafkaTestServer } from "./helpers.js";

const servers = kafkaServers();
let s: KafkaTestServer;
let kafka: Kafka;
const open: Array<{ disconnect(): Promise<void> }> = [];

function track<T extends { disconnect(): Promise<void> }>(c: T): T {
  open.push(c);
  return c;
}

beforeAll(async () => {
  s = await servers.start();
  kafka = new Kafka({ brokers: [s.bootstrap], clientId: "kafkajs-test", logLevel: logLevel.NOTHING, retry: { retries: 3, initialRetryTime: 100 } });
});

afterAll(async () => {
  await Promise.all(open.map((c) => c.disconnect().catch(() => {})));
});

describe("kafkajs 2.2.4", () => {
  it("admin: creates and deletes topics, refuses replication factor 3", async () => {
    const admin = track(kafka.admin());
    await admin.connect();
    expect(await admin.createTopics({ topics: [{ topic: "kj-admin", numPartitions: 3 }] })).toBe(true);
    expect(await admin.createTopics({ topics: [{ topic: "kj-admin", numPartitions: 3 }] })).toBe(false); // already exists
    const refused = await admin.createTopics({ topics: [{ topic: "kj-rf3", replicationFactor: 3 }] }).catch((e: { errors?: { type: string }[] }) => e);
    expect((refused as { errors: { type: string }[] }).errors.map((e) => e.type)).toEqual(["INVALID_REPLICATION_FACTOR"]);
    const meta = await admin.fetchTopicMetadata({ topics: ["kj-admin"] });
    expect(meta.topics[0]!.partitions.map((p) => p.partitionId).sort()).toEqual([0, 1, 2]);
    await admin.deleteTopics({ topics: ["kj-admin"] });
    expect(await admin.listTopics()).not.toContain("kj-admin");
  });

  it("produces with acks -1, 1 and 0 and reads offsets back", async () => {
    await s.server.broker.createTopic("kj-acks", { partitions: 1 });
    const producer = track(kafka.producer());
    await producer.connect();
    for (const acks of [-1, 1]) {
      const [meta] = await producer.send({ topic: "kj-acks", acks, messages: Array.from({ length: 5 }, (_, i) => ({ key: `k${i}`, value: `acks${acks}-${i}` })) });
      expect(meta!.errorCode).toBe(0);
    }
    const none = await producer.send({ topic: "kj-acks", acks: 0, messages: [{ value: "fire-and-forget" }] });
    expect(none).toEqual([]);
    // acks=0 gets no response: the next request on the connection still works and sees the record.
    const admin = track(kafka.admin());
    await admin.connect();
    await eventually(async () => (await admin.fetchTopicOffsets("kj-acks"))[0]!.high === "11", 5000, "high watermark 11");
  });

  it("an idempotent producer: producer id, sequences, no duplicates", async () => {
    await s.server.broker.createTopic("kj-idem", { partitions: 2 });
    const producer = track(kafka.producer({ idempotent: true, maxInFlightRequests: 1 }));
    await producer.connect();
    for (let i = 0; i < 5; i++) {
      await producer.send({ topic: "kj-idem", messages: Array.from({ length: 10 }, (_, j) => ({ partition: j % 2, value: `v${i}-${j}` })) });
    }
    const fetched = await s.server.broker.fetch("kj-idem", 0, 0n, { maxBytes: 1 << 20 });
    const view = new DataView(fetched.records.buffer, fetched.records.byteOffset);
    expect(view.getBigInt64(43)).toBeGreaterThanOrEqual(0n);
    expect((await s.server.broker.listOffsets("kj-idem", 0, "latest")).offset).toBe(25n);
    expect((await s.server.broker.listOffsets("kj-idem", 1, "latest")).offset).toBe(25n);
  });

  it("fetchTopicOffsets and fetchTopicOffsetsByTimestamp", async () => {
    await s.server.broker.createTopic("kj-offsets", { partitions: 2 });
    const producer = track(kafka.producer());
    await producer.connect();
    const t0 = Date.now() - 10_000;
    await producer.send({ topic: "kj-offsets", messages: Array.from({ length: 10 }, (_, i) => ({ partition: 0, value: `v${i}`, timestamp: String(t0 + i * 1000) })) });
    const admin = track(kafka.admin());
    await admin.connect();
    const offsets = await admin.fetchTopicOffsets("kj-offsets");
    expect(offsets.map((o) => [o.partition, o.low, o.high]).sort()).toEqual([[0, "0", "10"], [1, "0", "0"]]);
    const byTime = await admin.fetchTopicOffsetsByTimestamp("kj-offsets", t0 + 4500);
    expect(byTime.find((o) => o.partition === 0)!.offset).toBe("5");
    // Past the last record: the log end (kafkajs turns Kafka's -1 into the high watermark).
    const future = await admin.fetchTopicOffsetsByTimestamp("kj-offsets", Date.now() + 60_000);
    expect(future.find((o) => o.partition === 0)!.offset).toBe("10");
  });

  it("a consumer group of two splits the partitions and commits", async () => {
    await s.server.broker.createTopic("kj-group", { partitions: 4 });
    const seen = new Map<string, Set<number>>();
    let count = 0;
    const member = async (name: string): Promise<Consumer> => {
      const consumer = track(kafka.consumer({ groupId: "kj-g", sessionTimeout: 10_000, heartbeatInterval: 500, maxWaitTimeInMs: 200 }));
      await consumer.connect();
      await consumer.subscribe({ topic: "kj-group", fromBeginning: true });
      seen.set(name, new Set());
      await consumer.run({
        eachMessage: async ({ partition }) => {
          seen.get(name)!.add(partition);
          count++;
        },
      });
      return consumer;
    };
    const a = await member("a");
    const b = await member("b");
    await eventually(async () => {
      const d = await s.server.coordinator.describeGroup("kj-g");
      return d.state === "Stable" && d.members.length === 2;
    }, 30_000, "a stable group of two");
    const producer = track(kafka.producer());
    await producer.connect();
    await producer.send({ topic: "kj-group", messages: Array.from({ length: 40 }, (_, i) => ({ partition: i % 4, value: `g${i}` })) });
    await eventually(() => count >= 40, 20_000, "40 records consumed");
    expect(seen.get("a")!.size).toBe(2);
    expect(seen.get("b")!.size).toBe(2);
    expect(new Set([...seen.get("a")!, ...seen.get("b")!])).toEqual(new Set([0, 1, 2, 3]));
    const admin = track(kafka.admin());
    await admin.connect();
    await eventually(async () => {
      const [t] = await admin.fetchOffsets({ groupId: "kj-g", topics: ["kj-group"] });
      return t!.partitions.every((p) => p.offset === "10");
    }, 15_000, "committed offsets 10 on every partition");
    await a.disconnect();
    await b.disconnect();
  });

  it("re-reads everything after a broker restart on the same data dir and Kafka port", async () => {
    await s.server.broker.createTopic("kj-restart", { partitions: 1 });
    const producer: Producer = kafka.producer();
    await producer.connect();
    await producer.send({ topic: "kj-restart", acks: -1, messages: Array.from({ length: 50 }, (_, i) => ({ key: `k${i}`, value: `r${i}` })) });
    await producer.disconnect();
    await s.restart();
    const fresh = new Kafka({ brokers: [s.bootstrap], clientId: "kafkajs-restart", logLevel: logLevel.NOTHING });
    const consumer = track(fresh.consumer({ groupId: "kj-restart-g", maxWaitTimeInMs: 200 }));
    await consumer.connect();
    await consumer.subscribe({ topic: "kj-restart", fromBeginning: true });
    const values: string[] = [];
    await consumer.run({ eachMessage: async ({ message }) => void values.push(message.value!.toString()) });
    await eventually(() => values.length >= 50, 20_000, "50 records after restart");
    expect(values).toEqual(Array.from({ length: 50 }, (_, i) => `r${i}`));
    await consumer.disconnect();
    // Committed offsets of an earlier group survive the restart too.
    const admin = track(fresh.admin());
    await admin.connect();
    const [t] = await admin.fetchOffsets({ groupId: "kj-g", topics: ["kj-group"] });
    expect(t!.partitions.map((p) => p.offset)).toEqual(["10", "10", "10", "10"]);
    await sleep(0);
  });
});

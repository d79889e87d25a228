// Deleting a topic deletes its committed group offsets (Kafka does), over either front end, durably: a
// re-created topic of the same name is read from the start, not from a stale committed position, also
// after a restart. And an invalid-UTF-8 text frame on the WebSocket gets its documented close.
import { Kafka, logLevel } from "kafkajs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connect, type RivuletClient } from "../../src/client/index.js";
import { kafkaServers, type KafkaTestServer } from "../kafka/helpers.js";
import { RawSocket, assertHealthy } from "../helpers/ws-server.js";

const servers = kafkaServers();
let s: KafkaTestServer;
let kafka: Kafka;
let ws: RivuletClient;

beforeAll(async () => {
  s = await servers.start();
  kafka = new Kafka({ brokers: [s.bootstrap], clientId: "offsets-test", logLevel: logLevel.NOTHING, retry: { retries: 3, initialRetryTime: 100 } });
  ws = await connect({ url: s.wsUrl });
});
afterAll(() => ws?.close());

/** Committed offsets per partition over WebSocket (-1n where none). */
async function wsOffsets(groupId: string, topic: string): Promise<bigint[]> {
  return (await ws.admin.committedOffsets(groupId, [topic])).sort((a, b) => a.partition - b.partition).map((o) => o.offset);
}

async function kafkaOffsets(groupId: string, topic: string): Promise<string[]> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const [t] = await admin.fetchOffsets({ groupId, topics: [topic] });
    return t!.partitions.sort((a, b) => a.partition - b.partition).map((p) => p.offset);
  } finally {
    await admin.disconnect();
  }
}

async function commitBoth(topic: string): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    await admin.setOffsets({ groupId: "kafka-group", topic, partitions: [{ partition: 0, offset: "5" }, { partition: 1, offset: "7" }] });
  } finally {
    await admin.disconnect();
  }
  await ws.admin.commitOffsets("ws-group", [{ topic, partition: 0, offset: 3n }]);
  await ws.admin.commitOffsets("ws-group", [{ topic: "other", partition: 0, offset: 1n }]);
}

describe("deleting a topic deletes its committed offsets", () => {
  it("deleted over the Kafka port: both groups' offsets for it are gone (other topics' kept), and stay gone after a restart", async () => {
    await s.server.broker.createTopic("other");
    await s.server.broker.createTopic("orders", { partitions: 2 });
    await commitBoth("orders");
    expect(await kafkaOffsets("kafka-group", "orders")).toEqual(["5", "7"]);
    const admin = kafka.admin();
    await admin.connect();
    await admin.deleteTopics({ topics: ["orders"] });
    await admin.createTopics({ topics: [{ topic: "orders", numPartitions: 2 }] });
    await admin.disconnect();
    expect(await kafkaOffsets("kafka-group", "orders")).toEqual(["-1", "-1"]);
    expect(await wsOffsets("ws-group", "orders")).toEqual([-1n, -1n]);
    expect(await wsOffsets("ws-group", "other")).toEqual([1n]);
    ws.close();
    await s.restart();
    ws = await connect({ url: s.wsUrl });
    expect(await kafkaOffsets("kafka-group", "orders")).toEqual(["-1", "-1"]);
    expect(await wsOffsets("ws-group", "orders")).toEqual([-1n, -1n]);
    expect(await wsOffsets("ws-group", "other")).toEqual([1n]);
  });

  it("deleted over WebSocket: the same", async () => {
    await ws.admin.createTopic("events", { partitions: 2 });
    await commitBoth("events");
    expect(await wsOffsets("ws-group", "events")).toEqual([3n, -1n]);
    await ws.admin.deleteTopic("events");
    await ws.admin.createTopic("events", { partitions: 2 });
    expect(await kafkaOffsets("kafka-group", "events")).toEqual(["-1", "-1"]);
    expect(await wsOffsets("ws-group", "events")).toEqual([-1n, -1n]);
  });

  it("a consumer group on the re-created topic starts from the beginning, not at the stale offset", async () => {
    await ws.admin.createTopic("again");
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({ topic: "again", messages: Array.from({ length: 5 }, (_, i) => ({ value: `old-${i}` })) });
    const admin = kafka.admin();
    await admin.connect();
    await admin.setOffsets({ groupId: "reader", topic: "again", partitions: [{ partition: 0, offset: "3" }] });
    await admin.deleteTopics({ topics: ["again"] });
    await admin.createTopics({ topics: [{ topic: "again", numPartitions: 1 }] });
    await admin.disconnect();
    await producer.send({ topic: "again", messages: Array.from({ length: 5 }, (_, i) => ({ value: `new-${i}` })) });
    await producer.disconnect();
    const consumer = kafka.consumer({ groupId: "reader", sessionTimeout: 6000, heartbeatInterval: 500 });
    await consumer.connect();
    const seen: string[] = [];
    await consumer.subscribe({ topic: "again", fromBeginning: true });
    const done = new Promise<void>((resolve) => {
      void consumer.run({
        eachMessage: async ({ message }) => {
          seen.push(message.value!.toString());
          if (seen.includes("new-4")) resolve();
        },
      });
    });
    await Promise.race([done, new Promise((_, reject) => setTimeout(() => reject(new Error(`saw only ${JSON.stringify(seen)}`)), 20_000))]);
    await consumer.disconnect();
    // With the stale committed offset 3 (inside the new log) the consumer would silently start at new-3.
    expect(seen).toEqual(["new-0", "new-1", "new-2", "new-3", "new-4"]);
  });
});

describe("WebSocket text frames", () => {
  it("invalid UTF-8 in a text frame closes only that connection, as docs/protocol.md says (1006: uWS drops it); a valid one closes with 4000", async () => {
    const bad = await RawSocket.open(s.wsUrl);
    // Hand-made masked text frame with bytes 0xff 0xfe (never valid UTF-8), written on the raw TCP socket.
    const payload = Buffer.from([0xff, 0xfe, 0x41]);
    const mask = Buffer.from([1, 2, 3, 4]);
    const frame = Buffer.concat([Buffer.from([0x81, 0x80 | payload.length]), mask, Buffer.from(payload.map((b, i) => b ^ mask[i % 4]!))]);
    (bad.ws as unknown as { _socket: import("node:net").Socket })._socket.write(frame);
    expect((await bad.closed).code).toBe(1006);
    const text = await RawSocket.open(s.wsUrl);
    text.sendBytes("hello", false);
    expect(await text.closed).toMatchObject({ code: 4000 });
    await assertHealthy(s.wsUrl);
  });
});

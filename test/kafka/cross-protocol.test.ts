// One broker, two front ends: what kcat (librdkafka) produces over the Kafka protocol, the WebSocket client
// (src/client) consumes, compressed batches included (its `decompress` option takes src/core/codecs.ts),
// and what the WebSocket client produces, kcat and kafkajs consume.

import { Kafka, logLevel } from "kafkajs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connect, type ConsumedRecord, type RivuletClient } from "../../src/client/index.js";
import { decompress } from "../../src/core/codecs.js";
import { kafkaServers, run, type KafkaTestServer } from "./helpers.js";

const servers = kafkaServers();
let s: KafkaTestServer;
let client: RivuletClient;
const text = (b: Uint8Array | null) => (b === null ? null : new TextDecoder().decode(b));

async function take(topic: string, n: number, partitions = [0]): Promise<ConsumedRecord[]> {
  const consumer = client.consumer({ topic, partitions, from: "earliest", decompress });
  const out: ConsumedRecord[] = [];
  const timer = setTimeout(() => void consumer.close(), 15_000);
  try {
    for await (const r of consumer) {
      out.push(r);
      if (out.length >= n) break;
    }
  } finally {
    clearTimeout(timer);
  }
  return out;
}

beforeAll(async () => {
  const v = await run("kcat", ["-V"]);
  expect(v.code, "kcat must be installed").toBe(0);
  s = await servers.start();
  client = await connect({ url: s.wsUrl });
});
afterAll(() => client?.close());

describe("Kafka protocol ⇄ WebSocket", () => {
  for (const codec of ["none", "gzip", "snappy", "lz4", "zstd"] as const) {
    it(`kcat produces (${codec}), the WebSocket client consumes`, async () => {
      const topic = `x-kcat-${codec}`;
      await s.server.broker.createTopic(topic, { partitions: 1 });
      const input = Array.from({ length: 100 }, (_, i) => `k${i}:${codec}-${"v".repeat(i % 7)}-${i}`).join("\n") + "\n";
      const p = await run("kcat", ["-b", s.bootstrap, "-P", "-t", topic, "-p", "0", "-K:", "-z", codec, "-X", "linger.ms=30"], { input, timeoutMs: 20_000 });
      expect(p.code, p.stderr).toBe(0);
      const got = await take(topic, 100);
      expect(got.map((r) => `${text(r.key)}:${text(r.value)}`)).toEqual(input.trim().split("\n"));
      expect(got.map((r) => r.offset)).toEqual(Array.from({ length: 100 }, (_, i) => BigInt(i)));
    });
  }

  it("the WebSocket client produces, kcat and kafkajs consume", async () => {
    await s.server.broker.createTopic("x-ws", { partitions: 1 });
    const producer = client.producer({ acks: "all" });
    for (let i = 0; i < 50; i++) await producer.send({ topic: "x-ws", partition: 0, key: `k${i}`, value: `ws-${i}` });
    const c = await run("kcat", ["-b", s.bootstrap, "-C", "-t", "x-ws", "-p", "0", "-o", "beginning", "-e", "-f", "%k=%s@%o\\n"], { timeoutMs: 20_000 });
    expect(c.code, c.stderr).toBe(0);
    expect(c.stdout.trim().split("\n")).toEqual(Array.from({ length: 50 }, (_, i) => `k${i}=ws-${i}@${i}`));
    const kafka = new Kafka({ brokers: [s.bootstrap], clientId: "x-kafkajs", logLevel: logLevel.NOTHING });
    const consumer = kafka.consumer({ groupId: "x-ws-g", maxWaitTimeInMs: 100 });
    await consumer.connect();
    await consumer.subscribe({ topic: "x-ws", fromBeginning: true });
    const values: string[] = [];
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error("kafkajs did not read 50 records")), 20_000);
      void consumer.run({
        eachMessage: async ({ message }) => {
          values.push(message.value!.toString());
          if (values.length === 50) {
            clearTimeout(timer);
            resolve();
          }
        },
      });
    });
    await consumer.disconnect();
    expect(values).toEqual(Array.from({ length: 50 }, (_, i) => `ws-${i}`));
  });
});

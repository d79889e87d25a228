// Out-of-range fetch offsets (issue 12, item 5): a partition-level error in a Fetch response carries an
// empty records field (size 0), as Kafka sends it, never null (size -1). librdkafka rejected the null one
// ("invalid MessageSetSize -1"), never saw OFFSET_OUT_OF_RANGE, never reset and refetched forever. Every
// Kafka client here must reset per auto.offset.reset: kcat and confluent-kafka (librdkafka), kafka-python
// and kafkajs, to earliest and to latest.

import { join } from "node:path";
import { Kafka, logLevel } from "kafkajs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Reader } from "../../src/protocol/kafka/reader.js";
import { Writer } from "../../src/protocol/kafka/writer.js";
import { decodeResponse, encodeResponse } from "../../src/protocol/kafka/apis/fetch.js";
import { CLIENTS_DIR, PYTHON, children, kafkaServers, run, type KafkaTestServer } from "./helpers.js";

const servers = kafkaServers();
const procs = children();
let s: KafkaTestServer;
let kafka: Kafka;
const producer = () => kafka.producer({ allowAutoTopicCreation: false });
let produce: Awaited<ReturnType<typeof producer>>;

/** A topic of one partition holding exactly 3 records (offsets 0..2). */
async function threeRecordTopic(name: string): Promise<void> {
  await s.server.broker.createTopic(name, { partitions: 1 });
  await produce.send({ topic: name, messages: [0, 1, 2].map((i) => ({ key: `k${i}`, value: `v${i}` })) });
}

/** Produces one record every 200 ms until `until` settles (a consumer reset to latest sees only these). */
async function trickle(topic: string, until: Promise<unknown>): Promise<void> {
  let over = false;
  void until.finally(() => (over = true));
  for (let i = 0; !over && i < 150; i++) {
    await produce.send({ topic, messages: [{ key: "late", value: `late-${i}` }] });
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

beforeAll(async () => {
  s = await servers.start();
  kafka = new Kafka({ brokers: [s.bootstrap], clientId: "oor-test", logLevel: logLevel.NOTHING });
  produce = producer();
  await produce.connect();
});

afterAll(async () => {
  await produce?.disconnect();
});

describe("Fetch codec: an errored partition", () => {
  it("encodes null records as an empty set (size 0, never -1)", () => {
    const w = new Writer();
    encodeResponse(w, 11, {
      responses: [{ topic: "t", partitions: [{ partitionIndex: 0, errorCode: 1, highWatermark: -1n, records: null }] }],
    });
    const bytes = w.toBytes();
    // The records size is the last int32 of the frame.
    expect(new DataView(bytes.buffer, bytes.byteOffset).getInt32(bytes.length - 4)).toBe(0);
    const decoded = decodeResponse(new Reader(bytes), 11);
    expect(decoded.responses[0]!.partitions[0]!.records).toEqual(new Uint8Array(0));
  });
});

describe("kcat (librdkafka 2.0.2): kcat -C -t t -o 100 -e on a 3-record topic ends", () => {
  it.each(["earliest", "latest"])("auto.offset.reset=%s", async (reset) => {
    const topic = `oor-kcat-${reset}`;
    await threeRecordTopic(topic);
    const started = Date.now();
    const r = await run("kcat", ["-b", s.bootstrap, "-C", "-t", topic, "-o", "100", "-e", "-X", `auto.offset.reset=${reset}`, "-f", "%o\\n"], { timeoutMs: 20_000 });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/offset reset \(at offset 100/);
    expect(r.stderr).not.toMatch(/MessageSetSize/);
    expect(r.stdout.trim().split("\n").filter(Boolean)).toEqual(reset === "earliest" ? ["0", "1", "2"] : []);
    expect(Date.now() - started).toBeLessThan(15_000);
  });
});

describe.each(["confluent", "kafka-python"])("%s resets an out-of-range offset", (client) => {
  it.each(["earliest", "latest"])("auto.offset.reset=%s", async (reset) => {
    const topic = `oor-${client}-${reset}`;
    await threeRecordTopic(topic);
    const started = Date.now();
    const child = procs.spawn(PYTHON, [join(CLIENTS_DIR, "out_of_range.py"), client, s.bootstrap, topic, reset, "100"]);
    if (reset === "latest") await trickle(topic, child.exited);
    expect(await child.exited, child.output()).toBe(0);
    const lines = child.output().trim().split("\n").filter((l) => l.startsWith("{"));
    const result = JSON.parse(lines.at(-1)!) as { offset?: number; timeout?: boolean };
    expect(result.timeout, child.output()).toBeUndefined();
    if (reset === "earliest") expect(result.offset).toBe(0);
    else expect(result.offset).toBeGreaterThanOrEqual(3);
    // Reset at once, not after a retry storm (librdkafka with null records looped ~4,000 fetches/s).
    expect(Date.now() - started).toBeLessThan(12_000);
  }, 40_000);
});

describe("kafkajs resets an out-of-range offset", () => {
  it.each(["earliest", "latest"])("fromBeginning per auto.offset.reset=%s", async (reset) => {
    const topic = `oor-kafkajs-${reset}`;
    await threeRecordTopic(topic);
    const consumer = kafka.consumer({ groupId: `oor-kafkajs-${reset}`, maxWaitTimeInMs: 200 });
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: reset === "earliest" });
    const offsets: number[] = [];
    const first = new Promise<void>((resolve) => {
      void consumer.run({
        eachMessage: async ({ message }) => {
          offsets.push(Number(message.offset));
          resolve();
        },
      });
    });
    consumer.seek({ topic, partition: 0, offset: "100" });
    const timeout = new Promise<never>((_, reject) => setTimeout(() => reject(new Error("kafkajs received nothing within 20 s")), 20_000));
    try {
      if (reset === "latest") void trickle(topic, first);
      await Promise.race([first, timeout]);
    } finally {
      await consumer.disconnect();
    }
    if (reset === "earliest") expect(offsets[0]).toBe(0);
    else expect(offsets[0]).toBeGreaterThanOrEqual(3);
  }, 40_000);
});

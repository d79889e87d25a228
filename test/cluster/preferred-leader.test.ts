// Preferred leader election: after the preferred replica of a partition restarts and catches up, the
// controller moves leadership back to it (leader epoch + 1) without losing acknowledged records.

import { describe, expect, it } from "vitest";
import { Kafka, logLevel } from "kafkajs";
import { clusterFixture, etcdGet, partitionState, until } from "./harness.js";

const fixture = clusterFixture({ broker: { minIsr: 2, extra: ["--leader-rebalance-interval-ms", "1000"] } });
const { brokers } = fixture;

const kafka = () => new Kafka({ clientId: "t", brokers: brokers.map((b) => b.bootstrap), logLevel: logLevel.NOTHING, retry: { retries: 30, initialRetryTime: 100, maxRetryTime: 500 } });

describe("preferred leader election", () => {
  it("moves leadership back to the preferred replica once it is in sync again", async () => {
    const admin = kafka().admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: "pref", numPartitions: 1, replicationFactor: 3 }] });
    const assignment = JSON.parse((await etcdGet(fixture.etcd, "/rivulet/topics/pref"))["/rivulet/topics/pref"]!) as { replicas: number[][] };
    const preferred = assignment.replicas[0]![0]!;
    const first = await until("ISR of 3", async () => {
      const s = await partitionState(fixture.etcd, "pref", 0);
      return s && s.isr.length === 3 ? s : undefined;
    });
    expect(first.leader).toBe(preferred);
    const producer = kafka().producer();
    await producer.connect();
    await producer.send({ topic: "pref", acks: -1, messages: Array.from({ length: 10 }, (_, i) => ({ value: `p${i}` })) });
    const victim = brokers.find((b) => b.id === preferred)!;
    await victim.kill("SIGKILL");
    const moved = await until("another leader", async () => {
      const s = await partitionState(fixture.etcd, "pref", 0);
      return s && s.leader !== preferred && s.leader !== -1 ? s : undefined;
    });
    await producer.send({ topic: "pref", acks: -1, messages: Array.from({ length: 10 }, (_, i) => ({ value: `q${i}` })) });
    await victim.start();
    const back = await until("the preferred replica leads again", async () => {
      const s = await partitionState(fixture.etcd, "pref", 0);
      return s && s.leader === preferred ? s : undefined;
    }, 30_000);
    expect(back.leaderEpoch).toBeGreaterThan(moved.leaderEpoch);
    await producer.send({ topic: "pref", acks: -1, messages: [{ value: "r0" }] });
    await producer.disconnect();
    const offsets = await admin.fetchTopicOffsets("pref");
    expect(offsets[0]!.high).toBe("21");
    await admin.disconnect();
  }, 90_000);
});

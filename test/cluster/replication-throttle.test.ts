// Replication throttling (Kafka's replication quotas) on etcd + 2 broker processes: kafkajs sets the rates
// on the two brokers and the throttled replicas on the topic, DescribeConfigs shows them, bad values are
// refused; a partition holding ~3 MB moved to the other broker takes at least size/rate (less the burst),
// and every record is read back from the new replica; with the throttle removed, a move just completes.

import { describe, expect, it } from "vitest";
import { randomBytes } from "node:crypto";
import { Kafka, logLevel, type Admin } from "kafkajs";
import { clusterFixture, partitionState, readValues, replicasOf, until } from "./harness.js";

const fixture = clusterFixture({ ids: [1, 2], broker: { rf: 1 }, stop: () => admin?.disconnect().catch(() => {}) });
let admin: Admin;

const kafka = () => new Kafka({ clientId: "throttle", brokers: fixture.brokers.map((b) => b.bootstrap), logLevel: logLevel.NOTHING, retry: { retries: 40, initialRetryTime: 100, maxRetryTime: 500 } });
const BROKER = 4;
const TOPIC = 2;
const RATE = 500_000;

const errorType = (e: { type?: string; errors?: { type?: string }[] }) => e.type ?? e.errors?.[0]?.type ?? String(e);

async function describeBroker(id: number): Promise<Record<string, string>> {
  const got = await admin.describeConfigs({ includeSynonyms: false, resources: [{ type: BROKER, name: String(id), configNames: ["leader.replication.throttled.rate", "follower.replication.throttled.rate"] }] });
  return Object.fromEntries(got.resources[0]!.configEntries.map((c) => [c.configName, c.configValue]));
}

async function describeTopic(topic: string): Promise<Record<string, string>> {
  const got = await admin.describeConfigs({ includeSynonyms: false, resources: [{ type: TOPIC, name: topic, configNames: ["leader.replication.throttled.replicas", "follower.replication.throttled.replicas"] }] });
  return Object.fromEntries(got.resources[0]!.configEntries.map((c) => [c.configName, c.configValue]));
}

async function move(topic: string, to: number[]): Promise<number> {
  const started = Date.now();
  await admin.alterPartitionReassignments({ topics: [{ topic, partitionAssignment: [{ partition: 0, replicas: to }] }] });
  await until("reassignment done", async () => (await admin.listPartitionReassignments({ topics: null as never })).topics.length === 0, 90_000);
  return Date.now() - started;
}

describe("replication throttle", () => {
  let from = 0;
  let to = 0;
  const values: string[] = [];

  it("kafkajs sets the rates and throttled replicas; DescribeConfigs shows them; a ~3 MB move takes at least size/rate less the burst", async () => {
    admin = kafka().admin();
    await admin.connect();
    const topic = "throttled";
    await admin.createTopics({ topics: [{ topic, numPartitions: 1, replicationFactor: 1 }] });
    from = (await until("placed", async () => (await partitionState(fixture.etcd, topic, 0)) && replicasOf(fixture.etcd, topic)))[0]!;
    to = from === 1 ? 2 : 1;

    const producer = kafka().producer({ allowAutoTopicCreation: false });
    await producer.connect();
    // 3000 records of ~1 KB (random, so no compression shrinks them) in batches of 100: ~3 MB.
    for (let i = 0; i < 3000; i++) values.push(`${i}:${randomBytes(500).toString("hex")}`);
    for (let i = 0; i < values.length; i += 100) await producer.send({ topic, acks: -1, messages: values.slice(i, i + 100).map((value) => ({ value })) });
    await producer.disconnect();
    const bytes = values.reduce((n, v) => n + v.length, 0);
    expect(bytes).toBeGreaterThan(2_900_000);

    await admin.alterConfigs({ validateOnly: false, resources: [
      { type: BROKER, name: String(from), configEntries: [{ name: "leader.replication.throttled.rate", value: String(RATE) }, { name: "follower.replication.throttled.rate", value: String(RATE) }] },
      { type: BROKER, name: String(to), configEntries: [{ name: "leader.replication.throttled.rate", value: String(RATE) }, { name: "follower.replication.throttled.rate", value: String(RATE) }] },
      { type: TOPIC, name: topic, configEntries: [{ name: "leader.replication.throttled.replicas", value: `0:${from}` }, { name: "follower.replication.throttled.replicas", value: `0:${to}` }] },
    ] });
    expect(await describeBroker(from)).toEqual({ "leader.replication.throttled.rate": String(RATE), "follower.replication.throttled.rate": String(RATE) });
    expect(await describeBroker(to)).toEqual({ "leader.replication.throttled.rate": String(RATE), "follower.replication.throttled.rate": String(RATE) });
    expect(await describeTopic(topic)).toEqual({ "leader.replication.throttled.replicas": `0:${from}`, "follower.replication.throttled.replicas": `0:${to}` });

    const took = await move(topic, [to]);
    // A lower bound only: each side's bucket starts with one second's worth (the burst).
    expect(took).toBeGreaterThanOrEqual((bytes / RATE - 1) * 1000 - 500);
    expect(await replicasOf(fixture.etcd, topic)).toEqual([to]);
    expect((await partitionState(fixture.etcd, topic, 0))!.leader).toBe(to);
    const got = await readValues(kafka(), topic, values.length);
    expect(new Set(got)).toEqual(new Set(values));
  }, 180_000);

  it("bad values are refused: INVALID_CONFIG for a rate or list that is not one, INVALID_REQUEST for other broker configs", async () => {
    const refusal = (resource: { type: number; name: string; configEntries: { name: string; value: string }[] }) =>
      admin.alterConfigs({ validateOnly: false, resources: [resource] }).then(() => "ok", errorType);
    expect(await refusal({ type: BROKER, name: String(from), configEntries: [{ name: "leader.replication.throttled.rate", value: "-5" }] })).toBe("INVALID_CONFIG");
    expect(await refusal({ type: BROKER, name: String(from), configEntries: [{ name: "follower.replication.throttled.rate", value: "fast" }] })).toBe("INVALID_CONFIG");
    expect(await refusal({ type: BROKER, name: String(from), configEntries: [{ name: "log.retention.ms", value: "1000" }] })).toBe("INVALID_REQUEST");
    expect(await refusal({ type: TOPIC, name: "throttled", configEntries: [{ name: "leader.replication.throttled.replicas", value: "0-1" }] })).toBe("INVALID_CONFIG");
    // Nothing changed.
    expect(await describeBroker(from)).toEqual({ "leader.replication.throttled.rate": String(RATE), "follower.replication.throttled.rate": String(RATE) });
    expect(await describeTopic("throttled")).toEqual({ "leader.replication.throttled.replicas": `0:${from}`, "follower.replication.throttled.replicas": `0:${to}` });
  });

  it("with the throttle removed the defaults show again, and the next move just completes with every record", async () => {
    await admin.alterConfigs({ validateOnly: false, resources: [
      { type: BROKER, name: String(from), configEntries: [] },
      { type: BROKER, name: String(to), configEntries: [] },
      { type: TOPIC, name: "throttled", configEntries: [] },
    ] });
    expect(await describeBroker(from)).toEqual({ "leader.replication.throttled.rate": "9223372036854775807", "follower.replication.throttled.rate": "9223372036854775807" });
    expect(await describeTopic("throttled")).toEqual({ "leader.replication.throttled.replicas": "", "follower.replication.throttled.replicas": "" });
    // A new partition, moved to the broker that has never had it (moving "throttled" back onto the broker
    // it left would land on that broker's emptied copy: a separate matter, reported with this branch).
    const topic = "unthrottled";
    await admin.createTopics({ topics: [{ topic, numPartitions: 1, replicationFactor: 1 }] });
    const [at] = await until("placed", async () => (await partitionState(fixture.etcd, topic, 0)) && replicasOf(fixture.etcd, topic));
    const other = at === 1 ? 2 : 1;
    const producer = kafka().producer({ allowAutoTopicCreation: false });
    await producer.connect();
    const more = values.slice(0, 1000);
    for (let i = 0; i < more.length; i += 100) await producer.send({ topic, acks: -1, messages: more.slice(i, i + 100).map((value) => ({ value })) });
    await producer.disconnect();
    await move(topic, [other]);
    expect(await replicasOf(fixture.etcd, topic)).toEqual([other]);
    const got = await readValues(kafka(), topic, more.length);
    expect(new Set(got)).toEqual(new Set(more));
  }, 120_000);
});

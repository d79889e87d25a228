// Replication throttling (Kafka's replication quotas) on etcd + 2 broker processes: kafkajs sets the rates
// on the two brokers and the throttled replicas on a topic, DescribeConfigs shows them, bad values are
// refused; a partition holding ~3 MB moved to the other broker takes at least size/rate (less the burst)
// with the leader side alone throttled, likewise with the follower side alone, and every record is read
// back from the new replica, `rivulet cluster status` and the leader's /metrics show the throttle; with the
// throttle removed, a move just completes; `rivulet cluster reassign
// --throttle` sets it for a move and `--verify` takes it off once the move is done; `rivulet cluster drain
// --throttle` sets it for a drain and takes it off once drained.

import { describe, expect, it } from "vitest";
import { randomBytes } from "node:crypto";
import { Kafka, logLevel, type Admin } from "kafkajs";
import { cli, clusterFixture, etcdGet, partitionState, readValues, replicasOf, until } from "./harness.js";
import { parseExposition, structureViolations } from "../http/prometheus.js";

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

/** A new one-partition topic holding `count` records of ~1 KB (random: no compression shrinks them). */
async function fill(topic: string, count: number): Promise<{ at: number; values: string[]; bytes: number }> {
  await admin.createTopics({ topics: [{ topic, numPartitions: 1, replicationFactor: 1 }] });
  const [at] = await until("placed", async () => (await partitionState(fixture.etcd, topic, 0)) && replicasOf(fixture.etcd, topic));
  const values: string[] = [];
  for (let i = 0; i < count; i++) values.push(`${i}:${randomBytes(500).toString("hex")}`);
  const producer = kafka().producer({ allowAutoTopicCreation: false });
  await producer.connect();
  for (let i = 0; i < values.length; i += 100) await producer.send({ topic, acks: -1, messages: values.slice(i, i + 100).map((value) => ({ value })) });
  await producer.disconnect();
  return { at: at!, values, bytes: values.reduce((n, v) => n + v.length, 0) };
}

/** The least a throttled copy of `bytes` takes: size/rate, less the one second's worth the bucket starts with. */
const atLeastMs = (bytes: number, rate: number) => (bytes / rate - 1) * 1000 - 300;

async function move(topic: string, to: number[]): Promise<number> {
  const started = Date.now();
  await admin.alterPartitionReassignments({ topics: [{ topic, partitionAssignment: [{ partition: 0, replicas: to }] }] });
  await until("reassignment done", async () => (await admin.listPartitionReassignments({ topics: null as never })).topics.length === 0, 90_000);
  return Date.now() - started;
}

describe("replication throttle", () => {
  let from = 0;
  let to = 0;
  let values: string[] = [];
  const bothRates = [{ name: "leader.replication.throttled.rate", value: String(RATE) }, { name: "follower.replication.throttled.rate", value: String(RATE) }];

  it("kafkajs sets the rates and throttled replicas; DescribeConfigs shows them; the leader side alone slows a ~3 MB move to size/rate", async () => {
    admin = kafka().admin();
    await admin.connect();
    const topic = "throttled";
    const filled = await fill(topic, 3000);
    ({ values } = filled);
    from = filled.at;
    to = from === 1 ? 2 : 1;
    expect(filled.bytes).toBeGreaterThan(2_900_000);

    // Only the leader side is listed: the follower rate is set too, but this partition is not listed for it.
    await admin.alterConfigs({ validateOnly: false, resources: [
      { type: BROKER, name: String(from), configEntries: bothRates },
      { type: BROKER, name: String(to), configEntries: bothRates },
      { type: TOPIC, name: topic, configEntries: [{ name: "leader.replication.throttled.replicas", value: `0:${from}` }] },
    ] });
    expect(await describeBroker(from)).toEqual({ "leader.replication.throttled.rate": String(RATE), "follower.replication.throttled.rate": String(RATE) });
    expect(await describeBroker(to)).toEqual({ "leader.replication.throttled.rate": String(RATE), "follower.replication.throttled.rate": String(RATE) });
    expect(await describeTopic(topic)).toEqual({ "leader.replication.throttled.replicas": `0:${from}`, "follower.replication.throttled.replicas": "" });
    // `rivulet cluster status` shows the rates each broker applies and the lists.
    const status = JSON.parse((await cli(["cluster", "status", "--json", "--cluster", fixture.etcd.url])).stdout) as { throttle: unknown };
    expect(status.throttle).toEqual({
      brokers: [1, 2].map((id) => ({ id, leaderRate: RATE, followerRate: RATE })),
      topics: [{ topic, leaderReplicas: `0:${from}`, followerReplicas: "" }],
    });
    expect((await cli(["cluster", "status", "--cluster", fixture.etcd.url])).stdout).toMatch(/replication throttle: 2 broker\(s\) with a rate, 1 topic\(s\)[^]*throttled\s+0:\d\s+-/);

    const took = await move(topic, [to]);
    // A lower bound only (no upper bound on a noisy box).
    expect(took).toBeGreaterThanOrEqual(atLeastMs(filled.bytes, RATE));
    // The leader's /metrics: its rate, and the whole copy went through the throttle, which made it wait.
    const metrics = await (await fetch(`http://127.0.0.1:${fixture.broker(from).wsPort}/metrics`)).text();
    expect(metrics).toContain(`rivulet_replication_throttle_rate_bytes{direction="leader"} ${RATE}`);
    expect(Number(/rivulet_replication_throttled_bytes_total\{direction="leader"\} (\d+)/.exec(metrics)?.[1])).toBeGreaterThanOrEqual(filled.bytes);
    expect(Number(/rivulet_replication_throttle_delay_seconds_total\{direction="leader"\} ([\d.e+-]+)/.exec(metrics)?.[1])).toBeGreaterThan(1);
    expect(metrics).toContain(`rivulet_replication_throttled_bytes_total{direction="follower"} 0`);
    expect(structureViolations(metrics)).toEqual([]);
    expect(parseExposition(metrics).find((f) => f.name === "rivulet_replication_throttle_delay_seconds")?.type).toBe("counter");
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
    expect(await describeTopic("throttled")).toEqual({ "leader.replication.throttled.replicas": `0:${from}`, "follower.replication.throttled.replicas": "" });
  });

  it("the follower side alone slows a ~2 MB move to size/rate too", async () => {
    const topic = "follower-throttled";
    const filled = await fill(topic, 2000);
    const dest = filled.at === 1 ? 2 : 1;
    await admin.alterConfigs({ validateOnly: false, resources: [{ type: TOPIC, name: topic, configEntries: [{ name: "follower.replication.throttled.replicas", value: `0:${dest}` }] }] });
    const took = await move(topic, [dest]);
    expect(took).toBeGreaterThanOrEqual(atLeastMs(filled.bytes, RATE));
    const got = await readValues(kafka(), topic, filled.values.length);
    expect(new Set(got)).toEqual(new Set(filled.values));
  }, 180_000);

  it("with the throttle removed the defaults show again, and the next move just completes with every record", async () => {
    await admin.alterConfigs({ validateOnly: false, resources: [
      { type: BROKER, name: String(from), configEntries: [] },
      { type: BROKER, name: String(to), configEntries: [] },
      { type: TOPIC, name: "throttled", configEntries: [] },
      { type: TOPIC, name: "follower-throttled", configEntries: [] },
    ] });
    expect(await describeBroker(from)).toEqual({ "leader.replication.throttled.rate": "9223372036854775807", "follower.replication.throttled.rate": "9223372036854775807" });
    expect(await describeTopic("throttled")).toEqual({ "leader.replication.throttled.replicas": "", "follower.replication.throttled.replicas": "" });
    const status = await cli(["cluster", "status", "--json", "--cluster", fixture.etcd.url]);
    expect((JSON.parse(status.stdout) as { throttle: unknown }).throttle).toEqual({ brokers: [1, 2].map((id) => ({ id, leaderRate: null, followerRate: null })), topics: [] });
    expect((await cli(["cluster", "status", "--cluster", fixture.etcd.url])).stdout).not.toContain("replication throttle");
    const metrics = await (await fetch(`http://127.0.0.1:${fixture.broker(from).wsPort}/metrics`)).text();
    expect(metrics).toContain('rivulet_replication_throttle_rate_bytes{direction="leader"} -1');
    // A new partition, moved to the broker that has never had it (a move back is the last test).
    const topic = "unthrottled";
    const filled = await fill(topic, 1000);
    const other = filled.at === 1 ? 2 : 1;
    await move(topic, [other]);
    expect(await replicasOf(fixture.etcd, topic)).toEqual([other]);
    const got = await readValues(kafka(), topic, filled.values.length);
    expect(new Set(got)).toEqual(new Set(filled.values));
  }, 120_000);

  it("`rivulet cluster reassign --throttle` throttles the move; `--verify` removes the throttle once it is done", async () => {
    const topic = "cli-throttled";
    const filled = await fill(topic, 2000);
    const dest = filled.at === 1 ? 2 : 1;
    const rate = 400_000;
    const started = Date.now();
    const asked = await cli(["cluster", "reassign", topic, "0", String(dest), "--throttle", String(rate), "--cluster", fixture.etcd.url]);
    expect(asked.code).toBe(0);
    expect(asked.stdout).toContain(`throttled to ${rate} bytes/s`);
    expect(await describeBroker(filled.at)).toEqual({ "leader.replication.throttled.rate": String(rate), "follower.replication.throttled.rate": String(rate) });
    expect(await describeTopic(topic)).toEqual({ "leader.replication.throttled.replicas": `0:${filled.at}`, "follower.replication.throttled.replicas": `0:${dest}` });
    await until("verified done", async () => (await cli(["cluster", "reassign", topic, "0", "--verify", "--cluster", fixture.etcd.url])).code === 0, 90_000);
    expect(Date.now() - started).toBeGreaterThanOrEqual(atLeastMs(filled.bytes, rate));
    expect(await replicasOf(fixture.etcd, topic)).toEqual([dest]);
    expect(await describeBroker(filled.at)).toEqual({ "leader.replication.throttled.rate": "9223372036854775807", "follower.replication.throttled.rate": "9223372036854775807" });
    expect(await describeBroker(dest)).toEqual({ "leader.replication.throttled.rate": "9223372036854775807", "follower.replication.throttled.rate": "9223372036854775807" });
    expect(await describeTopic(topic)).toEqual({ "leader.replication.throttled.replicas": "", "follower.replication.throttled.replicas": "" });
    const got = await readValues(kafka(), topic, filled.values.length);
    expect(new Set(got)).toEqual(new Set(filled.values));
  }, 180_000);

  it("moved back onto the broker it left, with nothing written since, the partition is copied again from the leader's log start: every record is there", async () => {
    // The old broker's copy was deleted, leaving an empty log at the old log end, which is the leader's log
    // end too: that must not count as caught up (it would join the ISR empty, lead, and lose everything).
    await move("throttled", [from]);
    expect(await replicasOf(fixture.etcd, "throttled")).toEqual([from]);
    expect(fixture.broker(from).proc.out).toContain("replica log restarted at the leader's log start");
    const got = await readValues(kafka(), "throttled", values.length);
    expect(new Set(got)).toEqual(new Set(values));
  }, 120_000);

  it("a deleted topic's throttled replica lists are deleted with it", async () => {
    await admin.createTopics({ topics: [{ topic: "doomed", numPartitions: 1, replicationFactor: 1 }] });
    await until("placed", async () => partitionState(fixture.etcd, "doomed", 0));
    await admin.alterConfigs({ validateOnly: false, resources: [{ type: TOPIC, name: "doomed", configEntries: [{ name: "leader.replication.throttled.replicas", value: "*" }] }] });
    expect(Object.values(await etcdGet(fixture.etcd, "/rivulet/configs/topic/doomed/"))).toEqual(["*"]);
    await admin.deleteTopics({ topics: ["doomed"] });
    await until("lists deleted", async () => Object.keys(await etcdGet(fixture.etcd, "/rivulet/configs/topic/doomed/")).length === 0);
  });

  it("`rivulet cluster drain --throttle` throttles the drain's copies and removes the throttle once drained", async () => {
    const topic = "drain-throttled";
    const filled = await fill(topic, 2000);
    const drained = filled.at;
    const other = drained === 1 ? 2 : 1;
    const rate = 400_000;
    const started = Date.now();
    const run = cli(["cluster", "drain", String(drained), "--throttle", String(rate), "--wait", "150", "--cluster", fixture.etcd.url], 170_000);
    // Set before the moves: seen on both brokers while the drain runs.
    await until("throttle set", async () => (await describeBroker(other))["follower.replication.throttled.rate"] === String(rate), 15_000);
    expect(await describeBroker(drained)).toEqual({ "leader.replication.throttled.rate": String(rate), "follower.replication.throttled.rate": String(rate) });
    expect((await describeTopic(topic))["leader.replication.throttled.replicas"]).toBe(`0:${drained}`);
    expect((await describeTopic(topic))["follower.replication.throttled.replicas"]).toBe(`0:${other}`);
    const done = await run;
    expect(done.code).toBe(0);
    expect(done.stdout).toContain(`throttled to ${rate} bytes/s`);
    expect(done.stdout).toContain("throttle removed");
    expect(Date.now() - started).toBeGreaterThanOrEqual(atLeastMs(filled.bytes, rate));
    expect(await replicasOf(fixture.etcd, topic)).toEqual([other]);
    for (const id of [drained, other]) expect(await describeBroker(id)).toEqual({ "leader.replication.throttled.rate": "9223372036854775807", "follower.replication.throttled.rate": "9223372036854775807" });
    expect(await describeTopic(topic)).toEqual({ "leader.replication.throttled.replicas": "", "follower.replication.throttled.replicas": "" });
    const got = await readValues(kafka(), topic, filled.values.length);
    expect(new Set(got)).toEqual(new Set(filled.values));
    expect((await cli(["cluster", "drain", String(drained), "--cancel", "--cluster", fixture.etcd.url])).code).toBe(0);
  }, 200_000);
});

// Moving partitions between brokers (AlterPartitionReassignments / ListPartitionReassignments, `rivulet
// cluster reassign`), on etcd + 3 broker processes: kafkajs's admin moves a partition off its leader while
// acks=all records keep arriving, every acknowledged record is read back from the new replicas; Kafka's
// refusals come back with their codes; a target broker killed mid-move holds the move until it returns;
// the CLI moves it back from a kafka-reassign-partitions plan file and cancels.

import { beforeAll, describe, expect, it } from "vitest";
import { Kafka, logLevel, type Admin } from "kafkajs";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { ClusterAdmin } from "../../src/cluster/drain.js";
import { cli, clusterFixture, partitionState, readValues, replicasOf, sameList, sleep, tempDir, until } from "./harness.js";

const fixture = clusterFixture({ broker: { rf: 1 }, stop: () => admin?.disconnect().catch(() => {}) });
const { brokers } = fixture;
let admin: Admin;

beforeAll(async () => {
  admin = kafka().admin();
  await admin.connect();
});

const kafka = () => new Kafka({ clientId: "reassign", brokers: brokers.map((b) => b.bootstrap), logLevel: logLevel.NOTHING, retry: { retries: 40, initialRetryTime: 100, maxRetryTime: 500 } });

describe("partition reassignment", () => {
  it("kafkajs moves a partition off its leader to two other brokers under acks=all load; nothing acknowledged is lost", async () => {
    const topic = "moving";
    await admin.createTopics({ topics: [{ topic, numPartitions: 1, replicationFactor: 1 }] });
    const [from] = await until("placed", async () => (await partitionState(fixture.etcd, topic, 0)) && replicasOf(fixture.etcd, topic));
    const target = [1, 2, 3].filter((id) => id !== from);

    // Idempotent, so a send retried across the leader change cannot be appended twice.
    const producer = kafka().producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false });
    await producer.connect();
    const acked: string[] = [];
    for (let i = 0; i < 200; i++) acked.push(`r${i}`);
    await producer.send({ topic, acks: -1, messages: acked.map((value) => ({ value })) });
    let running = true;
    const traffic = (async () => {
      for (let i = 0; running; i++) {
        await producer.send({ topic, acks: -1, messages: [{ value: `live${i}` }] }).then(() => acked.push(`live${i}`), () => sleep(50));
      }
    })();

    await admin.alterPartitionReassignments({ topics: [{ topic, partitionAssignment: [{ partition: 0, replicas: target }] }] });
    await until("reassignment done", async () => {
      const listed = await admin.listPartitionReassignments({ topics: null as never });
      return listed.topics.length === 0;
    }, 60_000);
    expect(await replicasOf(fixture.etcd, topic)).toEqual(target);
    const state = await partitionState(fixture.etcd, topic, 0);
    expect(target).toContain(state!.leader);
    expect([...state!.isr].sort()).toEqual([...target].sort());
    await sleep(300);
    running = false;
    await traffic;
    await producer.disconnect();
    expect(acked.length).toBeGreaterThan(200);
    const got = await readValues(kafka(), topic, acked.length);
    expect(new Set(got)).toEqual(new Set(acked));
    expect(got.length).toBe(acked.length);
  }, 120_000);

  it("refusals carry Kafka's codes: a broker that is not running, duplicates, an unknown partition", async () => {
    await admin.createTopics({ topics: [{ topic: "refused", numPartitions: 1, replicationFactor: 1 }] });
    const refusal = async (replicas: number[], partition = 0) =>
      admin.alterPartitionReassignments({ topics: [{ topic: "refused", partitionAssignment: [{ partition, replicas }] }] }).then(
        () => "ok",
        (e: { type?: string; errors?: { type?: string }[] }) => e.type ?? e.errors?.[0]?.type ?? String(e),
      );
    expect(await refusal([1, 9])).toBe("INVALID_REPLICA_ASSIGNMENT");
    expect(await refusal([2, 2])).toBe("INVALID_REPLICA_ASSIGNMENT");
    expect(await refusal([1], 5)).toBe("UNKNOWN_TOPIC_OR_PARTITION");
    const cancel = await cli(["cluster", "reassign", "refused", "0", "--cancel", "--cluster", fixture.etcd.url]);
    expect(cancel.code).toBe(2);
    expect(cancel.stdout).toContain("NO_REASSIGNMENT_IN_PROGRESS");
  });

  it("a target broker killed during the move holds it (listed, with the reason) until it returns; then it completes", async () => {
    const topic = "held";
    await admin.createTopics({ topics: [{ topic, numPartitions: 1, replicationFactor: 1 }] });
    const [from] = await until("placed", async () => (await partitionState(fixture.etcd, topic, 0)) && replicasOf(fixture.etcd, topic));
    const producer = kafka().producer({ allowAutoTopicCreation: false });
    await producer.connect();
    const values = Array.from({ length: 2000 }, (_, i) => `h${i}-${"x".repeat(200)}`);
    for (let i = 0; i < values.length; i += 500) await producer.send({ topic, acks: -1, messages: values.slice(i, i + 500).map((value) => ({ value })) });
    await producer.disconnect();
    const victim = brokers.find((b) => b.id !== from)!;
    // Killed, and the move asked for at once, while its registration (lease TTL 2 s) still says it is
    // alive: the request is valid but cannot finish without it.
    const cluster = new ClusterAdmin(fixture.etcd.url);
    try {
      await victim.kill("SIGKILL");
      expect(await cluster.reassign(topic, 0, [victim.id])).toEqual({ ok: true, started: true });
    } finally {
      cluster.close();
    }
    const listed = await until("listed as waiting", async () => {
      const r = await cli(["cluster", "reassignments", "--json", "--cluster", fixture.etcd.url]);
      const moving = JSON.parse(r.stdout) as Array<{ topic: string; phase: string; reason?: string; addingReplicas: number[] }>;
      return moving.find((m) => m.topic === topic && m.phase === "wait" && m.reason?.includes("not running"));
    }, 30_000);
    expect(listed.addingReplicas).toEqual([victim.id]);
    expect(await replicasOf(fixture.etcd, topic)).toEqual([victim.id, from]);
    await victim.start();
    await until("moved once the broker is back", async () => sameList(await replicasOf(fixture.etcd, topic), [victim.id]), 60_000);
    expect((await partitionState(fixture.etcd, topic, 0))!.leader).toBe(victim.id);
    const got = await readValues(kafka(), topic, values.length);
    expect(new Set(got)).toEqual(new Set(values));
  }, 150_000);

  it("the CLI moves a partition back from a kafka-reassign-partitions plan file and follows it to the end", async () => {
    const topic = "moving";
    const plan = join(tempDir("plan"), "plan.json");
    const before = await replicasOf(fixture.etcd, topic);
    const back = [before[1]!];
    writeFileSync(plan, JSON.stringify({ version: 1, partitions: [{ topic, partition: 0, replicas: back }] }));
    const r = await cli(["cluster", "reassign", "--file", plan, "--wait", "60", "--cluster", fixture.etcd.url]);
    expect(r.stderr).toBe("");
    expect(r.stdout).toContain(`${topic}-0: started`);
    expect(r.stdout).toContain("every partition is on its new replicas");
    expect(r.code).toBe(0);
    expect(await replicasOf(fixture.etcd, topic)).toEqual(back);
    expect((await cli(["cluster", "reassignments", "--cluster", fixture.etcd.url])).stdout).toContain("no reassignment in progress");
  }, 120_000);
});

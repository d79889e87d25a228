// A broker that ran alone (no --cluster) and then joins a cluster brings its topics along: on its first
// join they are registered in etcd with it as the leader of every partition (ISR: it alone until the
// others copy the data), keeping the local topic id, and every record written before the join is read from
// the cluster. A data dir whose topic name the cluster already uses for another topic is refused at start
// with a clear error (the logs cannot be merged).

import { describe, expect, it } from "vitest";
import { spawn } from "node:child_process";
import { Kafka, logLevel } from "kafkajs";
import { Child, ClusterBroker, clusterFixture, etcdGet, freePort, MAIN, partitionState, tempDir, until } from "./harness.js";

const fixture = clusterFixture({ ids: [1, 2], broker: { minIsr: 2, rf: 2 }, debugLines: 30 });
const { brokers } = fixture;

/** Runs a single-node broker on `dataDir`, creates `topic` and writes `count` records, stops it. */
async function singleNode(dataDir: string, topic: string, count: number): Promise<string[]> {
  const kafkaPort = await freePort();
  const proc = new Child(spawn(process.execPath, [MAIN, "serve", "--data-dir", dataDir, "--port", String(await freePort()), "--kafka-port", String(kafkaPort), "--shards", "1"], { stdio: ["ignore", "pipe", "pipe"] }));
  try {
    await until("single node listening", () => proc.out.includes("rivulet listening"), 30_000);
    const kafka = new Kafka({ clientId: "alone", brokers: [`127.0.0.1:${kafkaPort}`], logLevel: logLevel.NOTHING });
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic, numPartitions: 2 }] });
    await admin.disconnect();
    const producer = kafka.producer();
    await producer.connect();
    const values = Array.from({ length: count }, (_, i) => `${topic}-old-${i}`);
    await producer.send({ topic, acks: -1, messages: values.map((value, i) => ({ value, partition: i % 2 })) });
    await producer.disconnect();
    return values;
  } finally {
    await proc.kill("SIGTERM");
  }
}

describe("a topic from before the cluster join", () => {
  it("is registered with the joining broker as leader and its records are served by the cluster", async () => {
    const dir = tempDir("alone");
    const old = await singleNode(dir, "legacy", 40);
    const b3 = await ClusterBroker.start(3, fixture.etcd, { minIsr: 2, rf: 2, dataDir: dir });
    brokers.push(b3);
    const states = [];
    for (const p of [0, 1]) states.push(await until(`legacy-${p} registered`, () => partitionState(fixture.etcd, "legacy", p)));
    expect(states.map((s) => s.leader)).toEqual([3, 3]);
    const topic = JSON.parse((await etcdGet(fixture.etcd, "/rivulet/topics/legacy"))["/rivulet/topics/legacy"]!) as { partitions: number; replicas: number[][] };
    expect(topic.partitions).toBe(2);
    for (const set of topic.replicas) expect(set[0]).toBe(3);
    // The other replica copies the data and joins the ISR.
    for (const p of [0, 1]) await until(`legacy-${p} ISR of 2`, async () => (await partitionState(fixture.etcd, "legacy", p))?.isr.length === 2, 20_000);

    const kafka = new Kafka({ clientId: "t", brokers: brokers.map((b) => b.bootstrap), logLevel: logLevel.NOTHING, retry: { retries: 20, initialRetryTime: 100, maxRetryTime: 500 } });
    const producer = kafka.producer({ allowAutoTopicCreation: false });
    await producer.connect();
    await producer.send({ topic: "legacy", acks: -1, messages: [{ value: "legacy-new-0", partition: 0 }, { value: "legacy-new-1", partition: 1 }] });
    await producer.disconnect();
    const consumer = kafka.consumer({ groupId: `verify-${Date.now()}` });
    const seen = new Set<string>();
    await consumer.connect();
    await consumer.subscribe({ topic: "legacy", fromBeginning: true });
    await consumer.run({ eachMessage: async ({ message }) => void seen.add(message.value!.toString()) });
    const expected = [...old, "legacy-new-0", "legacy-new-1"];
    await until("every record", () => expected.every((v) => seen.has(v)), 30_000).catch(() => undefined);
    await consumer.disconnect();
    expect(expected.filter((v) => !seen.has(v))).toEqual([]);

    // A restart is not a first join: the topic stays as the cluster has it, with no new request.
    await b3.kill("SIGTERM");
    await b3.start();
    expect(Object.keys(await etcdGet(fixture.etcd, "/rivulet/requests/create/"))).toEqual([]);
  }, 120_000);

  it("refuses to join with a local topic whose name the cluster uses for another topic", async () => {
    const dir = tempDir("clash");
    await singleNode(dir, "legacy", 3);
    const b4 = new ClusterBroker(4, fixture.etcd, await freePort(), await freePort(), { dataDir: dir });
    await expect(b4.start()).rejects.toThrow(/topic\(s\) legacy exist in this broker's data dir/);
    expect(b4.proc.alive()).toBe(false);
    expect((await etcdGet(fixture.etcd, "/rivulet/brokers/4"))["/rivulet/brokers/4"]).toBeUndefined();
    // Refused before writing anything: a second attempt is refused the same way.
    await expect(b4.start()).rejects.toThrow(/topic\(s\) legacy exist in this broker's data dir/);
  }, 60_000);
});

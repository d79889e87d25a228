// A partition moved off a broker leaves no data behind (etcd + 3 broker processes): after a reassignment
// completes, and after `rivulet cluster drain`, the old broker's partition directory holds no data files
// (sizes on disk) while the new replicas serve every acknowledged record; a broker restarted while the
// partition is away does not resurrect it; moving it back later (after the leader's log start moved past
// 0 by DeleteRecords) restarts the empty copy at the leader's log start and catches up, so the old broker,
// alone again, serves every record from there on with acks=all.

import { beforeAll, describe, expect, it } from "vitest";
import { Kafka, logLevel, type Admin } from "kafkajs";
import { existsSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { partitionDirName } from "../../src/shard/protocol.js";
import { cli, clusterFixture, partitionState, readValues, replicasOf, sameList, sleep, until, type ClusterBroker } from "./harness.js";

// Internal topics with RF 2, so one of three brokers can be drained.
const fixture = clusterFixture({ broker: { rf: 2 }, stop: () => admin?.disconnect().catch(() => {}) });
const { brokers } = fixture;
let admin: Admin;

beforeAll(async () => {
  admin = kafka().admin();
  await admin.connect();
});

const kafka = (list = brokers) => new Kafka({ clientId: "replica-clean", brokers: list.map((b) => b.bootstrap), logLevel: logLevel.NOTHING, retry: { retries: 40, initialRetryTime: 100, maxRetryTime: 500 } });

/** Bytes of segment and index files in a broker's directory of a partition. */
function dataBytes(broker: ClusterBroker, topic: string, p = 0): number {
  const dir = join(broker.dataDir, partitionDirName(topic, p));
  if (!existsSync(dir)) return 0;
  return readdirSync(dir)
    .filter((n) => /\.(log|index|timeindex|txnindex)$/.test(n))
    .reduce((sum, n) => sum + statSync(join(dir, n)).size, 0);
}

async function produce(topic: string, values: string[]): Promise<void> {
  const producer = kafka().producer({ allowAutoTopicCreation: false });
  await producer.connect();
  for (let i = 0; i < values.length; i += 100) await producer.send({ topic, acks: -1, messages: values.slice(i, i + 100).map((value) => ({ value })) });
  await producer.disconnect();
}

async function reassign(topic: string, replicas: number[]): Promise<void> {
  await admin.alterPartitionReassignments({ topics: [{ topic, partitionAssignment: [{ partition: 0, replicas }] }] });
  await until(`${topic} on ${replicas.join(",")}`, async () => {
    const listed = await admin.listPartitionReassignments({ topics: null as never });
    return listed.topics.length === 0 && sameList(await replicasOf(fixture.etcd, topic), replicas);
  }, 60_000);
}

const values = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => `${prefix}${i}-${"x".repeat(300)}`);

describe("a partition moved off a broker leaves no data behind", () => {
  it("reassignment deletes the old copy, a restart does not resurrect it, and moving back catches up from the leader's log start", async () => {
    const topic = "away";
    await admin.createTopics({ topics: [{ topic, numPartitions: 1, replicationFactor: 2 }] });
    const placed = await until("placed", async () => (await partitionState(fixture.etcd, topic, 0)) && replicasOf(fixture.etcd, topic));
    const victim = fixture.broker(placed[0]!);
    const other = placed[1]!;
    const third = [1, 2, 3].find((id) => !placed.includes(id))!;
    const first = values("a", 300);
    await produce(topic, first);
    await until("old copy holds the records", () => dataBytes(victim, topic) > 300 * 300);

    await reassign(topic, [other, third]);
    await until("old copy deleted", () => dataBytes(victim, topic) === 0, 20_000);
    const line = await until("deletion logged", () => victim.proc.out.split("\n").find((l) => l.includes("deleted the local data") && l.includes(`"${topic}"`)));
    expect(JSON.parse(line.slice(line.indexOf("{")))).toMatchObject({ level: "info", partition: 0 });
    expect(dataBytes(fixture.broker(other), topic)).toBeGreaterThan(300 * 300);
    expect(dataBytes(fixture.broker(third), topic)).toBeGreaterThan(300 * 300);
    expect(new Set(await readValues(kafka(), topic, first.length))).toEqual(new Set(first));

    // Restarted (kill -9) while the partition is away: nothing comes back.
    await victim.kill("SIGKILL");
    await victim.start();
    await sleep(1500);
    expect(dataBytes(victim, topic)).toBe(0);

    // The leader's log start moves past 0, more records arrive, then the partition moves back to the old
    // broker alone: it must restart its empty copy at the leader's log start and copy everything after.
    const leader = (await partitionState(fixture.etcd, topic, 0))!.leader;
    await admin.deleteTopicRecords({ topic, partitions: [{ partition: 0, offset: "100" }] });
    const second = values("b", 200);
    await produce(topic, second);
    await reassign(topic, [victim.id]);
    expect((await partitionState(fixture.etcd, topic, 0))!.leader).toBe(victim.id);
    expect(leader).not.toBe(victim.id);
    expect(dataBytes(victim, topic)).toBeGreaterThan(300 * 300);
    expect(victim.proc.out).toContain("replica log restarted at the leader's log start");
    const third3 = values("c", 50);
    await produce(topic, third3);
    const expected = [...first.slice(100), ...second, ...third3];
    const got = await readValues(kafka([victim]), topic, expected.length);
    const want = new Set(expected);
    const extra = [...new Set(got)].filter((v) => !want.has(v));
    expect(new Set(got), `read but not expected: ${extra.slice(0, 10).join(",")} (${extra.length}); low watermark ${JSON.stringify(await admin.fetchTopicOffsets(topic))}`).toEqual(want);
    const offsets = await admin.fetchTopicOffsets(topic);
    expect(offsets[0]).toMatchObject({ low: "100", high: String(300 + 200 + 50) });
  }, 240_000);

  it("a drained broker's copies are deleted once the drain has moved them", async () => {
    const topic = "drained";
    await admin.createTopics({ topics: [{ topic, numPartitions: 1, replicationFactor: 2 }] });
    const placed = await until("placed", async () => (await partitionState(fixture.etcd, topic, 0)) && replicasOf(fixture.etcd, topic));
    const victim = fixture.broker(placed[0]!);
    const acked = values("d", 300);
    await produce(topic, acked);
    await until("copy holds the records", () => dataBytes(victim, topic) > 300 * 300);
    const drained = await cli(["cluster", "drain", String(victim.id), "--cluster", fixture.etcd.url, "--wait", "60"]);
    expect(drained.stderr).toBe("");
    expect(drained.code).toBe(0);
    expect(await replicasOf(fixture.etcd, topic)).not.toContain(victim.id);
    await until("drained copy deleted", () => dataBytes(victim, topic) === 0, 20_000);
    const rest = brokers.filter((b) => b.id !== victim.id);
    expect(new Set(await readValues(kafka(rest), topic, acked.length))).toEqual(new Set(acked));
  }, 180_000);
});

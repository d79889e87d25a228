// WebSocket group consumers through the cluster client (src/client/cluster-group.ts): two members of one
// group, each its own connectCluster, join at the group's coordinator (the leader of its __consumer_offsets
// partition) and read their partitions from the leaders. While records keep coming, the coordinator is
// killed -9, then a broker leading data partitions: every produced record is consumed, and no record is
// delivered again after a commit that covered it was acknowledged (at-least-once from the last commit).

import { describe, expect, it } from "vitest";
import { connectCluster, type RivuletCluster } from "../../src/client/cluster.js";
import { offsetsPartitionFor, type ClusterGroupConsumer } from "../../src/client/cluster-group.js";
import { clusterFixture, partitionState, sleep, until } from "./harness.js";

const fixture = clusterFixture({ timeoutMs: 90_000 });
const { brokers } = fixture;

const TOPIC = "gw";
const GROUP = "gw-readers";
const PARTITIONS = 4;
const TOTAL = 400;
const text = (v: Uint8Array | string | null) => (typeof v === "string" ? v : new TextDecoder().decode(v ?? new Uint8Array()));

interface Delivery { member: number; partition: number; offset: bigint; value: string; at: number }
interface Commit { partition: number; position: bigint; at: number }

async function coordinatorId(cluster: RivuletCluster): Promise<number> {
  await cluster.refresh(["__consumer_offsets"]);
  const offsets = cluster.metadata.topics.find((t) => t.name === "__consumer_offsets")!;
  const p = offsetsPartitionFor(GROUP, offsets.partitions.length);
  return (await partitionState(fixture.etcd, "__consumer_offsets", p))!.leader;
}

describe("cluster client: WebSocket consumer groups", () => {
  it("loses nothing and re-delivers nothing committed across a coordinator kill and a leader kill", async () => {
    const urls = brokers.map((b) => `${b.wsUrl}/ws`);
    const admin = await connectCluster({ urls });
    await admin.admin.createTopic(TOPIC, { partitions: PARTITIONS });
    for (let p = 0; p < PARTITIONS; p++) await until(`ISR of 3 for ${TOPIC}-${p}`, async () => (await partitionState(fixture.etcd, TOPIC, p))?.isr.length === 3);

    const deliveries: Delivery[] = [];
    const commits: Commit[] = [];
    const members: { cluster: RivuletCluster; consumer: ClusterGroupConsumer }[] = [];
    const loops: Promise<void>[] = [];
    let stop = false;
    for (const n of [0, 1]) {
      const cluster = await connectCluster({ urls });
      const consumer = cluster.consumer({ group: GROUP, topic: TOPIC, from: "earliest", sessionTimeoutMs: 6000, autoCommitIntervalMs: 300 });
      members.push({ cluster, consumer });
      loops.push((async () => {
        let count = 0;
        while (!stop) {
          const r = await consumer.next().catch((e: Error) => (stop ? undefined : Promise.reject(e)));
          if (!r) return;
          deliveries.push({ member: n, partition: r.partition, offset: r.offset, value: text(r.value), at: Date.now() });
          if (++count % 10 === 0) {
            const positions = consumer.positions();
            const ok = await consumer.commit().then(() => true, () => false);
            if (ok) for (const [partition, position] of positions) commits.push({ partition, position, at: Date.now() });
          }
        }
      })());
    }

    const producer = admin.producer({ acks: "all", deliveryTimeoutMs: 60_000 });
    const produced: string[] = [];
    const consumedValues = () => new Set(deliveries.map((d) => d.value));
    const killed: number[] = [];
    // At least TOTAL records, and on until both kills are done: however late the group settles, records
    // keep coming after each kill (a fixed count could all be consumed before the first one).
    let killsDone = false;
    const producing = (async () => {
      for (let i = 0; i < TOTAL || !killsDone; i++) {
        await producer.send({ topic: TOPIC, partition: i % PARTITIONS, value: `v${i}` });
        produced.push(`v${i}`);
        await sleep(10);
      }
    })();

    // Both members read (the group spread its partitions), then the coordinator dies.
    await until("both members consuming", () => new Set(deliveries.map((d) => d.member)).size === 2 && deliveries.length >= 60, 40_000);
    const coordinator = await coordinatorId(admin);
    const killedAt = [Date.now()];
    await brokers.find((b) => b.id === coordinator)!.kill("SIGKILL");
    killed.push(coordinator);
    const afterFirst = deliveries.length;
    // On a timeout, say which side stalled: the producer (failing over its partitions) or the members.
    const state = () => JSON.stringify({ coordinator, produced: produced.length, deliveries: deliveries.length, afterFirst, perMember: [0, 1].map((m) => deliveries.filter((d) => d.member === m).length), lastDeliveryMsAgo: Date.now() - (deliveries.at(-1)?.at ?? 0), commits: commits.length });
    await until("consumption after the coordinator kill", () => deliveries.length >= afterFirst + 80, 60_000).catch((e: Error) => Promise.reject(new Error(`${e.message}: ${state()}`)));

    // Then a live broker that leads data partitions (with two left, the one that is not the coordinator).
    const newCoordinator = await until("a new coordinator", async () => {
      const id = await coordinatorId(admin).catch(() => -1);
      return id > 0 && id !== coordinator ? id : undefined;
    });
    const leaders = await Promise.all(Array.from({ length: PARTITIONS }, (_, p) => partitionState(fixture.etcd, TOPIC, p)));
    const live = brokers.filter((b) => !killed.includes(b.id));
    const leaderVictim = live.find((b) => b.id !== newCoordinator && leaders.some((s) => s?.leader === b.id)) ?? live.find((b) => leaders.some((s) => s?.leader === b.id))!;
    killedAt.push(Date.now());
    await leaderVictim.kill("SIGKILL");
    killed.push(leaderVictim.id);
    killsDone = true;

    await producing;
    await producer.close();
    await until(`every produced record consumed (${produced.length})`, () => {
      const seen = consumedValues();
      return produced.every((v) => seen.has(v));
    }, 90_000);
    stop = true;
    for (const m of members) await m.consumer.close();
    await Promise.all(loops);
    for (const m of members) m.cluster.close();
    admin.close();

    if (process.env.CLUSTER_DEBUG) console.log(JSON.stringify({ deliveries: deliveries.length, distinct: consumedValues().size, commits: commits.length, killed, perMember: [0, 1].map((m) => deliveries.filter((d) => d.member === m).length), afterFirst, resumedAfterMs: killedAt.map((t) => (deliveries.find((d) => d.at > t + 50)?.at ?? NaN) - t) }));
    // Nothing lost.
    const seen = consumedValues();
    expect(produced.filter((v) => !seen.has(v))).toEqual([]);
    expect(produced.length).toBeGreaterThanOrEqual(TOTAL);
    // Nothing committed delivered again: no delivery of an offset below a position whose commit was
    // acknowledged before that delivery.
    const redelivered = deliveries.filter((d) => commits.some((c) => c.partition === d.partition && c.at < d.at && d.offset < c.position));
    expect(redelivered).toEqual([]);
    expect(commits.length).toBeGreaterThan(0);
    expect(killed.length).toBe(2);
  }, 240_000);
});

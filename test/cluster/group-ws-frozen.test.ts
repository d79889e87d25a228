// A WebSocket group member through the cluster client when its coordinator is frozen (SIGSTOP) rather than
// killed: the broker's lease expires, another broker takes the group's offsets partition (and the
// partitions the frozen broker led), and the woken broker, deposed, fences its members. The member must
// end up at the new coordinator and every record must still be consumed, none committed delivered again.

import { describe, expect, it } from "vitest";
import { connectCluster } from "../../src/client/cluster.js";
import { offsetsPartitionFor } from "../../src/client/cluster-group.js";
import { clusterFixture, partitionState, sleep, until } from "./harness.js";

const fixture = clusterFixture({ timeoutMs: 90_000 });
const { brokers } = fixture;

const TOPIC = "frozen";
const GROUP = "frozen-readers";
const TOTAL = 200;

describe("cluster client: a frozen group coordinator", () => {
  it("moves the member to the new coordinator without losing records", async () => {
    const urls = brokers.map((b) => `${b.wsUrl}/ws`);
    const cluster = await connectCluster({ urls, requestTimeoutMs: 5000 });
    await cluster.admin.createTopic(TOPIC, { partitions: 3 });
    for (let p = 0; p < 3; p++) await until(`ISR of 3 for ${TOPIC}-${p}`, async () => (await partitionState(fixture.etcd, TOPIC, p))?.isr.length === 3);
    const consumer = cluster.consumer({ group: GROUP, topic: TOPIC, from: "earliest", sessionTimeoutMs: 6000, autoCommitIntervalMs: 200 });
    const seen: { value: string; partition: number; offset: bigint; at: number }[] = [];
    const commits: { partition: number; position: bigint; at: number }[] = [];
    let stop = false;
    const loop = (async () => {
      while (!stop) {
        const r = await consumer.next().catch(() => undefined);
        if (!r) return;
        seen.push({ value: new TextDecoder().decode(r.value ?? new Uint8Array()), partition: r.partition, offset: r.offset, at: Date.now() });
        if (seen.length % 10 === 0) {
          const positions = consumer.positions();
          if (await consumer.commit().then(() => true, () => false)) for (const [partition, position] of positions) commits.push({ partition, position, at: Date.now() });
        }
      }
    })();
    const producer = cluster.producer({ acks: "all", deliveryTimeoutMs: 60_000 });
    for (let i = 0; i < 60; i++) await producer.send({ topic: TOPIC, partition: i % 3, value: `f${i}` });
    await until("the first records consumed", () => seen.length >= 60, 30_000);

    await cluster.refresh(["__consumer_offsets"]);
    const count = cluster.partitionCount("__consumer_offsets")!;
    const before = (await partitionState(fixture.etcd, "__consumer_offsets", offsetsPartitionFor(GROUP, count)))!;
    const frozen = brokers.find((b) => b.id === before.leader)!;
    frozen.proc.child.kill("SIGSTOP");
    await until("a new coordinator", async () => {
      const s = await partitionState(fixture.etcd, "__consumer_offsets", offsetsPartitionFor(GROUP, count));
      return s && s.leader !== frozen.id && s.leader > 0;
    }, 30_000);
    for (let i = 60; i < 120; i++) await producer.send({ topic: TOPIC, partition: i % 3, value: `f${i}` });
    frozen.proc.child.kill("SIGCONT");
    for (let i = 120; i < TOTAL; i++) {
      await producer.send({ topic: TOPIC, partition: i % 3, value: `f${i}` });
      await sleep(5);
    }
    const expected = Array.from({ length: TOTAL }, (_, i) => `f${i}`);
    await until("every record consumed", () => {
      const values = new Set(seen.map((s) => s.value));
      return expected.every((v) => values.has(v));
    }, 60_000).catch((error: Error) => {
      const values = new Set(seen.map((s) => s.value));
      throw new Error(`${error.message}: missing ${expected.filter((v) => !values.has(v)).join(",")}`);
    });
    stop = true;
    await consumer.close();
    await loop;
    await producer.close();
    cluster.close();
    const redelivered = seen.filter((d) => commits.some((c) => c.partition === d.partition && c.at < d.at && d.offset < c.position));
    expect(redelivered).toEqual([]);
  }, 150_000);
});

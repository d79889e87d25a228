// rows() on the cluster client's multi-partition and group consumers (src/client/cluster-merge.ts), on
// three broker processes: every record of every partition exactly once and in order per partition, while
// the leader of one partition is killed -9 mid-read (its reader follows the new leader from after the last
// batch handed out); and a group member reading with rows() commits what it was handed, so a member that
// joins after it resumes exactly there.

import { describe, expect, it } from "vitest";
import { connectCluster } from "../../src/client/cluster.js";
import { clusterFixture, partitionState, until } from "./harness.js";

const fixture = clusterFixture({ timeoutMs: 90_000 });
const { brokers } = fixture;
const PARTITIONS = 3;
const text = (v: Uint8Array | null) => new TextDecoder().decode(v ?? new Uint8Array());

describe("cluster client: rows() over several partitions", () => {
  it("reads every partition exactly once across a leader kill, and a group resumes from what rows() handed out", async () => {
    const urls = brokers.map((b) => `${b.wsUrl}/ws`);
    const cluster = await connectCluster({ urls });
    await cluster.admin.createTopic("mr", { partitions: PARTITIONS });
    for (let p = 0; p < PARTITIONS; p++) await until(`ISR of 3 for mr-${p}`, async () => (await partitionState(fixture.etcd, "mr", p))?.isr.length === 3);
    const producer = cluster.producer({ acks: "all", deliveryTimeoutMs: 60_000 });
    const produce = async (from: number, to: number) => {
      for (let i = from; i < to; i++) await producer.send({ topic: "mr", partition: i % PARTITIONS, value: `v${i}` });
    };
    await produce(0, 300);

    // Several partitions, read with rows(); the leader of partition 0 dies half-way.
    const seen = new Map<number, string[]>();
    const reader = cluster.consumer({ topic: "mr", from: "earliest" });
    let total = 0;
    let killed = false;
    for await (const rows of reader.rows()) {
      for (let i = 0; i < rows.count; i++) {
        const partition = Number(text(rows.value(i)).slice(1)) % PARTITIONS;
        seen.set(partition, [...(seen.get(partition) ?? []), text(rows.value(i))]);
        total++;
      }
      if (!killed && total >= 150) {
        killed = true;
        const leader = (await partitionState(fixture.etcd, "mr", 0))!.leader;
        await brokers.find((b) => b.id === leader)!.kill("SIGKILL");
        await produce(300, 400);
      }
      if (total >= 400) break;
    }
    await reader.close();
    expect(killed).toBe(true);
    for (let p = 0; p < PARTITIONS; p++) {
      const expected = Array.from({ length: 400 }, (_, i) => i).filter((i) => i % PARTITIONS === p).map((i) => `v${i}`);
      expect(seen.get(p)).toEqual(expected);
    }
    // Positions: the offset after the last record handed out, per partition.
    expect([...reader.positions().values()].reduce((a, b) => a + b, 0n)).toBe(400n);

    // A group member reading with rows() commits what it was handed; the next member resumes there.
    const first = cluster.consumer({ group: "mr-group", topic: "mr", from: "earliest", autoCommit: false });
    let firstCount = 0;
    for await (const rows of first.rows()) {
      firstCount += rows.count;
      if (firstCount >= 400) break;
    }
    expect(firstCount).toBe(400);
    await until("the commit accepted", () => first.commit().then(() => true, () => false));
    await first.close();
    await produce(400, 430);
    const second = cluster.consumer({ group: "mr-group", topic: "mr", from: "earliest", autoCommit: false });
    const resumed: string[] = [];
    for await (const rows of second.rows()) {
      for (let i = 0; i < rows.count; i++) resumed.push(text(rows.value(i)));
      if (resumed.length >= 30) break;
    }
    await second.close();
    expect(resumed.sort()).toEqual(Array.from({ length: 30 }, (_, i) => `v${400 + i}`).sort());
    await producer.close();
    cluster.close();
  });
});

// The WebSocket front end in cluster mode: a WS producer with acks=all on the partition leader, the leader
// killed -9 mid-stream; the cluster client (src/client/cluster.ts) learns the brokers' URLs from METADATA,
// sends to the leader, and after the kill refreshes the metadata and carries on with the new leader. Every acknowledged record is then read back through
// a WS consumer on the new leader (reads see only committed records, below the high watermark). Two cluster
// readers follow the leader across the kill, one with next() and one with row views (rows()).

import { describe, expect, it } from "vitest";
import { connect } from "../../src/client/index.js";
import { connectCluster } from "../../src/client/cluster.js";
import { clusterFixture, partitionState, until } from "./harness.js";

const fixture = clusterFixture({ broker: { minIsr: 2 } });
const { brokers } = fixture;

const wsOf = (id: number) => `${brokers.find((b) => b.id === id)!.wsUrl}/ws`;

describe("cluster failover (WebSocket client, acks=all)", () => {
  it("keeps every acknowledged record when the leader is killed -9", async () => {
    const bootstrap = await connect({ url: wsOf(1) });
    await bootstrap.admin.createTopic("wsorders", { partitions: 1 } as never);
    bootstrap.close();
    const first = await until("ISR of 3", async () => {
      const s = await partitionState(fixture.etcd, "wsorders", 0);
      return s && s.isr.length === 3 ? s : undefined;
    });
    const acked: string[] = [];
    // The client routes to the leader itself (METADATA's broker list) and follows the new leader after the kill.
    const cluster = await connectCluster({ urls: brokers.map((b) => `${b.wsUrl}/ws`) });
    const producer = cluster.producer({ acks: "all", deliveryTimeoutMs: 30_000 });
    // A non-group reader following the leader across the kill: every record once, in order.
    const follower = cluster.consumer({ topic: "wsorders", partition: 0, from: "earliest" });
    const followed: string[] = [];
    const reading = (async () => {
      while (followed.length < 120) {
        const v = (await follower.next()).value;
        followed.push(typeof v === "string" ? v : new TextDecoder().decode(v ?? new Uint8Array()));
      }
    })();
    // The same partition read as row views (rows()), following the leader across the kill too.
    const rowsFollower = cluster.consumer({ topic: "wsorders", partition: 0, from: "earliest" });
    const rowsSeen: string[] = [];
    const readingRows = (async () => {
      for await (const rows of rowsFollower.rows()) {
        for (let i = 0; i < rows.count; i++) rowsSeen.push(new TextDecoder().decode(rows.value(i) ?? new Uint8Array()));
        if (rowsSeen.length >= 120) break;
      }
    })();
    for (let i = 0; i < 120; i++) {
      if (i === 50) await brokers.find((b) => b.id === first.leader)!.kill("SIGKILL");
      await producer.send({ topic: "wsorders", partition: 0, value: `w${i}` });
      acked.push(`w${i}`);
    }
    await producer.close();
    await Promise.race([reading, new Promise((_, reject) => setTimeout(() => reject(new Error(`the cluster consumer stalled at ${followed.length}`)), 30_000))]);
    await Promise.race([readingRows, new Promise((_, reject) => setTimeout(() => reject(new Error(`the cluster rows() reader stalled at ${rowsSeen.length}`)), 30_000))]);
    await follower.close();
    await rowsFollower.close();
    expect(cluster.metadata.topics.find((t) => t.name === "wsorders")!.partitions[0]!.leader).not.toBe(first.leader);
    cluster.close();
    const now = (await partitionState(fixture.etcd, "wsorders", 0))!;
    expect(now.leader).not.toBe(first.leader);
    expect(now.leaderEpoch).toBeGreaterThan(first.leaderEpoch);
    const reader = await connect({ url: wsOf(now.leader) });
    const seen: string[] = [];
    const consumer = reader.consumer({ topic: "wsorders", from: "earliest" });
    for await (const record of consumer as AsyncIterable<{ value: Uint8Array | string | null }>) {
      const v = record.value;
      seen.push(typeof v === "string" ? v : new TextDecoder().decode(v ?? new Uint8Array()));
      if (seen.length >= acked.length) break;
    }
    reader.close();
    // The follower saw the log exactly (no gap, no duplicate across the leader change): the same first 120
    // records a fresh reader of the new leader sees (a retried send may appear twice in the log itself).
    const differs = followed.findIndex((v, i) => v !== seen[i]);
    expect(rowsSeen.slice(0, 120), "rows() saw the log as next() did").toEqual(seen.slice(0, 120));
    expect(followed, `first difference at ${differs}: followed ${JSON.stringify(followed.slice(Math.max(0, differs - 3), differs + 5))}, log ${JSON.stringify(seen.slice(Math.max(0, differs - 3), differs + 5))}`).toEqual(seen.slice(0, 120));
    const set = new Set(seen);
    expect(acked.filter((v) => !set.has(v))).toEqual([]);
    expect(acked.length).toBe(120);
  }, 90_000);
});

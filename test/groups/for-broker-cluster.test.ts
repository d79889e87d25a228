// The broker wiring of the group coordinator in cluster mode (src/groups/for-broker.ts): partition counts
// come from the cluster metadata and log ends from the partition's leader (broker.cluster), not from the
// local store, which may hold no replica of the topic (needs the built shard worker: `npm run build:ts`).
import { describe, expect, it } from "vitest";
import type { ClusterView } from "../../src/broker/replication-hooks.js";
import { createBrokerCoordinator, type TopicPartition } from "../../src/groups/index.js";
import { tempDataDirs } from "../broker/helpers.js";
import { quiet, testConfig } from "./helpers.js";

const env = tempDataDirs();

function view(counts: Record<string, number>, hw: (topic: string, partition: number) => bigint | undefined): ClusterView {
  return {
    brokerId: 1,
    brokers: () => [],
    controllerId: () => 1,
    partition: () => undefined,
    createTopic: () => Promise.reject(new Error("not in this test")),
    deleteTopic: () => Promise.reject(new Error("not in this test")),
    addPartitions: () => Promise.reject(new Error("not in this test")),
    partitionCount: (topic) => counts[topic],
    leaderHighWatermark: (topic, partition) => Promise.resolve(hw(topic, partition)),
  };
}

describe("group coordinator on a cluster broker", () => {
  it("assigns a topic this broker does not store, and reports the leader's log end and lag", async () => {
    const broker = await env.broker({ dataDir: env.dir() });
    const coord = await createBrokerCoordinator(broker, { logger: quiet, config: testConfig });
    // Installed after the coordinator made its offsets topic (that goes through broker.cluster otherwise).
    broker.cluster = view({ remote: 3 }, (topic, partition) => (topic === "remote" && partition === 0 ? 42n : undefined));
    expect(broker.topic("remote")).toBeUndefined();

    const assigned = new Promise<TopicPartition[]>((resolve) => {
      coord.joinManaged({ groupId: "g", topics: ["remote"], sessionTimeoutMs: 5000, assignor: "range" }, { onAssigned: (p) => resolve(p), onRevoked: async () => {} });
    });
    expect((await assigned).map((tp) => `${tp.topic}-${tp.partition}`).sort()).toEqual(["remote-0", "remote-1", "remote-2"]);

    const d = await coord.describeGroup("g");
    const rows = new Map(d.offsets.map((o) => [o.partition, o]));
    // Partition 0: the leader's 42; partition 1 (no leader answering): unknown, not the local 0.
    expect(rows.get(0)).toMatchObject({ logEndOffset: 42n });
    expect(rows.get(1)).toMatchObject({ logEndOffset: null, lag: null });
    coord.close();
    await broker.close();
  });

  it("computes the lag from the leader's log end", async () => {
    const broker = await env.broker({ dataDir: env.dir() });
    const coord = await createBrokerCoordinator(broker, { logger: quiet, config: testConfig });
    broker.cluster = view({ remote: 1 }, () => 42n);
    const r = await coord.commitOffsets({ groupId: "idle", generationId: -1, memberId: "", topics: [{ name: "remote", partitions: [{ partitionIndex: 0, committedOffset: 10n, committedMetadata: "" }] }] });
    expect(r.topics[0]!.partitions[0]!.errorCode).toBe(0);
    expect((await coord.describeGroup("idle")).offsets).toEqual([expect.objectContaining({ topic: "remote", partition: 0, committedOffset: 10n, logEndOffset: 42n, lag: 32n })]);
    // A partition the cluster does not know is refused, as on one node.
    const bad = await coord.commitOffsets({ groupId: "idle", generationId: -1, memberId: "", topics: [{ name: "remote", partitions: [{ partitionIndex: 1, committedOffset: 1n, committedMetadata: "" }] }] });
    expect(bad.topics[0]!.partitions[0]!.errorCode).toBe(3);
    coord.close();
    await broker.close();
  });
});
